"""Where a request carries its token: the ``Authorization: Bearer`` header or a cookie.

This module only finds the token and refuses a header or cookie that cannot carry
one; whether the token is any good is decided later, by the engine. Everything
here reads raw ASGI headers (bytes), so no Unicode decoding can fail on the way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from starlette.requests import cookie_parser

from .exceptions import TokenInvalidError

if TYPE_CHECKING:
    from starlette.types import Scope

__all__ = ["MAX_TOKEN_BYTES", "extract_token"]

MAX_TOKEN_BYTES = 8192
"""Longest token accepted when the config does not say (``config.max_token_bytes``)."""

# RFC 6750 b64token characters (and "=" padding): what a JWT is made of.
_B64TOKEN = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/="


def _malformed(message: str) -> TokenInvalidError:
    return TokenInvalidError(message, code="token_malformed")


def _too_large(message: str) -> TokenInvalidError:
    # The engine's code for a token over max_token_bytes: the same answer whether the
    # header parser or the engine notices the size first.
    return TokenInvalidError(message, code="token_too_large")


def extract_token(
    scope: Scope, cookie_name: str | None = None, max_bytes: int = MAX_TOKEN_BYTES
) -> str | None:
    """The bearer token of a request, or ``None`` when it carries none.

    The ``Authorization`` header wins; the cookie ``cookie_name`` (when given) is read
    only without one.

    Raises:
        TokenInvalidError: for an ``Authorization`` header (or such a cookie) that is not
            a single, ASCII ``Bearer <token>`` (401, ``code="token_malformed"``), or whose
            token is over ``max_bytes`` (401, ``code="token_too_large"``).
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
        return _bearer_token(header, max_bytes)
    if cookies is not None and cookie_name is not None:
        return _cookie_token(cookies, cookie_name, max_bytes)
    return None


# Headers already read, and their token: a client sends the same header with every
# request, so the syntax check below (a pass over every byte) runs once per header. Only
# well-formed headers are kept (the result depends on the bytes alone; the size cap is
# checked again on each use); bounded, cleared when full.
_READ: dict[bytes, str] = {}
_READ_MAX = 1024
_READ_MAX_BYTES = 4096


def _bearer_token(raw: bytes, max_bytes: int) -> str:
    """The token of an ``Authorization: Bearer <token>`` header (RFC 6750 section 2.1)."""
    token = _READ.get(raw)
    if token is not None and len(raw) <= max_bytes + 16:
        return token
    token = _parse_bearer(raw, max_bytes)
    if len(raw) <= _READ_MAX_BYTES:
        if len(_READ) >= _READ_MAX:
            _READ.clear()
        _READ[raw] = token
    return token


def _parse_bearer(raw: bytes, max_bytes: int) -> str:
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
    """The token in cookie ``cookie_name`` (``None`` when the cookie is absent)."""
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
