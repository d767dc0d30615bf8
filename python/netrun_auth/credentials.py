"""Where a request carries its token: the ``Authorization: Bearer`` header or a cookie.

This module only finds the token and refuses a header or cookie that cannot carry
one; whether the token is any good is decided later, by the engine. The rules are the
engine's (``netrun_auth::credentials``, shared with the axum layer); they read the raw
ASGI headers (bytes), so no Unicode decoding can fail on the way.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from . import _core
from ._core import request_token

if TYPE_CHECKING:
    from starlette.types import Scope

__all__ = ["MAX_TOKEN_BYTES", "extract_token"]

MAX_TOKEN_BYTES: int = _core.DEFAULT_MAX_TOKEN_BYTES
"""Longest token accepted when the config does not say (``config.max_token_bytes``)."""


def extract_token(
    scope: Scope, cookie_name: str | None = None, max_bytes: int = MAX_TOKEN_BYTES
) -> str | None:
    """The bearer token of a request, or ``None`` when it carries none.

    The ``Authorization`` header wins; the cookie ``cookie_name`` (when given) is read
    only without one. A cookie value in double quotes is taken without them.

    Raises:
        TokenInvalidError: for an ``Authorization`` header (or such a cookie) that is not
            a single, ASCII ``Bearer <token>`` (401, ``code="token_malformed"``), or whose
            token is over ``max_bytes`` (401, ``code="token_too_large"``).
    """
    return request_token(scope["headers"], cookie_name, max_bytes)
