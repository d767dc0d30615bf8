"""The app of the soak benchmark (``uvicorn --factory soak_app:create``): the seed's Redis
wiring, ``JWTManager(config)`` with the Redis client given to the middleware
(``redis_client=``), library defaults otherwise; settings from ``NETRUN_AUTH_*``,
the Redis URL from ``SOAK_REDIS_URL``. One route, ``GET /me``."""

from __future__ import annotations

import os

import redis.asyncio as redis
from fastapi import Depends, FastAPI

from netrun_auth import AuthConfig, JWTManager
from netrun_auth.dependencies import get_current_user
from netrun_auth.middleware import AuthenticationMiddleware
from netrun_auth.types import User


def create() -> FastAPI:
    config = AuthConfig(_env_file=None)
    jwt_manager = JWTManager(config)
    redis_client = redis.from_url(os.environ["SOAK_REDIS_URL"])
    app = FastAPI(docs_url=None, redoc_url=None, openapi_url=None)
    app.add_middleware(
        AuthenticationMiddleware, jwt_manager=jwt_manager, redis_client=redis_client, config=config
    )

    @app.get("/me")
    async def me(user: User = Depends(get_current_user)) -> dict[str, str]:  # noqa: B008
        return {"user_id": user.user_id}

    return app
