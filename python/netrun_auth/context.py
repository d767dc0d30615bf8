"""The request context: what was registered (:class:`AuthSettings`) and what one request
proved (:class:`AuthContext`, kept in ``scope["netrun_auth"]``).

The middleware and :func:`netrun_auth.dependencies.configure` both build their
:class:`AuthSettings` with :meth:`AuthSettings.build`, so the two wirings follow one
rule: the given manager is used as is (never copied or rebuilt), a ``redis_client``
is adopted by that manager (:meth:`netrun_auth.JWTManager.use_redis`), and tokens of
other issuers go to ``providers`` (see :mod:`netrun_auth.providers`).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Any

from starlette.authentication import AuthCredentials

from . import _core
from ._core import request_token
from .credentials import MAX_TOKEN_BYTES
from .exceptions import ConfigurationError
from .jwt import JWTManager, token_claims
from .providers import IssuerRouter, TokenProvider
from .types import User

if TYPE_CHECKING:
    from .types import TokenClaims

__all__ = ["SCOPE_KEY", "AuthContext", "AuthSettings", "TokenCredentials"]

SCOPE_KEY = "netrun_auth"
"""Key of the :class:`AuthContext` in the ASGI scope."""


class AuthSettings:
    """What the middleware (or :func:`netrun_auth.dependencies.configure`) registered."""

    __slots__ = (
        "cookie_name",
        "jwt_manager",
        "max_token_bytes",
        "rbac_manager",
        "request_now",
        "router",
        "verify",
    )

    def __init__(
        self,
        jwt_manager: Any,
        rbac_manager: Any = None,
        cookie_name: str | None = None,
        max_token_bytes: int = MAX_TOKEN_BYTES,
        *,
        providers: Iterable[TokenProvider] = (),
    ) -> None:
        self.jwt_manager = jwt_manager
        # JWTManager.verify returns the engine's claims without building a pydantic model.
        self.verify = getattr(jwt_manager, "verify", None)
        self.rbac_manager = rbac_manager
        self.cookie_name = cookie_name
        providers = tuple(providers)
        # Credentials are read up to the largest cap of any verifier (an identity
        # provider's tokens may be larger than ours); each verifier applies its own.
        self.max_token_bytes = max([max_token_bytes, *(_provider_cap(p) for p in providers)])
        own_issuer = getattr(getattr(jwt_manager, "config", None), "jwt_issuer", None)
        self.router = IssuerRouter.of(own_issuer, providers, self.max_token_bytes)
        # A JWTManager's requests, when no other issuer is registered: one engine call
        # finds, verifies and (if the store decides at once) checks the token. Not for a
        # manager whose verify() was overridden: it must see every token.
        self.request_now: _core.RequestAuthenticator | None = None
        if (
            self.router is None
            and isinstance(jwt_manager, JWTManager)
            and type(jwt_manager).verify is JWTManager.verify
        ):
            self.request_now = _core.RequestAuthenticator(
                jwt_manager.engine, jwt_manager, User.from_claims, cookie_name, self.max_token_bytes
            )

    @classmethod
    def from_config(
        cls,
        jwt_manager: Any,
        rbac_manager: Any,
        config: Any,
        cookie_name: str | None = None,
        *,
        providers: Iterable[TokenProvider] = (),
    ) -> AuthSettings:
        """Settings with ``auth_cookie_name`` and ``max_token_bytes`` read from ``config``
        (default: the manager's own config)."""
        if config is None:
            config = getattr(jwt_manager, "config", None)
        if cookie_name is None:
            cookie_name = getattr(config, "auth_cookie_name", None)
        max_bytes = getattr(config, "max_token_bytes", None) or MAX_TOKEN_BYTES
        return cls(jwt_manager, rbac_manager, cookie_name, max_bytes, providers=providers)

    @classmethod
    def build(
        cls,
        jwt_manager: Any,
        *,
        redis_client: Any = None,
        config: Any = None,
        rbac_manager: Any = None,
        cookie_name: str | None = None,
        providers: Iterable[TokenProvider] = (),
    ) -> AuthSettings:
        """The settings of one wiring; ``redis_client`` is adopted by ``jwt_manager``.

        Raises:
            ConfigurationError: when ``jwt_manager`` is None, or cannot adopt
                ``redis_client`` (see :meth:`~netrun_auth.JWTManager.use_redis`).
        """
        if jwt_manager is None:
            raise ConfigurationError("jwt_manager: a JWTManager is required")
        if redis_client is not None:
            use_redis = getattr(jwt_manager, "use_redis", None)
            if use_redis is None:
                raise ConfigurationError(
                    "redis_client: this jwt_manager has no use_redis(); give the "
                    "Redis client to the manager itself"
                )
            use_redis(redis_client)
        return cls.from_config(
            jwt_manager, rbac_manager, config, cookie_name, providers=tuple(providers)
        )


class AuthContext(AuthCredentials):
    """The authentication outcome of one request, kept in ``scope["netrun_auth"]``.

    ``user``, ``claims`` and ``token`` are all ``None`` for an anonymous request.
    ``claims`` (the pydantic :class:`TokenClaims`) is built on first use only, and
    only for tokens of this API's own issuer (``None`` for a provider's token).

    An authenticated request's context is also its ``request.auth`` (Starlette's
    ``AuthCredentials``): ``scopes`` holds ``"authenticated"`` and the user's
    permissions, for ``starlette.authentication.requires``.
    """

    __slots__ = ("_claims", "_verified", "settings", "token", "user")

    def __init__(  # no super().__init__: scopes are computed when read
        self,
        settings: AuthSettings,
        token: str | None = None,
        user: User | None = None,
        verified: Any = None,
    ) -> None:
        self.settings = settings
        self.token = token
        self.user = user
        self._verified = verified
        self._claims: TokenClaims | None = None

    @classmethod
    def now(
        cls, settings: AuthSettings, headers: Iterable[tuple[bytes, bytes]]
    ) -> AuthContext | str:
        """The context of a request (from its ASGI ``headers``) when it is known without
        waiting: anonymous without a token, or validated by this API's own
        ``JWTManager`` whose store decides at once. Otherwise the request's token: then
        :meth:`authenticate` must be awaited with it (a provider's token, or a store
        that must be asked).

        Raises the errors of :func:`netrun_auth.credentials.extract_token` and of
        :meth:`authenticate`, except ``StoreUnavailableError``.
        """
        request_now = settings.request_now
        if request_now is None:
            token = request_token(headers, settings.cookie_name, settings.max_token_bytes)
            return cls(settings) if token is None else token
        found = request_now(headers)
        if found is None:
            return cls(settings)
        token, verified, user = found
        return token if user is None else cls(settings, token, user, verified)

    async def authenticate(self, token: str) -> None:
        """Validate ``token`` with its issuer's validator and keep the outcome.

        Raises:
            TokenInvalidError: when the token is refused, or its issuer is neither this
                API's nor a provider's (401, ``code="issuer_unknown"``).
            TokenExpiredError, TokenRevokedError: as ``JWTManager.validate_token`` (401).
            StoreUnavailableError: when the revocation store does not answer (503).
        """
        settings = self.settings
        router = settings.router
        if router is not None:
            provider = router.provider_for(token)
            if provider is not None:  # another issuer: the provider makes the User
                self.user = await provider.validate_token(token)
                self.token = token
                return
        verify = settings.verify
        if verify is not None:  # JWTManager: engine claims, no pydantic model built yet
            verified = await verify(token)
            # Shared by the requests of one token: a User is deeply immutable (frozen
            # model, tuple fields, read-only extra), kept with the engine's cache entry.
            self.user = verified.user_of(User.from_claims)
            self._verified = verified
            self.token = token
            return
        # Any object with the documented validate_token().
        verified = self._claims = await settings.jwt_manager.validate_token(token)
        self.user = verified.to_user()
        self._verified = verified
        self.token = token

    @property
    def claims(self) -> TokenClaims | None:
        """The validated claims of the request's own token (``None`` when anonymous
        or when a provider validated the token)."""
        if self._claims is None and self._verified is not None:
            self._claims = token_claims(self._verified)
        return self._claims

    @property
    def scopes(self) -> list[str]:  # type: ignore[override]
        """``"authenticated"`` and the user's permissions (empty when anonymous)."""
        user = self.user
        return ["authenticated", *user.permissions] if user is not None else []


TokenCredentials = AuthContext
"""The type of ``request.auth`` of an authenticated request: its :class:`AuthContext`."""


def _provider_cap(provider: TokenProvider) -> int:
    """The largest token ``provider`` reads (its ``config.max_token_bytes``; 0 if unsaid)."""
    cap = getattr(getattr(provider, "config", None), "max_token_bytes", 0)
    return cap if isinstance(cap, int) else 0
