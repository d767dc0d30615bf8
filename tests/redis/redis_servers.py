"""Names the Redis store tests import as ``from redis_servers import ...``: the shared
support package's Redis launchers (``netrun_testing.redis_servers``), and ``manager``."""

from __future__ import annotations

import redis.asyncio

from netrun_auth import AuthConfig, JWTManager
from netrun_testing.ports import free_port
from netrun_testing.redis_servers import (
    Clients,
    RedisClusterNodes,
    RedisServer,
    make_client,
)

__all__ = [
    "Clients",
    "RedisClusterNodes",
    "RedisServer",
    "free_port",
    "make_client",
    "manager",
]


def manager(config: AuthConfig, client: redis.asyncio.Redis) -> JWTManager:
    """A 'worker': its own manager (own engine and cache) on its own client."""
    return JWTManager(config, client)
