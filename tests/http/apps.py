"""Small apps for the HTTP tests, each a uvicorn factory (``uvicorn --factory apps:NAME``).

Keys, issuer and audience come from the NETRUN_AUTH_* environment set by the tests.
"""

from __future__ import annotations

from typing import Annotated

from fastapi import Depends, FastAPI, Request, WebSocket
from fastapi.responses import JSONResponse, PlainTextResponse

from netrun_auth import AuthConfig, JWTManager
from netrun_auth.dependencies import (
    CurrentToken,
    CurrentUser,
    OptionalUser,
    configure,
    get_current_user,
    get_token_claims,
    require_organization,
    require_permissions,
    require_roles,
    require_scopes,
)
from netrun_auth.exceptions import AuthenticationError, TokenRevokedError
from netrun_auth.middleware import AuthenticationMiddleware
from netrun_auth.types import TokenClaims, User


class _TooManyAttempts(AuthenticationError):
    """Shaped like a login guard's error: 429 with an int ``retry_after``."""

    default_code = "too_many_attempts"
    default_message = "Too many attempts"
    status_code = 429

    def __init__(self, retry_after: int) -> None:
        super().__init__()
        self.retry_after = retry_after


def _manager() -> tuple[AuthConfig, JWTManager]:
    config = AuthConfig(_env_file=None)
    return config, JWTManager(config)


def _common_routes(app: FastAPI, manager: JWTManager) -> None:
    @app.get("/health")
    async def health():
        return {"status": "ok"}

    @app.get("/me")
    async def me(user: CurrentUser):
        return {"user_id": user.user_id}

    @app.get("/optional")
    async def optional(user: OptionalUser):
        return {"user_id": user.user_id if user else None}

    @app.get("/claims")
    async def claims(claims: Annotated[TokenClaims, Depends(get_token_claims)]):
        return {"jti": claims.jti, "type": claims.token_type, "sub": claims.user_id}

    @app.get("/admin")
    async def admin(user: Annotated[User, Depends(require_roles("admin", "owner"))]):
        return {"user_id": user.user_id}

    @app.get("/both-permissions")
    async def both(
        user: Annotated[User, Depends(require_permissions("projects:read", "projects:write"))],
    ):
        return {"user_id": user.user_id}

    @app.get("/orgs/{org_id}")
    async def org(org_id: str, user: Annotated[User, Depends(require_organization())]):
        return {"org_id": org_id}

    @app.get("/any-org/{org_id}")
    async def any_org(
        org_id: str,
        user: Annotated[User, Depends(require_organization(bypass_roles=["operator"]))],
    ):
        return {"org_id": org_id}

    @app.post("/logout")
    async def logout(token: CurrentToken):
        await manager.logout(token)
        return {"ok": True}

    @app.get("/route-raises")
    async def route_raises():
        raise TokenRevokedError()

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, user: CurrentUser):
        await websocket.accept()
        await websocket.send_json({"user_id": user.user_id})
        await websocket.close()

    @app.websocket("/ws-late-error")
    async def ws_late_error(websocket: WebSocket):
        await websocket.receive()  # takes "websocket.connect", then fails before accepting
        raise TokenRevokedError()

    @app.websocket("/ws-open")
    async def ws_open(websocket: WebSocket, user: OptionalUser):
        await websocket.accept()
        await websocket.send_json({"user_id": user.user_id if user else None})
        await websocket.close()


def default_app() -> FastAPI:
    """Middleware, no exception handler of the app's own; some public paths."""
    config, manager = _manager()
    app = FastAPI()
    app.add_middleware(
        AuthenticationMiddleware,
        jwt_manager=manager,
        config=config,
        public_paths=["/health", "/docs", "/openapi.json", "/open/*"],
    )
    _common_routes(app, manager)

    @app.get("/open/page")
    async def open_page(user: OptionalUser):
        return {"user_id": user.user_id if user else None}

    @app.post("/edit-user")
    async def edit_user(user: CurrentUser):
        """Tries to edit the shared User in place; reports which edits were refused."""
        refused = []
        edits = {
            "roles": lambda: user.roles.append("admin"),  # type: ignore[attr-defined]
            "permissions": lambda: user.permissions.append("*"),  # type: ignore[attr-defined]
            "scopes": lambda: user.scopes.append("all"),  # type: ignore[attr-defined]
            "extra": lambda: user.extra.__setitem__("tier", "gold"),  # type: ignore[attr-defined]
            "extra_nested": lambda: user.extra["groups"].append("admins"),
            "field": lambda: setattr(user, "roles", ["admin"]),
        }
        for name, edit in edits.items():
            try:
                edit()
            except (AttributeError, TypeError, ValueError):
                refused.append(name)
        return {"refused": refused}

    @app.get("/user-fields")
    async def user_fields(user: CurrentUser):
        return user.model_dump(mode="json", include={"roles", "permissions", "scopes", "extra"})

    @app.get("/too-many")
    async def too_many():
        raise _TooManyAttempts(retry_after=42)

    @app.get("/starlette")
    async def starlette_conventions(request: Request):
        user = request.user
        return {
            "user": getattr(user, "user_id", None),
            "is_authenticated": getattr(user, "is_authenticated", True),
            "scopes": list(request.auth.scopes),
            "state_user": request.state.user.user_id if request.state.user else None,
            "auth_claims_jti": getattr(getattr(request.auth, "claims", None), "jti", None),
            "auth_token_is_bearer": getattr(request.auth, "token", None)
            == request.headers.get("authorization", "")[7:],
        }

    return app


def seed_handler_app() -> FastAPI:
    """The seed's style: ``= Depends(...)`` defaults and its own AuthenticationError handler."""
    config, manager = _manager()
    app = FastAPI()
    app.add_middleware(AuthenticationMiddleware, jwt_manager=manager, config=config)

    @app.get("/me")
    async def get_profile(user: User = Depends(get_current_user)):  # noqa: B008
        return {"user_id": user.user_id}

    @app.get("/admin")
    async def admin_only(user: User = Depends(require_roles("admin"))):  # noqa: B008
        return {"message": f"Admin access for {user.user_id}"}

    @app.exception_handler(AuthenticationError)
    async def auth_error_handler(request, exc):
        return JSONResponse(
            status_code=exc.status_code, content=exc.to_dict(), headers={"X-App-Handler": "yes"}
        )

    return app


def configured_app() -> FastAPI:
    """No middleware: the dependencies validate with the manager given to configure()."""
    _config, manager = _manager()
    app = FastAPI()
    configure(app, manager)
    _common_routes(app, manager)
    return app


def cookie_app() -> FastAPI:
    """The token may also travel in the ``access_token`` cookie."""
    config, manager = _manager()
    app = FastAPI()
    app.add_middleware(
        AuthenticationMiddleware, jwt_manager=manager, config=config, cookie_name="access_token"
    )
    _common_routes(app, manager)
    return app


def on_error_app() -> FastAPI:
    """The middleware's error responses come from on_error."""
    config, manager = _manager()
    app = FastAPI()

    async def on_error(request, exc: AuthenticationError):
        return PlainTextResponse(f"custom {exc.code}", status_code=exc.status_code)

    app.add_middleware(
        AuthenticationMiddleware, jwt_manager=manager, config=config, on_error=on_error
    )
    _common_routes(app, manager)
    return app


def tutorial_app() -> FastAPI:
    """The tutorial example's app (``examples/tutorial/main.py:app``, what ``netrun-auth
    demo`` serves) with the in-memory store and the test keys, issuer and audience."""
    import importlib
    import os
    import sys

    from netrun_testing.servers import EXAMPLES

    os.environ["NETRUN_AUTH_REDIS_URL"] = ""  # the embedded store, as under netrun-auth demo
    sys.path.insert(0, str(EXAMPLES / "tutorial"))
    app: FastAPI = importlib.import_module("main").app
    return app


def docs_app() -> FastAPI:
    """The tutorial app with Swagger UI served from local files (the machine is offline;
    FastAPI's default /docs loads Swagger UI from a CDN)."""
    from pathlib import Path

    import fastapi_offline
    from fastapi.openapi.docs import get_swagger_ui_html
    from fastapi.staticfiles import StaticFiles

    app = tutorial_app()
    app.router.routes[:] = [
        route for route in app.router.routes if not getattr(route, "path", "").startswith("/docs")
    ]
    static = Path(fastapi_offline.__file__).parent / "static"
    app.mount("/docs-static", StaticFiles(directory=static), name="docs-static")

    @app.get("/docs", include_in_schema=False)
    async def docs():
        return get_swagger_ui_html(
            openapi_url="/openapi.json",
            title="docs",
            swagger_js_url="/docs-static/swagger-ui-bundle.js",
            swagger_css_url="/docs-static/swagger-ui.css",
            swagger_favicon_url="/docs-static/favicon.png",
        )

    return app


def demo_app() -> FastAPI:
    """The demo app: the tutorial example's app, as ``netrun-auth demo`` serves it, with
    the test keys, issuer and audience, so that tests can forge tokens for it."""
    return tutorial_app()


def _rbac():
    from netrun_auth import RBACManager
    from netrun_auth.types import Role

    rbac = RBACManager()
    rbac.add_role(Role(name="editor", permissions=["projects:*"]))
    rbac.add_role(Role(name="viewer", permissions=["projects:read"]))
    rbac.add_role(Role(name="support", permissions=["organizations:cross_tenant"]))
    rbac.add_role(Role(name="org-admin", permissions=["*"]))
    rbac.add_role(Role(name="org-wild", permissions=["organizations:*"]))
    # A guest of acme with a role in globex only: a member there, not elsewhere.
    rbac.assign_role("guest", "viewer", organization_id="globex")
    return rbac


def _rbac_routes(app: FastAPI) -> None:
    @app.delete("/projects/{project_id}")
    async def delete_project(
        project_id: str, user: Annotated[User, Depends(require_permissions("projects:delete"))]
    ):
        return {"deleted": project_id}

    @app.get("/orgs/{org_id}")
    async def org(org_id: str, user: Annotated[User, Depends(require_organization())]):
        return {"org_id": org_id}

    @app.get("/cross-tenant")
    async def cross_tenant(
        user: Annotated[User, Depends(require_permissions("organizations:cross_tenant"))],
    ):
        return {"cross_tenant": True}


def rbac_middleware_app() -> FastAPI:
    """RBAC manager given to the middleware."""
    config, manager = _manager()
    app = FastAPI()
    app.add_middleware(
        AuthenticationMiddleware, jwt_manager=manager, config=config, rbac_manager=_rbac()
    )
    _rbac_routes(app)
    return app


def rbac_registered_app() -> FastAPI:
    """Middleware without RBAC; the RBAC manager registered on the app with configure()."""
    config, manager = _manager()
    app = FastAPI()
    app.add_middleware(AuthenticationMiddleware, jwt_manager=manager, config=config)
    configure(app, manager, rbac_manager=_rbac())
    _rbac_routes(app)
    return app


def seed_redis_app() -> FastAPI:
    """The seed's quick-start wiring: ``JWTManager(config)`` without Redis, the client
    given to the middleware only; logout and logout_all through that same manager."""
    import redis.asyncio as redis

    config = AuthConfig(_env_file=None)
    jwt_manager = JWTManager(config)
    redis_client = redis.from_url(config.redis_url)
    app = FastAPI()
    app.add_middleware(
        AuthenticationMiddleware,
        jwt_manager=jwt_manager,
        redis_client=redis_client,
        config=config,
    )

    @app.post("/login")
    async def login(user_id: str):
        pair = await jwt_manager.generate_token_pair(user_id=user_id, roles=["user"])
        return pair.model_dump()

    @app.get("/me")
    async def me(user: User = Depends(get_current_user)):  # noqa: B008
        return {"user_id": user.user_id}

    @app.post("/logout")
    async def logout(token: CurrentToken):
        await jwt_manager.logout(token)
        return {"message": "Logged out"}

    @app.post("/logout-all")
    async def logout_all(user: CurrentUser):
        await jwt_manager.logout_all(user.user_id)
        return {"message": "Logged out everywhere"}

    @app.get("/store")
    async def store():
        return {
            "store": type(jwt_manager.store).__name__,
            "mirror_live": bool(getattr(jwt_manager.store, "mirror_live", False)),
        }

    return app


class SecondIssuer:
    """A provider for a second issuer, with its own key: tokens of our own engine
    (another JWTManager), as an OpenID provider's would be validated."""

    def __init__(self, config: AuthConfig) -> None:
        self.issuer = config.jwt_issuer
        self.manager = JWTManager(config)

    def accepts_issuer(self, issuer: str) -> bool:
        return issuer == self.issuer

    async def validate_token(self, token: str) -> User:
        return (await self.manager.validate_token(token)).to_user()


def second_issuer_config() -> AuthConfig:
    """The second issuer's settings, from SECOND_* variables (not NETRUN_AUTH_*)."""
    import os

    return AuthConfig(
        _env_file=None,
        jwt_issuer=os.environ["SECOND_ISSUER"],
        jwt_audience=os.environ["SECOND_AUDIENCE"],
        jwt_algorithm="EdDSA",
        jwt_private_key_path=os.environ["SECOND_PRIVATE_KEY_PATH"],
        jwt_public_key_path=os.environ["SECOND_PUBLIC_KEY_PATH"],
    )


def _provider_routes(app: FastAPI) -> None:
    @app.get("/who")
    async def who(user: CurrentUser):
        return {"user_id": user.user_id, "issuer": user.issuer, "scopes": list(user.scopes)}

    @app.get("/files")
    async def files(user: Annotated[User, Depends(require_scopes("files.read"))]):
        return {"user_id": user.user_id}

    @app.get("/claims")
    async def claims(claims: Annotated[TokenClaims, Depends(get_token_claims)]):
        return {"sub": claims.user_id}

    @app.get("/admin")
    async def admin(user: Annotated[User, Depends(require_roles("admin"))]):
        return {"user_id": user.user_id}

    @app.websocket("/ws")
    async def ws(websocket: WebSocket, user: CurrentUser):
        await websocket.accept()
        await websocket.send_json({"user_id": user.user_id, "issuer": user.issuer})
        await websocket.close()


def providers_app() -> FastAPI:
    """Our own tokens and a second issuer's, routed by ``iss`` in the middleware."""
    config, manager = _manager()
    app = FastAPI()
    app.add_middleware(
        AuthenticationMiddleware,
        jwt_manager=manager,
        config=config,
        providers=[SecondIssuer(second_issuer_config())],
    )
    _provider_routes(app)
    return app


def providers_configured_app() -> FastAPI:
    """The same routing without the middleware: ``configure(..., providers=...)``."""
    _config, manager = _manager()
    app = FastAPI()
    configure(app, manager, providers=[SecondIssuer(second_issuer_config())])
    _provider_routes(app)
    return app
