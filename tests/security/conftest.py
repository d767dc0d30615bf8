"""Tools for crafting hostile tokens: hand-built segments signed with real keys."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from collections.abc import Callable
from typing import Any

import pytest
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature

from netrun_auth import JWTManager
from netrun_auth.exceptions import AuthenticationError

#: No single verification may take longer than this (a hang is a failure, not a stall).
BOUND_SECONDS = 5.0

_HASHES = {"256": hashes.SHA256, "384": hashes.SHA384, "512": hashes.SHA512}


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64(segment: str) -> bytes:
    return base64.urlsafe_b64decode(segment + "=" * (-len(segment) % 4))


def encode_part(part: Any) -> str:
    """A segment: str as given (already encoded), bytes base64url-encoded, else JSON then encoded."""
    if isinstance(part, str):
        return part
    if isinstance(part, bytes):
        return b64(part)
    return b64(json.dumps(part).encode())


def load_private(key: Any) -> Any:
    if isinstance(key, str):
        return serialization.load_pem_private_key(key.encode(), None)
    return key


def raw_sign(alg: str, key: Any, data: bytes) -> bytes:
    """A JWS signature of ``data`` with ``alg`` (RFC 7518), made by pyca/cryptography."""
    if alg.startswith("HS"):
        return hmac.new(key, data, getattr(hashlib, f"sha{alg[2:]}")).digest()
    private = load_private(key)
    if alg == "EdDSA":
        return private.sign(data)
    digest = _HASHES[alg[2:]]()
    if alg.startswith("RS"):
        return private.sign(data, padding.PKCS1v15(), digest)
    if alg.startswith("PS"):
        return private.sign(
            data, padding.PSS(mgf=padding.MGF1(digest), salt_length=digest.digest_size), digest
        )
    r, s = decode_dss_signature(private.sign(data, ec.ECDSA(digest)))
    size = (private.curve.key_size + 7) // 8
    return r.to_bytes(size, "big") + s.to_bytes(size, "big")


def forge(header: Any, payload: Any, *, alg: str | None = None, key: Any = None) -> str:
    """``header.payload.signature`` with each part given raw; signed when ``key`` is given."""
    signing_input = f"{encode_part(header)}.{encode_part(payload)}"
    if key is None:
        return signing_input + "."
    if alg is None:
        alg = header["alg"]
    return f"{signing_input}.{b64(raw_sign(alg, key, signing_input.encode()))}"


def claims_for(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims: dict[str, Any] = {
        "iss": "test-issuer",
        "aud": "test-audience",
        "sub": "user-1",
        "exp": now + 600,
        "iat": now,
        "nbf": now,
        "jti": "jti-hostile",
        "typ": "access",
        "sid": "sid-hostile",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


def segments_of(token: str) -> list[str]:
    return [part for part in token.split(".") if len(part) >= 8]


async def attempt(manager: JWTManager, token: Any, op: str = "access") -> Any:
    """Run one verification in a worker thread, bounded by BOUND_SECONDS."""

    async def run() -> Any:
        if op == "refresh_token":
            return await manager.refresh_token(token)
        return await manager.validate_token(token, expected_type=op)

    started = time.perf_counter()
    try:
        return await asyncio.wait_for(
            asyncio.to_thread(lambda: asyncio.run(run())), timeout=BOUND_SECONDS
        )
    finally:
        elapsed = time.perf_counter() - started
        assert elapsed < BOUND_SECONDS, f"verification took {elapsed:.1f}s"


async def reject(
    manager: JWTManager, token: Any, error: type[AuthenticationError], code: str, op: str = "access"
) -> AuthenticationError:
    """Assert ``token`` is refused with exactly ``error``/``code``, 401, and never echoed."""
    with pytest.raises(AuthenticationError) as info:
        await attempt(manager, token, op)
    exc = info.value
    assert type(exc) is error, f"{type(exc).__name__}({exc.code}): {exc.message}"
    assert exc.code == code, exc.message
    assert exc.status_code == 401
    if isinstance(token, str) and token:
        rendered = f"{exc}|{exc!r}|{json.dumps(exc.to_dict())}"
        assert token not in rendered
        for part in segments_of(token):
            assert part not in rendered
    return exc


def rsa_key(bits: int = 2048) -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=bits)


def ec_key(curve: ec.EllipticCurve | None = None) -> ec.EllipticCurvePrivateKey:
    return ec.generate_private_key(curve or ec.SECP256R1())


def ed_key() -> ed25519.Ed25519PrivateKey:
    return ed25519.Ed25519PrivateKey.generate()


def pem_of(private: Any) -> str:
    return private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()


def public_pem_of(private: Any) -> str:
    return (
        private.public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
        .decode()
    )


@pytest.fixture
def legit(keys: Callable[[str], Any]) -> Callable[..., str]:
    """legit(header_extra=None, claims=None, alg="RS256") -> a token signed with the test key."""
    from ..conftest import KEY_KIND_OF

    def make(
        header_extra: dict[str, Any] | None = None,
        claims: Any = None,
        alg: str = "RS256",
        header: Any = None,
    ) -> str:
        head = header if header is not None else {"alg": alg, "typ": "JWT", **(header_extra or {})}
        body = claims if claims is not None else claims_for()
        if alg.startswith("HS"):
            from ..conftest import HS_SECRET

            key: Any = HS_SECRET.encode()
        else:
            key = keys(KEY_KIND_OF[alg]).private_pem
        return forge(head, body, alg=alg, key=key)

    return make
