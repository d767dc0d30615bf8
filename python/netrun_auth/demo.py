"""The tutorial app, and the ``netrun-auth demo`` command that serves it.

``netrun-auth demo`` generates a fresh RSA key pair into a temporary directory,
serves :func:`create_app` on http://127.0.0.1:8000 with the embedded in-memory
revocation store (``--redis URL`` to use Redis instead) and prints curl lines to try
every flow: login, ``/me``, admin-only and permission routes, a multi-tenant route,
refresh and logout.

The app is also what the HTTP tests drive; ``examples/tutorial/`` is the same app
written as a small project of its own.
"""

from __future__ import annotations

import argparse
import hmac
import shlex
import sys
import tempfile
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, FastAPI, HTTPException, WebSocket, status
from pydantic import BaseModel

from .dependencies import (
    get_current_token,
    get_current_user,
    require_organization,
    require_permissions,
    require_roles,
)
from .middleware import AuthenticationMiddleware
from .types import TokenPair, User

__all__ = ["DEMO_USERS", "DemoUser", "add_demo_command", "create_app", "demo_config", "run_demo"]


@dataclass(frozen=True)
class DemoUser:
    """A user of the demo's hard-coded user table (a real app checks its database)."""

    user_id: str
    password: str
    organization_id: str
    roles: list[str] = field(default_factory=list)
    permissions: list[str] = field(default_factory=list)


DEMO_USERS: dict[str, DemoUser] = {
    "demo@example.com": DemoUser(
        "user123", "password", "org456", ["user"], ["users:read", "projects:read"]
    ),
    "admin@example.com": DemoUser(
        "admin1",
        "admin",
        "org456",
        ["admin"],
        ["users:read", "users:delete", "projects:read", "projects:update"],
    ),
    "other@example.com": DemoUser(
        "user789", "password", "org789", ["user"], ["users:read", "projects:read"]
    ),
}


class LoginRequest(BaseModel):
    email: str
    password: str


class RefreshRequest(BaseModel):
    refresh_token: str


def create_app(
    jwt_manager: Any,
    *,
    redis_client: Any = None,
    config: Any = None,
    rbac_manager: Any = None,
    users: dict[str, DemoUser] | None = None,
    **fastapi_kwargs: Any,
) -> Any:
    """The tutorial app: login, refresh, logout, ``/me``, ``/admin``, a permission route,
    a multi-tenant route and a WebSocket, protected by :class:`AuthenticationMiddleware`.

    ``redis_client`` (if any) is closed when the app shuts down.
    """
    table = DEMO_USERS if users is None else users
    manager = jwt_manager.use_redis(redis_client) if redis_client is not None else jwt_manager

    @asynccontextmanager
    async def lifespan(app: FastAPI):
        yield
        if redis_client is not None:
            await redis_client.aclose()

    fastapi_kwargs.setdefault("title", "netrun-auth tutorial")
    app = FastAPI(lifespan=lifespan, **fastapi_kwargs)
    app.add_middleware(
        AuthenticationMiddleware,
        jwt_manager=jwt_manager,
        redis_client=redis_client,
        config=config,
        rbac_manager=rbac_manager,
    )

    @app.get("/health")
    async def health() -> dict[str, str]:
        return {"status": "healthy"}

    @app.post("/auth/login", response_model=TokenPair)
    async def login(body: LoginRequest) -> TokenPair:
        user = table.get(body.email)
        # Compare even for an unknown user, so timing does not tell which emails exist.
        expected = user.password if user is not None else "\0"
        if not hmac.compare_digest(body.password.encode(), expected.encode()) or user is None:
            raise HTTPException(status.HTTP_401_UNAUTHORIZED, "Invalid email or password")
        return await manager.generate_token_pair(
            user_id=user.user_id,
            organization_id=user.organization_id,
            roles=user.roles,
            permissions=user.permissions,
        )

    @app.post("/auth/refresh", response_model=TokenPair)
    async def refresh(body: RefreshRequest) -> TokenPair:
        return await manager.refresh_token(body.refresh_token)

    @app.post("/auth/logout")
    async def logout(token: Annotated[str, Depends(get_current_token)]) -> dict[str, str]:
        await manager.logout(token)
        return {"message": "Logged out"}

    @app.get("/me")
    async def me(user: Annotated[User, Depends(get_current_user)]) -> dict[str, Any]:
        return {
            "user_id": user.user_id,
            "organization_id": user.organization_id,
            "roles": user.roles,
            "permissions": user.permissions,
        }

    @app.get("/admin")
    async def admin(user: Annotated[User, Depends(require_roles("admin"))]) -> dict[str, str]:
        return {"message": f"Admin access for {user.user_id}"}

    @app.delete("/users/{user_id}")
    async def delete_user(
        user_id: str, user: Annotated[User, Depends(require_permissions("users:delete"))]
    ) -> dict[str, str]:
        return {"message": f"Deleted user {user_id}", "by": user.user_id}

    @app.get("/organizations/{org_id}/data")
    async def organization_data(
        org_id: str, user: Annotated[User, Depends(require_organization("org_id"))]
    ) -> dict[str, Any]:
        return {"org_id": org_id, "data": []}

    @app.websocket("/ws")
    async def echo(websocket: WebSocket, user: Annotated[User, Depends(get_current_user)]) -> None:
        await websocket.accept()
        await websocket.send_json({"user_id": user.user_id})
        async for text in websocket.iter_text():
            await websocket.send_text(text)

    return app


def demo_config(key_dir: Path, *, redis_url: str | None = None) -> Any:
    """An ``AuthConfig`` for the demo with a fresh RSA key pair written into ``key_dir``."""
    from . import _core
    from .config import AuthConfig

    private_pem, public_pem = _core.generate_key("rsa2048")
    private_path = key_dir / "private_key.pem"
    public_path = key_dir / "public_key.pem"
    private_path.write_bytes(private_pem)
    private_path.chmod(0o600)
    public_path.write_bytes(public_pem)
    settings: dict[str, Any] = {
        "jwt_issuer": "netrun-auth-demo",
        "jwt_audience": "netrun-auth-demo",
        "jwt_private_key_path": str(private_path),
        "jwt_public_key_path": str(public_path),
    }
    if redis_url is not None:
        settings["redis_url"] = redis_url
    return AuthConfig(**settings, _env_file=None)


def _curl_lines(base: str) -> str:
    login = shlex.quote('{"email":"demo@example.com","password":"password"}')
    admin_login = shlex.quote('{"email":"admin@example.com","password":"admin"}')
    grab = "python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])'"
    json_header = "-H 'Content-Type: application/json'"
    return "\n".join(
        [
            "# Log in as a plain user (demo@example.com / password) and keep both tokens:",
            f"LOGIN=$(curl -s -X POST {base}/auth/login {json_header} -d {login})",
            f'TOKEN=$(echo "$LOGIN" | {grab} access_token)',
            f'REFRESH=$(echo "$LOGIN" | {grab} refresh_token)',
            "",
            "# Who am I?",
            f'curl -s {base}/me -H "Authorization: Bearer $TOKEN"',
            "# Admin only: 403 for this user",
            f'curl -s {base}/admin -H "Authorization: Bearer $TOKEN"',
            "# Needs users:delete: 403 for this user",
            f'curl -s -X DELETE {base}/users/42 -H "Authorization: Bearer $TOKEN"',
            "# Own organization: 200; another one: 403",
            f'curl -s {base}/organizations/org456/data -H "Authorization: Bearer $TOKEN"',
            f'curl -s {base}/organizations/org789/data -H "Authorization: Bearer $TOKEN"',
            "",
            "# Refresh (rotates the refresh token; using the old one again is rejected)",
            f"curl -s -X POST {base}/auth/refresh {json_header} "
            + '-d "{\\"refresh_token\\":\\"$REFRESH\\"}"',
            "",
            "# Log out, then the same access token is rejected",
            f'curl -s -X POST {base}/auth/logout -H "Authorization: Bearer $TOKEN"',
            f'curl -s {base}/me -H "Authorization: Bearer $TOKEN"',
            "",
            "# An admin (admin@example.com / admin):",
            f"ADMIN=$(curl -s -X POST {base}/auth/login {json_header} -d {admin_login}"
            f" | {grab} access_token)",
            f'curl -s {base}/admin -H "Authorization: Bearer $ADMIN"',
            f'curl -s -X DELETE {base}/users/42 -H "Authorization: Bearer $ADMIN"',
            "",
            f"# Interactive docs (use Authorize with an access token): {base}/docs",
        ]
    )


def run_demo(args: argparse.Namespace) -> int:
    """Serve the tutorial app until interrupted (the ``demo`` sub-command)."""
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - depends on the installation
        print("netrun-auth demo needs the fastapi extra: pip install 'netrun-auth[fastapi]'")
        return 1
    from .jwt import JWTManager

    with tempfile.TemporaryDirectory(prefix="netrun-auth-demo-") as key_dir:
        config = demo_config(Path(key_dir), redis_url=args.redis)
        redis_client = None
        if args.redis:
            import redis.asyncio as redis

            redis_client = redis.from_url(args.redis)
        app = create_app(JWTManager(config), redis_client=redis_client, config=config)

        base = f"http://{args.host}:{args.port}"
        store = f"Redis at {args.redis}" if args.redis else "the in-memory store"
        print(f"netrun-auth demo on {base} ({store}; keys in {key_dir})")
        print("Try it from another terminal:\n")
        print(_curl_lines(base))
        print("\nPress Ctrl+C to stop.\n", flush=True)
        uvicorn.run(app, host=args.host, port=args.port, log_level=args.log_level)
    return 0


def add_demo_command(subparsers: Any) -> argparse.ArgumentParser:
    """Add the ``demo`` sub-command to an ``argparse`` sub-parsers object."""
    parser = subparsers.add_parser(
        "demo",
        help="serve the tutorial app with fresh keys and print curl lines to try it",
        description=(
            "Serve the netrun-auth tutorial app on 127.0.0.1 with a freshly generated "
            "RSA key pair (in a temporary directory) and the in-memory revocation store."
        ),
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port (default %(default)s)")
    parser.add_argument(
        "--redis", metavar="URL", default=None, help="use this Redis for revocation"
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default %(default)s)",
    )
    parser.set_defaults(handler=run_demo)
    return parser


def main(argv: list[str] | None = None) -> int:
    """Run the demo without the ``netrun-auth`` command (``python -m netrun_auth.demo``)."""
    parser = argparse.ArgumentParser(prog="netrun-auth")
    sub = parser.add_subparsers(dest="command", required=True)
    add_demo_command(sub)
    args = parser.parse_args(["demo", *(sys.argv[1:] if argv is None else argv)])
    return args.handler(args)


if __name__ == "__main__":
    sys.exit(main())
