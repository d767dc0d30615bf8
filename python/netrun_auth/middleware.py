"""Pure ASGI authentication middleware for Starlette and FastAPI.

Add it the usual way::

    app.add_middleware(
        AuthenticationMiddleware,
        jwt_manager=jwt_manager,
        redis_client=redis_client,  # optional: check revocation in this Redis
        config=config,              # optional: public paths, auth cookie name
    )

For every HTTP request and WebSocket handshake it takes the token from
``Authorization: Bearer <token>`` (or, when ``config.auth_cookie_name`` is set and
there is no header, from that cookie), validates it once with the manager and
publishes the result on the request:

* ``request.state.user`` / ``request.user``: the :class:`~netrun_auth.types.User`
  (``request.state.user`` is ``None`` and ``request.user`` is Starlette's
  ``UnauthenticatedUser`` for an anonymous request);
* ``request.auth``: a :class:`TokenCredentials` (Starlette's ``AuthCredentials``
  whose ``scopes`` are ``"authenticated"`` plus the token's permissions, so
  ``starlette.authentication.requires`` works), with ``.claims`` (the
  :class:`~netrun_auth.types.TokenClaims`, built on first use) and ``.token``.

A request without a token goes through anonymous: the dependencies in
:mod:`netrun_auth.dependencies` decide what needs a user. A request whose token or
``Authorization`` header is bad is answered 401 right here (WebSocket: closed with
code 1008), except on the public paths, where it goes through anonymous.

Failures are :class:`~netrun_auth.exceptions.AuthenticationError`. The HTTP response
is built, in this order, by the middleware's ``on_error(conn, exc)`` when given, by
the app's own exception handler for the error (e.g. the seed's
``@app.exception_handler(AuthenticationError)``), or else by
:func:`auth_error_response`: JSON ``exc.to_dict()`` with an RFC 6750
``WWW-Authenticate`` header. The same applies to an ``AuthenticationError`` that a
dependency or a route raised and that the app did not handle: it is answered here
instead of becoming a 500.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Awaitable, Callable, Iterable
from typing import TYPE_CHECKING, Any

from starlette.authentication import AuthCredentials, UnauthenticatedUser
from starlette.requests import HTTPConnection, Request, cookie_parser
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket, WebSocketState

from . import audit
from .exceptions import AuthenticationError, TokenInvalidError
from .jwt import token_claims
from .types import User

if TYPE_CHECKING:
    from starlette.types import ASGIApp, Message, Receive, Scope, Send

    from .types import TokenClaims

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

MAX_TOKEN_BYTES = 8192
"""Longest token accepted when the config does not say (``config.max_token_bytes``)."""

SCOPE_KEY = "netrun_auth"
"""Key of the :class:`AuthContext` in the ASGI scope."""

NOT_AUTHENTICATED = "not_authenticated"
"""``code`` of the error raised when a route needs a user and the request has no token."""

OnError = Callable[[HTTPConnection, AuthenticationError], "Response | Awaitable[Response]"]


def _malformed(message: str) -> TokenInvalidError:
    return TokenInvalidError(message, code="token_malformed")


def _too_large(message: str) -> TokenInvalidError:
    # The engine's code for a token over max_token_bytes: the same answer whether the
    # header parser or the engine notices the size first.
    return TokenInvalidError(message, code="token_too_large")


_ANONYMOUS = UnauthenticatedUser()
_NO_CREDENTIALS = AuthCredentials()
_WS_POLICY_VIOLATION = 1008
_WS_TRY_AGAIN_LATER = 1013


class AuthSettings:
    """What the middleware (or :func:`netrun_auth.dependencies.configure`) registered."""

    __slots__ = ("cookie_name", "jwt_manager", "max_token_bytes", "rbac_manager", "verify")

    def __init__(
        self,
        jwt_manager: Any,
        rbac_manager: Any = None,
        cookie_name: str | None = None,
        max_token_bytes: int = MAX_TOKEN_BYTES,
    ) -> None:
        self.jwt_manager = jwt_manager
        # JWTManager.verify returns the engine's claims without building a pydantic model.
        self.verify = getattr(jwt_manager, "verify", None)
        self.rbac_manager = rbac_manager
        self.cookie_name = cookie_name
        self.max_token_bytes = max_token_bytes

    @classmethod
    def from_config(
        cls, jwt_manager: Any, rbac_manager: Any, config: Any, cookie_name: str | None = None
    ) -> AuthSettings:
        """Settings with ``auth_cookie_name`` and ``max_token_bytes`` read from ``config``."""
        if cookie_name is None:
            cookie_name = getattr(config, "auth_cookie_name", None)
        max_bytes = getattr(config, "max_token_bytes", None) or MAX_TOKEN_BYTES
        return cls(jwt_manager, rbac_manager, cookie_name, max_bytes)


class AuthContext:
    """The authentication outcome of one request, kept in ``scope["netrun_auth"]``.

    ``user``, ``claims`` and ``token`` are all ``None`` for an anonymous request.
    ``claims`` (the pydantic :class:`TokenClaims`) is built on first use only.
    """

    __slots__ = ("_claims", "_verified", "settings", "token", "user")

    def __init__(self, settings: AuthSettings) -> None:
        self.settings = settings
        self.token: str | None = None
        self.user: User | None = None
        self._verified: Any = None
        self._claims: TokenClaims | None = None

    async def authenticate(self, token: str) -> None:
        """Validate ``token`` with the registered manager and keep the outcome."""
        verify = self.settings.verify
        if verify is not None:  # JWTManager: engine claims, no pydantic model built yet
            verified = await verify(token)
            self.user = _user_of(verified)
        else:  # any object with the documented validate_token()
            verified = self._claims = await self.settings.jwt_manager.validate_token(token)
            self.user = verified.to_user()
        self._verified = verified
        self.token = token

    @property
    def claims(self) -> TokenClaims | None:
        """The validated claims of the request's token (``None`` when anonymous)."""
        if self._claims is None and self._verified is not None:
            self._claims = token_claims(self._verified)
        return self._claims


_USERS: dict[tuple[str, str, str, int], User] = {}
_USERS_MAX = 4096


def _user_of(verified: Any) -> User:
    """The (immutable) :class:`User` of engine-verified claims, reused per token.

    The token was just verified (signature, expiry, revocation); only building the
    pydantic model again is skipped when the same token comes back. Keyed by the
    token's issuer, subject, id and expiry, never by the token itself.
    """
    key = (verified.issuer, verified.user_id, verified.jti, verified.expires_at)
    user = _USERS.get(key)
    if user is None:
        user = User.from_claims(verified)
        if len(_USERS) >= _USERS_MAX:
            _USERS.clear()
        _USERS[key] = user
    return user


class TokenCredentials(AuthCredentials):
    """``request.auth`` of an authenticated request.

    ``scopes`` holds ``"authenticated"`` and the token's permissions (Starlette's
    convention); ``claims`` and ``token`` are the validated claims and the raw token.
    """

    def __init__(self, context: AuthContext) -> None:  # no super().__init__: lazy scopes
        self._context = context

    @property
    def scopes(self) -> list[str]:  # type: ignore[override]
        user = self._context.user
        return ["authenticated", *user.permissions] if user is not None else []

    @property
    def claims(self) -> TokenClaims | None:
        return self._context.claims

    @property
    def token(self) -> str | None:
        return self._context.token


def extract_token(
    scope: Scope, cookie_name: str | None = None, max_bytes: int = MAX_TOKEN_BYTES
) -> str | None:
    """The bearer token of a request, or ``None`` when it carries none.

    Raises :class:`TokenInvalidError` for an ``Authorization`` header that is not a
    single, ASCII ``Bearer <token>`` with a token of at most ``max_bytes`` (and for
    such a cookie).
    """
    header: bytes | None = None
    cookies: list[bytes] | None = None
    for name, value in scope["headers"]:
        if name == b"authorization":
            if header is not None:
                raise _malformed("Several Authorization headers")
            header = value
        elif name == b"cookie" and cookie_name is not None:
            if cookies is None:
                cookies = []
            cookies.append(value)
    if header is not None:
        return _parse_authorization(header, max_bytes)
    if cookies is not None:
        return _cookie_token(cookies, cookie_name, max_bytes)  # type: ignore[arg-type]
    return None


# RFC 6750 b64token characters (and "=" padding): what a JWT is made of.
_B64TOKEN = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/="


def _parse_authorization(raw: bytes, max_bytes: int) -> str:
    if len(raw) > max_bytes + 16:
        raise _too_large("Authorization header is too large")
    scheme, _, token = raw.strip().partition(b" ")
    if scheme.lower() != b"bearer":
        raise _malformed("Authorization scheme must be Bearer")
    token = token.strip(b" ")
    if not token:
        raise _malformed("Bearer token is missing")
    if token.translate(None, _B64TOKEN):  # anything left is not a token character
        raise _malformed("Bearer token is malformed")
    return token.decode("ascii")


def _cookie_token(values: list[bytes], cookie_name: str, max_bytes: int) -> str | None:
    raw = b"; ".join(values)
    if len(raw) > 4 * max_bytes:
        raise _too_large("Cookie header is too large")
    try:
        token = cookie_parser(raw.decode("latin-1")).get(cookie_name)
    except Exception:  # a cookie header that does not parse is a bad credential
        raise _malformed("Cookie header is malformed") from None
    if token is None:
        return None
    if len(token) > max_bytes:
        raise _too_large("Authentication cookie is too large")
    if not token or not token.isascii():
        raise _malformed("Authentication cookie is malformed")
    if token.encode("ascii").translate(None, _B64TOKEN):
        raise _malformed("Authentication cookie is malformed")
    return token


def _quoted(text: str) -> str:
    """``text`` as an RFC 6750 ``error_description`` value (no quote, backslash, non-ASCII)."""
    return "".join(c for c in text if " " <= c <= "~" and c not in '"\\')


def www_authenticate(exc: AuthenticationError) -> str | None:
    """The RFC 6750 ``WWW-Authenticate`` value for ``exc`` (``None`` when it needs none).

    401 for a request without credentials: ``Bearer`` (RFC 6750 section 3.1: no error
    code then); 401 otherwise: ``Bearer error="invalid_token"``; 403:
    ``Bearer error="insufficient_scope"``. Other statuses (503) get no challenge.
    """
    if exc.status_code == 403:
        error = "insufficient_scope"
    elif exc.status_code == 401:
        if exc.code == NOT_AUTHENTICATED:
            return "Bearer"
        error = "invalid_token"
    else:
        return None
    return f'Bearer error="{error}", error_description="{_quoted(exc.message)}"'


def auth_error_response(conn: HTTPConnection | None, exc: AuthenticationError) -> Response:
    """Default error response: ``exc.to_dict()`` as JSON, RFC 6750 challenge header.

    Usable as the middleware's ``on_error`` and as an exception handler.
    """
    headers = {"Cache-Control": "no-store"}
    challenge = www_authenticate(exc)
    if challenge is not None:
        headers["WWW-Authenticate"] = challenge
    return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)


async def auth_exception_handler(conn: HTTPConnection, exc: Exception) -> Response | None:
    """Starlette exception handler: :func:`auth_error_response` for HTTP; for a
    WebSocket, close it with code 1008 (1013 for 503)."""
    if not isinstance(exc, AuthenticationError):  # pragma: no cover - registration guards
        raise exc
    if conn.scope["type"] == "websocket":
        websocket: WebSocket = conn  # type: ignore[assignment]
        if websocket.application_state == WebSocketState.CONNECTING:
            await websocket.accept()
        if websocket.application_state == WebSocketState.CONNECTED:
            code = _WS_TRY_AGAIN_LATER if exc.status_code == 503 else _WS_POLICY_VIOLATION
            await websocket.close(code, exc.code[:120])
        return None
    return auth_error_response(conn, exc)


def _app_handler(scope: Scope, exc: AuthenticationError) -> OnError | None:
    """The app's own exception handler for ``exc`` (its class or a base class up to
    ``AuthenticationError``), so that the app's handler also answers the middleware's
    rejections."""
    handlers = getattr(scope.get("app"), "exception_handlers", None)
    if not handlers:
        return None
    for cls in type(exc).__mro__:
        handler = handlers.get(cls)
        if handler is not None:
            return handler
        if cls is AuthenticationError:
            break
    return None


def _public_path_matcher(paths: Iterable[str]) -> Callable[[str], bool]:
    exact = frozenset(p for p in paths if not p.endswith("*"))
    prefixes = tuple(p[:-1] for p in paths if p.endswith("*"))
    if prefixes:
        return lambda path: path in exact or path.startswith(prefixes)
    return exact.__contains__


class AuthenticationMiddleware:
    """Authenticate every HTTP request and WebSocket handshake with a ``JWTManager``.

    Args:
        app: the wrapped ASGI app (given by ``app.add_middleware``).
        jwt_manager: the :class:`netrun_auth.JWTManager` that validates tokens.
        redis_client: a ``redis.asyncio`` client; when given, revocation is checked
            in it (``jwt_manager.with_redis(redis_client)``) even if the manager was
            built without one.
        config: an ``AuthConfig``; ``public_paths`` and ``auth_cookie_name`` are read
            from it (default: the manager's own config).
        rbac_manager: an ``RBACManager`` used by ``require_permissions`` to resolve
            role permissions and wildcards.
        public_paths: overrides ``config.public_paths``. An entry ending in ``*`` is a
            prefix. On these paths a bad token makes the request anonymous instead
            of failing it.
        cookie_name: overrides ``config.auth_cookie_name``.
        on_error: ``(request, exc) -> Response`` (sync or async) building the HTTP
            error response; default: the app's ``AuthenticationError`` handler if it
            has one, else :func:`auth_error_response`.
    """

    def __init__(
        self,
        app: ASGIApp,
        jwt_manager: Any,
        redis_client: Any = None,
        config: Any = None,
        *,
        rbac_manager: Any = None,
        public_paths: Iterable[str] | None = None,
        cookie_name: str | None = None,
        on_error: OnError | None = None,
    ) -> None:
        self.app = app
        if redis_client is not None:
            jwt_manager = jwt_manager.with_redis(redis_client)
        if config is None:
            config = getattr(jwt_manager, "config", None)
        if public_paths is None:
            public_paths = getattr(config, "public_paths", None)
            if public_paths is None:
                public_paths = DEFAULT_PUBLIC_PATHS
        self.settings = AuthSettings.from_config(jwt_manager, rbac_manager, config, cookie_name)
        self.on_error: OnError | None = on_error
        self._is_public = _public_path_matcher(list(public_paths))

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        scope_type = scope["type"]
        if scope_type != "http" and scope_type != "websocket":
            await self.app(scope, receive, send)
            return

        settings = self.settings
        ctx = AuthContext(settings)
        try:
            token = extract_token(scope, settings.cookie_name, settings.max_token_bytes)
            if token is not None:
                await ctx.authenticate(token)
        except AuthenticationError as exc:
            if not self._is_public(scope["path"]):
                await self._reject(scope, receive, send, exc)
                return

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
            scope["auth"] = TokenCredentials(ctx)

        # Answer an AuthenticationError that the app left unhandled (typically raised by
        # a dependency) with the same response as above instead of a 500.
        started = False

        async def send_tracking(message: Message) -> None:
            nonlocal started
            started = True
            await send(message)

        connected = False  # WebSocket: whether the app already took "websocket.connect"
        app_receive = receive
        if scope_type == "websocket":

            async def app_receive() -> Message:
                nonlocal connected
                message = await receive()
                connected = True
                return message

        try:
            await self.app(scope, app_receive, send_tracking)
        except AuthenticationError as exc:
            if started and scope_type == "http":
                raise
            await self._reject(scope, receive, send, exc, started, connected)

    async def _reject(
        self,
        scope: Scope,
        receive: Receive,
        send: Send,
        exc: AuthenticationError,
        started: bool = False,
        connected: bool = False,
    ) -> None:
        audit.emit("access_denied", on_event=getattr(self.settings.jwt_manager, "on_event", None),
                   error_code=exc.code, status_code=exc.status_code,
                   **audit.http_fields(scope))  # fmt: skip
        if scope["type"] == "websocket":
            if not started:
                # Accept, then close, so that browsers see the close code and reason
                # (a handshake refused with an HTTP status is only "1006" to them).
                if not connected and (await receive())["type"] != "websocket.connect":
                    return
                await send({"type": "websocket.accept"})
            code = _WS_TRY_AGAIN_LATER if exc.status_code == 503 else _WS_POLICY_VIOLATION
            close = {"type": "websocket.close", "code": code, "reason": exc.code[:120]}
            if not started:
                await send(close)
                return
            with contextlib.suppress(RuntimeError, OSError):  # the app may have closed it
                await send(close)
            return
        on_error = self.on_error or _app_handler(scope, exc) or auth_error_response
        response = on_error(Request(scope, receive), exc)
        if inspect.isawaitable(response):
            response = await response
        await response(scope, receive, send)
