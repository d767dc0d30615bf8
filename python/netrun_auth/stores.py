"""Revocation stores: where revoked tokens, sessions and spent refresh tokens are kept.

:class:`MemoryStore` (the default) serves one process. :class:`RedisStore` shares
state between processes and hosts through the application's own ``redis.asyncio``
client. Both follow :class:`RevocationStore`; the rules live in the Rust engine.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import TYPE_CHECKING, Any, Protocol, runtime_checkable

from . import _core
from .exceptions import ConfigurationError

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
    """What ``JWTManager`` needs of a store (``JWTManager(config, store=...)``).

    Every method may raise :class:`~netrun_auth.exceptions.StoreUnavailableError` (503)
    when the backing service does not answer; the manager passes it on.
    """

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

    async def spend_refresh(
        self, claims: _core.Claims, successor: _core.IssuedPair, session_expires_at: int
    ) -> bool:
        """Spend refresh token ``claims``, whose successor pair is ``successor``.

        ``True`` the first time, and for a retry under the engine's retry rule (the spend
        was never delivered, the presentation is within the grace window and the
        previous successor is unused: that successor is then superseded). Otherwise
        this is reuse: revoke the session until ``session_expires_at`` (when the
        session's newest refresh token expires) in the same atomic step, and return
        ``False``.
        """

    async def complete_refresh(self, claims: _core.Claims, successor: _core.IssuedPair) -> None:
        """The refresh of ``claims`` hands ``successor`` out: register its session (like
        ``register_session``) and mark the spend delivered (a later presentation of
        ``claims`` is reuse)."""


class MemoryStore:
    """The embedded store: in this process's memory, bounded by token expiry.

    ``refresh_grace_seconds`` is the retry window of refresh spends (0 turns the retry
    rule off). Expired entries are swept by time, whatever the traffic; each user's
    session registry holds at most ``_core.MAX_SESSIONS_PER_USER`` sessions. It never
    raises ``StoreUnavailableError``; its state is lost when the process ends.

    Raises:
        ConfigurationError: when ``refresh_grace_seconds`` is out of range.

    Example::

        from netrun_auth import JWTManager, MemoryStore

        manager = JWTManager(config, store=MemoryStore(refresh_grace_seconds=0))
    """

    def __init__(self, *, refresh_grace_seconds: int = _core.REFRESH_GRACE_SECONDS) -> None:
        if not 0 <= refresh_grace_seconds <= _core.MAX_REFRESH_GRACE_SECONDS:
            raise ConfigurationError(
                f"refresh_grace_seconds: must be between 0 and {_core.MAX_REFRESH_GRACE_SECONDS}"
            )
        self._state = _core.MemoryStore(refresh_grace_seconds)
        # check() without a coroutine: this store always decides at once (True).
        self.check_now: Callable[[_core.Claims], bool] = self._state.check_now

    async def check(self, claims: _core.Claims) -> None:
        """Raise ``TokenRevokedError`` (401) if the token, its session or its user is revoked."""
        self._state.check(claims)

    async def register_session(self, user_id: str, session_id: str, expires_at: int) -> None:
        """Remember a live session until ``expires_at``, so that ``revoke_user`` reaches it."""
        self._state.register_session(user_id, session_id, expires_at)

    async def revoke_token(self, claims: _core.Claims) -> None:
        """Revoke one token until it expires."""
        self._state.revoke_token(claims)

    async def revoke_session(self, user_id: str, session_id: str, expires_at: int) -> None:
        """Revoke every token of a session, until ``expires_at``."""
        self._state.revoke_session(user_id, session_id, expires_at)

    async def revoke_user(self, user_id: str, ttl_seconds: int) -> None:
        """Revoke every token of the user issued until now (remembered ``ttl_seconds``)."""
        self._state.revoke_user(user_id, ttl_seconds)

    async def spend_refresh(
        self, claims: _core.Claims, successor: _core.IssuedPair, session_expires_at: int
    ) -> bool:
        """Spend a refresh token (see :meth:`RevocationStore.spend_refresh`); False on reuse."""
        outcome = self._state.spend_refresh(
            claims, successor.access, successor.refresh, session_expires_at
        )
        return outcome != "reused"

    async def complete_refresh(self, claims: _core.Claims, successor: _core.IssuedPair) -> None:
        """Register the successor's session and mark the spend of ``claims`` delivered."""
        self._state.complete_refresh(claims, successor.refresh)

    def __len__(self) -> int:
        return len(self._state)
