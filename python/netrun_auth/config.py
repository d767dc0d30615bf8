"""``AuthConfig``: every setting of netrun-auth, read from ``NETRUN_AUTH_*`` variables and ``.env``."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, SecretStr, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from . import _core
from .exceptions import ConfigurationError

__all__ = ["AuthConfig", "redact_url"]

_MASK = "***"

_CommaList = Annotated[list[str], NoDecode]


class AuthConfig(BaseSettings):
    """Settings, from keyword arguments, then ``NETRUN_AUTH_<NAME>`` variables, then ``.env``.

    Invalid values raise :class:`~netrun_auth.exceptions.ConfigurationError` naming the
    setting. Keys themselves are loaded (once) when a ``JWTManager`` is built.
    ``repr()`` never shows a key, a secret or the password of ``redis_url``.

    Raises:
        ConfigurationError: when a setting is invalid or out of range (``leeway_seconds``
            above its cap, ``password_min_length`` above ``password_max_length``, an
            algorithm outside the allow-list, ...); the message names the setting,
            never its secret value.

    Example::

        from netrun_auth import AuthConfig

        config = AuthConfig()                       # NETRUN_AUTH_* and .env
        config = AuthConfig(
            jwt_issuer="https://auth.example.com",
            jwt_audience="my-api",
            jwt_private_key_path="private_key.pem",
            jwt_public_key_path="public_key.pem",
            access_token_expire_minutes=15,
        )
    """

    model_config = SettingsConfigDict(
        env_prefix="NETRUN_AUTH_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    # Token identity: required for issuing and verifying.
    jwt_issuer: str | None = Field(None, description="`iss` of every token; required")
    jwt_audience: str | None = Field(None, description="`aud` of every token; required")

    # Algorithms and keys.
    jwt_algorithm: str = Field("RS256", description="Signing algorithm")
    jwt_allowed_algorithms: _CommaList = Field(
        default_factory=list,
        description="Algorithms accepted when verifying (comma-separated); default: jwt_algorithm",
    )
    jwt_private_key_path: Path | None = Field(
        None, description="PEM or JWK file of the signing key"
    )
    jwt_public_key_path: Path | None = Field(None, description="PEM or JWK file of its public key")
    jwt_private_key: SecretStr | None = Field(None, description="Inline signing key (PEM or JWK)")
    jwt_public_key: str | None = Field(None, description="Inline public key (PEM or JWK)")
    jwt_verification_key_paths: Annotated[list[Path], NoDecode] = Field(
        default_factory=list,
        description="More public keys or JWKS files accepted when verifying (key rotation)",
    )
    jwt_secret: SecretStr | None = Field(None, description="HMAC secret, only for HS* algorithms")
    jwt_key_id: str | None = Field(None, description="`kid` to use instead of the key thumbprint")

    # Lifetimes and checks.
    # Defaults and bounds are the engine's (netrun_auth._core), defined once there.
    access_token_expire_minutes: int = Field(
        _core.DEFAULT_ACCESS_TTL_SECONDS // 60, gt=0, le=24 * 60
    )
    refresh_token_expire_days: int = Field(
        _core.DEFAULT_REFRESH_TTL_SECONDS // 86_400, gt=0, le=365
    )
    leeway_seconds: int = Field(
        _core.DEFAULT_LEEWAY_SECONDS,
        ge=0,
        le=_core.MAX_LEEWAY_SECONDS,
        description="Clock skew tolerated",
    )
    max_token_bytes: int = Field(
        _core.DEFAULT_MAX_TOKEN_BYTES,
        ge=_core.MAX_TOKEN_BYTES_LOWER_BOUND,
        le=_core.MAX_TOKEN_BYTES_UPPER_BOUND,
    )
    token_cache_size: int = Field(
        _core.DEFAULT_TOKEN_CACHE_SIZE, ge=0, description="Verified tokens remembered"
    )
    refresh_grace_seconds: int = Field(
        _core.REFRESH_GRACE_SECONDS,
        ge=0,
        le=_core.MAX_REFRESH_GRACE_SECONDS,
        description="Retry window of a refresh whose answer was lost (0: off); docs/tokens.md",
    )

    # Redis (the scale-out store).
    redis_url: str = "redis://localhost:6379/0"
    redis_key_prefix: str = "netrun:"
    redis_timeout_seconds: float = Field(0.5, gt=0, le=30)
    # On by default: revocation checks are decided from a per-process mirror kept
    # current by Redis pub/sub (no round trip per validation; checks fail closed on
    # Redis while it is not live). False: one round trip per validation (strict).
    # The trade (propagation delay, memory) is in docs/redis.md.
    redis_local_mirror: bool = Field(
        True,
        description="Decide revocation checks from a pub/sub-fed local mirror (False: strict, "
        "one Redis round trip per validation); docs/redis.md",
    )
    # Revocations that survive a failover: after each revocation write, wait (Redis
    # WAIT) until this many replicas have it, at most redis_wait_timeout_seconds, else
    # the write fails closed (503). 0: answer as soon as the primary has it.
    redis_wait_replicas: int = Field(
        0, ge=0, le=16, description="Replicas each revocation write waits for (Redis WAIT)"
    )
    redis_wait_timeout_seconds: float = Field(
        0.1, gt=0, le=30, description="Longest wait for those replicas"
    )

    # HTTP integration.
    public_paths: _CommaList = Field(
        default_factory=lambda: [
            "/health",
            "/docs",
            "/docs/oauth2-redirect",
            "/redoc",
            "/openapi.json",
        ],
        description="Paths where a bad token is ignored instead of answered with 401",
    )
    auth_cookie_name: str | None = Field(None, description="Also read the token from this cookie")

    # Passwords (argon2id, OWASP defaults) and policy (NIST SP 800-63B).
    password_argon2_memory_kib: int = Field(_core.DEFAULT_ARGON2_MEMORY_KIB, ge=8)
    password_argon2_iterations: int = Field(_core.DEFAULT_ARGON2_ITERATIONS, ge=1)
    password_argon2_parallelism: int = Field(_core.DEFAULT_ARGON2_PARALLELISM, ge=1)
    password_min_length: int = Field(_core.DEFAULT_PASSWORD_MIN_LENGTH, ge=1)
    password_max_length: int = Field(_core.DEFAULT_PASSWORD_MAX_LENGTH, ge=8, le=4096)
    password_require_uppercase: bool = False
    password_require_lowercase: bool = False
    password_require_digit: bool = False
    password_require_special: bool = False

    # Login protection (netrun_auth.protection.LoginGuard); see docs/login-protection.md.
    # Lockout threshold, observation window and growing lockout per the OWASP
    # Authentication Cheat Sheet; throttling per NIST SP 800-63B (5.2.2).
    login_window_seconds: int = Field(900, ge=1, description="Failures counted within this window")
    login_max_failures_per_username: int = Field(5, ge=1, description="Failures locking a username")
    login_max_failures_per_ip: int = Field(50, ge=1, description="Failures locking a client IP")
    login_lockout_base_seconds: int = Field(60, ge=1, description="First lockout; then doubling")
    login_lockout_max_seconds: int = Field(3600, ge=1, description="Longest lockout")
    login_hash_key: SecretStr | None = Field(
        None, description="Key of the username/IP hashes (>= 16 bytes); default: derived"
    )

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            raise _configuration_error(exc) from None

    @field_validator(
        "jwt_allowed_algorithms", "public_paths", "jwt_verification_key_paths", mode="before"
    )
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @model_validator(mode="after")
    def _check_consistency(self) -> AuthConfig:
        if self.password_min_length > self.password_max_length:
            raise ValueError("password_min_length must not exceed password_max_length")
        if self.redis_wait_replicas and (
            self.redis_wait_timeout_seconds >= self.redis_timeout_seconds
        ):
            raise ValueError(
                "redis_wait_timeout_seconds must be below redis_timeout_seconds "
                "(the wait is part of the write's time budget)"
            )
        return self

    def __repr_args__(self) -> Iterator[tuple[str | None, Any]]:
        # repr() and str() show redis_url with its password masked; the attribute
        # itself stays the real URL (redis.from_url(config.redis_url) needs it).
        for name, value in super().__repr_args__():
            yield name, (redact_url(value) if name == "redis_url" else value)

    @property
    def access_token_ttl_seconds(self) -> int:
        """Lifetime of access tokens in seconds (``access_token_expire_minutes * 60``)."""
        return self.access_token_expire_minutes * 60

    @property
    def refresh_token_ttl_seconds(self) -> int:
        """Lifetime of refresh tokens in seconds (``refresh_token_expire_days`` in seconds)."""
        return self.refresh_token_expire_days * 24 * 3600


def _configuration_error(exc: ValidationError) -> ConfigurationError:
    problems = []
    for error in exc.errors(include_input=False, include_url=False):
        setting = ".".join(str(part) for part in error["loc"]) or "configuration"
        problems.append(f"{setting}: {error['msg']}")
    return ConfigurationError("; ".join(problems))


def redact_url(url: str) -> str:
    """``url`` with its password masked (``redis://user:***@host``, ``?password=***``).

    For reprs and log lines. A URL that does not parse is masked whole.
    """
    try:
        parts = urlsplit(url)
        netloc = parts.netloc
        if "@" in netloc:
            userinfo, _, host = netloc.rpartition("@")
            user, colon, _password = userinfo.partition(":")
            netloc = f"{user}:{_MASK}@{host}" if colon else f"{userinfo}@{host}"
        query = parts.query
        if query:
            pairs = parse_qsl(query, keep_blank_values=True)
            if any(key.lower() == "password" for key, _ in pairs):
                masked = [(k, _MASK if k.lower() == "password" else v) for k, v in pairs]
                query = urlencode(masked, safe="*")
        return urlunsplit((parts.scheme, netloc, parts.path, query, parts.fragment))
    except ValueError:
        return _MASK
