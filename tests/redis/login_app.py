"""A login route behind the login guard, for the HTTP tests (``uvicorn --factory
login_app:create``). Settings come from ``NETRUN_AUTH_*``; ``REDIS_URL``, ``AUDIT_LOG``
(JSON lines of the audit logger) and ``APP_LOG`` (every other netrun_auth log line)
from the test."""

from __future__ import annotations

import logging.config
import os

import redis.asyncio
from fastapi import FastAPI, Request
from pydantic import BaseModel

from netrun_auth import AuthConfig, JWTManager, PasswordManager
from netrun_auth.dependencies import CurrentUser
from netrun_auth.exceptions import AuthenticationError
from netrun_auth.middleware import AuthenticationMiddleware, auth_exception_handler
from netrun_auth.protection import LoginGuard

PASSWORD = "correct horse battery staple"


class Credentials(BaseModel):
    username: str
    password: str


def _logging() -> None:
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {
                "audit": {"()": "netrun_auth.audit.JsonFormatter"},
                "plain": {"format": "%(levelname)s %(name)s %(message)s"},
            },
            "handlers": {
                "audit": {
                    "class": "logging.FileHandler",
                    "filename": os.environ["AUDIT_LOG"],
                    "formatter": "audit",
                },
                "app": {
                    "class": "logging.FileHandler",
                    "filename": os.environ["APP_LOG"],
                    "formatter": "plain",
                },
            },
            "loggers": {
                "netrun_auth.audit": {"handlers": ["audit"], "level": "INFO", "propagate": False},
                "netrun_auth": {"handlers": ["app"], "level": "DEBUG"},
            },
        }
    )


def create() -> FastAPI:
    _logging()
    config = AuthConfig(_env_file=None)
    client = redis.asyncio.from_url(os.environ["REDIS_URL"])
    manager = JWTManager(config, client)
    guard = LoginGuard(config, client)
    passwords = PasswordManager(config)
    users = {"alice": ("u-1", passwords.hash_password(PASSWORD))}
    app = FastAPI()
    app.add_exception_handler(AuthenticationError, auth_exception_handler)
    app.add_middleware(AuthenticationMiddleware, jwt_manager=manager)

    @app.post("/auth/login")
    async def login(credentials: Credentials, request: Request) -> dict[str, object]:
        ip = request.client.host if request.client else None
        await guard.check(credentials.username, ip)
        user = users.get(credentials.username.casefold())
        if user is None:
            await passwords.dummy_verify_async(credentials.password)  # same time as a miss
            ok = False
        else:
            ok = await passwords.verify_password_async(credentials.password, user[1])
        if not ok:
            await guard.failed(credentials.username, ip)
            raise AuthenticationError("Invalid username or password", code="invalid_credentials")
        # Before issuing tokens: a right password during a lockout is answered 429.
        await guard.succeeded(credentials.username, ip, user_id=user[0] if user else None)
        pair = await manager.generate_token_pair(user[0] if user else "")
        return {"access_token": pair.access_token, "refresh_token": pair.refresh_token}

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, str]:
        return {"user_id": user.user_id}

    return app
