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
- Every write of a revocation entry is announced on the channel ``<prefix>revocations``
  by the same script that writes it (``PUBLISH``, one atomic step), whether or not this
  process keeps a mirror: a process with ``local_mirror=True`` relies on every writer
  announcing.
- Each write script returns the announcements it made; with ``local_mirror=True`` (opt
  in, :mod:`netrun_auth.redis_mirror`) the store applies them to its mirror at once, so
  this process sees its own revocations before pub/sub delivers them, and ``check``
  decides from the mirror without a round trip while it is live (else the ``MGET``).
- Refresh spends follow the engine's retry rule (``_core.REFRESH_GRACE_SECONDS``): a
  client retrying a refresh whose answer it lost (a 503 after Redis had spent the token)
  gets a new pair of the same session; any other second presentation is reuse.
- With ``wait_replicas`` (``redis_wait_replicas``), every write of a revocation entry
  (token, session, logout everywhere, refresh spend) is followed by ``WAIT`` on its
  connection: the call returns once that many replicas have the write, and fails
  closed (503) when they do not acknowledge within ``wait_timeout`` seconds, so a
  failover right after a logout cannot forget it. Logins are not waited for.
- On first use it checks, once and in the background, that Redis keeps its data (AOF or
  RDB): without either a restart forgets every revocation, and a warning says so.
- It fails closed: a Redis error, an unreachable server or an answer slower than
  ``timeout`` seconds raises :class:`~netrun_auth.exceptions.StoreUnavailableError`
  (HTTP 503). An operation that meets a dead pooled connection (idle through an outage)
  is sent once more, at once, within the same timeout, so service resumes with the
  first request once Redis is back.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import redis
import redis.asyncio
import redis.asyncio.cluster
import redis.cluster
import redis.exceptions

from . import _core
from ._redis import bounded, retried_once, scripts
from .exceptions import ConfigurationError, StoreUnavailableError
from .redis_mirror import RevocationMirror
from .redis_persistence import warn_if_not_persistent

__all__ = ["RedisStore"]

_T = TypeVar("_T")


_SCRIPTS = scripts(_core.redis_scripts())
_MAX_WAIT_REPLICAS = 16


class RedisStore:
    """Revocation store in Redis, shared by every worker and host using the same keyspace.

    ``client`` is a ``redis.asyncio.Redis`` (``redis.asyncio.from_url(...)``) or a
    ``redis.asyncio.cluster.RedisCluster``; the application owns it and closes it.
    ``prefix`` starts every key (default ``netrun:``). ``timeout`` bounds each store
    operation in seconds, reconnection and retries included; past it the request
    fails closed with ``StoreUnavailableError``. ``local_mirror=True`` keeps a
    pub/sub-fed copy of the revocation keys in this process (started on first use;
    stop it with ``await store.aclose()``). ``refresh_grace_seconds`` is the retry
    window of refresh spends (0 turns the retry rule off). ``wait_replicas`` (default 0,
    off) is how many replicas each revocation write waits for (Redis ``WAIT``), at most
    ``wait_timeout`` seconds (below ``timeout``); fewer acknowledgements fail the write
    closed with ``StoreUnavailableError``.

    Usually built for you: ``JWTManager(config, redis_client)``. Every operation fails
    closed: when Redis does not answer within ``timeout`` it raises
    :class:`~netrun_auth.exceptions.StoreUnavailableError` (503), never lets a token
    through unchecked.

    Raises:
        ConfigurationError: when ``client`` is None or a synchronous ``redis.Redis``,
            ``timeout`` is not positive, ``refresh_grace_seconds`` is out of range, or
            ``wait_replicas``/``wait_timeout`` are (negative, not below ``timeout``).

    Example::

        import redis.asyncio as redis
        from netrun_auth import JWTManager
        from netrun_auth.redis_store import RedisStore

        client = redis.from_url("redis://localhost:6379/0")
        store = RedisStore(client, prefix="my-api:", timeout=0.25, local_mirror=True)
        manager = JWTManager(config, store=store)
    """

    def __init__(
        self,
        client: Any,
        *,
        prefix: str = "netrun:",
        timeout: float = 0.5,
        local_mirror: bool = False,
        refresh_grace_seconds: int = _core.REFRESH_GRACE_SECONDS,
        wait_replicas: int = 0,
        wait_timeout: float = 0.1,
    ) -> None:
        if client is None:
            raise ConfigurationError("redis_client: a redis.asyncio client is required")
        if isinstance(client, (redis.Redis, redis.cluster.RedisCluster)):
            raise ConfigurationError(
                "redis_client: pass an asyncio client (redis.asyncio.from_url(...)), "
                "not a synchronous redis.Redis"
            )
        if not timeout > 0:
            raise ConfigurationError("redis_timeout_seconds: must be greater than 0")
        if not 0 <= refresh_grace_seconds <= _core.MAX_REFRESH_GRACE_SECONDS:
            raise ConfigurationError(
                f"refresh_grace_seconds: must be between 0 and {_core.MAX_REFRESH_GRACE_SECONDS}"
            )
        if not 0 <= wait_replicas <= _MAX_WAIT_REPLICAS:
            raise ConfigurationError(
                f"redis_wait_replicas: must be between 0 and {_MAX_WAIT_REPLICAS}"
            )
        if wait_replicas and not 0 < wait_timeout < timeout:
            raise ConfigurationError(
                "redis_wait_timeout_seconds: must be greater than 0 and below redis_timeout_seconds"
            )
        self.client = client
        self.prefix = prefix
        self.wait_replicas = int(wait_replicas)
        self.wait_timeout = float(wait_timeout)
        self.timeout = float(timeout)
        self._keys = _core.Keyspace(prefix)
        self._cluster = isinstance(client, redis.asyncio.cluster.RedisCluster)
        self.channel = prefix + "revocations"
        self.refresh_grace_seconds = int(refresh_grace_seconds)
        self._started = False
        self._persistence: asyncio.Task[None] | None = None
        self._mirror: RevocationMirror | None = None
        if local_mirror:
            self._mirror = RevocationMirror(
                client,
                self._keys,
                prefix=prefix,
                channel=self.channel,
                timeout=self.timeout,
                cluster=self._cluster,
            )

    def __repr__(self) -> str:
        kind = "cluster" if self._cluster else "single node"
        mirror = ", local_mirror=True" if self._mirror is not None else ""
        wait = f", wait_replicas={self.wait_replicas}" if self.wait_replicas else ""
        return f"RedisStore({kind}, prefix={self.prefix!r}, timeout={self.timeout}{mirror}{wait})"

    @property
    def mirror_live(self) -> bool:
        """Whether ``check`` currently decides from the local mirror."""
        return self._mirror is not None and self._mirror.live

    async def aclose(self) -> None:
        """Stop the background tasks (the mirror's, the persistence check) (idempotent).

        The client itself belongs to the application, which closes it.
        """
        if self._mirror is not None:
            await self._mirror.aclose()
        if self._persistence is not None and not self._persistence.done():
            self._persistence.cancel()
            await asyncio.wait({self._persistence}, timeout=self.timeout)

    # --- the validation path -------------------------------------------------------

    async def check(self, claims: _core.Claims) -> None:
        """Raise ``TokenRevokedError`` if the token, its session or its user is revoked.

        One round trip: ``MGET`` of three keys in one slot (none while the local mirror
        is live).

        Raises:
            TokenRevokedError: when the token, its session or its user is revoked (401).
            StoreUnavailableError: when Redis does not answer within ``timeout`` (503).
        """
        if self.check_now(claims):
            return
        keys = self._keys.check_keys(claims)
        try:
            token, session, before = await bounded(
                retried_once(self.client.mget, keys), self.timeout
            )
            before_time = None if before is None else int(before)
        except Exception as exc:
            raise StoreUnavailableError() from exc
        _core.decide(claims, token is not None, session is not None, before_time)

    def check_now(self, claims: _core.Claims) -> bool:
        """:meth:`check` decided from the local mirror, when it is live: ``True`` then
        (``TokenRevokedError`` if revoked); ``False`` when Redis must be asked.

        Raises:
            TokenRevokedError: when the mirror holds a revocation of the token, its
                session or its user (401).
        """
        if not self._started:
            self._start()
        mirror = self._mirror
        if mirror is None:
            return False
        if not mirror.live:
            mirror.start()
            return False
        mirror.entries.check(claims)
        return True

    # --- writes --------------------------------------------------------------------

    async def register_session(self, user_id: str, session_id: str, expires_at: int) -> None:
        """Remember a live session (until its refresh token expires) for ``revoke_user``.

        Raises:
            StoreUnavailableError: when Redis does not answer within ``timeout`` (503).
        """
        now = int(time.time())
        await self._run(
            self._eval,
            "register_session",
            [self._keys.sessions(user_id)],
            [
                self._keys.session_member(session_id),
                _core.retain_until(expires_at),
                now,
                _core.MAX_SESSIONS_PER_USER,
            ],
        )

    async def revoke_token(self, claims: _core.Claims) -> None:
        """Revoke one token, for as long as it could be presented.

        Raises:
            StoreUnavailableError: when Redis does not answer within ``timeout`` (503).
        """
        key = self._keys.token(claims.user_id, claims.jti)
        await self._set_flag(key, "1", _ttl(claims.expires_at))

    async def revoke_session(self, user_id: str, session_id: str, expires_at: int) -> None:
        """Revoke every token of a session, until ``expires_at`` (plus the margin).

        Raises:
            StoreUnavailableError: when Redis does not answer within ``timeout`` (503).
        """
        key = self._keys.session(user_id, session_id)
        await self._set_flag(key, "1", _ttl(expires_at))

    async def revoke_user(self, user_id: str, ttl_seconds: int) -> None:
        """Revoke every token of ``user_id`` issued until now, and each live session.

        Raises:
            StoreUnavailableError: when Redis does not answer within ``timeout`` (503).
        """
        now = int(time.time())
        announced = await self._run(
            self._eval_revocation,
            "revoke_user",
            [self._keys.sessions(user_id), self._keys.user(user_id)],
            [now, _ttl(now + ttl_seconds, now), self._keys.session_prefix(user_id), self.channel],
        )
        self._own_writes(announced)

    async def spend_refresh(
        self, claims: _core.Claims, successor: _core.IssuedPair, session_expires_at: int
    ) -> bool:
        """Spend refresh token ``claims`` atomically; ``successor`` is the pair to hand out.

        ``True`` the first time, and for a retry under the engine's retry rule (the
        previous, undelivered successor is then superseded). On reuse the script revokes
        the token's session in the same atomic step and this returns ``False``.

        Raises:
            StoreUnavailableError: when Redis does not answer within ``timeout`` (503);
                the client may retry the refresh (see ``refresh_grace_seconds``).
        """
        user = claims.user_id
        access, refresh = successor.access, successor.refresh
        now = int(time.time())
        keys = [
            self._keys.spent(user, claims.jti),
            self._keys.session(user, claims.session_id or ""),
        ]
        args = [
            _ttl(claims.expires_at, now),
            _ttl(session_expires_at, now),
            self.channel,
            self.refresh_grace_seconds,
            self._keys.member(refresh.jti),
            self._keys.member(access.jti),
            self._keys.spent_prefix(user),
            self._keys.token_prefix(user),
            _ttl(refresh.expires_at, now),
            _ttl(access.expires_at, now),
        ]
        code, *announced = await self._run(self._eval_revocation, "spend_refresh", keys, args)
        self._own_writes(announced)
        return _core.spend_outcome(int(code)) != "reused"

    async def complete_refresh(self, claims: _core.Claims, successor: _core.IssuedPair) -> None:
        """Register the successor's session and mark the spend of ``claims`` delivered.

        Raises:
            StoreUnavailableError: when Redis does not answer within ``timeout`` (503).
        """
        refresh = successor.refresh
        user = claims.user_id
        await self._run(
            self._eval,
            "register_session",
            [self._keys.sessions(user), self._keys.spent(user, claims.jti)],
            [
                self._keys.session_member(successor.session_id),
                _core.retain_until(refresh.expires_at),
                int(time.time()),
                _core.MAX_SESSIONS_PER_USER,
                self._keys.member(refresh.jti),
                int(self.timeout * 1000),
            ],
        )

    # --- plumbing ------------------------------------------------------------------

    def _start(self) -> None:
        """On first use: check once, in the background, that Redis keeps its data."""
        self._started = True
        check = warn_if_not_persistent(self.client, cluster=self._cluster, timeout=5 * self.timeout)
        self._persistence = asyncio.get_running_loop().create_task(check)

    async def check_persistence(self) -> None:
        """Log one warning if Redis keeps no data across a restart (no AOF, no RDB).

        The store runs this once, in the background, on first use; awaiting it waits for
        that check (or runs it now). Never raises.
        """
        if not self._started:
            self._start()
        if self._persistence is not None:
            await asyncio.shield(self._persistence)

    async def _run(self, operation: Callable[..., Awaitable[_T]], *args: Any) -> _T:
        if not self._started:
            self._start()
        try:
            return await bounded(retried_once(operation, *args), self.timeout)
        except Exception as exc:
            raise StoreUnavailableError() from exc

    async def _set_flag(self, key: str, value: str, ttl: int) -> None:
        # SET and PUBLISH in one script: the write cannot go unannounced.
        announced = await self._run(
            self._eval_revocation, "set_flag", [key], [value, ttl, self.channel]
        )
        self._own_writes([announced])

    def _own_writes(self, announced: Sequence[bytes | str]) -> None:
        """Read your own writes: apply what the script announced to this process's mirror
        at once (the script's own list of what it wrote; pub/sub brings it later)."""
        if self._mirror is not None:
            for text in announced:
                self._mirror.apply_announcement(text)

    async def _eval(self, name: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        return await _SCRIPTS[name].run(self.client, keys, args, cluster=self._cluster)

    async def _eval_revocation(self, name: str, keys: Sequence[str], args: Sequence[Any]) -> Any:
        """A script that writes revocation state: followed by ``WAIT`` when configured."""
        if not self.wait_replicas:
            return await self._eval(name, keys, args)
        return await _SCRIPTS[name].run_waited(
            self.client,
            keys,
            args,
            cluster=self._cluster,
            replicas=self.wait_replicas,
            timeout=self.wait_timeout,
        )


def _ttl(expires_at: int, now: int | None = None) -> int:
    """Seconds an entry covering something that expires at ``expires_at`` must live."""
    if now is None:
        now = int(time.time())
    return max(1, _core.retain_until(expires_at) - now)
