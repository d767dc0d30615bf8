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
- With ``local_mirror=True`` (opt in), a background task keeps a copy of the revocation
  keys in this process, current by pub/sub, and ``check`` decides from it without a
  round trip while the mirror is live; otherwise (not loaded yet, subscription lost,
  heartbeat late) ``check`` falls back to the ``MGET``. See :class:`_Mirror`.
- It fails closed: a Redis error, an unreachable server or an answer slower than
  ``timeout`` seconds raises :class:`~netrun_auth.exceptions.StoreUnavailableError`
  (HTTP 503). The client reconnects by itself, so service resumes when Redis is back.
"""

from __future__ import annotations

import asyncio
import contextlib
import hashlib
import logging
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

_log = logging.getLogger("netrun_auth.redis_store")

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
    fails closed with ``StoreUnavailableError``. ``local_mirror=True`` keeps a
    pub/sub-fed copy of the revocation keys in this process (started on first use;
    stop it with ``await store.aclose()``).
    """

    def __init__(
        self,
        client: Any,
        *,
        prefix: str = "netrun:",
        timeout: float = 0.5,
        local_mirror: bool = False,
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
        self.client = client
        self.prefix = prefix
        self.timeout = float(timeout)
        self._keys = _core.Keyspace(prefix)
        self._cluster = isinstance(client, redis.asyncio.cluster.RedisCluster)
        self.channel = prefix + "revocations"
        self._mirror: _Mirror | None = _Mirror(self) if local_mirror else None

    def __repr__(self) -> str:
        kind = "cluster" if self._cluster else "single node"
        mirror = ", local_mirror=True" if self._mirror is not None else ""
        return f"RedisStore({kind}, prefix={self.prefix!r}, timeout={self.timeout}{mirror})"

    @property
    def mirror_live(self) -> bool:
        """Whether ``check`` currently decides from the local mirror."""
        return self._mirror is not None and self._mirror.live

    async def aclose(self) -> None:
        """Stop the mirror's background task and close its subscription (idempotent).

        The client itself belongs to the application, which closes it.
        """
        if self._mirror is not None:
            await self._mirror.aclose()

    # --- the validation path -------------------------------------------------------

    async def check(self, claims: _core.Claims) -> None:
        """Raise ``TokenRevokedError`` if the token, its session or its user is revoked.

        One round trip: ``MGET`` of three keys in one slot.
        """
        keys = self._keys.check_keys(claims)
        mirror = self._mirror
        if mirror is not None:
            if mirror.live:
                token, session, before = mirror.lookup(keys)
                _core.decide(claims, token, session, before)
                return
            mirror.start()
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
        await self._set_flag(key, "1", _ttl(claims.expires_at))

    async def revoke_session(self, user_id: str, session_id: str, expires_at: int) -> None:
        """Revoke every token of a session, until ``expires_at`` (plus the margin)."""
        key = self._keys.session(user_id, session_id)
        await self._set_flag(key, "1", _ttl(expires_at))

    async def revoke_user(self, user_id: str, ttl_seconds: int) -> None:
        """Revoke every token of ``user_id`` issued until now, and each live session."""
        now = int(time.time())
        user_key = self._keys.user(user_id)
        ttl = _ttl(now + ttl_seconds, now)
        await self._run(
            self._eval,
            "revoke_user",
            [self._keys.sessions(user_id), user_key],
            [now, ttl, self._keys.session_prefix(user_id), self.channel],
        )
        if self._mirror is not None:
            # Read your own writes at once (the "before" entry covers every session).
            self._mirror.apply(user_key, str(now), ttl)

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
        spent = await self._run(self._eval, "spend_refresh", keys, [*ttls, self.channel])
        if int(spent) == 1:
            return True
        if self._mirror is not None:
            self._mirror.apply(keys[1], "1", ttls[1])
        return False

    # --- plumbing ------------------------------------------------------------------

    async def _run(self, operation: Callable[..., Awaitable[_T]], *args: Any) -> _T:
        try:
            return await _bounded(operation(*args), self.timeout)
        except Exception as exc:
            raise StoreUnavailableError() from exc

    async def _set_flag(self, key: str, value: str, ttl: int) -> None:
        # SET and PUBLISH in one script: the write cannot go unannounced.
        await self._run(self._eval, "set_flag", [key], [value, ttl, self.channel])
        if self._mirror is not None:
            self._mirror.apply(key, value, ttl)

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


# Key kinds the validation reads (``Keyspace.check_keys``); the mirror keeps only these.
_CHECKED_KINDS = ("jti:", "sid:", "before")


class _Mirror:
    """A copy, in this process, of the revocation keys under one prefix.

    Life cycle (one background task, started on first use):

    1. subscribe to ``<prefix>revocations``;
    2. load what is already there: ``SCAN`` of the prefix (every primary on Cluster),
       then ``GET`` + ``PTTL`` of each revocation key;
    3. apply announcements as they arrive, and mark the mirror live.

    Messages published while loading wait in the subscription and are applied after
    the load, in order, so nothing written after step 1 is missed. Pub/sub is
    at-most-once, so the mirror stops being live (and ``check`` falls back to the
    ``MGET``) when the subscription fails, when redis-py re-subscribes after a lost
    connection (a ``subscribe`` confirmation while live), or when no message or
    heartbeat ``PONG`` has arrived for ``stale_after`` seconds. It then starts over
    from step 1.
    """

    heartbeat = 0.5  # seconds between PINGs on the subscription
    stale_after = 2.0  # seconds without any message before the mirror is not trusted
    sweep_every = 30.0  # seconds between sweeps of expired entries

    def __init__(self, store: RedisStore) -> None:
        self.store = store
        self.entries: dict[str, tuple[str, float]] = {}
        self._live = False
        self._last_seen = 0.0
        self._task: asyncio.Task[None] | None = None
        self._pubsub: Any = None
        self._closed = False

    @property
    def live(self) -> bool:
        if not self._live:
            return False
        if time.monotonic() - self._last_seen > self.stale_after:
            self._live = False
            return False
        return True

    def start(self) -> None:
        if self._task is None and not self._closed:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"netrun-auth mirror {self.store.prefix}"
            )

    def lookup(self, keys: Sequence[str]) -> tuple[bool, bool, int | None]:
        now = time.monotonic()
        found: list[str | None] = []
        for key in keys:
            entry = self.entries.get(key)
            if entry is not None and entry[1] <= now:
                del self.entries[key]
                entry = None
            found.append(None if entry is None else entry[0])
        token, session, before = found
        return token is not None, session is not None, None if before is None else int(before)

    def apply(self, key: str, value: str, ttl_seconds: float) -> None:
        expires_at = time.monotonic() + ttl_seconds
        current = self.entries.get(key)
        if current is not None and key.endswith("before"):
            # Keep the later logout time, and the longer life.
            value = str(max(int(value), int(current[0])))
            expires_at = max(expires_at, current[1])
        self.entries[key] = (value, expires_at)

    def _on_message(self, data: bytes | str) -> None:
        if isinstance(data, bytes):
            data = data.decode()
        ttl, value, key = data.split(" ", 2)
        self.apply(key, value, float(ttl))

    async def aclose(self) -> None:
        self._closed = True
        self._live = False
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task}, timeout=self.store.timeout)
        await self._close_pubsub()

    async def _close_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await _bounded(pubsub.aclose(), self.store.timeout)

    async def _run(self) -> None:
        delay = 0.05
        while not self._closed:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception as exc:
                _log.warning("revocation mirror not live: %r; resubscribing", exc, exc_info=True)
            self._live = False
            self.entries.clear()
            await self._close_pubsub()
            await asyncio.sleep(delay)
            delay = min(delay * 2, 2.0)
            if self._last_seen and time.monotonic() - self._last_seen < 5.0:
                delay = 0.05  # it was live a moment ago: retry quickly

    async def _session(self) -> None:
        store = self.store
        self.entries.clear()
        if store._cluster:
            # Any node: classic PUBLISH reaches every node's subscribers.
            await _bounded(store.client.initialize(), store.timeout)
            self._pubsub = pubsub = store.client.pubsub(node=store.client.get_random_node())
        else:
            self._pubsub = pubsub = store.client.pubsub()
        await _bounded(pubsub.subscribe(store.channel), store.timeout)
        # Wait for the confirmation: from here on, every announcement reaches us.
        await _bounded(self._confirmed(pubsub), store.timeout)
        await self._load()
        # Announcements made while loading: apply them before going live.
        while (message := await pubsub.get_message(timeout=0)) is not None:
            self._handle(message)
        self._last_seen = time.monotonic()
        self._live = True
        _log.debug("revocation mirror live (%d entries)", len(self.entries))
        last_ping = swept = self._last_seen
        while True:
            now = time.monotonic()
            if now - last_ping >= self.heartbeat:
                await _bounded(pubsub.ping(), store.timeout)
                last_ping = now
            message = await pubsub.get_message(timeout=self.heartbeat)
            if message is not None:
                self._last_seen = time.monotonic()
                self._handle(message)
            if now - swept > self.sweep_every:
                swept = now
                self.entries = {k: e for k, e in self.entries.items() if e[1] > now}

    @staticmethod
    async def _confirmed(pubsub: Any) -> None:
        while True:
            message = await pubsub.get_message(timeout=0.1)
            if message is not None and message["type"] == "subscribe":
                return

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "message":
            self._on_message(message["data"])
        elif kind in ("subscribe", "unsubscribe"):
            # redis-py reconnected and re-subscribed by itself: announcements may have
            # been lost in between. Start over.
            self._live = False
            raise ConnectionError("subscription was re-established")

    async def _load(self) -> None:
        store = self.store
        client = store.client
        pattern = store.prefix.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")
        pattern = pattern.replace("[", "\\[") + "*"
        keys: list[bytes] = []
        if store._cluster:
            for node in client.get_primaries():
                cursor = 0
                while True:
                    reply = await _bounded(
                        client.execute_command(
                            "SCAN", cursor, "MATCH", pattern, "COUNT", 1000, target_nodes=node
                        ),
                        store.timeout,
                    )
                    cursor, batch = reply
                    if isinstance(cursor, dict):  # {node name: cursor}
                        (cursor,) = cursor.values()
                    keys.extend(batch)
                    if int(cursor) == 0:
                        break
        else:
            cursor = 0
            while True:
                cursor, batch = await _bounded(
                    client.scan(cursor, match=pattern, count=1000), store.timeout
                )
                keys.extend(batch)
                if int(cursor) == 0:
                    break
        wanted = [k.decode() if isinstance(k, bytes) else k for k in keys]
        wanted = [k for k in wanted if _is_checked(k)]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            pipe = client.pipeline(transaction=False)
            for key in chunk:
                pipe.get(key)
                pipe.pttl(key)
            replies = await _bounded(pipe.execute(), store.timeout)
            for i, key in enumerate(chunk):
                value, pttl = replies[2 * i], replies[2 * i + 1]
                if value is None or pttl is None or int(pttl) <= 0:
                    continue
                if isinstance(value, bytes):
                    value = value.decode()
                self.apply(key, value, int(pttl) / 1000)


def _is_checked(key: str) -> bool:
    _, sep, rest = key.rpartition("}:")
    return bool(sep) and rest.startswith(_CHECKED_KINDS)


def _ttl(expires_at: int, now: int | None = None) -> int:
    """Seconds an entry covering something that expires at ``expires_at`` must live."""
    if now is None:
        now = int(time.time())
    return max(1, _core.retain_until(expires_at) - now)
