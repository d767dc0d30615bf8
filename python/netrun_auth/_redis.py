"""Redis plumbing shared by everything that speaks to Redis (the revocation store, its
mirror, the login guard): bounded waits, the engine's Lua scripts run by digest, and
one retry on a pooled connection that died while idle.

Needs the ``[redis]`` extra; imported only by modules that use a Redis client.
"""

from __future__ import annotations

import asyncio
import hashlib
import sys
from collections.abc import Awaitable, Callable, Sequence
from typing import Any, TypeVar

import redis.exceptions

__all__ = ["Script", "bounded", "pipelined", "retried_once"]

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
