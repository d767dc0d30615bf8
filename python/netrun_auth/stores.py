"""Revocation stores: where revoked tokens, sessions and spent refresh tokens are kept.

:class:`MemoryStore` (the default) serves one process. :class:`RedisStore` shares
state between processes and hosts through the application's own ``redis.asyncio``
client. Both follow :class:`RevocationStore`; the rules live in the Rust engine.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from . import _core

if TYPE_CHECKING:
    from .redis_store import RedisStore

__all__ = ["MemoryStore", "RedisStore", "RevocationStore"]


def __getattr__(name: str) -> Any:
    # RedisStore needs the [redis] extra: import it only when asked for.
    if name == "RedisStore":
        from .redis_store import RedisStore

        return RedisStore
    raise AttributeError(f"module {__name__!r} has no attribute {name!r}")


@runtime_checkable
class RevocationStore(Protocol):
    """What ``JWTManager`` needs of a store."""

    async def check(self, claims: _core.Claims) -> None:
        """Raise ``TokenRevokedError`` if the token, its session or its user is revoked."""

    async def register_session(self, user_id: str, session_id: str, expires_at: int) -> None:
        """Remember a live session, so that ``revoke_user`` reaches it."""

    async def revoke_token(self, claims: _core.Claims) -> None:
        """Revoke one token."""

    async def revoke_session(self, user_id: str, session_id: str, expires_at: int) -> None:
        """Revoke every token of a session, until ``expires_at``."""

    async def revoke_user(self, user_id: str, ttl_seconds: int) -> None:
        """Revoke every token of the user issued until now."""

    async def spend_refresh(self, claims: _core.Claims, session_expires_at: int) -> bool:
        """Spend a refresh token: ``True`` the first time.

        On reuse, revoke its session until ``session_expires_at`` (when the session's
        newest refresh token expires) in the same atomic step, and return ``False``.
        """


class MemoryStore:
    """The embedded store: in this process's memory, bounded by token expiry."""

    def __init__(self) -> None:
        self._state = _core.MemoryStore()

    async def check(self, claims: _core.Claims) -> None:
        self._state.check(claims)

    async def register_session(self, user_id: str, session_id: str, expires_at: int) -> None:
        self._state.register_session(user_id, session_id, expires_at)

    async def revoke_token(self, claims: _core.Claims) -> None:
        self._state.revoke_token(claims)

    async def revoke_session(self, user_id: str, session_id: str, expires_at: int) -> None:
        self._state.revoke_session(user_id, session_id, expires_at)

    async def revoke_user(self, user_id: str, ttl_seconds: int) -> None:
        self._state.revoke_user(user_id, ttl_seconds)

    async def spend_refresh(self, claims: _core.Claims, session_expires_at: int) -> bool:
        return self._state.spend_refresh(claims, session_expires_at)

    def __len__(self) -> int:
        return len(self._state)
