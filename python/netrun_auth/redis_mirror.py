"""The local revocation mirror of a Redis store (``redis_local_mirror=True``).

A copy, in this process, of the revocation keys under one prefix, kept current by the
announcements the engine's Lua scripts publish on ``<prefix>revocations``. While it is
*live*, :class:`~netrun_auth.redis_store.RedisStore` decides validations from it without
a round trip; while it is not, validations go to Redis (and fail closed if Redis is
down). The entries and their rules (which keys are kept, the announcement format, how two
announcements of one key combine, the verdict) are the engine's
(:class:`netrun_auth._core.MirrorEntries`, shared with the axum crate's mirror).

Life cycle (one background task, started on first use, re-armed after every outage):

1. subscribe to the channel and wait for the confirmation;
2. load what is already there: ``SCAN`` of the prefix (every primary on Cluster), then
   ``GET`` + ``PTTL`` of each revocation key;
3. apply the announcements queued meanwhile, go live, and apply announcements as they
   arrive; a heartbeat ``PING`` every :attr:`RevocationMirror.heartbeat` seconds proves
   the subscription alive.

Pub/sub is at-most-once, so the mirror stops being live and starts over from step 1
when the subscription errors, when redis-py re-subscribes by itself (a ``subscribe``
confirmation while live: announcements may have been lost), or when nothing, not even
the heartbeat's ``PONG``, has arrived for :attr:`RevocationMirror.stale_after` seconds
(a pause or a network cut). Attempts are retried every
:attr:`RevocationMirror.max_retry_delay` seconds at most, so the mirror is live again
within about a second of Redis answering. Outages are logged once per state change
(``not live`` with the cause, then ``live again`` with the number of failed attempts),
without a traceback for connection errors.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from typing import Any

import redis.exceptions

from . import _core
from ._redis import bounded

__all__ = ["RevocationMirror"]

_log = logging.getLogger("netrun_auth.redis_store")


class _Restart(Exception):
    """The subscription can no longer be trusted: start over."""


# Errors an outage is expected to raise: logged as one line, without a traceback.
_EXPECTED = (
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    redis.exceptions.ClusterError,
    redis.exceptions.ClusterDownError,
    TimeoutError,
    asyncio.TimeoutError,
    OSError,
    _Restart,
)


def _cancelling() -> bool:
    """Whether the running task has been asked to stop (Python 3.11+; False before)."""
    task = asyncio.current_task()
    cancelling = getattr(task, "cancelling", None)
    return bool(cancelling()) if cancelling is not None else False


class RevocationMirror:
    """A pub/sub-fed copy of the revocation keys under one prefix (see the module docs).

    ``client`` is the store's client; ``keyspace`` names the keys; ``timeout`` bounds
    each Redis call of the mirror.
    """

    heartbeat = 0.5
    """Seconds between ``PING``\\ s on the subscription."""
    stale_after = 2.0
    """Seconds without any message before the mirror is not trusted."""
    sweep_every = 30.0
    """Seconds between sweeps of expired entries."""
    max_retry_delay = 0.25
    """Longest wait between two attempts to re-arm."""

    def __init__(
        self,
        client: Any,
        keyspace: _core.Keyspace,
        *,
        prefix: str,
        channel: str,
        timeout: float,
        cluster: bool,
    ) -> None:
        self.client = client
        self.keyspace = keyspace
        self.prefix = prefix
        self.channel = channel
        self.timeout = timeout
        self.cluster = cluster
        self.entries = _core.MirrorEntries(keyspace)
        self._live = False
        self._last_seen = 0.0
        self._task: asyncio.Task[None] | None = None
        self._pubsub: Any = None
        self._closed = False
        self._failures = 0  # failed attempts since the mirror was last live

    @property
    def live(self) -> bool:
        """Whether validations may be decided from the mirror now."""
        return self._live and time.monotonic() - self._last_seen <= self.stale_after

    def start(self) -> None:
        """Start the background task (once; a no-op after :meth:`aclose`)."""
        if self._task is None and not self._closed:
            self._task = asyncio.get_running_loop().create_task(
                self._run(), name=f"netrun-auth mirror {self.prefix}"
            )

    def check(self, claims: _core.Claims) -> None:
        """Raise ``TokenRevokedError`` if the entries revoke ``claims`` (only meaningful
        while :attr:`live`)."""
        self.entries.check(claims)

    def apply(self, key: str, value: str, ttl_seconds: float) -> None:
        """Record that ``key`` holds ``value`` for ``ttl_seconds`` (if a validation reads it)."""
        self.entries.apply(key, value, ttl_seconds)

    def apply_announcement(self, text: bytes | str) -> None:
        """Apply one announcement (as published, or as returned by the writing script)."""
        self.entries.apply_announcement(text)

    async def aclose(self) -> None:
        """Stop the task and close the subscription (idempotent)."""
        self._closed = True
        self._live = False
        task, self._task = self._task, None
        if task is not None:
            task.cancel()
            await asyncio.wait({task}, timeout=self.timeout)
        await self._close_pubsub()

    # --- the background task ---------------------------------------------------------

    async def _close_pubsub(self) -> None:
        pubsub, self._pubsub = self._pubsub, None
        if pubsub is not None:
            with contextlib.suppress(Exception):
                await bounded(pubsub.aclose(), self.timeout)

    async def _run(self) -> None:
        delay = 0.05
        while not self._closed:
            try:
                await self._session()
            except asyncio.CancelledError:
                raise
            except Exception as exc:  # every failure: not live, try again
                if _cancelling():
                    # A cancellation that arrived as the error (asyncio.timeout turns a
                    # cancel that races its deadline into TimeoutError): stop, or the
                    # loop would outlive asyncio.run()'s shutdown and hang it.
                    raise asyncio.CancelledError() from exc
                self._not_live(exc)
            self._live = False
            self.entries.clear()
            await self._close_pubsub()
            await asyncio.sleep(delay)
            delay = min(delay * 2, self.max_retry_delay)

    def _not_live(self, exc: Exception) -> None:
        self._failures += 1
        if self._failures > 1:
            return  # already said; counted until live again
        expected = isinstance(exc, _EXPECTED)
        _log.warning(
            "revocation mirror not live (%s: %s); validations go to Redis until it is back",
            type(exc).__name__,
            exc,
            exc_info=None if expected else exc,
        )

    def _now_live(self) -> None:
        if self._failures:
            _log.warning(
                "revocation mirror live again after %d failed attempt(s) (%d entries)",
                self._failures,
                len(self.entries),
            )
        else:
            _log.debug("revocation mirror live (%d entries)", len(self.entries))
        self._failures = 0

    async def _session(self) -> None:
        self.entries.clear()
        if self.cluster:
            # Any node: classic PUBLISH reaches every node's subscribers.
            await bounded(self.client.initialize(), self.timeout)
            self._pubsub = pubsub = self.client.pubsub(node=self.client.get_random_node())
        else:
            self._pubsub = pubsub = self.client.pubsub()
        await bounded(pubsub.subscribe(self.channel), self.timeout)
        # Wait for the confirmation: from here on, every announcement reaches us.
        await bounded(self._confirmed(pubsub), self.timeout)
        await self._load()
        # Announcements made while loading: apply them before going live.
        while (message := await pubsub.get_message(timeout=0)) is not None:
            self._handle(message)
        self._last_seen = time.monotonic()
        self._live = True
        self._now_live()
        last_ping = swept = self._last_seen
        while True:
            now = time.monotonic()
            if now - self._last_seen > self.stale_after:
                # Paused server or cut network: messages may have been lost meanwhile.
                raise _Restart(f"no message or heartbeat for {self.stale_after} s")
            if now - last_ping >= self.heartbeat:
                await bounded(pubsub.ping(), self.timeout)
                last_ping = now
            message = await bounded(
                pubsub.get_message(timeout=self.heartbeat), self.heartbeat + self.timeout
            )
            if message is not None:
                self._last_seen = time.monotonic()
                self._handle(message)
            if now - swept > self.sweep_every:
                swept = now
                self.entries.sweep()

    @staticmethod
    async def _confirmed(pubsub: Any) -> None:
        while True:
            message = await pubsub.get_message(timeout=0.1)
            if message is not None and message["type"] == "subscribe":
                return

    def _handle(self, message: dict[str, Any]) -> None:
        kind = message["type"]
        if kind == "message":
            self.apply_announcement(message["data"])
        elif kind in ("subscribe", "unsubscribe"):
            # redis-py reconnected and re-subscribed by itself: announcements may have
            # been lost in between. Start over.
            self._live = False
            raise _Restart("the subscription was re-established")

    async def _load(self) -> None:
        client = self.client
        pattern = self.prefix.replace("\\", "\\\\").replace("*", "\\*").replace("?", "\\?")
        pattern = pattern.replace("[", "\\[") + "*"
        keys: list[bytes | str] = []
        if self.cluster:
            for node in client.get_primaries():
                cursor: Any = 0
                while True:
                    reply = await bounded(
                        client.execute_command(
                            "SCAN", cursor, "MATCH", pattern, "COUNT", 1000, target_nodes=node
                        ),
                        self.timeout,
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
                cursor, batch = await bounded(
                    client.scan(cursor, match=pattern, count=1000), self.timeout
                )
                keys.extend(batch)
                if int(cursor) == 0:
                    break
        names = [k.decode() if isinstance(k, bytes) else k for k in keys]
        wanted = [k for k in names if self.keyspace.checked_kind(k) is not None]
        for start in range(0, len(wanted), 500):
            chunk = wanted[start : start + 500]
            pipe = client.pipeline(transaction=False)
            for key in chunk:
                pipe.get(key)
                pipe.pttl(key)
            replies = await bounded(pipe.execute(), self.timeout)
            for i, key in enumerate(chunk):
                value, pttl = replies[2 * i], replies[2 * i + 1]
                if value is None or pttl is None or int(pttl) <= 0:
                    continue
                if isinstance(value, bytes):
                    value = value.decode()
                self.apply(key, value, int(pttl) / 1000)
