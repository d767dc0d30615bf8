"""Swagger UI login with an identity provider: an OAuth2 authorization-code scheme (PKCE).

:func:`add_oauth2_scheme` adds, next to the bearer scheme of your own tokens, an
``oauth2`` security scheme whose authorization-code flow points at the provider, and
tells Swagger UI to use PKCE, so its *Authorize* button signs in with the provider and
sends the access token it gets. Nothing is validated here: the token travels to the API
like any other and is checked by the middleware.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from fastapi import FastAPI

    from .azure_ad import AzureADConfig

__all__ = ["add_entra_scheme", "add_oauth2_scheme"]


def add_oauth2_scheme(
    app: FastAPI,
    *,
    name: str,
    authorization_url: str,
    token_url: str,
    scopes: Mapping[str, str],
    client_id: str | None = None,
    bearer_name: str = "bearer",
) -> None:
    """Add the ``name`` OAuth2 (authorization code) scheme to ``app``'s OpenAPI document.

    ``scopes``: scope -> description, offered in the login dialog. ``client_id``: the app
    registration Swagger UI signs in as (a public client, "single-page application",
    with the docs page as redirect URI: ``<server>/docs/oauth2-redirect``).
    Either scheme satisfies the document's top-level ``security``.
    """
    build = app.openapi

    def openapi() -> dict[str, Any]:
        if app.openapi_schema:
            return app.openapi_schema
        schema = build()
        schemes = schema.setdefault("components", {}).setdefault("securitySchemes", {})
        schemes.setdefault(bearer_name, {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"})
        schemes[name] = {
            "type": "oauth2",
            "description": "Sign in with the identity provider (authorization code with PKCE)",
            "flows": {
                "authorizationCode": {
                    "authorizationUrl": authorization_url,
                    "tokenUrl": token_url,
                    "scopes": dict(scopes),
                }
            },
        }
        security = schema.setdefault("security", [{bearer_name: []}])
        security.append({name: list(scopes)})
        app.openapi_schema = schema
        return schema

    app.openapi = openapi  # type: ignore[method-assign]
    init = dict(app.swagger_ui_init_oauth or {})
    init.setdefault("usePkceWithAuthorizationCodeGrant", True)
    init.setdefault("scopes", " ".join(scopes))
    if client_id is not None:
        init.setdefault("clientId", client_id)
    app.swagger_ui_init_oauth = init


def add_entra_scheme(
    app: FastAPI,
    config: AzureADConfig,
    *,
    scopes: Mapping[str, str] | None = None,
    swagger_client_id: str | None = None,
    name: str = "entra",
) -> None:
    """:func:`add_oauth2_scheme` for Entra ID: the v2.0 endpoints of ``config``'s authority.

    ``scopes`` default to ``api://<client_id>/access_as_user``.
    """
    offered = scopes or {f"api://{config.client_id}/access_as_user": "Call the API as you"}
    add_oauth2_scheme(
        app,
        name=name,
        authorization_url=config.authorization_url,
        token_url=config.token_url,
        scopes=offered,
        client_id=swagger_client_id,
    )
