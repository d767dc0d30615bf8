"""The authentication objects of the app, created once when this module is imported.

Nothing here is rebound later, so `from auth import jwt_manager` anywhere gets the
live object (a module-level `None` filled in by a startup hook would not be).
"""

import redis.asyncio as redis

from netrun_auth import JWTManager, PasswordManager, RBACManager
from netrun_auth.protection import LoginGuard
from netrun_auth.rbac import DEFAULT_ROLES

from config import config

# Revocations (logout, refresh-token reuse) are shared by every worker through Redis;
# the client connects lazily, on first use. An empty NETRUN_AUTH_REDIS_URL (what
# `netrun-auth demo` sets) keeps them in this process's memory instead: one worker only.
redis_client = redis.from_url(config.redis_url) if config.redis_url else None
jwt_manager = JWTManager(config, redis_client)

# Brute-force protection of the login route: after a few failures a username (or a
# client IP) is locked out for a while (429 with Retry-After). The counters are shared
# through Redis like the revocations, or kept in this process without it.
login_guard = LoginGuard(config, redis_client)

# Roles grant permissions (viewer < user < admin, wildcards such as "users:*"), so
# tokens carry roles and require_permissions asks the RBAC manager.
rbac_manager = RBACManager(DEFAULT_ROLES)

# argon2id hashing, off the event loop in the *_async methods.
password_manager = PasswordManager(config)


async def shutdown() -> None:
    """Release what the objects above hold."""
    if redis_client is not None:
        await redis_client.aclose()
    password_manager.close()
