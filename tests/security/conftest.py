"""Tools for crafting hostile tokens: hand-built segments signed with real keys, and the
attack tables shared by the JWTManager-level and the HTTP-level hostile suites."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import http.server
import json
import re
import threading
import time
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta, timezone
from typing import Any

import pytest
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec, ed25519, padding, rsa
from cryptography.hazmat.primitives.asymmetric.utils import decode_dss_signature
from cryptography.x509.oid import NameOID

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


# ------------------------------------------------------------------ attack tables and case builders
# Shared by test_hostile_tokens.py (through JWTManager) and test_hostile_http.py (through the
# demo app over HTTP). A builder returns ``[(token, expected code), ...]``.

ALG_NONE_SPELLINGS = ["none", "None", "NONE", "nOnE", "none ", " none", "none\u0000"]

ODD_ALG_HEADERS: list[tuple[dict[str, Any], str]] = [
    ({"typ": "JWT"}, "token_malformed"),
    ({"alg": None}, "token_malformed"),
    ({"alg": ["RS256"]}, "token_malformed"),
    ({"alg": {"name": "RS256"}}, "token_malformed"),
    ({"alg": ""}, "algorithm_not_allowed"),
    ({"alg": "rs256"}, "algorithm_not_allowed"),
    ({"alg": "RS256 "}, "algorithm_not_allowed"),
    ({"alg": "RS-256"}, "algorithm_not_allowed"),
    ({"alg": "HS1"}, "algorithm_not_allowed"),
    ({"alg": "ES512"}, "algorithm_not_allowed"),
]

KID_ATTACKS = [
    "../../../../../../dev/null",
    "/dev/null",
    "../../keys/private_key.pem",
    "..\\..\\windows\\win.ini",
    "file:///etc/passwd",
    "http://127.0.0.1/",
    "| cat /etc/passwd",
    "$(reboot)",
    "`id`",
    "' OR '1'='1",
    "x'; DROP TABLE keys; --",
    "",
    " ",
    "\u0000",
    "hmac",
    "*",
    "%",
    "k" * 1400,
]

KID_WRONG_TYPES: list[Any] = [None, 1, 0, True, ["k"], {"k": 1}]

CRIT_AND_B64_HEADERS: list[dict[str, Any]] = [
    {"crit": ["exp"]},
    {"crit": []},
    {"crit": ["b64"], "b64": False},
    {"crit": "b64"},
    {"crit": ["urn:example:critical"], "urn:example:critical": True},
    {"b64": False},
    {"b64": True},
]

HEADER_TYP_ATTACKS: list[Any] = [
    "at+jwt",
    "dpop+jwt",
    "logout+jwt",
    "JWE",
    "JOSE",
    "",
    None,
    ["JWT"],
]

CLAIM_TYP_ATTACKS = ["Access", "ACCESS", "access ", "id", "at+jwt", "refresh\u0000"]

DUPLICATE_KEY_HEADERS = [
    b'{"alg":"RS256","alg":"none"}',
    b'{"alg":"none","alg":"RS256"}',
    b'{"alg":"RS256","\\u0061lg":"RS256"}',
    b'{"alg":"RS256","kid":"a","kid":"b"}',
    b'{"alg":"RS256","typ":"JWT","typ":"JWT"}',
]


def duplicate_key_payloads(claims_json: str) -> list[str]:
    """``claims_json`` (one JSON object) with a member repeated in several ways."""
    return [
        claims_json[:-1] + ', "sub": "admin"}',
        claims_json[:-1] + ', "exp": 9999999999}',
        claims_json[:-1] + ', "\\u0073ub": "admin"}',
        claims_json[:-1] + ', "roles": ["user"], "roles": ["admin"]}',
        claims_json[:-1] + ', "meta": {"k": 1, "k": 2}}',
        claims_json[:-1] + ', "list": [{"a": 1, "a": 1}]}',
    ]


NON_JSON_PAYLOADS = [
    b"",
    b"not json",
    b"[]",
    b"null",
    b"123",
    b'"a string"',
    b"{",
    b'{"sub": "a"',
    b"\xff\xfe{}",
    b"\xef\xbb\xbf{}",
    b'{"sub": "\xc3\x28"}',
    b'{"sub": "\\ud800"}',
    b'{"exp": NaN}',
    b'{"exp": Infinity}',
    b'{"exp": 1e400}',
    b'{"sub": "a"} trailing',
    b'{"sub": "a"}{"sub": "b"}',
    b"{'sub': 'a'}",
    b'{"a": ' + b"[" * 1000 + b"]" * 1000 + b"}",
    b'{"a": ' + b'{"a": ' * 500 + b"1" + b"}" * 500 + b"}",
]

CLAIM_ODDITIES: list[tuple[str, Any]] = [
    ("exp", "9999999999"),
    ("exp", True),
    ("exp", [9999999999]),
    ("exp", {"$date": 9999999999}),
    ("exp", -1),
    ("exp", 2**63),
    ("exp", 2**64 + 1),
    ("exp", 10**30),
    ("exp", 1e20),
    ("exp", 253402300800),
    ("nbf", "0"),
    ("nbf", -5),
    ("iat", "now"),
    ("iat", [1]),
    ("sub", 42),
    ("sub", ""),
    ("sub", ["user-1"]),
    ("sub", {"id": "user-1"}),
    ("iss", ["test-issuer"]),
    ("jti", 7),
    ("jti", ""),
    ("sid", 1),
    ("org", ["a", "b"]),
    ("org", ""),
    ("roles", "admin"),
    ("roles", [None]),
    ("roles", [["admin"]]),
    ("roles", {"admin": True}),
    ("permissions", [1, 2]),
    ("aud", []),
    ("aud", [None]),
    ("aud", [["test-audience"]]),
    ("aud", 1),
    ("typ", 1),
]

REQUIRED_CLAIMS = ["iss", "aud", "exp", "sub", "jti", "typ"]


def _cyrillic(text: str) -> str:
    """``text`` with its last Latin ``e``, ``i`` or ``o`` swapped for the Cyrillic look-alike."""
    for index in range(len(text) - 1, -1, -1):
        twin = {"e": "\u0435", "i": "\u0456", "o": "\u043e"}.get(text[index])
        if twin is not None:
            return text[:index] + twin + text[index + 1 :]
    raise ValueError(text)


def unicode_lookalikes(
    issuer: str = "test-issuer", audience: str = "test-audience"
) -> list[tuple[str, Any]]:
    """``(claim, value)`` pairs that look like ``issuer``/``audience`` but are not."""
    fullwidth = "".join(chr(ord(c) + 0xFEE0) for c in issuer[:4]) + issuer[4:]
    return [
        ("iss", issuer + "\u200b"),
        ("iss", issuer + " "),
        ("iss", issuer.title()),
        ("iss", _cyrillic(issuer)),
        ("iss", fullwidth),
        ("iss", issuer + "\u0000"),
        ("aud", audience + "\u202e"),
        ("aud", _cyrillic(audience)),
        ("aud", audience + "-evil"),
        ("aud", audience[:4]),
        ("aud", [audience + "\u200b"]),
    ]


UNICODE_LOOKALIKES = unicode_lookalikes()


def wrong_issuer_or_audience(
    issuer: str = "test-issuer", audience: str = "test-audience"
) -> list[tuple[str, Any]]:
    return [
        ("iss", "someone-else"),
        ("iss", f"https://{issuer}"),
        ("aud", "other-audience"),
        ("aud", ["x", "y"]),
        ("aud", [audience.upper()]),
        ("aud", f"{audience},other"),
    ]


WRONG_ISSUER_OR_AUDIENCE = wrong_issuer_or_audience()


def stripped_signature_cases(token: str) -> list[tuple[str, str]]:
    """A genuine ``token`` with its signature removed, truncated, extended or mangled."""
    head, body, sig = token.split(".")
    zero_prefixed = b64(bytes(1) + unb64(sig))
    return [
        (f"{head}.{body}.", "invalid_signature"),
        (f"{head}.{body}.{sig[:4]}", "invalid_signature"),
        (f"{head}.{body}.{sig[:340]}", "invalid_signature"),
        (f"{head}.{body}.{sig[:-1]}", "token_malformed"),
        (f"{head}.{body}.{sig}AAAA", "invalid_signature"),
        (f"{head}.{body}.{zero_prefixed}", "invalid_signature"),
        (f"{head}.{body}.{b64(unb64(sig)[::-1])}", "invalid_signature"),
        (f"{head}.{body}", "token_malformed"),
        (f"{head}.{body}.{sig}.", "token_malformed"),
    ]


def segment_count_cases(token: str) -> list[str]:
    """A genuine ``token`` with the wrong number of segments, or as JSON serialization
    (all ``token_malformed``)."""
    head, body, sig = token.split(".")
    flattened = json.dumps({"protected": head, "payload": body, "signature": sig})
    general = json.dumps({"payload": body, "signatures": [{"protected": head, "signature": sig}]})
    return [
        head,
        f"{head}.{body}",
        f"{head}.{body}.{sig}.{sig}",
        f"{head}.{body}.{sig}..",
        f"{head}.{b64(b'key')}.{b64(b'iv')}.{body}.{sig}",
        f".{head}.{body}.{sig}",
        f"{head}..{body}.{sig}",
        flattened,
        general,
        "...",
        "..",
        ".",
    ]


def sibling(char: str) -> str:
    """Another base64url character with the same top bits (equal under lenient decoders)."""
    alphabet = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    index = alphabet.index(char)
    return alphabet[index ^ 1]


def public_key_encodings(private_pem: str) -> list[bytes]:
    """Every encoding of the public key of ``private_pem`` that a confused verifier might
    use as an HMAC secret."""
    public = serialization.load_pem_private_key(private_pem.encode(), None).public_key()
    spki_pem = public.public_bytes(
        serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo
    )
    encodings = [
        spki_pem,
        spki_pem.strip(),
        spki_pem.replace(b"\n", b"\r\n"),
        public.public_bytes(
            serialization.Encoding.DER, serialization.PublicFormat.SubjectPublicKeyInfo
        ),
        public.public_bytes(serialization.Encoding.OpenSSH, serialization.PublicFormat.OpenSSH),
    ]
    if isinstance(public, rsa.RSAPublicKey):
        for encoding in (serialization.Encoding.PEM, serialization.Encoding.DER):
            encodings.append(public.public_bytes(encoding, serialization.PublicFormat.PKCS1))
    if isinstance(public, ed25519.Ed25519PublicKey):
        encodings.append(
            public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)
        )
    if isinstance(public, ec.EllipticCurvePublicKey):
        encodings.append(
            public.public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )
    return encodings


def jwk_of(private: Any, **members: Any) -> dict[str, Any]:
    """The public JWK of ``private`` (RSA or EC) with ``members`` added."""
    import jwt

    algorithm = (
        jwt.algorithms.ECAlgorithm
        if isinstance(private, ec.EllipticCurvePrivateKey)
        else jwt.algorithms.RSAAlgorithm
    )
    return {**json.loads(algorithm.to_jwk(private.public_key())), **members}


def self_signed_cert(private: Any) -> bytes:
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "attacker")])
    now = datetime.now(timezone.utc)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(private.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=1))
        .sign(private, hashes.SHA256())
    )
    return cert.public_bytes(serialization.Encoding.DER)


def embedded_key_headers(attacker: Any, key_server: str) -> list[dict[str, Any]]:
    """Header members that carry the ``attacker``'s key or point at ``key_server``."""
    jwk = jwk_of(attacker)
    cert = b64(self_signed_cert(attacker))
    return [
        {"jwk": jwk},
        {"jwk": jwk, "kid": "attacker"},
        {"jku": f"{key_server}/jwks.json"},
        {"jku": f"{key_server}/jwks.json", "kid": "attacker"},
        {"x5u": f"{key_server}/cert.pem"},
        {"x5c": [base64.b64encode(unb64(cert)).decode()]},
        {"x5t": b64(hashlib.sha1(unb64(cert)).digest())},
        {"x5t#S256": b64(hashlib.sha256(unb64(cert)).digest())},
        {"jwk": jwk, "jku": f"{key_server}/k", "x5u": f"{key_server}/c", "x5c": ["AAAA"]},
    ]


class KeyURLRecorder(http.server.BaseHTTPRequestHandler):
    """Answers every GET with an empty JWKS and records the path (``hits``)."""

    hits: list[str] = []  # noqa: RUF012  (shared by design: the test reads it)

    def do_GET(self) -> None:
        KeyURLRecorder.hits.append(self.path)
        attacker = json.dumps({"keys": []}).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.end_headers()
        self.wfile.write(attacker)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def key_server() -> Iterator[str]:
    """A loopback HTTP server that records every request it receives (``KeyURLRecorder``)."""
    KeyURLRecorder.hits = []
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), KeyURLRecorder)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    try:
        yield f"http://127.0.0.1:{server.server_address[1]}"
    finally:
        server.shutdown()
        server.server_close()


# ------------------------------------------------------------ no secret in any log line
# Every hostile case runs with every netrun_auth logger on (DEBUG, audit included) and an
# audit callback; afterwards no record, formatted line (traceback included) or audit
# payload may hold a token, a key or the test secret. (The HTTP workers' own log files
# are checked the same way in tests/redis/test_login_guard_http.py.)

_JWT_SHAPE = re.compile(r"eyJ[\w-]{8,}\.[\w-]{8,}\.[\w-]*")
_SECRETS = ("-----BEGIN", "s" * 64)


@pytest.fixture(autouse=True)
def no_secret_in_logs() -> Iterator[None]:
    import logging

    from netrun_auth import audit
    from netrun_auth.audit import JsonFormatter

    lines: list[str] = []
    plain, structured = logging.Formatter("%(levelname)s %(name)s %(message)s"), JsonFormatter()

    class Collect(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            lines.append(plain.format(record))
            lines.append(structured.format(record))

    logger = logging.getLogger("netrun_auth")
    handler, level = Collect(logging.DEBUG), logger.level
    logger.addHandler(handler)
    logger.setLevel(logging.DEBUG)
    previous = audit.set_handler(lambda payload: lines.append(json.dumps(payload, default=str)))
    try:
        yield
    finally:
        audit.set_handler(previous)
        logger.removeHandler(handler)
        logger.setLevel(level)
    for line in lines:
        masked = _JWT_SHAPE.sub("<token>", line)[:200]  # the report must not leak it either
        assert not _JWT_SHAPE.search(line), f"token-shaped text in a log line: {masked}"
        assert not any(secret in line for secret in _SECRETS), "secret in a log line"
