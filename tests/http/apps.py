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
)
from netrun_auth.exceptions import AuthenticationError, TokenRevokedError
from netrun_auth.middleware import AuthenticationMiddleware
from netrun_auth.types import TokenClaims, User


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
