"""Redis plumbing shared by everything that speaks to Redis (the revocation store, its
mirror, the login guard): bounded waits, the engine's Lua scripts run by digest (and,
for writes that must survive a failover, followed by ``WAIT`` on the same connection),
and one retry on a pooled connection that died while idle.

Needs the ``[redis]`` extra; imported only by modules that use a Redis client.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import redis.exceptions

__all__ = ["ReplicaWaitError", "Script", "bounded", "pipelined", "retried_once"]

_T = TypeVar("_T")

if sys.version_info >= (3, 11):

    async def bounded(awaitable: Awaitable[_T], seconds: float) -> _T:
        """Await ``awaitable``, raising ``TimeoutError`` after ``seconds``."""
        async with asyncio.timeout(seconds):
            return await awaitable

else:  # pragma: no cover - Python 3.10

    async def bounded(awaitable: Awaitable[_T], seconds: float) -> _T:
        """Await ``awaitable``, raising ``TimeoutError`` after ``seconds``."""
        return await asyncio.wait_for(awaitable, seconds)


class ReplicaWaitError(redis.exceptions.RedisError):
    """Fewer replicas than required acknowledged a write within the wait (``WAIT``)."""


class _Rerouted(redis.exceptions.ConnectionError):
    """The key's slot moved while a write and its ``WAIT`` were in flight (the slot map
    is updated): the ``WAIT`` did not follow the write, so both are sent again, as for
    a dead connection (:func:`retried_once`)."""


class Script:
    """One of the engine's Lua scripts: its source, its SHA1 digest, and how to run it."""

    __slots__ = ("name", "sha", "source")

    def __init__(self, name: str, source: str) -> None:
        self.name = name
        self.source = source
        self.sha = hashlib.sha1(source.encode()).hexdigest()

    async def run(
        self, client: Any, keys: Sequence[str], args: Sequence[Any], *, cluster: bool
    ) -> Any:
        """``EVALSHA`` on ``client``; on ``NOSCRIPT`` (first use, restart, failover,
        ``SCRIPT FLUSH``) load it on the node serving ``keys[0]`` and run it again."""
        try:
            return await client.evalsha(self.sha, len(keys), *keys, *args)
        except redis.exceptions.NoScriptError:
            await self._load(client, keys[0], cluster)
            return await client.evalsha(self.sha, len(keys), *keys, *args)

    def queue(self, pipe: Any, keys: Sequence[str], args: Sequence[Any]) -> None:
        """Add ``EVALSHA`` of this script to ``pipe`` (see :func:`pipelined`)."""
        pipe.evalsha(self.sha, len(keys), *keys, *args)

    async def run_waited(
        self,
        client: Any,
        keys: Sequence[str],
        args: Sequence[Any],
        *,
        cluster: bool,
        replicas: int,
        timeout: float,
    ) -> Any:
        """:meth:`run`, then ``WAIT replicas timeout`` on the same connection: when this
        returns, what the script wrote is on at least ``replicas`` replicas.

        ``WAIT`` counts the writes of the connection it is sent on, so both go in one
        pipeline (one connection); on Cluster, the ``WAIT`` goes to the node serving
        ``keys[0]``, and a redirection (the slot moved, a failover the client had not
        seen) updates the slot map and raises a ``ConnectionError`` for
        :func:`retried_once` to send both again.

        Raises:
            ReplicaWaitError: when fewer than ``replicas`` acknowledged within
                ``timeout`` seconds (the write is on the primary, maybe not beyond).
        """
        timeout_ms = max(1, round(timeout * 1000))  # WAIT n 0 would block for ever
        for first in (True, False):
            pipe = client.pipeline(transaction=False)
            # execute_command: a Cluster pipeline refuses its evalsha() helper.
            pipe.execute_command("EVALSHA", self.sha, len(keys), *keys, *args)
            if cluster:
                node = client.get_node_from_key(keys[0])
                pipe.execute_command("WAIT", replicas, timeout_ms, target_nodes=node)
                result, acked = await pipe.execute(raise_on_error=False, allow_redirections=False)
            else:
                pipe.execute_command("WAIT", replicas, timeout_ms)
                result, acked = await pipe.execute(raise_on_error=False)
            if isinstance(result, redis.exceptions.NoScriptError) and first:
                await self._load(client, keys[0], cluster)
                continue
            if cluster and isinstance(
                result, (redis.exceptions.MovedError, redis.exceptions.AskError)
            ):
                if isinstance(result, redis.exceptions.MovedError):
                    await client.nodes_manager.move_slot(result)
                raise _Rerouted(f"{self.name}: slot of the write moved") from result
            if isinstance(result, BaseException):
                raise result
            if isinstance(acked, BaseException):
                raise acked
            if int(acked) < replicas:
                raise ReplicaWaitError(
                    f"{self.name}: {int(acked)} of {replicas} replica(s) acknowledged "
                    f"within {timeout_ms} ms"
                )
            return result
        raise redis.exceptions.NoScriptError(f"{self.name}: not loaded")  # pragma: no cover

    async def _load(self, client: Any, key: str, cluster: bool) -> None:
        if cluster:
            # The node that answered NOSCRIPT: the one serving the key's slot.
            node = client.get_node_from_key(key)
            sha = await client.execute_command("SCRIPT LOAD", self.source, target_nodes=node)
        else:
            sha = await client.script_load(self.source)
        if isinstance(sha, bytes):
            sha = sha.decode()
        if sha != self.sha:
            raise RuntimeError(f"Redis loaded script {self.name} under an unexpected digest")


ScriptCall = tuple[Script, Sequence[str], Sequence[Any]]
"""A script with its keys and arguments."""


async def pipelined(client: Any, calls: Sequence[ScriptCall], *, cluster: bool) -> list[Any]:
    """Run script ``calls`` together: their replies in that order.

    On a single node, one non-transactional pipeline (one round trip); a script that
    answers ``NOSCRIPT`` did not run, so it is loaded and run again alone (the others
    are not sent twice). On a Cluster (whose client refuses scripts in pipelines), each
    is sent at once on its own, to the node of its keys: the round trips overlap. Any
    other error raises.
    """
    if cluster:
        return list(
            await asyncio.gather(
                *(script.run(client, keys, args, cluster=True) for script, keys, args in calls)
            )
        )
    pipe = client.pipeline(transaction=False)
    for script, keys, args in calls:
        script.queue(pipe, keys, args)
    replies = list(await pipe.execute(raise_on_error=False))
    for i, reply in enumerate(replies):
        if isinstance(reply, redis.exceptions.NoScriptError):
            script, keys, args = calls[i]
            replies[i] = await script.run(client, keys, args, cluster=False)
        elif isinstance(reply, Exception):
            raise reply
    return replies


def scripts(pairs: Sequence[tuple[str, str]]) -> dict[str, Script]:
    """The engine's ``(name, source)`` pairs as :class:`Script` objects, by name."""
    return {name: Script(name, source) for name, source in pairs}


async def retried_once(operation: Callable[..., Awaitable[_T]], *args: Any) -> _T:
    """``operation(*args)``, sent again once if the connection it used was dead.

    A pooled connection that sat idle through an outage (Redis restarted, connections
    killed) fails on first use with a ``ConnectionError``; redis-py drops it, and a
    client made by ``from_url`` does not retry by itself. One immediate retry, within the
    caller's timeout, goes out on a fresh connection. Callers send only operations that
    are safe to send twice (idempotent writes, or scripts that recognise a repeat).
    """
    try:
        return await operation(*args)
    except redis.exceptions.ConnectionError:
        return await operation(*args)
