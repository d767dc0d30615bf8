"""The exception tree of netrun-auth.

Every failure caused by a request (a missing, bad, expired or revoked token; a
permission the user lacks; the token store being down) is an
:class:`AuthenticationError`, so one exception handler catches them all. Each
carries an HTTP ``status_code``, a stable machine-readable ``code`` and a human
``message`` that never contains a token, a key or a password.

Configuration mistakes are :class:`ConfigurationError`: they are raised when
objects are constructed, not while serving requests. An unusable argument of a
call is an :class:`InvalidInputError`; both are ``ValueError`` subclasses.
"""

from __future__ import annotations

from typing import Any, ClassVar

__all__ = [
    "AuthenticationError",
    "AuthorizationError",
    "ConfigurationError",
    "InvalidInputError",
    "NetrunAuthError",
    "PasswordHashError",
    "StoreUnavailableError",
    "TokenExpiredError",
    "TokenInvalidError",
    "TokenReuseError",
    "TokenRevokedError",
    "TooManyAttemptsError",
]


class NetrunAuthError(Exception):
    """Root of every exception netrun-auth raises.

    Each carries a stable ``code`` (the ``error`` of the JSON body), a ``message`` that
    never holds a token, key or password, the HTTP ``status_code`` and ``details``.
    Every ``code`` is listed in the error table of the documentation.

    Example::

        from netrun_auth.exceptions import AuthenticationError

        try:
            claims = await manager.validate_token(token)
        except AuthenticationError as exc:
            exc.code, exc.status_code, exc.to_dict()
    """

    default_code: ClassVar[str] = "netrun_auth_error"
    default_message: ClassVar[str] = "Authentication library error"
    status_code: int = 500

    def __init__(
        self,
        message: str | None = None,
        *,
        code: str | None = None,
        status_code: int | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.message = message or self.default_message
        self.code = code or self.default_code
        if status_code is not None:
            self.status_code = status_code
        self.details = details or {}
        super().__init__(self.message)

    def to_dict(self) -> dict[str, Any]:
        """JSON-ready body: ``{"error": code, "message": ..., "status_code": ...}``."""
        body: dict[str, Any] = {
            "error": self.code,
            "message": self.message,
            "status_code": self.status_code,
        }
        if self.details:
            body["details"] = self.details
        return body

    def __repr__(self) -> str:
        return f"{type(self).__name__}(code={self.code!r}, message={self.message!r})"


class AuthenticationError(NetrunAuthError):
    """The request could not be authenticated (HTTP 401)."""

    default_code = "authentication_failed"
    default_message = "Authentication failed"
    status_code = 401


class TokenInvalidError(AuthenticationError):
    """The token is malformed, badly signed, or its claims are not acceptable."""

    default_code = "token_invalid"
    default_message = "Token is invalid"


class TokenExpiredError(AuthenticationError):
    """The token's ``exp`` has passed (beyond the configured leeway)."""

    default_code = "token_expired"
    default_message = "Token has expired"


class TokenRevokedError(AuthenticationError):
    """The token, its session, or every token of its user was revoked."""

    default_code = "token_revoked"
    default_message = "Token has been revoked"


class TokenReuseError(TokenRevokedError):
    """A refresh token that was already spent was presented again.

    Its whole session has been revoked as a precaution.
    """

    default_code = "token_reuse"
    default_message = "Refresh token was already used; the session has been revoked"


class AuthorizationError(AuthenticationError):
    """Authenticated, but not allowed to do this (HTTP 403)."""

    default_code = "forbidden"
    default_message = "Not authorized"
    status_code = 403


class StoreUnavailableError(AuthenticationError):
    """The revocation store could not be reached; the request fails closed (HTTP 503)."""

    default_code = "store_unavailable"
    default_message = "Token store unavailable"
    status_code = 503


class TooManyAttemptsError(AuthenticationError):
    """Too many failed logins for this username or from this client (HTTP 429).

    ``retry_after`` is the number of seconds to wait; the HTTP layer sends it as the
    ``Retry-After`` header, and the JSON body carries it in ``details``.
    """

    default_code = "too_many_attempts"
    default_message = "Too many failed login attempts; try again later"
    status_code = 429

    def __init__(
        self,
        message: str | None = None,
        *,
        retry_after: int,
        code: str | None = None,
        details: dict[str, Any] | None = None,
    ) -> None:
        self.retry_after = max(1, int(retry_after))
        super().__init__(
            message, code=code, details={**(details or {}), "retry_after": self.retry_after}
        )


class ConfigurationError(NetrunAuthError, ValueError):
    """A setting is missing or wrong. The message names the setting."""

    default_code = "configuration_error"
    default_message = "Invalid configuration"
    status_code = 500


class InvalidInputError(NetrunAuthError, ValueError):
    """An argument cannot be used: an empty user id, a custom claim that is a
    registered one, text that is not valid Unicode (a lone surrogate). The message
    names the argument, never its value."""

    default_code = "invalid_input"
    default_message = "Invalid input"
    status_code = 400


class PasswordHashError(NetrunAuthError, ValueError):
    """A stored password hash is malformed or of an unsupported scheme."""

    default_code = "invalid_password_hash"
    default_message = "Password hash is malformed or unsupported"
    status_code = 500
