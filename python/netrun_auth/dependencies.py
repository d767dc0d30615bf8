"""FastAPI dependencies: who is calling, and may they do this?

::

    from netrun_auth.dependencies import get_current_user, require_roles

    @app.get("/me")
    async def me(user: User = Depends(get_current_user)): ...

    @app.get("/admin")
    async def admin(user: User = Depends(require_roles("admin"))): ...

They read what :class:`~netrun_auth.middleware.AuthenticationMiddleware` found. Without
the middleware, register the manager once with :func:`configure` and they validate
the bearer token themselves (once per request, however many dependencies ask).

``require_roles``, ``require_permissions`` and ``require_scopes`` refuse, with a
:class:`~netrun_auth.exceptions.ConfigurationError` when the route is declared, to be
called with nothing to require (that check would admit every user).

All of them declare the ``BearerAuth`` HTTP bearer security scheme, so the route shows
in ``/openapi.json`` as protected and Swagger UI's *Authorize* button works.

Failures raise :class:`~netrun_auth.exceptions.AuthenticationError` (401 without a
valid token, :class:`~netrun_auth.exceptions.AuthorizationError` 403 when the user is
not allowed). An app's own ``AuthenticationError`` handler answers them; otherwise the
middleware, or the handler installed by :func:`configure`, answers with ``to_dict()``
as JSON and an RFC 6750 ``WWW-Authenticate`` header.
"""

from collections.abc import Callable, Iterable
from typing import Annotated, Any

from fastapi import Depends
from fastapi.openapi.models import HTTPBearer as HTTPBearerModel
from fastapi.security.base import SecurityBase
from starlette.requests import HTTPConnection

from . import audit
from .context import SCOPE_KEY, AuthContext, AuthSettings
from .exceptions import AuthenticationError, AuthorizationError, ConfigurationError
from .providers import TokenProvider
from .rbac import can_access_organization
from .responses import NOT_AUTHENTICATED, auth_exception_handler
from .types import TokenClaims, User

__all__ = [
    "BearerAuth",
    "CurrentClaims",
    "CurrentToken",
    "CurrentUser",
    "OptionalUser",
    "bearer_auth",
    "configure",
    "get_auth_context",
    "get_current_token",
    "get_current_user",
    "get_optional_user",
    "get_token_claims",
    "require_organization",
    "require_permissions",
    "require_roles",
    "require_scopes",
]

_STATE_ATTR = "netrun_auth"


def configure(
    app: Any,
    jwt_manager: Any,
    rbac_manager: Any = None,
    *,
    redis_client: Any = None,
    config: Any = None,
    providers: Iterable[TokenProvider] = (),
    install_error_handler: bool = True,
) -> None:
    """Register the managers the dependencies use on ``app`` (a FastAPI/Starlette app).

    Needed when the app does not use :class:`AuthenticationMiddleware`, or to give
    ``require_permissions`` an ``rbac_manager`` when the middleware was added without
    one. ``jwt_manager`` is used as is; a ``redis_client`` is adopted by it
    (:meth:`~netrun_auth.JWTManager.use_redis`), so its logouts are seen here.
    ``config.auth_cookie_name`` (default: the manager's config) lets a cookie carry
    the token when there is no ``Authorization`` header. ``providers`` validate the
    tokens of other issuers, as with the middleware.

    Unless ``install_error_handler`` is false, it also registers the default
    ``AuthenticationError`` handler (JSON ``to_dict()`` + ``WWW-Authenticate``), unless
    the app already has one; a handler the app registers later replaces it.

    Call it before the app starts serving (at module level or before ``uvicorn.run``).

    Raises:
        ConfigurationError: when ``jwt_manager`` is None, a ``redis_client`` is given for
            a manager that already keeps its state elsewhere (see
            :meth:`~netrun_auth.JWTManager.use_redis`), or a provider list is invalid.

    Example::

        from fastapi import FastAPI
        from netrun_auth import JWTManager, RBACManager
        from netrun_auth.dependencies import configure

        app = FastAPI()
        jwt_manager = JWTManager(config, redis_client)
        configure(app, jwt_manager, RBACManager.from_file("roles.yaml"))
    """
    settings = AuthSettings.build(
        jwt_manager,
        redis_client=redis_client,
        config=config,
        rbac_manager=rbac_manager,
        providers=providers,
    )
    setattr(app.state, _STATE_ATTR, settings)
    if install_error_handler and AuthenticationError not in app.exception_handlers:
        app.add_exception_handler(AuthenticationError, auth_exception_handler)


def _registered(conn: HTTPConnection) -> AuthSettings | None:
    app = conn.scope.get("app")
    state = getattr(app, "state", None)
    return getattr(state, _STATE_ATTR, None) if state is not None else None


SCHEME_NAME = "BearerAuth"
_SCHEME_MODEL = HTTPBearerModel(
    bearerFormat="JWT", description="Access token from the login endpoint"
)


async def _context(conn: HTTPConnection) -> AuthContext:
    ctx: AuthContext | None = conn.scope.get(SCOPE_KEY)
    if ctx is not None:  # the middleware (or an earlier dependency) did the work
        return ctx
    settings = _registered(conn)
    if settings is None:
        raise ConfigurationError(
            "netrun_auth: no JWTManager registered; add AuthenticationMiddleware "
            "or call netrun_auth.dependencies.configure(app, jwt_manager)"
        )
    found = AuthContext.now(settings, conn.scope["headers"])
    if isinstance(found, str):  # a token to be awaited
        ctx = AuthContext(settings)
        await ctx.authenticate(found)
    else:
        ctx = found
    conn.scope[SCOPE_KEY] = ctx
    return ctx


class BearerAuth(SecurityBase):
    """A dependency that is also the ``BearerAuth`` HTTP bearer security scheme.

    Every dependency of this module is one of these, so a route using any of them is
    documented as protected in OpenAPI, and each costs FastAPI one dependency call
    (no sub-dependency). Called with the request, it resolves the request's
    :class:`AuthContext` and returns ``resolve(conn, ctx)``; the default returns the
    context itself.
    """

    def __init__(
        self,
        resolve: Callable[[HTTPConnection, AuthContext], Any] | None = None,
        name: str = "bearer_auth",
    ) -> None:
        self.model = _SCHEME_MODEL
        self.scheme_name = SCHEME_NAME
        self._resolve = resolve
        self.__name__ = self.__qualname__ = name

    async def __call__(self, conn: HTTPConnection) -> Any:
        try:
            ctx = conn.scope.get(SCOPE_KEY)
            if ctx is None:
                ctx = await _context(conn)
            if self._resolve is None:
                return ctx
            return self._resolve(conn, ctx)
        except AuthenticationError as exc:
            # Recorded here, where every dependency's refusal passes, so that it is on
            # record even when the app's own exception handler answers it.
            _audit_denial(conn, exc)
            raise

    def __repr__(self) -> str:
        return f"<netrun_auth dependency {self.__name__}>"


def _audit_denial(conn: HTTPConnection, exc: AuthenticationError) -> None:
    """``access_denied`` for ``exc`` (once per request: the middleware skips it then)."""
    ctx: AuthContext | None = conn.scope.get(SCOPE_KEY)
    settings = ctx.settings if ctx is not None else _registered(conn)
    on_event = getattr(getattr(settings, "jwt_manager", None), "on_event", None)
    audit.access_denied(conn.scope, exc, on_event=on_event)


def _not_authenticated() -> AuthenticationError:
    return AuthenticationError("Not authenticated", code=NOT_AUTHENTICATED)


def _user(_conn: HTTPConnection, ctx: AuthContext) -> User:
    if ctx.user is None:
        raise _not_authenticated()
    return ctx.user


def _token(_conn: HTTPConnection, ctx: AuthContext) -> str:
    if ctx.token is None:
        raise _not_authenticated()
    return ctx.token


def _claims(_conn: HTTPConnection, ctx: AuthContext) -> TokenClaims:
    claims = ctx.claims
    if claims is None:
        if ctx.user is not None:  # a provider's token: no claims of this API's own
            raise AuthorizationError(
                "This route needs a token issued by this API", code="own_token_required"
            )
        raise _not_authenticated()
    return claims


bearer_auth = get_auth_context = BearerAuth(name="get_auth_context")
"""The request's :class:`AuthContext` (``user``/``claims``/``token`` ``None`` if anonymous)."""

get_current_user = BearerAuth(_user, "get_current_user")
"""The authenticated :class:`User`; 401 when the request has no valid token."""

get_optional_user = BearerAuth(lambda _conn, ctx: ctx.user, "get_optional_user")
"""The authenticated :class:`User`, or ``None`` for a request without a token (a request
with a bad token is still a 401)."""

get_current_token = BearerAuth(_token, "get_current_token")
"""The raw, validated access token of this request; 401 without one. Makes logout one
line: ``await jwt_manager.logout(token)``."""

get_token_claims = BearerAuth(_claims, "get_token_claims")
"""The validated :class:`TokenClaims` of this request's token; 401 without one."""


def _required(dependency: str, kind: str, values: tuple[str, ...]) -> tuple[str, ...]:
    """``values``, refused when empty: a check with nothing to require would admit anyone."""
    if not values:
        raise ConfigurationError(
            f"{dependency}(): name at least one {kind}; with none it would admit every user "
            "(use get_current_user to require only authentication)"
        )
    for value in values:
        if not isinstance(value, str) or not value:
            raise ConfigurationError(f"{dependency}(): each {kind} must be a non-empty string")
    return values


def require_roles(*roles: str) -> BearerAuth:
    """Dependency: the user must carry at least one of ``roles`` (403 otherwise).

    Returns the :class:`User`.

    Raises:
        ConfigurationError: when declared without a role, or with one that is not a
            non-empty string (when the route is declared).
        AuthenticationError: per request, without a valid token (401,
            ``code="not_authenticated"``, or the token's own error).
        AuthorizationError: per request, when the user has none of ``roles`` (403,
            ``code="insufficient_role"``).

    Example::

        @app.delete("/projects/{project_id}")
        async def delete(project_id: str, user: User = Depends(require_roles("admin", "owner"))):
            ...
    """
    wanted = _required("require_roles", "role", tuple(roles))
    message = "Requires one of the roles: " + ", ".join(wanted)

    def resolve(_conn: HTTPConnection, ctx: AuthContext) -> User:
        user = ctx.user
        if user is None:
            raise _not_authenticated()
        if not user.has_any_role(*wanted):
            raise AuthorizationError(
                message, code="insufficient_role", details={"required_roles": list(wanted)}
            )
        return user

    return BearerAuth(resolve, f"require_roles({', '.join(wanted)})")


def _rbac_manager(conn: HTTPConnection, ctx: AuthContext) -> Any:
    if ctx.settings.rbac_manager is not None:
        return ctx.settings.rbac_manager
    registered = _registered(conn)
    return registered.rbac_manager if registered is not None else None


def _missing_permissions(user: User, wanted: Iterable[str], rbac: Any) -> list[str]:
    # The engine decides (wildcards, and never the cross-tenant permission through
    # one); without an RBAC manager only the token's exact permissions count.
    if rbac is None:
        return [p for p in wanted if p not in user.permissions]
    return [p for p in wanted if not rbac.has_permission(user, p)]


def require_permissions(*permissions: str) -> BearerAuth:
    """Dependency: the user must hold every one of ``permissions`` (403 otherwise).

    A permission is held when the token lists it, or, when an ``RBACManager`` is
    registered (middleware ``rbac_manager=`` or :func:`configure`), when
    ``rbac_manager.has_permission(user, permission)`` says so (role permissions,
    wildcards). Without an RBAC manager only the token's exact permissions count.
    Returns the :class:`User`.

    Raises:
        ConfigurationError: when declared without a permission, or with one that is not
            a non-empty string (when the route is declared).
        AuthenticationError: per request, without a valid token (401).
        AuthorizationError: per request, when a permission is missing (403,
            ``code="insufficient_permissions"``; ``details["missing_permissions"]``
            lists them).

    Example::

        @app.post("/invoices/{invoice_id}/approve")
        async def approve(user: User = Depends(require_permissions("invoices:approve"))):
            ...
    """
    wanted = _required("require_permissions", "permission", tuple(permissions))

    def resolve(conn: HTTPConnection, ctx: AuthContext) -> User:
        user = ctx.user
        if user is None:
            raise _not_authenticated()
        missing = _missing_permissions(user, wanted, _rbac_manager(conn, ctx))
        if missing:
            raise AuthorizationError(
                "Missing permissions: " + ", ".join(missing),
                code="insufficient_permissions",
                details={"missing_permissions": missing},
            )
        return user

    return BearerAuth(resolve, f"require_permissions({', '.join(wanted)})")


def require_scopes(*scopes: str) -> BearerAuth:
    """Dependency: the token must grant every one of ``scopes`` (OAuth 2.0 scopes, the
    ``scp``/``scope`` claim: :attr:`User.scopes`).

    Returns the :class:`User`.

    Raises:
        ConfigurationError: when declared without a scope, or with one that is not a
            non-empty string (when the route is declared).
        AuthenticationError: per request, without a valid token (401).
        AuthorizationError: per request, when a scope is missing (403,
            ``code="insufficient_scope"``; RFC 6750 section 3.1, the challenge names
            the scopes).

    Example::

        @app.get("/files")
        async def files(user: User = Depends(require_scopes("files.read"))):
            ...
    """
    wanted = _required("require_scopes", "scope", tuple(scopes))

    def resolve(_conn: HTTPConnection, ctx: AuthContext) -> User:
        user = ctx.user
        if user is None:
            raise _not_authenticated()
        granted = user.scopes
        missing = [scope for scope in wanted if scope not in granted]
        if missing:
            raise AuthorizationError(
                "Missing scopes: " + ", ".join(missing),
                code="insufficient_scope",
                details={"required_scopes": list(wanted), "missing_scopes": missing},
            )
        return user

    return BearerAuth(resolve, f"require_scopes({', '.join(wanted)})")


def require_organization(param: str = "org_id", *, bypass_roles: Iterable[str] = ()) -> BearerAuth:
    """Dependency for multi-tenant routes: the path parameter ``param`` must be the
    user's ``organization_id`` (403 otherwise; 401 when not authenticated).

    Users with a role assigned in that organization through the registered RBAC
    manager may access it too. Users holding one of ``bypass_roles`` (e.g. a platform
    operator role), or the cross-tenant permission ``organizations:cross_tenant`` (in
    their token, or through the registered RBAC manager; never through a wildcard),
    may access every organization. The engine decides
    (:func:`netrun_auth.rbac.can_access_organization`). Returns the :class:`User`.

    Raises:
        AuthenticationError: per request, without a valid token (401).
        AuthorizationError: per request, when the user may not enter that organization
            (403, ``code="organization_forbidden"``).
        ConfigurationError: per request, when the route has no path parameter ``param``.

    Example::

        @app.get("/orgs/{org_id}/members")
        async def members(org_id: str, user: User = Depends(require_organization("org_id"))):
            ...
    """
    bypass = tuple(bypass_roles)

    def resolve(conn: HTTPConnection, ctx: AuthContext) -> User:
        user = ctx.user
        if user is None:
            raise _not_authenticated()
        try:
            requested = conn.path_params[param]
        except KeyError:
            raise ConfigurationError(
                f"require_organization: the route has no path parameter {param!r}"
            ) from None
        if _cross_tenant(user, str(requested), _rbac_manager(conn, ctx), bypass):
            return user
        raise AuthorizationError("Not a member of this organization", code="organization_forbidden")

    return BearerAuth(resolve, f"require_organization({param})")


def _cross_tenant(
    user: User, organization_id: str, rbac_manager: Any, bypass_roles: tuple[str, ...]
) -> bool:
    # One rule, in the engine: home organization, a role assigned there, a bypass
    # role, or the literal cross-tenant permission (never through a wildcard).
    return can_access_organization(user, organization_id, rbac_manager, bypass_roles=bypass_roles)


CurrentUser = Annotated[User, Depends(get_current_user)]
"""``user: CurrentUser`` in a route is ``user: User = Depends(get_current_user)``."""
OptionalUser = Annotated[User | None, Depends(get_optional_user)]
"""``user: OptionalUser`` in a route is ``Depends(get_optional_user)``."""
CurrentToken = Annotated[str, Depends(get_current_token)]
"""``token: CurrentToken`` in a route is ``Depends(get_current_token)``."""
CurrentClaims = Annotated[TokenClaims, Depends(get_token_claims)]
"""``claims: CurrentClaims`` in a route is ``Depends(get_token_claims)``."""
