"""A small API protected by netrun-auth: log in, call protected routes, refresh, log out."""

from contextlib import asynccontextmanager
from typing import Annotated

from fastapi import Depends, FastAPI, Form, HTTPException, status

from netrun_auth import AuthConfig, JWTManager, PasswordManager
from netrun_auth.dependencies import get_current_token, get_current_user, require_permissions
from netrun_auth.middleware import AuthenticationMiddleware
from netrun_auth.types import TokenPair, User

config = AuthConfig()  # keyword arguments, then NETRUN_AUTH_* variables, then .env
jwt_manager = JWTManager(config)  # keys are loaded and checked once, here
passwords = PasswordManager(config)  # argon2id

# Stand-in for your user table: keep password hashes, never passwords.
ACCOUNTS = {
    "alice": {
        "password_hash": passwords.hash_password("correct horse"),
        "user_id": "u-1001",
        "organization_id": "acme",
        "roles": ["analyst"],
        "permissions": ["reports:read"],
    }
}


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield
    passwords.close()  # the hashing threads


app = FastAPI(lifespan=lifespan)
# At import time, before the app starts: Starlette refuses middleware added later.
app.add_middleware(AuthenticationMiddleware, jwt_manager=jwt_manager, config=config)


@app.post("/auth/login", response_model=TokenPair)
async def login(username: Annotated[str, Form()], password: Annotated[str, Form()]):
    account = ACCOUNTS.get(username)
    if account is None:
        await passwords.dummy_verify_async()  # an unknown name costs as much as a wrong password
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Wrong username or password")
    if not await passwords.verify_password_async(password, account["password_hash"]):
        raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Wrong username or password")
    return await jwt_manager.generate_token_pair(
        account["user_id"],
        organization_id=account["organization_id"],
        roles=account["roles"],
        permissions=account["permissions"],
    )


@app.post("/auth/refresh", response_model=TokenPair)
async def refresh(refresh_token: Annotated[str, Form()]):
    # Each refresh token works once; a second use revokes the whole session (401 token_reuse).
    return await jwt_manager.refresh_token(refresh_token)


@app.post("/auth/logout")
async def logout(token: Annotated[str, Depends(get_current_token)]):
    await jwt_manager.logout(token)  # this token and every token of its session
    return {"logged_out": True}


@app.get("/me")
async def me(user: Annotated[User, Depends(get_current_user)]):
    return {"user_id": user.user_id, "organization_id": user.organization_id}


@app.get("/reports")
async def reports(user: Annotated[User, Depends(require_permissions("reports:read"))]):
    return {"organization_id": user.organization_id, "reports": []}
