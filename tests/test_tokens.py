"""Issuing, verifying, refreshing and revoking tokens through JWTManager."""

from __future__ import annotations

import asyncio
import base64
import hashlib
import hmac
import json
import time
from typing import Any

import jwt as pyjwt
import pytest

from netrun_auth import AuthConfig, JWTManager
from netrun_auth.exceptions import (
    AuthenticationError,
    TokenExpiredError,
    TokenInvalidError,
    TokenReuseError,
    TokenRevokedError,
)
from netrun_auth.types import TokenClaims, TokenPair

from .conftest import HS_SECRET, KEY_KIND_OF

ALL_ALGORITHMS = [*KEY_KIND_OF, "HS256", "HS384", "HS512"]
DUPLICATE_ALG_HEADER = (
    base64.urlsafe_b64encode(b'{"alg":"RS256","alg":"none"}').rstrip(b"=").decode()
)


def b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def segment(obj: Any) -> str:
    return b64(json.dumps(obj).encode())


def claims_for(**overrides: Any) -> dict[str, Any]:
    now = int(time.time())
    claims = {
        "iss": "test-issuer",
        "aud": "test-audience",
        "sub": "user-1",
        "exp": now + 600,
        "iat": now,
        "nbf": now,
        "jti": "jti-1",
        "typ": "access",
        "sid": "sid-1",
    }
    claims.update(overrides)
    return {k: v for k, v in claims.items() if v is not None}


@pytest.mark.parametrize("algorithm", ALL_ALGORITHMS)
async def test_round_trip_for_every_algorithm(make_config, algorithm):
    manager = JWTManager(make_config(algorithm))
    pair = await manager.generate_token_pair(
        "user123", "org456", ["user", "dev"], ["projects:read"], extra_claims={"tier": "gold"}
    )
    assert isinstance(pair, TokenPair)
    assert pair.token_type == "Bearer"
    assert pair.expires_in == 15 * 60
    assert set(pair.model_dump()) >= {"access_token", "refresh_token", "token_type", "expires_in"}
    header = json.loads(base64.urlsafe_b64decode(pair.access_token.split(".")[0] + "=="))
    assert header["alg"] == algorithm
    claims = await manager.validate_token(pair.access_token)
    assert isinstance(claims, TokenClaims)
    assert (claims.user_id, claims.organization_id) == ("user123", "org456")
    assert claims.roles == ["user", "dev"]
    assert claims.permissions == ["projects:read"]
    assert claims.token_type == "access"
    assert claims.session_id == pair.session_id
    assert claims.extra == {"tier": "gold"}
    assert (claims.issuer, claims.audience) == ("test-issuer", "test-audience")
    assert 14 * 60 < (claims.expires_at - claims.issued_at).total_seconds() <= 15 * 60
    refresh = await manager.validate_token(pair.refresh_token, expected_type="refresh")
    assert refresh.token_type == "refresh"
    assert refresh.jti != claims.jti


@pytest.mark.parametrize("algorithm", ["RS256", "PS384", "ES256", "ES384", "EdDSA", "HS256"])
async def test_our_tokens_verify_in_pyjwt(make_config, keys, algorithm):
    manager = JWTManager(make_config(algorithm))
    pair = await manager.generate_token_pair("user123", "org456", ["user"])
    key = HS_SECRET if algorithm.startswith("HS") else keys(KEY_KIND_OF[algorithm]).public_pem
    decoded = pyjwt.decode(
        pair.access_token,
        key,
        algorithms=[algorithm],
        issuer="test-issuer",
        audience="test-audience",
    )
    assert decoded["sub"] == "user123"
    assert decoded["org"] == "org456"
    assert decoded["typ"] == "access"


@pytest.mark.parametrize("algorithm", ["RS256", "RS512", "PS256", "ES256", "ES384", "EdDSA"])
async def test_pyjwt_tokens_verify_in_ours(make_config, keys, algorithm):
    manager = JWTManager(make_config(algorithm))
    token = pyjwt.encode(
        claims_for(org="o1", roles=["admin"]),
        keys(KEY_KIND_OF[algorithm]).private_pem,
        algorithm=algorithm,
    )
    claims = await manager.validate_token(token)
    assert (claims.user_id, claims.organization_id, claims.roles) == ("user-1", "o1", ["admin"])


@pytest.mark.parametrize("algorithm", ["RS256", "PS256", "ES256", "ES384", "EdDSA"])
async def test_our_jwks_loads_in_pyjwt(make_config, algorithm):
    manager = JWTManager(make_config(algorithm))
    pair = await manager.generate_token_pair("user123")
    jwks = pyjwt.PyJWKSet.from_dict(manager.jwks())
    kid = pyjwt.get_unverified_header(pair.access_token)["kid"]
    jwk = jwks[kid]
    assert jwk.algorithm_name == algorithm
    decoded = pyjwt.decode(
        pair.access_token,
        jwk,
        algorithms=[algorithm],
        issuer="test-issuer",
        audience="test-audience",
    )
    assert decoded["sub"] == "user123"


async def test_hmac_secrets_are_never_published(make_config):
    assert JWTManager(make_config("HS256")).jwks() == {"keys": []}


# ---------------------------------------------------------------- rejections


async def expect_rejected(manager: JWTManager, token: str, error: type, code: str | None = None):
    with pytest.raises(error) as info:
        await manager.validate_token(token)
    assert info.value.status_code == 401
    if code is not None:
        assert info.value.code == code
    assert token not in info.value.message
    return info.value


async def test_tampered_payload_and_signature(manager):
    token = (await manager.generate_token_pair("user123", roles=["user"])).access_token
    header, payload, signature = token.split(".")
    forged = json.loads(base64.urlsafe_b64decode(payload + "=="))
    forged["roles"] = ["admin"]
    await expect_rejected(
        manager, f"{header}.{segment(forged)}.{signature}", TokenInvalidError, "invalid_signature"
    )
    flipped = signature[:-2] + ("A" if signature[-2] != "A" else "B") + signature[-1]
    await expect_rejected(manager, f"{header}.{payload}.{flipped}", TokenInvalidError)
    await expect_rejected(manager, f"{header}.{payload}.", TokenInvalidError)


@pytest.mark.parametrize("alg", ["none", "None", "NONE", "nOnE"])
async def test_alg_none_in_any_casing(manager, alg):
    token = f"{segment({'alg': alg, 'typ': 'JWT'})}.{segment(claims_for())}."
    await expect_rejected(manager, token, TokenInvalidError, "algorithm_not_allowed")


async def test_algorithm_outside_allow_list(manager, keys):
    token = pyjwt.encode(claims_for(), keys("rsa2048").private_pem, algorithm="RS384")
    await expect_rejected(manager, token, TokenInvalidError, "algorithm_not_allowed")


async def test_public_key_used_as_hmac_secret(manager, keys):
    """The classic algorithm-confusion attack: HS256 signed with the RSA public key."""
    public_pem = keys("rsa2048").public_pem.encode()
    header = segment({"alg": "HS256", "typ": "JWT"})
    body = segment(claims_for())
    for secret in (public_pem, public_pem.strip()):
        signature = hmac.new(secret, f"{header}.{body}".encode(), hashlib.sha256).digest()
        await expect_rejected(
            manager, f"{header}.{body}.{b64(signature)}", TokenInvalidError, "algorithm_not_allowed"
        )
    both = JWTManager(manager.config.model_copy(update={"jwt_allowed_algorithms": ["RS256"]}))
    signature = hmac.new(public_pem, f"{header}.{body}".encode(), hashlib.sha256).digest()
    await expect_rejected(both, f"{header}.{body}.{b64(signature)}", TokenInvalidError)


async def test_unknown_kid(manager, keys):
    token = pyjwt.encode(
        claims_for(), keys("rsa2048").private_pem, algorithm="RS256", headers={"kid": "nope"}
    )
    await expect_rejected(manager, token, TokenInvalidError, "unknown_key")


async def test_key_of_another_issuer(manager, keys):
    token = pyjwt.encode(claims_for(), keys("rsa2048:other").private_pem, algorithm="RS256")
    await expect_rejected(manager, token, TokenInvalidError, "invalid_signature")


def signed(keys, claims: dict[str, Any]) -> str:
    return pyjwt.encode(claims, keys("rsa2048").private_pem, algorithm="RS256")


async def test_expired_and_not_yet_valid(manager, keys):
    now = int(time.time())
    expired = await expect_rejected(
        manager, signed(keys, claims_for(exp=now - 31)), TokenExpiredError, "token_expired"
    )
    assert expired.to_dict() == {
        "error": "token_expired",
        "message": "token has expired",
        "status_code": 401,
    }
    await manager.validate_token(signed(keys, claims_for(exp=now - 5, jti="in-leeway")))
    await expect_rejected(
        manager, signed(keys, claims_for(nbf=now + 120)), TokenInvalidError, "token_not_yet_valid"
    )


@pytest.mark.parametrize(
    ("claim", "value"),
    [("iss", "someone-else"), ("aud", "other-audience"), ("aud", ["x", "y"])],
)
async def test_wrong_issuer_or_audience(manager, keys, claim, value):
    await expect_rejected(
        manager, signed(keys, claims_for(**{claim: value})), TokenInvalidError, "invalid_claim"
    )


async def test_audience_list_containing_ours_is_accepted(manager, keys):
    claims = await manager.validate_token(signed(keys, claims_for(aud=["x", "test-audience"])))
    assert claims.audience == ["x", "test-audience"]


@pytest.mark.parametrize("claim", ["iss", "aud", "exp", "sub", "jti", "typ"])
async def test_missing_required_claim(manager, keys, claim):
    err = await expect_rejected(
        manager, signed(keys, claims_for(**{claim: None})), TokenInvalidError, "missing_claim"
    )
    assert claim in err.message


@pytest.mark.parametrize(
    ("claim", "value"),
    [
        ("exp", "1893456000"),
        ("exp", 1.5e300),
        ("exp", True),
        ("exp", [1893456000]),
        ("nbf", "0"),
        ("iat", {"t": 1}),
        ("sub", 42),
        ("roles", "admin"),
        ("permissions", [1, 2]),
        ("org", ["a"]),
        ("typ", "id_token"),
    ],
)
async def test_wrong_typed_claims_are_invalid(manager, keys, claim, value):
    await expect_rejected(
        manager, signed(keys, claims_for(**{claim: value})), TokenInvalidError, "invalid_claim"
    )


async def test_token_types_are_not_interchangeable(manager):
    pair = await manager.generate_token_pair("user123")
    await expect_rejected(manager, pair.refresh_token, TokenInvalidError, "wrong_token_type")
    with pytest.raises(TokenInvalidError) as info:
        await manager.validate_token(pair.access_token, expected_type="refresh")
    assert info.value.code == "wrong_token_type"
    with pytest.raises(TokenInvalidError):
        await manager.refresh_token(pair.access_token)


async def test_oversized_token_refused_before_parsing(manager):
    huge = "a" * 8193
    await expect_rejected(manager, huge, TokenInvalidError, "token_too_large")


@pytest.mark.parametrize(
    "token",
    [
        "",
        "abc",
        "a.b",
        "a.b.c.d",
        "...",
        "eyJhbGciOiJSUzI1NiJ9..",
        "!!!.???.###",
        f"{segment({'alg': 'RS256'})}==.{segment(claims_for())}.sig",
        f"{segment([1, 2])}.{segment(claims_for())}.c2ln",
        f"{DUPLICATE_ALG_HEADER}.{segment(claims_for())}.c2ln",
        " " + "x" * 30,
    ],
)
async def test_malformed_tokens(manager, token):
    with pytest.raises(TokenInvalidError) as info:
        await manager.validate_token(token)
    assert info.value.status_code == 401


async def test_duplicate_claims_rejected(manager, keys):
    payload = json.dumps(claims_for())[:-1] + ', "sub": "admin"}'
    token = pyjwt.api_jws.encode(payload.encode(), keys("rsa2048").private_pem, algorithm="RS256")
    await expect_rejected(manager, token, TokenInvalidError, "token_malformed")


async def test_non_string_token_is_a_clean_error(manager):
    with pytest.raises(TokenInvalidError):
        await manager.validate_token(None)  # type: ignore[arg-type]


# ---------------------------------------------------------------- lifecycle


async def test_refresh_rotates_and_reuse_revokes_the_session(manager):
    first = await manager.generate_token_pair("user123", "org456", ["user"], ["a:b"])
    second = await manager.refresh_token(first.refresh_token)
    assert second.session_id == first.session_id
    assert second.refresh_token != first.refresh_token
    claims = await manager.validate_token(second.access_token)
    assert (claims.organization_id, claims.roles, claims.permissions) == (
        "org456",
        ["user"],
        ["a:b"],
    )
    with pytest.raises(TokenReuseError) as info:
        await manager.refresh_token(first.refresh_token)
    assert info.value.code == "token_reuse" and info.value.status_code == 401
    for token in (second.access_token, first.access_token):
        with pytest.raises(TokenRevokedError):
            await manager.validate_token(token)
    with pytest.raises(TokenRevokedError):
        await manager.refresh_token(second.refresh_token)
    other = await manager.generate_token_pair("user123")
    assert (await manager.validate_token(other.access_token)).user_id == "user123"


async def test_concurrent_refreshes_spend_the_token_once(manager):
    pair = await manager.generate_token_pair("user123")
    results = await asyncio.gather(
        *(manager.refresh_token(pair.refresh_token) for _ in range(20)), return_exceptions=True
    )
    assert sum(isinstance(r, TokenPair) for r in results) == 1
    assert all(isinstance(r, TokenPair | TokenRevokedError) for r in results)


async def test_revoke_token_only_revokes_that_token(manager):
    pair = await manager.generate_token_pair("user123")
    await manager.revoke_token(pair.access_token)
    with pytest.raises(TokenRevokedError) as info:
        await manager.validate_token(pair.access_token)
    assert info.value.code == "token_revoked"
    assert (await manager.refresh_token(pair.refresh_token)).access_token


async def test_logout_revokes_the_whole_session(manager):
    pair = await manager.generate_token_pair("user123")
    keep = await manager.generate_token_pair("user123")
    await manager.logout(pair.access_token)
    with pytest.raises(TokenRevokedError):
        await manager.validate_token(pair.access_token)
    with pytest.raises(TokenRevokedError):
        await manager.refresh_token(pair.refresh_token)
    assert (await manager.validate_token(keep.access_token)).user_id == "user123"


async def test_logout_all_revokes_every_session_of_the_user_only(manager):
    a = await manager.generate_token_pair("user123")
    b = await manager.generate_token_pair("user123")
    other = await manager.generate_token_pair("someone-else")
    await manager.logout_all("user123")
    for token in (a.access_token, b.access_token):
        with pytest.raises(TokenRevokedError):
            await manager.validate_token(token)
    with pytest.raises(TokenRevokedError):
        await manager.refresh_token(b.refresh_token)
    assert (await manager.validate_token(other.access_token)).user_id == "someone-else"
    fresh = await manager.generate_token_pair("user123")
    assert (await manager.validate_token(fresh.access_token)).user_id == "user123"


async def test_cache_never_skips_the_revocation_check(manager):
    pair = await manager.generate_token_pair("user123")
    for _ in range(3):
        await manager.validate_token(pair.access_token)
    assert manager.engine.cache_len() >= 1
    await manager.revoke_token(pair.access_token)
    with pytest.raises(TokenRevokedError):
        await manager.validate_token(pair.access_token)


async def test_registered_claims_cannot_be_overridden(manager):
    with pytest.raises(ValueError, match="sub"):
        await manager.generate_token_pair("user123", extra_claims={"sub": "admin"})


async def test_every_failure_is_an_authentication_error(manager):
    for bad in ("x", "a.b.c"):
        with pytest.raises(AuthenticationError):
            await manager.validate_token(bad)


def test_config_reads_environment(monkeypatch, keys, tmp_path):
    pair = keys("rsa2048")
    (tmp_path / "private_key.pem").write_text(pair.private_pem)
    (tmp_path / "public_key.pem").write_text(pair.public_pem)
    (tmp_path / ".env").write_text(
        "NETRUN_AUTH_JWT_ISSUER=my-api\n"
        "NETRUN_AUTH_JWT_AUDIENCE=my-users\n"
        "NETRUN_AUTH_REDIS_URL=redis://localhost:6379/0\n"
        "NETRUN_AUTH_JWT_PRIVATE_KEY_PATH=./private_key.pem\n"
        "NETRUN_AUTH_JWT_PUBLIC_KEY_PATH=./public_key.pem\n"
    )
    monkeypatch.chdir(tmp_path)
    monkeypatch.setenv("NETRUN_AUTH_ACCESS_TOKEN_EXPIRE_MINUTES", "5")
    monkeypatch.setenv("NETRUN_AUTH_JWT_ALLOWED_ALGORITHMS", "RS256, PS256")
    config = AuthConfig()
    assert (config.jwt_issuer, config.jwt_audience) == ("my-api", "my-users")
    assert config.redis_url == "redis://localhost:6379/0"
    assert config.access_token_expire_minutes == 5
    assert config.jwt_allowed_algorithms == ["RS256", "PS256"]
    manager = JWTManager(config)
    pair = asyncio.run(manager.generate_token_pair("u"))
    assert pair.expires_in == 300


async def test_resolved_permissions_can_be_embedded(manager):
    from netrun_auth import RBACManager
    from netrun_auth.types import Role

    rbac = RBACManager()
    rbac.add_role(Role(name="viewer", permissions=["projects:read"]))
    rbac.add_role(Role(name="editor", permissions=["projects:update"], inherits=["viewer"]))
    pair = await manager.generate_token_pair(
        "user123", roles=["editor"], permissions=["reports:read"], rbac=rbac
    )
    claims = await manager.validate_token(pair.access_token)
    assert claims.permissions == ["projects:read", "projects:update", "reports:read"]
    plain = await manager.validate_token(
        (await manager.generate_token_pair("u", roles=["editor"])).access_token
    )
    assert plain.permissions == []
