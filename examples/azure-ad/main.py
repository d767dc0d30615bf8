"""netrun-auth with Microsoft Entra ID: one API accepting Entra access tokens and its own.

Run it with ``./run.sh`` (see README.md). Settings come from the environment and .env:
``NETRUN_AUTH_*`` for the API's own tokens, ``NETRUN_AUTH_AZURE_*`` for Entra ID.
"""

from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI

from netrun_auth import AuthConfig, JWTManager
from netrun_auth.dependencies import CurrentUser, require_roles, require_scopes
from netrun_auth.integrations.azure_ad import AzureADConfig, AzureADProvider
from netrun_auth.integrations.openapi import add_entra_scheme
from netrun_auth.middleware import AuthenticationMiddleware
from netrun_auth.types import User

config = AuthConfig()
jwt_manager = JWTManager(config)
azure = AzureADProvider(AzureADConfig())


@asynccontextmanager
async def lifespan(app: FastAPI):
    await azure.start()  # discovery documents and signing keys, once
    yield
    await azure.aclose()


app = FastAPI(title="Entra ID example", lifespan=lifespan)
app.add_middleware(
    AuthenticationMiddleware, jwt_manager=jwt_manager, config=config, providers=[azure]
)
# Swagger UI's "Authorize" signs in with Entra (authorization code + PKCE).
add_entra_scheme(app, azure.azure)


@app.get("/me")
async def me(user: CurrentUser):
    """Whoever called: an Entra user (user_id is their oid) or one of our own tokens."""
    return {
        "user_id": user.user_id,
        "tenant": user.organization_id,
        "issuer": user.issuer,
        "roles": list(user.roles),
        "scopes": list(user.scopes),
        "guest": user.extra.get("is_guest", False),
    }


@app.get("/documents")
async def documents(user: Annotated[User, Depends(require_scopes("access_as_user"))]):
    """Delegated access: the signed-in user consented to the `access_as_user` scope."""
    return {"documents": [], "for": user.user_id}


@app.get("/reports")
async def reports(user: Annotated[User, Depends(require_roles("Reports.Reader"))]):
    """App role access: users or daemon applications assigned `Reports.Reader`."""
    return {"reports": [], "for": user.user_id}
