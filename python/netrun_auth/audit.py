"""Security audit events: one log record per event on the logger ``netrun_auth.audit``.

Every security event of netrun-auth (a login, a lockout, a token issued, refreshed,
reused or revoked, a request denied, the store unavailable) goes through :func:`emit`:

- one ``INFO`` record (``WARNING`` for :data:`WARNING_EVENTS`) on ``netrun_auth.audit``,
  whose message is the event name and whose ``extra`` carries ``event`` and every field,
  plus the whole payload as ``record.audit`` (a ``dict``), ready for
  :class:`JsonFormatter`;
- then, when set, the ``on_event`` callbacks: the process-wide one
  (:func:`set_handler`) and the one given to the emitting object (e.g.
  ``JWTManager(on_event=...)``), each called with the payload ``dict``. A callback
  that raises is logged (without the payload) and never breaks the request.

Fields, when known: ``time`` (UTC, ISO 8601), ``event``, ``user_id``,
``organization_id``, ``session_id``, ``jti`` (the token id: random, so it reveals
nothing of the token), ``client_ip``, ``method`` and ``path`` (over HTTP, bound by the
middleware with :func:`bind_http`), ``error_code``, ``status_code``, and per event a few
more (``username_id``: the keyed hash of a login's username; ``retry_after``).
Never a token, a key or a password: fields named like one are dropped (see
:data:`FORBIDDEN_FIELDS`), and callers pass ids only.

With the logger disabled and no callback, :func:`emit` returns at its first test.
"""

from __future__ import annotations

import contextvars
import json
import logging
from collections.abc import Callable, Mapping, MutableMapping
from datetime import datetime, timezone
from typing import Any

__all__ = [
    "EVENTS",
    "FORBIDDEN_FIELDS",
    "LOGGER_NAME",
    "WARNING_EVENTS",
    "AuditHandler",
    "JsonFormatter",
    "access_denied",
    "bind_http",
    "emit",
    "http_fields",
    "set_handler",
    "unbind_http",
]

LOGGER_NAME = "netrun_auth.audit"

EVENTS = frozenset(
    {
        "login_succeeded",
        "login_failed",
        "login_locked",
        "token_issued",
        "token_refreshed",
        "refresh_reuse_detected",
        "token_revoked",
        "session_revoked",
        "user_logged_out_everywhere",
        "access_denied",
        "store_unavailable",
        "jwks_refreshed",
        "jwks_refresh_failed",
    }
)
"""The events netrun-auth emits (others may be emitted by applications)."""

WARNING_EVENTS = frozenset(
    {
        "login_locked",
        "refresh_reuse_detected",
        "store_unavailable",
        "jwks_refresh_failed",
    }
)
"""Events logged at ``WARNING`` rather than ``INFO``."""

FORBIDDEN_FIELDS = frozenset(
    {
        "token",
        "access_token",
        "refresh_token",
        "id_token",
        "authorization",
        "password",
        "secret",
        "key",
        "private_key",
        "username",
        "cookie",
    }
)
"""Field names never recorded (dropped by :func:`emit`): secrets, and the clear username."""

AuditHandler = Callable[[dict[str, Any]], None]
"""An ``on_event`` callback: called with each event's payload."""

_logger = logging.getLogger(LOGGER_NAME)
_logger.addHandler(logging.NullHandler())  # no stderr fallback: the app chooses handlers
_handler: AuditHandler | None = None
_http: contextvars.ContextVar[Mapping[str, str] | None] = contextvars.ContextVar(
    "netrun_auth_audit_http", default=None
)

# Attributes of logging.LogRecord: a field by that name goes in as ``field_<name>``.
_RESERVED = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime", "audit"}


def set_handler(handler: AuditHandler | None) -> AuditHandler | None:
    """Set the process-wide ``on_event`` callback (``None`` removes it); the previous one."""
    global _handler
    previous, _handler = _handler, handler
    return previous


def bind_http(method: str, path: str, client_ip: str | None) -> contextvars.Token[Any]:
    """Attach ``method``, ``path`` and ``client_ip`` to the events of the current request
    (a context variable: each request's task has its own). Undo with :func:`unbind_http`."""
    return _http.set({"method": method, "path": path, "client_ip": client_ip or ""})


def unbind_http(token: contextvars.Token[Any]) -> None:
    """Undo :func:`bind_http`."""
    _http.reset(token)


def http_fields(scope: Mapping[str, Any]) -> dict[str, Any]:
    """The audit fields of an ASGI ``scope``: ``method``, ``path``, ``client_ip`` and,
    once the middleware authenticated the request, ``user_id`` and ``organization_id``."""
    client = scope.get("client")
    user = (scope.get("state") or {}).get("user")
    return {
        "method": scope.get("method", "WEBSOCKET" if scope.get("type") == "websocket" else None),
        "path": scope.get("path"),
        "client_ip": client[0] if client else None,
        "user_id": getattr(user, "user_id", None),
        "organization_id": getattr(user, "organization_id", None),
    }


_DENIED = "netrun_auth.audit.denied"
"""Scope key: the error this request's ``access_denied`` was emitted for."""


def access_denied(
    scope: MutableMapping[str, Any], exc: Exception, *, on_event: AuditHandler | None = None
) -> None:
    """Emit ``access_denied`` for an authentication error ``exc`` answering the request
    of ``scope`` (``error_code``, ``status_code`` and :func:`http_fields`), once: the
    dependencies call it where they raise, the middleware where it answers, and the
    same error is recorded only the first time (marked on the scope)."""
    if scope.get(_DENIED) is exc:
        return
    scope[_DENIED] = exc
    emit(
        "access_denied",
        on_event=on_event,
        error_code=getattr(exc, "code", None),
        status_code=getattr(exc, "status_code", None),
        **http_fields(scope),
    )


def emit(event: str, /, *, on_event: AuditHandler | None = None, **fields: Any) -> None:
    """Record one security event; ``fields`` with a ``None`` value are left out.

    ``on_event``: a callback of the emitting object, called after the process-wide one.
    Never raises: a field named like a secret (``token``, ``password``, ...) is dropped,
    and a failing callback is logged (its exception type only) on ``netrun_auth``.

    Example::

        from netrun_auth import audit

        audit.emit("password_changed", user_id=user.user_id)
    """
    level = logging.WARNING if event in WARNING_EVENTS else logging.INFO
    if on_event is None and _handler is None and not _logger.isEnabledFor(level):
        return
    payload: dict[str, Any] = {
        "time": datetime.now(timezone.utc)
        .isoformat(timespec="milliseconds")
        .replace("+00:00", "Z"),
        "event": event,
    }
    http = _http.get()
    if http is not None:
        payload.update((k, v) for k, v in http.items() if v)
    for name, value in fields.items():
        if value is not None and name.lower() not in FORBIDDEN_FIELDS:
            payload[name] = value
    if _logger.isEnabledFor(level):
        extra = {(f"field_{k}" if k in _RESERVED else k): v for k, v in payload.items()}
        extra["audit"] = payload
        _logger.log(level, event, extra=extra)
    for callback in (_handler, on_event):
        if callback is not None:
            try:
                callback(dict(payload))
            except Exception as exc:
                logging.getLogger("netrun_auth").error(
                    "audit on_event callback failed for %s: %s", event, type(exc).__name__
                )


class JsonFormatter(logging.Formatter):
    """One JSON object per line: the audit payload (or, for other records, ``time``,
    ``level``, ``logger`` and ``message``).

    For ``logging.config.dictConfig``::

        "formatters": {"audit": {"()": "netrun_auth.audit.JsonFormatter"}}
    """

    def format(self, record: logging.LogRecord) -> str:
        """The record as one line of JSON (values JSON cannot hold are written as text)."""
        payload = getattr(record, "audit", None)
        if isinstance(payload, dict):
            body: dict[str, Any] = {"level": record.levelname, **payload}
        else:
            body = {
                "time": datetime.fromtimestamp(record.created, timezone.utc)
                .isoformat(timespec="milliseconds")
                .replace("+00:00", "Z"),
                "level": record.levelname,
                "logger": record.name,
                "message": record.getMessage(),
            }
        return json.dumps(body, default=str, ensure_ascii=False, separators=(",", ":"))
