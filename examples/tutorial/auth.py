"""The authentication objects of the app, created once when this module is imported.

Nothing here is rebound later, so `from auth import jwt_manager` anywhere gets the
live object (a module-level `None` filled in by a startup hook would not be).
"""

import redis.asyncio as redis
from netrun_auth import JWTManager

from config import config

# Revocations (logout, refresh-token reuse) are shared by every worker through Redis.
# The client connects lazily, on first use.
redis_client = redis.from_url(config.redis_url)
jwt_manager = JWTManager(config, redis_client)


async def shutdown() -> None:
    """Release what the objects above hold."""
    await redis_client.aclose()
