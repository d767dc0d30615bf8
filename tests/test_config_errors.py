"""Bad configuration fails at construction with a ConfigurationError naming the setting."""

from __future__ import annotations

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import rsa

from netrun_auth import AuthConfig, JWTManager
from netrun_auth.exceptions import ConfigurationError


def config(**values) -> AuthConfig:
    base = {"jwt_issuer": "i", "jwt_audience": "a"}
    base.update(values)
    return AuthConfig(_env_file=None, **base)


def test_missing_issuer_names_the_setting(keys):
    with pytest.raises(ConfigurationError, match="jwt_issuer"):
        JWTManager(AuthConfig(_env_file=None, jwt_private_key=keys("rsa2048").private_pem))


def test_missing_key_file(tmp_path):
    with pytest.raises(ConfigurationError, match="jwt_private_key_path: file not found"):
        JWTManager(config(jwt_private_key_path=tmp_path / "nope.pem"))


def test_unreadable_pem(tmp_path):
    path = tmp_path / "bad.pem"
    path.write_text("-----BEGIN PRIVATE KEY-----\nnot base64 at all\n-----END PRIVATE KEY-----\n")
    with pytest.raises(ConfigurationError, match="jwt_private_key_path") as info:
        JWTManager(config(jwt_private_key_path=path))
    assert "not base64" not in info.value.message


def test_no_key_at_all():
    with pytest.raises(ConfigurationError, match="jwt_private_key_path"):
        JWTManager(config())


def test_small_rsa_key_refused():
    small = rsa.generate_private_key(public_exponent=65537, key_size=1024).private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    )
    with pytest.raises(ConfigurationError, match="1024 bits"):
        JWTManager(config(jwt_private_key=small.decode()))


def test_short_hmac_secret_refused():
    with pytest.raises(ConfigurationError, match=r"jwt_secret.*at least 32 bytes"):
        JWTManager(config(jwt_algorithm="HS256", jwt_secret="too-short"))
    with pytest.raises(ConfigurationError, match="at least 64 bytes"):
        JWTManager(config(jwt_algorithm="HS512", jwt_secret="x" * 40))


def test_algorithm_not_allowed_for_key_type(keys):
    with pytest.raises(ConfigurationError, match="ES256 needs a P-256 key"):
        JWTManager(config(jwt_algorithm="ES256", jwt_private_key=keys("rsa2048").private_pem))
    with pytest.raises(ConfigurationError, match="jwt_allowed_algorithms"):
        JWTManager(
            config(
                jwt_private_key=keys("rsa2048").private_pem,
                jwt_allowed_algorithms=["RS256", "ES256"],
            )
        )


def test_unknown_or_none_algorithm():
    for name in ("none", "HS1", "rs256"):
        with pytest.raises(ConfigurationError, match="jwt_algorithm"):
            JWTManager(config(jwt_algorithm=name, jwt_secret="x" * 64))


def test_mismatched_public_key(keys):
    with pytest.raises(ConfigurationError, match="does not match"):
        JWTManager(
            config(
                jwt_private_key=keys("rsa2048").private_pem,
                jwt_public_key=keys("rsa2048:other").public_pem,
            )
        )


def test_invalid_settings_values():
    with pytest.raises(ConfigurationError, match="leeway_seconds"):
        config(leeway_seconds=600)
    with pytest.raises(ConfigurationError, match="access_token_expire_minutes"):
        config(access_token_expire_minutes=0)


def test_inline_and_path_both_set(keys, tmp_path):
    path = tmp_path / "k.pem"
    path.write_text(keys("rsa2048").private_pem)
    with pytest.raises(ConfigurationError, match="set one of them"):
        JWTManager(config(jwt_private_key=keys("rsa2048").private_pem, jwt_private_key_path=path))


def test_hmac_secret_is_long_enough_for_every_allowed_algorithm():
    # Issue 10, defect 6: a 32-byte secret signing HS256 verified HS512 as well.
    with pytest.raises(
        ConfigurationError, match=r"jwt_secret: HS512 needs a secret of at least 64"
    ):
        JWTManager(
            config(
                jwt_algorithm="HS256",
                jwt_allowed_algorithms=["HS256", "HS512"],
                jwt_secret="x" * 32,
            )
        )
    with pytest.raises(ConfigurationError, match="HS384 needs a secret of at least 48"):
        JWTManager(
            config(jwt_algorithm="HS256", jwt_allowed_algorithms="HS256,HS384", jwt_secret="x" * 40)
        )
    JWTManager(
        config(
            jwt_algorithm="HS256", jwt_allowed_algorithms=["HS256", "HS512"], jwt_secret="x" * 64
        )
    )


def test_defaults_and_bounds_come_from_the_engine():
    from netrun_auth import _core

    defaults = AuthConfig(_env_file=None)
    assert defaults.leeway_seconds == _core.DEFAULT_LEEWAY_SECONDS
    assert defaults.max_token_bytes == _core.DEFAULT_MAX_TOKEN_BYTES
    assert defaults.token_cache_size == _core.DEFAULT_TOKEN_CACHE_SIZE
    assert defaults.access_token_ttl_seconds == _core.DEFAULT_ACCESS_TTL_SECONDS
    assert defaults.refresh_token_ttl_seconds == _core.DEFAULT_REFRESH_TTL_SECONDS
    assert defaults.password_argon2_memory_kib == _core.DEFAULT_ARGON2_MEMORY_KIB
    # The two leeway caps agree: AuthConfig's bound is the engine's.
    config(leeway_seconds=_core.MAX_LEEWAY_SECONDS)
    with pytest.raises(ConfigurationError, match="leeway_seconds"):
        config(leeway_seconds=_core.MAX_LEEWAY_SECONDS + 1)
    with pytest.raises(ConfigurationError, match="leeway_seconds: must be between 0 and"):
        _core.TokenEngine(
            issuer="i",
            audience="a",
            algorithm="HS256",
            secret=("jwt_secret", b"s" * 64),
            leeway_seconds=_core.MAX_LEEWAY_SECONDS + 1,
        )
