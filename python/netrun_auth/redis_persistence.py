"""Whether the Redis a store uses keeps its data across a restart (AOF or RDB snapshots).

Revocations live in Redis: a Redis without persistence forgets every logout when it
restarts. :func:`warn_if_not_persistent` asks each primary once (``CONFIG GET`` of
``appendonly`` and ``save``) and logs one warning naming the nodes that keep nothing. A
server that refuses ``CONFIG`` (managed services, ACLs) is not judged: nothing is logged.
"""

from __future__ import annotations

import asyncio
import logging
from typing import Any

_log = logging.getLogger("netrun_auth.redis_store")

__all__ = ["warn_if_not_persistent"]


def _text(value: Any) -> str:
    return value.decode() if isinstance(value, bytes) else str(value)


def _as_dict(reply: Any) -> dict[str, str]:
    if isinstance(reply, dict):
        return {_text(k): _text(v) for k, v in reply.items()}
    items = list(reply)
    return {_text(items[i]): _text(items[i + 1]) for i in range(0, len(items) - 1, 2)}


def keeps_nothing(config: dict[str, str]) -> bool:
    """Whether ``CONFIG GET appendonly save`` says neither AOF nor RDB is on."""
    return config.get("appendonly", "").lower() != "yes" and not config.get("save", "").strip()


async def warn_if_not_persistent(client: Any, *, cluster: bool, timeout: float) -> None:
    """Log one warning if a primary the store uses has neither AOF nor RDB persistence.

    Gives up silently after ``timeout`` seconds or on any error (nothing to judge).
    """
    try:
        configs = await asyncio.wait_for(_configs(client, cluster), timeout)
    except Exception as exc:  # CONFIG refused or Redis away: nothing to judge
        _log.debug("persistence of Redis not checked: %s", type(exc).__name__)
        return
    bare = sorted(name for name, config in configs.items() if keeps_nothing(config))
    if bare:
        _log.warning(
            "Redis %s keeps no data across a restart (no AOF, no RDB snapshots): "
            "every revocation would be forgotten if it restarts; enable appendonly or "
            "save (see docs/redis.md, Deployment notes)",
            ", ".join(bare),
        )


async def _configs(client: Any, cluster: bool) -> dict[str, dict[str, str]]:
    """``appendonly`` and ``save`` of each primary, by node name."""
    configs: dict[str, dict[str, str]] = {}
    if cluster:
        await client.initialize()  # a no-op once the topology is known
        for node in client.get_primaries():
            aof = await client.execute_command("CONFIG GET", "appendonly", target_nodes=node)
            save = await client.execute_command("CONFIG GET", "save", target_nodes=node)
            configs[node.name] = {**_as_dict(_one(aof)), **_as_dict(_one(save))}
    else:
        aof = await client.config_get("appendonly")
        save = await client.config_get("save")
        kwargs = client.connection_pool.connection_kwargs
        name = f"{kwargs.get('host', 'localhost')}:{kwargs.get('port', 6379)}"
        configs[name] = {**_as_dict(aof), **_as_dict(save)}
    return configs


def _one(reply: Any) -> Any:
    """A Cluster reply addressed to one node may come back keyed by the node name."""
    if isinstance(reply, dict) and len(reply) == 1:
        (value,) = reply.values()
        if isinstance(value, (dict, list)):
            return value
    return reply
