"""How an :class:`~netrun_auth.exceptions.AuthenticationError` is answered: the one place.

* HTTP: JSON ``exc.to_dict()`` with the status of the error, ``Cache-Control:
  no-store``, an RFC 6750 ``WWW-Authenticate`` challenge for 401/403, and
  ``Retry-After`` when the error carries an int ``retry_after`` (a 429 from a login
  guard, for instance).
* WebSocket: the handshake is accepted, then closed with code 1008 (policy
  violation), or 1013 (try again later) for a 503 or 429, the error ``code`` as reason.

The middleware answers its own rejections with :func:`reject`; the dependencies,
without the middleware, through :func:`auth_exception_handler` (a Starlette
exception handler). An app can replace the HTTP response: the middleware's
``on_error``, or the app's own ``AuthenticationError`` handler.
"""

from __future__ import annotations

import contextlib
import inspect
from collections.abc import Awaitable, Callable
from typing import TYPE_CHECKING, Any

from starlette.requests import HTTPConnection, Request
from starlette.responses import JSONResponse, Response
from starlette.websockets import WebSocket, WebSocketState

from .exceptions import AuthenticationError

if TYPE_CHECKING:
    from starlette.types import Receive, Scope, Send

__all__ = [
    "NOT_AUTHENTICATED",
    "OnError",
    "auth_error_response",
    "auth_exception_handler",
    "reject",
    "websocket_close_code",
    "www_authenticate",
]

NOT_AUTHENTICATED = "not_authenticated"
"""``code`` of the error raised when a route needs a user and the request has no token."""

OnError = Callable[[HTTPConnection, AuthenticationError], "Response | Awaitable[Response]"]
"""An HTTP error renderer: ``(request, exc) -> Response``, sync or async."""

WS_POLICY_VIOLATION = 1008
WS_TRY_AGAIN_LATER = 1013


def _quoted(text: str) -> str:
    """``text`` as an RFC 6750 quoted value (no quote, backslash, non-ASCII)."""
    return "".join(c for c in text if " " <= c <= "~" and c not in '"\\')


def www_authenticate(exc: AuthenticationError) -> str | None:
    """The RFC 6750 ``WWW-Authenticate`` value for ``exc`` (``None`` when it needs none).

    401 for a request without credentials: ``Bearer`` (RFC 6750 section 3.1: no error
    code then); 401 otherwise: ``Bearer error="invalid_token"``; 403:
    ``Bearer error="insufficient_scope"`` (with ``scope="..."`` when the error names
    the scopes it needs). Other statuses (429, 503) get no challenge.
    """
    scope = ""
    if exc.status_code == 403:
        error = "insufficient_scope"
        required = exc.details.get("required_scopes")
        if required:
            scope = f', scope="{_quoted(" ".join(map(str, required)))}"'
    elif exc.status_code == 401:
        if exc.code == NOT_AUTHENTICATED:
            return "Bearer"
        error = "invalid_token"
    else:
        return None
    return f'Bearer error="{error}", error_description="{_quoted(exc.message)}"{scope}'


def _retry_after(exc: AuthenticationError) -> int | None:
    value = getattr(exc, "retry_after", None)
    if isinstance(value, int) and not isinstance(value, bool) and value >= 0:
        return value
    return None


def auth_error_response(conn: HTTPConnection | None, exc: AuthenticationError) -> Response:
    """Default error response: ``exc.to_dict()`` as JSON with the headers above.

    Usable as the middleware's ``on_error`` and as an exception handler.
    """
    headers = {"Cache-Control": "no-store"}
    challenge = www_authenticate(exc)
    if challenge is not None:
        headers["WWW-Authenticate"] = challenge
    retry_after = _retry_after(exc)
    if retry_after is not None:
        headers["Retry-After"] = str(retry_after)
    return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers=headers)


def websocket_close_code(exc: AuthenticationError) -> int:
    """1013 (try again later) for a 503 or 429, else 1008 (policy violation)."""
    return WS_TRY_AGAIN_LATER if exc.status_code in (429, 503) else WS_POLICY_VIOLATION


def _close_reason(exc: AuthenticationError) -> str:
    return exc.code[:120]  # a close frame's reason is at most 123 bytes


async def auth_exception_handler(conn: HTTPConnection, exc: Exception) -> Response | None:
    """Starlette exception handler: :func:`auth_error_response` for HTTP; for a
    WebSocket, accept it if needed and close it with :func:`websocket_close_code`."""
    if not isinstance(exc, AuthenticationError):  # pragma: no cover - registration guards
        raise exc
    if conn.scope["type"] == "websocket":
        websocket: WebSocket = conn  # type: ignore[assignment]
        if websocket.application_state == WebSocketState.CONNECTING:
            await websocket.accept()
        if websocket.application_state == WebSocketState.CONNECTED:
            await websocket.close(websocket_close_code(exc), _close_reason(exc))
        return None
    return auth_error_response(conn, exc)


def app_handler(scope: Scope, exc: AuthenticationError) -> OnError | None:
    """The app's own exception handler for ``exc`` (its class or a base class up to
    ``AuthenticationError``), so that the app's handler also answers the middleware's
    rejections."""
    handlers = getattr(scope.get("app"), "exception_handlers", None)
    if not handlers:
        return None
    for cls in type(exc).__mro__:
        handler: Any = handlers.get(cls)
        if handler is not None:
            return handler  # type: ignore[no-any-return]
        if cls is AuthenticationError:
            break
    return None


async def reject(
    scope: Scope,
    receive: Receive,
    send: Send,
    exc: AuthenticationError,
    on_error: OnError | None = None,
    *,
    started: bool = False,
    connected: bool = False,
) -> None:
    """Answer ``exc`` on a raw ASGI connection.

    HTTP: the response of ``on_error``, else of the app's own handler, else
    :func:`auth_error_response`. WebSocket: ``started`` says the app already sent
    something (then only the close is sent, if the socket is still open);
    ``connected`` that the app already took the ``websocket.connect`` message.
    """
    if scope["type"] == "websocket":
        close = {
            "type": "websocket.close",
            "code": websocket_close_code(exc),
            "reason": _close_reason(exc),
        }
        if started:
            with contextlib.suppress(RuntimeError, OSError):  # the app may have closed it
                await send(close)
            return
        # Accept, then close, so that browsers see the close code and reason (a
        # handshake refused with an HTTP status is only "1006" to them).
        if not connected and (await receive())["type"] != "websocket.connect":
            return
        await send({"type": "websocket.accept"})
        await send(close)
        return
    render = on_error or app_handler(scope, exc) or auth_error_response
    response = render(Request(scope, receive), exc)
    if inspect.isawaitable(response):
        response = await response
    await response(scope, receive, send)
