"""Key formats (PEM flavours, JWK, JWKS), key ids and rotation."""

from __future__ import annotations

import base64
import hashlib
import json

import jwt as pyjwt
import pytest
from cryptography.hazmat.primitives import serialization
from jwt.algorithms import ECAlgorithm, OKPAlgorithm, RSAAlgorithm

from netrun_auth import AuthConfig, JWTManager
from netrun_auth.exceptions import ConfigurationError, TokenInvalidError


def config(**values) -> AuthConfig:
    return AuthConfig(
        _env_file=None, jwt_issuer="test-issuer", jwt_audience="test-audience", **values
    )


def reencode(private_pem: str, fmt: serialization.PrivateFormat) -> str:
    key = serialization.load_pem_private_key(private_pem.encode(), password=None)
    return key.private_bytes(serialization.Encoding.PEM, fmt, serialization.NoEncryption()).decode()


async def issue_and_check(manager: JWTManager, verifier: JWTManager | None = None) -> str:
    pair = await manager.generate_token_pair("user123")
    claims = await (verifier or manager).validate_token(pair.access_token)
    assert claims.user_id == "user123"
    return pair.access_token


async def test_pkcs1_rsa_and_sec1_ec_private_keys(keys):
    rsa_pkcs1 = reencode(
        keys("rsa2048").private_pem, serialization.PrivateFormat.TraditionalOpenSSL
    )
    assert "BEGIN RSA PRIVATE KEY" in rsa_pkcs1
    await issue_and_check(JWTManager(config(jwt_private_key=rsa_pkcs1)))
    ec_sec1 = reencode(keys("p256").private_pem, serialization.PrivateFormat.TraditionalOpenSSL)
    assert "BEGIN EC PRIVATE KEY" in ec_sec1
    await issue_and_check(JWTManager(config(jwt_algorithm="ES256", jwt_private_key=ec_sec1)))


async def test_pkcs1_public_key_verifies(keys):
    public = serialization.load_pem_public_key(keys("rsa2048").public_pem.encode())
    pkcs1 = public.public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.PKCS1)
    verifier = JWTManager(config(jwt_public_key=pkcs1.decode()))
    signer = JWTManager(config(jwt_private_key=keys("rsa2048").private_pem))
    await issue_and_check(signer, verifier)


@pytest.mark.parametrize(
    ("kind", "algorithm", "jwk_of"),
    [
        ("rsa2048", "RS256", RSAAlgorithm),
        ("p256", "ES256", ECAlgorithm),
        ("p384", "ES384", ECAlgorithm),
        ("ed25519", "EdDSA", OKPAlgorithm),
    ],
)
async def test_jwk_private_and_public_keys(keys, kind, algorithm, jwk_of):
    private = serialization.load_pem_private_key(keys(kind).private_pem.encode(), password=None)
    private_jwk = jwk_of.to_jwk(private)
    public_jwk = jwk_of.to_jwk(private.public_key())
    signer = JWTManager(config(jwt_algorithm=algorithm, jwt_private_key=private_jwk))
    verifier = JWTManager(config(jwt_algorithm=algorithm, jwt_public_key=public_jwk))
    await issue_and_check(signer, verifier)
    pem_signer = JWTManager(config(jwt_algorithm=algorithm, jwt_private_key=keys(kind).private_pem))
    assert signer.engine.key_id == pem_signer.engine.key_id


def test_verify_only_manager_cannot_sign(keys):
    import asyncio

    verifier = JWTManager(config(jwt_public_key=keys("rsa2048").public_pem))
    with pytest.raises(ConfigurationError, match="only verifies"):
        asyncio.run(verifier.generate_token_pair("u"))


def test_kid_is_the_rfc7638_thumbprint(keys):
    manager = JWTManager(config(jwt_private_key=keys("rsa2048").private_pem))
    jwk = manager.jwks()["keys"][0]
    canonical = json.dumps(
        {"e": jwk["e"], "kty": "RSA", "n": jwk["n"]}, separators=(",", ":"), sort_keys=True
    )
    digest = hashlib.sha256(canonical.encode()).digest()
    assert manager.engine.key_id == base64.urlsafe_b64encode(digest).rstrip(b"=").decode()
    assert jwk["kid"] == manager.engine.key_id


async def test_configured_kid(keys):
    manager = JWTManager(config(jwt_private_key=keys("rsa2048").private_pem, jwt_key_id="2026-11"))
    token = await issue_and_check(manager)
    assert pyjwt.get_unverified_header(token)["kid"] == "2026-11"
    assert [k["kid"] for k in manager.jwks()["keys"]] == ["2026-11"]


async def test_rotation_keeps_old_tokens_valid_until_the_old_key_is_removed(keys, tmp_path):
    old_public = tmp_path / "old_public.pem"
    old_public.write_text(keys("rsa2048").public_pem)
    old = JWTManager(config(jwt_private_key=keys("rsa2048").private_pem))
    old_token = (await old.generate_token_pair("user123")).access_token

    rotated = JWTManager(
        config(
            jwt_private_key=keys("rsa2048:new").private_pem,
            jwt_verification_key_paths=[old_public],
        )
    )
    assert (await rotated.validate_token(old_token)).user_id == "user123"
    new_token = await issue_and_check(rotated)
    kids = {k["kid"] for k in rotated.jwks()["keys"]}
    assert kids == {old.engine.key_id, rotated.engine.key_id}
    assert pyjwt.get_unverified_header(new_token)["kid"] == rotated.engine.key_id

    retired = JWTManager(config(jwt_private_key=keys("rsa2048:new").private_pem))
    with pytest.raises(TokenInvalidError) as info:
        await retired.validate_token(old_token)
    assert info.value.code == "unknown_key"


async def test_jwks_file_as_verification_keys(keys, tmp_path):
    issuer = JWTManager(config(jwt_algorithm="ES256", jwt_private_key=keys("p256").private_pem))
    jwks_path = tmp_path / "jwks.json"
    jwks_path.write_text(json.dumps(issuer.jwks()))
    verifier = JWTManager(
        config(
            jwt_private_key=keys("rsa2048").private_pem,
            jwt_allowed_algorithms=["RS256", "ES256"],
            jwt_verification_key_paths=[jwks_path],
        )
    )
    await issue_and_check(issuer, verifier)


def test_symmetric_jwks_refused(tmp_path):
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [{"kty": "oct", "k": "c2VjcmV0"}]}))
    with pytest.raises(ConfigurationError, match="secret"):
        JWTManager(
            config(jwt_algorithm="HS256", jwt_secret="x" * 32, jwt_verification_key_paths=[jwks])
        )


def test_encrypted_private_key_refused_with_advice(keys):
    key = serialization.load_pem_private_key(keys("rsa2048").private_pem.encode(), password=None)
    encrypted = key.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.BestAvailableEncryption(b"pw"),
    ).decode()
    with pytest.raises(ConfigurationError, match="encrypted private keys are not supported"):
        JWTManager(config(jwt_private_key=encrypted))
