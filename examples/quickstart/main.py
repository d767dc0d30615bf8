"""netrun-auth quick start: a FastAPI app with a login route and a protected route.

Run it with ``./run.sh`` (see README.md).
"""

from contextlib import asynccontextmanager
from typing import Annotated

import redis.asyncio as redis
from fastapi import Depends, FastAPI, Form, Request

from netrun_auth import AuthConfig, JWTManager, PasswordManager
from netrun_auth.dependencies import get_current_user
from netrun_auth.exceptions import AuthenticationError
from netrun_auth.middleware import AuthenticationMiddleware
from netrun_auth.protection import LoginGuard
from netrun_auth.types import User

# Settings come from the environment and .env (NETRUN_AUTH_* variables).
config = AuthConfig()
jwt_manager = JWTManager(config)
redis_client = redis.from_url(config.redis_url)
password_manager = PasswordManager(config)
# Locks a username (or an IP) out for a while after repeated failures; counters in Redis.
login_guard = LoginGuard(config, redis_client)

# Stand-in for your user database: username -> (argon2id hash, user id, organization, roles).
USERS = {"demo": (password_manager.hash_password("password"), "user123", "org456", ["user"])}


@asynccontextmanager
async def lifespan(app: FastAPI):
    yield
    await redis_client.aclose()
    password_manager.close()


app = FastAPI(lifespan=lifespan)

# Added once, before the app starts; revocation is checked in Redis.
app.add_middleware(
    AuthenticationMiddleware,
    jwt_manager=jwt_manager,
    redis_client=redis_client,
    config=config,
)


@app.get("/me")
async def get_profile(user: Annotated[User, Depends(get_current_user)]):
    return {"user_id": user.user_id}


@app.post("/login")
async def login(
    username: Annotated[str, Form()], password: Annotated[str, Form()], request: Request
):
    # The form fields match `curl -d "username=demo&password=password"`.
    ip = request.client.host if request.client else None
    await login_guard.check(username, ip)  # 429 (Retry-After) for a known lockout; no I/O
    known = USERS.get(username)
    if known is None:
        await password_manager.dummy_verify_async()  # as slow as a wrong password
        ok = False
    else:
        ok = await password_manager.verify_password_async(password, known[0])
    if known is None or not ok:
        await login_guard.failed(username, ip)  # unknown usernames count alike; 429 if locked
        raise AuthenticationError("Invalid username or password", code="invalid_credentials")
    _, user_id, organization_id, roles = known
    # Before issuing tokens: a right password guessed during a lockout gets 429 here.
    await login_guard.succeeded(username, ip, user_id=user_id, organization_id=organization_id)
    token_pair = await jwt_manager.generate_token_pair(
        user_id=user_id, organization_id=organization_id, roles=roles
    )
    return token_pair.model_dump()
