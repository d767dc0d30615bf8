"""netrun-auth tutorial: login, refresh, logout, roles, permissions, organizations.

Run it with ``./run.sh`` (see README.md).
"""

from contextlib import asynccontextmanager
from datetime import datetime, timezone
from typing import Annotated

from fastapi import Depends, FastAPI, Request, WebSocket

from netrun_auth.dependencies import (
    get_current_token,
    get_current_user,
    require_organization,
    require_permissions,
    require_roles,
)
from netrun_auth.exceptions import AuthenticationError
from netrun_auth.middleware import AuthenticationMiddleware
from netrun_auth.types import TokenPair, User

from auth import (
    jwt_manager,
    login_guard,
    password_manager,
    rbac_manager,
    redis_client,
    shutdown,
)
from config import config, verify_config
from models import LoginRequest, RefreshTokenRequest

# Stand-in for your user database: email -> (argon2id hash, user_id, organization, roles).
# A real app stores the hash at sign-up; here it is made once, at import.
USERS = {
    "demo@example.com": (password_manager.hash_password("password"), "user123", "org456", ["user"]),
    "admin@example.com": (password_manager.hash_password("admin"), "admin1", "org456", ["admin"]),
}


@asynccontextmanager
async def lifespan(app: FastAPI):
    verify_config()
    yield
    await shutdown()


app = FastAPI(title="My API", version="1.0.0", lifespan=lifespan)

# Middleware is added at import time, before the app starts (never in a startup hook).
app.add_middleware(
    AuthenticationMiddleware,
    jwt_manager=jwt_manager,
    redis_client=redis_client,
    config=config,
    rbac_manager=rbac_manager,  # require_permissions resolves roles through it
)

# No exception handler is needed for auth errors: the middleware and the dependencies
# answer every failure with its JSON body and status (401/403/429/503), the RFC 6750
# WWW-Authenticate header, and WebSocket close code 1008.


@app.get("/health")
async def health_check():
    return {"status": "healthy", "timestamp": datetime.now(timezone.utc).isoformat()}


@app.post("/auth/login", response_model=TokenPair)
async def login(credentials: LoginRequest, request: Request):
    # Behind a reverse proxy, run uvicorn with --proxy-headers so this is the client's.
    ip = request.client.host if request.client else None
    # 429 (Retry-After) for a lockout of this email or IP already known here (no I/O),
    # before any password check; unknown emails are counted like known ones, so
    # 401/429 reveal nothing.
    await login_guard.check(credentials.email, ip)
    known = USERS.get(credentials.email)
    if known is None:
        await password_manager.dummy_verify_async()  # same time as a wrong password
        ok = False
    else:
        ok = await password_manager.verify_password_async(credentials.password, known[0])
    if known is None or not ok:
        await login_guard.failed(credentials.email, ip)  # 429 instead if locked meanwhile
        raise AuthenticationError("Invalid credentials", code="invalid_credentials")
    _, user_id, organization_id, roles = known
    # Before issuing tokens: while locked out, even the right password gets 429 here.
    await login_guard.succeeded(
        credentials.email, ip, user_id=user_id, organization_id=organization_id
    )
    return await jwt_manager.generate_token_pair(
        user_id=user_id, organization_id=organization_id, roles=roles
    )


@app.post("/auth/refresh", response_model=TokenPair)
async def refresh_token(request: RefreshTokenRequest):
    # A spent refresh token raises TokenReuseError (401) and revokes its session.
    return await jwt_manager.refresh_token(request.refresh_token)


@app.post("/auth/logout")
async def logout(token: Annotated[str, Depends(get_current_token)]):
    await jwt_manager.logout(token)
    return {"message": "Logged out successfully"}


@app.get("/me")
async def get_profile(user: Annotated[User, Depends(get_current_user)]):
    return {
        "user_id": user.user_id,
        "organization_id": user.organization_id,
        "roles": user.roles,
        "permissions": user.permissions,
    }


@app.get("/admin")
async def admin_only(user: Annotated[User, Depends(require_roles("admin"))]):
    return {"message": f"Admin access for {user.user_id}"}


@app.delete("/users/{user_id}")
async def delete_user(
    user_id: str, user: Annotated[User, Depends(require_permissions("users:delete"))]
):
    return {"message": f"Deleted user {user_id}"}


@app.get("/organizations/{org_id}/data")
async def get_org_data(org_id: str, user: Annotated[User, Depends(require_organization("org_id"))]):
    return {"org_id": org_id, "data": []}


@app.websocket("/ws")
async def echo(websocket: WebSocket, user: Annotated[User, Depends(get_current_user)]):
    await websocket.accept()
    await websocket.send_json({"user_id": user.user_id})
    async for text in websocket.iter_text():
        await websocket.send_text(text)


if __name__ == "__main__":
    import uvicorn

    uvicorn.run(app, host="127.0.0.1", port=8000)
