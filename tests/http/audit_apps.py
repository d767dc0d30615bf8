"""Apps for the audit tests (``uvicorn --factory audit_apps:NAME``): the same routes with
and without the app's own ``AuthenticationError`` handler, the audit records written as
JSON lines to the file ``AUDIT_LOG`` names. Keys come from ``NETRUN_AUTH_*``."""

from __future__ import annotations

import logging.config
import os
from typing import Annotated

from fastapi import Depends, FastAPI, Request
from fastapi.responses import JSONResponse

from netrun_auth import AuthConfig, JWTManager
from netrun_auth.dependencies import CurrentUser, require_roles
from netrun_auth.exceptions import AuthenticationError
from netrun_auth.middleware import AuthenticationMiddleware
from netrun_auth.types import User


def _app() -> FastAPI:
    logging.config.dictConfig(
        {
            "version": 1,
            "disable_existing_loggers": False,
            "formatters": {"audit": {"()": "netrun_auth.audit.JsonFormatter"}},
            "handlers": {
                "audit": {
                    "class": "logging.FileHandler",
                    "filename": os.environ["AUDIT_LOG"],
                    "formatter": "audit",
                }
            },
            "loggers": {
                "netrun_auth.audit": {"handlers": ["audit"], "level": "INFO", "propagate": False}
            },
        }
    )
    config = AuthConfig(_env_file=None)
    app = FastAPI()
    app.add_middleware(AuthenticationMiddleware, jwt_manager=JWTManager(config), config=config)

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, str]:
        return {"user_id": user.user_id}

    @app.get("/admin")
    async def admin(user: Annotated[User, Depends(require_roles("admin"))]) -> dict[str, str]:
        return {"user_id": user.user_id}

    return app


def without_handler() -> FastAPI:
    """The middleware answers the dependencies' errors."""
    return _app()


def with_handler() -> FastAPI:
    """The app's own handler answers the dependencies' errors (the middleware never sees
    them)."""
    app = _app()

    @app.exception_handler(AuthenticationError)
    async def handler(request: Request, exc: AuthenticationError) -> JSONResponse:
        return JSONResponse(exc.to_dict(), status_code=exc.status_code, headers={"X-App": "1"})

    return app
