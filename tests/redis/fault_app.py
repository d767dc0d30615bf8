"""The seed's Redis wiring served by uvicorn for the fault tests (``uvicorn --factory
fault_app:create``): ``JWTManager(config)``, the Redis client given to the middleware
(``redis_client=``), settings from ``NETRUN_AUTH_*``. ``REDIS_URL`` comes from the test,
and ``REDIS_CLUSTER=1`` makes it a ``RedisCluster`` client (topology discovered at start).

Routes: ``GET /me`` (a user required) and ``POST /logout`` (the bearer token's session).
"""

from __future__ import annotations

import os
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

import redis.asyncio
import redis.asyncio.cluster
from fastapi import FastAPI

from netrun_auth import AuthConfig, JWTManager
from netrun_auth.dependencies import CurrentToken, CurrentUser
from netrun_auth.middleware import AuthenticationMiddleware


def create() -> FastAPI:
    config = AuthConfig(_env_file=None)
    url = os.environ["REDIS_URL"]
    cluster = os.environ.get("REDIS_CLUSTER") == "1"
    client: redis.asyncio.Redis | redis.asyncio.cluster.RedisCluster
    if cluster:
        client = redis.asyncio.cluster.RedisCluster.from_url(url)
    else:
        client = redis.asyncio.from_url(url)
    jwt_manager = JWTManager(config)

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        if isinstance(client, redis.asyncio.cluster.RedisCluster):
            await client.initialize()
        yield
        await jwt_manager.aclose()
        await client.aclose()

    app = FastAPI(lifespan=lifespan)
    app.add_middleware(
        AuthenticationMiddleware, jwt_manager=jwt_manager, redis_client=client, config=config
    )

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, str]:
        return {"user_id": user.user_id}

    @app.post("/logout")
    async def logout(token: CurrentToken) -> dict[str, str]:
        await jwt_manager.logout(token)
        return {"message": "Logged out"}

    return app
