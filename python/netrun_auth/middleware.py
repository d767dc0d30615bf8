"""Pure ASGI authentication middleware for Starlette and FastAPI.

Add it the usual way::

    app.add_middleware(
        AuthenticationMiddleware,
        jwt_manager=jwt_manager,
        redis_client=redis_client,  # optional: the manager adopts it (use_redis)
        config=config,              # optional: public paths, auth cookie name
    )

For every HTTP request and WebSocket handshake it takes the token from the request
(:mod:`netrun_auth.credentials`: ``Authorization: Bearer <token>``, or the configured
cookie), validates it once (with the manager, or with a provider of another issuer:
:mod:`netrun_auth.providers`) and publishes the outcome (:mod:`netrun_auth.context`):

* ``request.state.user`` / ``request.user``: the :class:`~netrun_auth.types.User`
  (``request.state.user`` is ``None`` and ``request.user`` is Starlette's
  ``UnauthenticatedUser`` for an anonymous request);
* ``request.auth``: a :class:`TokenCredentials` (``scopes``: ``"authenticated"`` plus
  the permissions, so ``starlette.authentication.requires`` works; ``claims``;
  ``token``).

A request without a token goes through anonymous: the dependencies in
:mod:`netrun_auth.dependencies` decide what needs a user. A request whose token or
``Authorization`` header is bad is answered 401 right here (WebSocket: closed with
code 1008), except on the public paths, where it goes through anonymous. An
``AuthenticationError`` a dependency or route raised and the app left unhandled is
answered the same way instead of becoming a 500. Answers are built in
:mod:`netrun_auth.responses` (``on_error``, else the app's own handler, else JSON +
``WWW-Authenticate``).
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from starlette.authentication import AuthCredentials, UnauthenticatedUser

from . import audit
from .context import SCOPE_KEY, AuthContext, AuthSettings, TokenCredentials
from .credentials import MAX_TOKEN_BYTES, extract_token
from .exceptions import AuthenticationError
from .responses import (
    NOT_AUTHENTICATED,
    OnError,
    auth_error_response,
    auth_exception_handler,
    reject,
    www_authenticate,
)

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from .providers import TokenProvider

__all__ = [
    "DEFAULT_PUBLIC_PATHS",
    "MAX_TOKEN_BYTES",
    "NOT_AUTHENTICATED",
    "SCOPE_KEY",
    "AuthContext",
    "AuthSettings",
    "AuthenticationMiddleware",
    "TokenCredentials",
    "auth_error_response",
    "auth_exception_handler",
    "extract_token",
    "www_authenticate",
]

DEFAULT_PUBLIC_PATHS: tuple[str, ...] = (
    "/health",
    "/docs",
    "/docs/oauth2-redirect",
    "/redoc",
    "/openapi.json",
)
"""Paths where a bad token does not stop the request (used when no config says otherwise)."""

_ANONYMOUS = UnauthenticatedUser()
_NO_CREDENTIALS = AuthCredentials()


def _public_path_matcher(paths: Iterable[str]) -> Callable[[str], bool]:
    """Exact paths, and prefixes written with a trailing ``*``."""
    paths = list(paths)
    exact = frozenset(p for p in paths if not p.endswith("*"))
    prefixes = tuple(p[:-1] for p in paths if p.endswith("*"))
    if prefixes:
        return lambda path: path in exact or path.startswith(prefixes)
    return exact.__contains__


class AuthenticationMiddleware:
    """Authenticate every HTTP request and WebSocket handshake with a ``JWTManager``.

    Args:
        app: the wrapped ASGI app (given by ``app.add_middleware``).
        jwt_manager: the :class:`netrun_auth.JWTManager` that validates tokens; used
            as is, never copied.
        redis_client: a ``redis.asyncio`` client; the manager adopts it for its
            revocation state (:meth:`~netrun_auth.JWTManager.use_redis`), so that
            ``jwt_manager.logout(...)`` anywhere in the app is seen here.
        config: an ``AuthConfig``; ``public_paths``, ``auth_cookie_name`` and
            ``max_token_bytes`` are read from it (default: the manager's own config).
        providers: identity providers for tokens of other issuers (routed by ``iss``).
        rbac_manager: an ``RBACManager`` used by ``require_permissions`` to resolve
            role permissions and wildcards.
        public_paths: overrides ``config.public_paths``. An entry ending in ``*`` is a
            prefix. On these paths a bad token makes the request anonymous instead
            of failing it.
        cookie_name: overrides ``config.auth_cookie_name``.
        on_error: ``(request, exc) -> Response`` (sync or async) building the HTTP
            error response; default: the app's ``AuthenticationError`` handler if it
            has one, else :func:`auth_error_response`.

    A request with a valid token gets ``request.state.user`` (a ``User``),
    ``request.user`` and ``request.auth``; one without a token goes on anonymous (the
    dependencies then answer 401); one with a bad token is answered 401 (403, 429 or
    503 as the error says) before the app sees it, except on ``public_paths``.

    Raises:
        ConfigurationError: when built: ``jwt_manager`` is None, a ``redis_client``
            cannot be adopted by it, or a provider lacks the provider methods.

    Example::

        from fastapi import FastAPI
        from netrun_auth import AuthConfig, JWTManager
        from netrun_auth.middleware import AuthenticationMiddleware

        config = AuthConfig()
        app = FastAPI()
        app.add_middleware(
            AuthenticationMiddleware,
            jwt_manager=JWTManager(config),
            config=config,
            public_paths=["/health", "/auth/*"],
        )
    """

    def __init__(
        self,
        app: ASGIApp,
        jwt_manager: Any,
        redis_client: Any = None,
        config: Any = None,
        *,
        providers: Iterable[TokenProvider] = (),
        rbac_manager: Any = None,
        public_paths: Iterable[str] | None = None,
        cookie_name: str | None = None,
        on_error: OnError | None = None,
    ) -> None:
        self.app = app
        self.settings = AuthSettings.build(
            jwt_manager,
            redis_client=redis_client,
            config=config,
            rbac_manager=rbac_manager,
            cookie_name=cookie_name,
            providers=providers,
        )
        if config is None:
            config = getattr(jwt_manager, "config", None)
        if public_paths is None:
            public_paths = getattr(config, "public_paths", None)
        if public_paths is None:
            public_paths = DEFAULT_PUBLIC_PATHS
        self.on_error: OnError | None = on_error
        self._is_public = _public_path_matcher(public_paths)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope_type = scope["type"]
        if scope_type != "http" and scope_type != "websocket":
            await self.app(scope, receive, send)
            return

        settings = self.settings
        try:
            found = AuthContext.now(settings, scope["headers"])
            if isinstance(found, str):  # a token to be awaited
                ctx = AuthContext(settings)
                await ctx.authenticate(found)
            else:
                ctx = found
        except AuthenticationError as exc:
            if not self._is_public(scope["path"]):
                await self._reject(scope, receive, send, exc)
                return
            ctx = AuthContext(settings)  # anonymous on a public path
        _publish(scope, ctx)

        # Answer an AuthenticationError the app left unhandled (typically raised by a
        # dependency) as above instead of a 500, if nothing was sent yet.
        started = connected = False

        def send_tracking(message: Message) -> Awaitable[None]:  # the server's awaitable
            nonlocal started
            started = True
            return send(message)

        app_receive = receive
        if scope_type == "websocket":

            async def receive_tracking() -> Message:  # did the app take "connect"?
                nonlocal connected
                message = await receive()
                connected = True
                return message

            app_receive = receive_tracking
        try:
            await self.app(scope, app_receive, send_tracking)
        except AuthenticationError as exc:
            if started and scope_type == "http":
                raise
            await self._reject(scope, receive, send, exc, started=started, connected=connected)

    async def _reject(
        self, scope: Scope, receive: Receive, send: Send, exc: AuthenticationError, **kw: bool
    ) -> None:
        on_event = getattr(self.settings.jwt_manager, "on_event", None)
        audit.access_denied(scope, exc, on_event=on_event)  # once, if a dependency did not
        await reject(scope, receive, send, exc, self.on_error, **kw)


def _publish(scope: Scope, ctx: AuthContext) -> None:
    """Put ``ctx`` on the scope, with Starlette's ``user``/``auth`` and ``state.user``."""
    scope[SCOPE_KEY] = ctx
    state = scope.get("state")
    if state is None:
        state = scope["state"] = {}
    state["user"] = ctx.user
    if ctx.user is None:
        scope["user"] = _ANONYMOUS
        scope["auth"] = _NO_CREDENTIALS
    else:
        scope["user"] = ctx.user
        scope["auth"] = ctx
