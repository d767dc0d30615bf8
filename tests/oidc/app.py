"""Apps of the OIDC HTTP tests (``uvicorn --factory app:NAME``), configured from the
environment: ``NETRUN_AUTH_*`` for our own tokens, ``NETRUN_AUTH_AZURE_*`` for Entra ID
(pointed at the Entra-shaped IdP the test runs on loopback)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Annotated, Any

from fastapi import Depends, FastAPI, WebSocket

from netrun_auth import AuthConfig, JWTManager
from netrun_auth.dependencies import CurrentUser, require_roles, require_scopes
from netrun_auth.integrations.azure_ad import AzureADConfig, AzureADProvider
from netrun_auth.integrations.openapi import add_entra_scheme
from netrun_auth.middleware import AuthenticationMiddleware
from netrun_auth.types import User


def _describe(user: User) -> dict[str, Any]:
    return {
        "user_id": user.user_id,
        "organization_id": user.organization_id,
        "roles": list(user.roles),
        "scopes": list(user.scopes),
        "issuer": user.issuer,
    }


def openapi_app() -> FastAPI:
    """Only the Swagger side: an Entra authorization-code scheme next to the bearer one."""
    azure = AzureADConfig(_env_file=None)
    app = FastAPI(title="oidc openapi")

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, Any]:
        return _describe(user)

    add_entra_scheme(app, azure, swagger_client_id="00000000-0000-0000-0000-00000000cafe")
    app.add_middleware(AuthenticationMiddleware, jwt_manager=JWTManager(AuthConfig(_env_file=None)))
    return app


def mixed_app() -> FastAPI:
    """Our own tokens and Entra tokens through one middleware and the same dependencies."""
    manager = JWTManager(AuthConfig(_env_file=None))
    azure = AzureADProvider(AzureADConfig(_env_file=None))

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        await azure.start()
        yield
        await azure.aclose()

    app = FastAPI(lifespan=lifespan)

    @app.get("/me")
    async def me(user: CurrentUser) -> dict[str, Any]:
        return _describe(user)

    @app.get("/files")
    async def files(
        user: Annotated[User, Depends(require_scopes("Files.Read"))],
    ) -> dict[str, Any]:
        return _describe(user)

    @app.get("/files/write")
    async def write(
        user: Annotated[User, Depends(require_scopes("Files.Read", "Files.Write"))],
    ) -> dict[str, Any]:
        return _describe(user)

    @app.get("/reports")
    async def reports(
        user: Annotated[User, Depends(require_roles("Reports.Reader"))],
    ) -> dict[str, Any]:
        return _describe(user)

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, user: CurrentUser) -> None:
        await websocket.accept()
        await websocket.send_json(_describe(user))
        await websocket.close()

    add_entra_scheme(app, azure.azure)
    app.add_middleware(AuthenticationMiddleware, jwt_manager=manager, providers=[azure])
    return app
