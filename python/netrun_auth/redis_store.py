"""``RedisStore``: revocation state shared by every process, in Redis or Redis Cluster.

The store works through the application's own ``redis.asyncio.Redis`` or
``redis.asyncio.cluster.RedisCluster`` client (no pool of its own). The rules live in
the Rust engine: key names (:class:`netrun_auth._core.Keyspace`), the verdict
(:func:`netrun_auth._core.decide`), entry lifetimes (:func:`netrun_auth._core.retain_until`)
and the Lua scripts (:func:`netrun_auth._core.redis_scripts`). This module only does I/O:

- ``check`` is one round trip: ``MGET`` of the token, session and user keys, which
  share the user's hash tag and so one Cluster slot.
- Writes that must be atomic run as Lua scripts, by ``EVALSHA``; a node that answers
  ``NOSCRIPT`` (first use, restart, failover, ``SCRIPT FLUSH``) gets ``SCRIPT LOAD`` and
  the call is retried once.
- Every key carries a TTL: the remaining life of what it covers.
- It fails closed: a Redis error, an unreachable server or an answer slower than
  ``timeout`` seconds raises :class:`~netrun_auth.exceptions.StoreUnavailableError`
  (HTTP 503). The client reconnects by itself, so service resumes when Redis is back.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.cluster
from redis.exceptions import NoScriptError

from . import _core
from .exceptions import ConfigurationError, StoreUnavailableError

__all__ = ["RedisStore"]

_T = TypeVar("_T")

if sys.version_info >= (3, 11):
    _timeout = asyncio.timeout

    async def _bounded(awaitable: Awaitable[_T], seconds: float) -> _T:
        async with _timeout(seconds):
            return await awaitable

else:  # pragma: no cover - Python 3.10

    async def _bounded(awaitable: Awaitable[_T], seconds: float) -> _T:
        return await asyncio.wait_for(awaitable, seconds)


class _Script:
    """One of the engine's Lua scripts: its source and SHA1 digest."""

    __slots__ = ("name", "sha", "source")

    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()


_SCRIPTS = {name: _Script(name, source) for name, source in _core.redis_scripts()}


class RedisStore:
    """Revocation store in Redis, shared by every worker and host using the same keyspace.

    ``client`` is a ``redis.asyncio.Redis`` (``redis.asyncio.from_url(...)``) or a
    ``redis.asyncio.cluster.RedisCluster``; the application owns it and closes it.
    ``prefix`` starts every key (default ``netrun:``). ``timeout`` bounds each store
    operation in seconds, reconnection and retries included; past it the request
    fails closed with ``StoreUnavailableError``.
    """

    def __init__(self, client: Any, *, prefix: str = "netrun:", timeout: float = 0.5) -> None:
        if client is None:
            raise ConfigurationError("redis_client: a redis.asyncio client is required")
        if isinstance(client, (redis.Redis, redis.cluster.RedisCluster)):
            raise ConfigurationError(
                "redis_client: pass an asyncio client (redis.asyncio.from_url(...)), "
                "not a synchronous redis.Redis"
            )
        if not timeout > 0:
            raise ConfigurationError("redis_timeout_seconds: must be greater than 0")
        self.client = client
        self.prefix = prefix
        self.timeout = float(timeout)
        self._keys = _core.Keyspace(prefix)
        self._cluster = isinstance(client, redis.asyncio.cluster.RedisCluster)

    def __repr__(self) -> str:
        kind = "cluster" if self._cluster else "single node"
        return f"RedisStore({kind}, prefix={self.prefix!r}, timeout={self.timeout})"

    # --- the validation path -------------------------------------------------------

    async def check(self, claims: _core.Claims) -> None:
        """Raise ``TokenRevokedError`` if the token, its session or its user is revoked.

        One round trip: ``MGET`` of three keys in one slot.
        """
        keys = self._keys.check_keys(claims)
        try:
            token, session, before = await _bounded(self.client.mget(keys), self.timeout)
            before_time = None if before is None else int(before)
        except Exception as exc:
            raise StoreUnavailableError() from exc
        _core.decide(claims, token is not None, session is not None, before_time)

    # --- writes --------------------------------------------------------------------

    async def register_session(self, user_id: str, session_id: str, expires_at: int) -> None:
        """Remember a live session (until its refresh token expires) for ``revoke_user``."""
        now = int(time.time())
        await self._run(
            self._eval,
            "register_session",
            [self._keys.sessions(user_id)],
            [self._keys.session_member(session_id), _core.retain_until(expires_at), now],
        )

    async def revoke_token(self, claims: _core.Claims) -> None:
        """Revoke one token, for as long as it could be presented."""
        key = self._keys.token(claims.user_id, claims.jti)
        await self._run(self._set_flag, key, _ttl(claims.expires_at))

    async def revoke_session(self, user_id: str, session_id: str, expires_at: int) -> None:
        """Revoke every token of a session, until ``expires_at`` (plus the margin)."""
        key = self._keys.session(user_id, session_id)
        await self._run(self._set_flag, key, _ttl(expires_at))

    async def revoke_user(self, user_id: str, ttl_seconds: int) -> None:
        """Revoke every token of ``user_id`` issued until now, and each live session."""
        now = int(time.time())
        await self._run(
            self._eval,
            "revoke_user",
            [self._keys.sessions(user_id), self._keys.user(user_id)],
            [now, _ttl(now + ttl_seconds, now), self._keys.session_prefix(user_id)],
        )

    async def spend_refresh(self, claims: _core.Claims, session_expires_at: int) -> bool:
        """Spend a refresh token atomically: ``True`` the first time.

        On reuse the script revokes the token's session (in the same atomic step) and
        this returns ``False``.
        """
        keys = [
            self._keys.spent(claims.user_id, claims.jti),
            self._keys.session(claims.user_id, claims.session_id or ""),
        ]
        ttls = [_ttl(claims.expires_at), _ttl(session_expires_at)]
        spent = await self._run(self._eval, "spend_refresh", keys, ttls)
        return int(spent) == 1

    # --- plumbing ------------------------------------------------------------------

    async def _run(self, operation: Callable[..., Awaitable[_T]], *args: Any) -> _T:
        try:
            return await _bounded(operation(*args), self.timeout)
        except Exception as exc:
            raise StoreUnavailableError() from exc

    async def _set_flag(self, key: str, ttl: int) -> None:
        await self.client.set(key, 1, ex=ttl)

    async def _eval(self, name: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        script = _SCRIPTS[name]
        try:
            return await self.client.evalsha(script.sha, len(keys), *keys, *args)
        except NoScriptError:
            # This node has not seen the script (first use, restart, failover, flush).
            await self._load(script, keys[0])
            return await self.client.evalsha(script.sha, len(keys), *keys, *args)

    async def _load(self, script: _Script, key: str) -> None:
        if self._cluster:
            # Load it on the node that answered NOSCRIPT: the one serving the key's slot.
            node = self.client.get_node_from_key(key)
            sha = await self.client.execute_command("SCRIPT LOAD", script.source, target_nodes=node)
        else:
            sha = await self.client.script_load(script.source)
        if isinstance(sha, bytes):
            sha = sha.decode()
        if sha != script.sha:
            raise RuntimeError(f"Redis loaded script {script.name} under an unexpected digest")


def _ttl(expires_at: int, now: int | None = None) -> int:
    """Seconds an entry covering something that expires at ``expires_at`` must live."""
    if now is None:
        now = int(time.time())
    return max(1, _core.retain_until(expires_at) - now)
