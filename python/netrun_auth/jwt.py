"""``JWTManager``: issues, verifies, refreshes and revokes tokens.

Signing, verification and claim checks run in the Rust engine (keys are parsed
once, when the manager is built); revocation state lives in a store
(:class:`~netrun_auth.stores.MemoryStore` by default, Redis when a client is given).
"""

from __future__ import annotations

import json
import logging
import sys
import time
from collections.abc import Awaitable
from pathlib import Path
from typing import Any, TypeVar

from . import _core, audit
from .config import AuthConfig
from .exceptions import (
    ConfigurationError,
    StoreUnavailableError,
    TokenInvalidError,
    TokenReuseError,
)
from .rbac import RBACManager
from .stores import MemoryStore, RevocationStore
from .types import _VERIFIED_MODEL, TokenClaims, TokenPair

__all__ = ["JWTManager", "build_engine"]

_T = TypeVar("_T")
_log = logging.getLogger("netrun_auth")


class JWTManager:
    """Token lifecycle for one issuer: issue, verify, refresh, revoke, publish the JWKS.

    ``JWTManager(config)`` keeps revocation state in this process;
    ``JWTManager(config, redis_client)`` shares it through Redis (a ``redis.asyncio``
    client, standalone or Cluster). ``config`` defaults to ``AuthConfig()`` (the
    ``NETRUN_AUTH_*`` environment). ``store=`` gives another
    :class:`~netrun_auth.stores.RevocationStore`; ``on_event`` is an audit callback
    called besides the ``netrun_auth.audit`` logger.

    Raises:
        ConfigurationError: when ``jwt_issuer``/``jwt_audience`` are unset, a key file is
            missing or unreadable, a key does not parse or does not suit the algorithm.

    Example::

        from netrun_auth import AuthConfig, JWTManager

        manager = JWTManager(AuthConfig())
        pair = await manager.generate_token_pair("u-1", organization_id="acme", roles=["user"])
        claims = await manager.validate_token(pair.access_token)
        await manager.logout(pair.access_token)
    """

    def __init__(
        self,
        config: AuthConfig | None = None,
        redis_client: Any = None,
        *,
        store: RevocationStore | None = None,
        engine: _core.TokenEngine | None = None,
        on_event: audit.AuditHandler | None = None,
    ) -> None:
        self.on_event = on_event  # audit callback (netrun_auth.audit), besides the logger
        self.config = config if config is not None else AuthConfig()
        self.engine = engine if engine is not None else build_engine(self.config)
        if store is None:
            store = (
                _redis_store(redis_client, self.config)
                if redis_client is not None
                else MemoryStore(refresh_grace_seconds=self.config.refresh_grace_seconds)
            )
        self.store: RevocationStore = store

    async def aclose(self) -> None:
        """Release what the store runs in the background (the Redis mirror's task).

        Does not close the Redis client, which belongs to the application. Safe to call
        more than once.
        """
        close = getattr(self.store, "aclose", None)
        if close is not None:
            await close()

    def use_redis(self, redis_client: Any) -> JWTManager:
        """Keep this manager's revocation state in Redis, through ``redis_client``, from now on.

        The middleware and :func:`netrun_auth.dependencies.configure` call this with
        the ``redis_client`` they are given, so that the one manager the app holds
        (``jwt_manager.logout(...)``, ``logout_all(...)``) and the request path share
        one store. The manager adopts a ``RedisStore`` on that client once (logged
        at INFO on ``netrun_auth``); calling it again with the same client, or for a
        manager built with ``JWTManager(config, redis_client)``, changes nothing.
        Returns the manager itself.

        Raises:
            ConfigurationError: when the manager already keeps its state in another
                Redis client, or in a store given with ``store=`` (one manager has
                exactly one store), or ``redis_client`` is not a ``redis.asyncio`` client.

        Example::

            manager = JWTManager(config)
            manager.use_redis(redis.asyncio.from_url(config.redis_url))
        """
        current = self.store
        if getattr(current, "client", None) is redis_client and _is_redis_store(current):
            return self
        if _is_redis_store(current):
            raise ConfigurationError(
                "redis_client: this JWTManager already keeps its revocation state in "
                "another Redis client; give the middleware the same client, or none"
            )
        if not isinstance(current, MemoryStore):
            raise ConfigurationError(
                "redis_client: this JWTManager was built with its own store "
                f"({type(current).__name__}); do not also give it a Redis client"
            )
        store = _redis_store(redis_client, self.config)
        if len(current):
            _log.warning(
                "JWTManager: %d in-memory revocation entries are not carried over to Redis "
                "(give the Redis client before issuing or revoking tokens)",
                len(current),
            )
        self.store = store
        _log.info("JWTManager: revocation state now kept in Redis (%r)", store)
        return self

    def with_store(self, store: RevocationStore) -> JWTManager:
        """A new manager sharing this one's keys and verification cache, with ``store``.

        This manager is left as it is.
        """
        return JWTManager(self.config, store=store, engine=self.engine, on_event=self.on_event)

    def with_redis(self, redis_client: Any) -> JWTManager:
        """A new manager sharing this one's keys and cache, keeping revocation in Redis.

        This manager is left as it is (:meth:`use_redis` changes this one instead).

        Raises:
            ConfigurationError: when ``redis_client`` is None or a synchronous
                ``redis.Redis``, or ``redis_timeout_seconds``/``refresh_grace_seconds``
                is out of range.
        """
        return self.with_store(_redis_store(redis_client, self.config))

    async def generate_token_pair(
        self,
        user_id: str,
        organization_id: str | None = None,
        roles: list[str] | None = None,
        permissions: list[str] | None = None,
        *,
        extra_claims: dict[str, Any] | None = None,
        session_id: str | None = None,
        rbac: RBACManager | None = None,
    ) -> TokenPair:
        """Issue an access token and a refresh token of a new session (or of ``session_id``).

        With ``rbac``, the permissions ``roles`` resolve to (inheritance included) are
        embedded in the tokens as well, so services without the role table can check them.
        ``extra_claims`` are added to both tokens (registered claim names are refused).
        The session is registered in the store, so that :meth:`logout_all` reaches it.

        Raises:
            InvalidInputError: when ``user_id`` is empty, an argument is not valid text
                (a lone surrogate), or ``extra_claims`` names a registered claim (``sub``,
                ``exp``, ``iss``, ...) (400).
            StoreUnavailableError: when the Redis store does not answer (503); no
                token is handed out then.

        Example::

            pair = await manager.generate_token_pair(
                "u-1", organization_id="acme", roles=["editor"], rbac=rbac
            )
            pair.access_token, pair.refresh_token, pair.expires_in
        """
        if rbac is not None:
            permissions = sorted(set(permissions or ()) | rbac.get_permissions(roles or []))
        extra_json = json.dumps(extra_claims) if extra_claims else None
        issued = self.engine.issue_pair(
            user_id, organization_id, roles, permissions, extra_json, session_id
        )
        await self._store_call(
            self.store.register_session(user_id, issued.session_id, issued.refresh_expires_at)
        )
        audit.emit("token_issued", on_event=self.on_event, user_id=user_id,
                   organization_id=organization_id, session_id=issued.session_id,
                   jti=issued.access.jti)  # fmt: skip
        return self._token_pair(issued)

    def _token_pair(self, issued: _core.IssuedPair) -> TokenPair:
        return TokenPair(
            access_token=issued.access_token,
            refresh_token=issued.refresh_token,
            expires_in=self.engine.access_ttl_seconds,
            refresh_expires_in=self.engine.refresh_ttl_seconds,
            session_id=issued.session_id,
        )

    async def validate_token(self, token: str, expected_type: str = "access") -> TokenClaims:
        """Verify ``token`` and check it is not revoked; its claims on success.

        ``expected_type`` is ``"access"`` (the default) or ``"refresh"``; a token of the
        other type is refused.

        Raises:
            TokenInvalidError: malformed, oversized, badly signed, of an algorithm not
                allowed, of an unknown key, of the wrong type, or with a wrong
                ``iss``/``aud`` (401; ``code`` says which).
            TokenExpiredError: when ``exp`` has passed, beyond the leeway (401).
            TokenRevokedError: when the token, its session or its user was revoked (401).
            StoreUnavailableError: when the Redis store does not answer (503).

        Example::

            claims = await manager.validate_token(token)
            claims.user_id, claims.roles, claims.expires_at
        """
        store = self.store
        if type(store) is MemoryStore:  # its check never waits: the engine does it all
            model: TokenClaims = self.engine.validate(
                _as_token(token), expected_type, store._state, _VERIFIED_MODEL
            )
            return model
        claims = self.engine.verify(_as_token(token), expected_type)
        try:
            await store.check(claims)
        except StoreUnavailableError:
            self._store_unavailable()
            raise
        return token_claims(claims)

    async def verify(self, token: str, expected_type: str = "access") -> _core.Claims:
        """Like :meth:`validate_token`, returning the engine's claims object (no model built).

        Raises the same errors as :meth:`validate_token`.
        """
        claims = self.engine.verify(_as_token(token), expected_type)
        try:
            await self.store.check(claims)
        except StoreUnavailableError:
            self._store_unavailable()
            raise
        return claims

    async def refresh_token(
        self,
        refresh_token: str,
        *,
        roles: list[str] | None = None,
        permissions: list[str] | None = None,
    ) -> TokenPair:
        """Spend ``refresh_token`` and issue a new pair of the same session.

        A refresh token works once: presenting it again raises ``TokenReuseError``
        and revokes the whole session. The one exception is a client retrying a refresh
        whose answer it did not get (a 503 after the store had already spent the token):
        within ``refresh_grace_seconds`` of an undelivered spend, while the pair it
        issued is unused, the retry gets a new pair and that pair is superseded (see
        docs/tokens.md, "Retrying a refresh"). ``roles``/``permissions`` replace the ones
        carried over from the old token.

        Raises:
            TokenReuseError: when the refresh token was already spent (401); the session
                is revoked.
            TokenInvalidError, TokenExpiredError, TokenRevokedError: as
                :meth:`validate_token` does for ``expected_type="refresh"`` (401).
            StoreUnavailableError: when the Redis store does not answer (503).

        Example::

            pair = await manager.refresh_token(pair.refresh_token)
        """
        claims = await self.verify(refresh_token, "refresh")
        extra = claims.extra or None
        successor = self.engine.issue_pair(
            claims.user_id,
            claims.organization_id,
            claims.roles if roles is None else roles,
            claims.permissions if permissions is None else permissions,
            json.dumps(extra) if extra else None,
            claims.session_id,
        )
        # The successor is issued first, so that the spend records which pair it hands out.
        spent = self.store.spend_refresh(claims, successor, self._session_horizon())
        if not await self._store_call(spent):
            self._emit("refresh_reuse_detected", claims)
            raise TokenReuseError()
        await self._store_call(self.store.complete_refresh(claims, successor))
        self._emit("token_refreshed", claims)
        return self._token_pair(successor)

    async def revoke_token(self, token: str) -> None:
        """Revoke one token (access or refresh) until it expires; its session stays valid.

        Raises:
            TokenInvalidError: when ``token`` is not a token of this manager (401).
            TokenExpiredError: when it has expired already (401).
            StoreUnavailableError: when the Redis store does not answer (503).

        Example::

            await manager.revoke_token(pair.access_token)
        """
        claims = self.engine.verify(_as_token(token), None)
        await self._store_call(self.store.revoke_token(claims))
        self._emit("token_revoked", claims)

    async def logout(self, token: str) -> None:
        """Revoke ``token`` and every token of its session (access and refresh).

        Other sessions of the same user stay valid (see :meth:`logout_all`).

        Raises:
            TokenInvalidError: when ``token`` is not a token of this manager (401).
            TokenExpiredError: when it has expired already (401).
            StoreUnavailableError: when the Redis store does not answer (503).

        Example::

            await manager.logout(request.state.token)
        """
        claims = self.engine.verify(_as_token(token), None)
        # The session first: it covers this token too, so a logout that fails half-way
        # (a 503 between the writes) leaves nothing of the session usable, not a live
        # refresh token behind an access token already refused (which a retried logout
        # could no longer present).
        if claims.session_id is not None:
            await self._store_call(
                self.store.revoke_session(
                    claims.user_id, claims.session_id, self._session_horizon()
                )
            )
        await self._store_call(self.store.revoke_token(claims))
        self._emit("token_revoked", claims)
        if claims.session_id is not None:
            self._emit("session_revoked", claims)

    async def logout_all(self, user_id: str) -> None:
        """Revoke every token ``user_id`` holds (issued until now), on every device.

        Tokens issued afterwards are valid: logging in again works.

        Raises:
            InvalidInputError: when ``user_id`` is not valid text (400).
            StoreUnavailableError: when the Redis store does not answer (503).

        Example::

            await manager.logout_all("u-1")
        """
        await self._store_call(self.store.revoke_user(user_id, self.engine.refresh_ttl_seconds))
        audit.emit("user_logged_out_everywhere", on_event=self.on_event, user_id=user_id)

    # --- audit (netrun_auth.audit): ids only, never a token -------------------------

    def _emit(self, event: str, claims: _core.Claims) -> None:
        audit.emit(event, on_event=self.on_event, user_id=claims.user_id,
                   organization_id=claims.organization_id, session_id=claims.session_id,
                   jti=claims.jti)  # fmt: skip

    def _store_unavailable(self) -> None:
        audit.emit("store_unavailable", on_event=self.on_event, component="revocation_store",
                   error_code="store_unavailable", status_code=503)  # fmt: skip

    async def _store_call(self, call: Awaitable[_T]) -> _T:
        try:
            return await call
        except StoreUnavailableError:
            self._store_unavailable()
            raise

    def _session_horizon(self) -> int:
        """When a session's newest refresh token expires, at the latest: revoking a
        session must last until then."""
        return int(time.time()) + self.engine.refresh_ttl_seconds

    def jwks(self) -> dict[str, Any]:
        """The public JWKS (``{"keys": [...]}``) of every verification key.

        Empty for HMAC (``HS*``) keys, which are never published. Serve it at
        ``/.well-known/jwks.json`` for other services to verify tokens.
        """
        return self.engine.jwks()


def token_claims(claims: _core.Claims) -> TokenClaims:
    """The pydantic model of engine-verified claims (epoch seconds become UTC datetimes).

    For claims from :meth:`JWTManager.verify`; raises nothing for those. The model is
    immutable, so it is built once and kept with the claims, which the engine shares
    with the token's verified-token cache entry: a token validated again gets the same
    instance back (revocation is still checked by every validation).
    """
    return claims.model_of(_VERIFIED_MODEL)  # type: ignore[no-any-return]


def build_engine(config: AuthConfig) -> _core.TokenEngine:
    """Load the configured keys once and build the Rust token engine.

    ``JWTManager`` calls it; build one yourself only to share an engine between
    managers (``JWTManager(config, engine=engine)``).

    Raises:
        ConfigurationError: when ``jwt_issuer`` or ``jwt_audience`` is unset, a key is
            given both inline and by path, a key file is missing or unreadable, or a
            key does not parse or does not suit ``jwt_algorithm``.
    """
    if not config.jwt_issuer:
        raise ConfigurationError("jwt_issuer: must be set (NETRUN_AUTH_JWT_ISSUER)")
    if not config.jwt_audience:
        raise ConfigurationError("jwt_audience: must be set (NETRUN_AUTH_JWT_AUDIENCE)")
    private_key = _inline_or_file(
        "jwt_private_key",
        config.jwt_private_key.get_secret_value() if config.jwt_private_key else None,
        "jwt_private_key_path",
        config.jwt_private_key_path,
    )
    public_key = _inline_or_file(
        "jwt_public_key", config.jwt_public_key, "jwt_public_key_path", config.jwt_public_key_path
    )
    secret = config.jwt_secret.get_secret_value().encode() if config.jwt_secret else None
    return _core.TokenEngine(
        issuer=config.jwt_issuer,
        audience=config.jwt_audience,
        algorithm=config.jwt_algorithm,
        allowed_algorithms=config.jwt_allowed_algorithms or None,
        signing_key=private_key,
        public_key=public_key,
        verification_keys=[
            ("jwt_verification_key_paths", _read("jwt_verification_key_paths", path))
            for path in config.jwt_verification_key_paths
        ],
        secret=("jwt_secret", secret) if secret is not None else None,
        key_id=config.jwt_key_id,
        access_ttl_seconds=config.access_token_ttl_seconds,
        refresh_ttl_seconds=config.refresh_token_ttl_seconds,
        leeway_seconds=config.leeway_seconds,
        max_token_bytes=config.max_token_bytes,
        cache_size=config.token_cache_size,
    )


def _inline_or_file(
    inline_name: str, inline: str | None, path_name: str, path: Path | None
) -> tuple[str, bytes] | None:
    if inline and path:
        raise ConfigurationError(f"{inline_name} and {path_name}: set one of them, not both")
    if inline:
        return (inline_name, inline.encode())
    if path:
        return (path_name, _read(path_name, path))
    return None


def _read(setting: str, path: Path) -> bytes:
    try:
        return Path(path).expanduser().read_bytes()
    except FileNotFoundError:
        raise ConfigurationError(f"{setting}: file not found: {path}") from None
    except OSError as exc:
        raise ConfigurationError(f"{setting}: cannot read {path}: {exc.strerror}") from None


def _as_token(token: object) -> str:
    if not isinstance(token, str) or not token:
        raise TokenInvalidError("Token must be a non-empty string", code="token_malformed")
    return token


def _is_redis_store(store: object) -> bool:
    # Imported lazily: RedisStore needs the [redis] extra.
    redis_store = sys.modules.get("netrun_auth.redis_store")
    return redis_store is not None and isinstance(store, redis_store.RedisStore)


def _redis_store(redis_client: Any, config: AuthConfig) -> RevocationStore:
    from .redis_store import RedisStore

    return RedisStore(
        redis_client,
        prefix=config.redis_key_prefix,
        timeout=config.redis_timeout_seconds,
        local_mirror=config.redis_local_mirror,
        refresh_grace_seconds=config.refresh_grace_seconds,
        wait_replicas=config.redis_wait_replicas,
        wait_timeout=config.redis_wait_timeout_seconds,
    )
