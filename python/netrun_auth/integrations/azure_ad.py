"""Microsoft Entra ID (Azure AD) access tokens, next to your own.

:class:`AzureADProvider` is an :class:`~netrun_auth.oidc.OIDCProvider` for Entra: it reads
both discovery documents of the authority (v2.0 tokens, issuer
``https://login.microsoftonline.com/{tid}/v2.0``, and v1.0 tokens, issuer
``https://sts.windows.net/{tid}/``), takes issuers and JWKS locations from them (never
hard-coded, so sovereign clouds and External ID hosts are just another
``authority_host``), and maps a token to a :class:`~netrun_auth.types.User`: ``user_id`` is
``oid``, ``organization_id`` is ``tid``, ``roles`` are app roles, ``scopes`` come from ``scp``.

Multi-tenant (``tenant_id`` ``common`` or ``organizations``): the issuer is a ``{tenantid}``
template filled from the token's ``tid``, which must be a GUID in ``allowed_tenants`` (``*``
must be spelled out to accept any tenant); the signing key's own ``issuer`` property must
match too. Guests (``acct == 1``, or an ``idp`` other than ``iss``) follow ``allow_guests``.
"""

from __future__ import annotations

from typing import Annotated, Any

import httpx
from pydantic import Field, ValidationError, field_validator, model_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

from ..exceptions import ConfigurationError
from ..oidc import OIDCConfig, OIDCProvider, _Issuer

__all__ = ["AzureADConfig", "AzureADProvider"]

_MULTI_TENANT = ("common", "organizations")
_CommaList = Annotated[list[str], NoDecode]


def _is_guid(text: str) -> bool:
    parts = text.split("-")
    return [len(p) for p in parts] == [8, 4, 4, 4, 12] and all(
        c in "0123456789abcdefABCDEF" for p in parts for c in p
    )


class AzureADConfig(BaseSettings):
    """Entra ID settings: keyword arguments, then ``NETRUN_AUTH_AZURE_<NAME>`` variables, then ``.env``.

    Raises:
        ConfigurationError: a setting is missing or wrong (the message names it), e.g. a
            multi-tenant ``tenant_id`` without ``allowed_tenants``, or a non-GUID tenant.

    Example::

        config = AzureADConfig(tenant_id="72f988bf-86f1-41af-91ab-2d7cd011db47",
                               client_id="6e74172b-be56-4843-9ff4-e66a39bb12e3")
    """

    model_config = SettingsConfigDict(
        env_prefix="NETRUN_AUTH_AZURE_",
        env_file=".env",
        env_file_encoding="utf-8",
        extra="ignore",
        validate_default=True,
    )

    tenant_id: str = Field(
        description="Directory (tenant) GUID, or `common` / `organizations` for multi-tenant"
    )
    client_id: str = Field(description="Application (client) id of the API's app registration")
    allowed_tenants: _CommaList = Field(
        default_factory=list,
        description="Multi-tenant only (required): tenant GUIDs accepted, or `*` for any tenant",
    )
    audiences: _CommaList = Field(
        default_factory=list,
        description="Accepted `aud` values; default `<client_id>` and `api://<client_id>`",
    )
    authority_host: str = Field(
        default="https://login.microsoftonline.com",
        description="Authority; sovereign clouds and External ID hosts are other values",
    )
    insecure_http_authority: bool = Field(
        default=False, description="Allow an `http://` authority (loopback tests only)"
    )
    jwks_refetch_cooldown_seconds: float = Field(
        default=300.0, ge=0, description="Least time between JWKS fetches caused by unknown key ids"
    )
    allow_guests: bool = Field(
        default=False, description="Accept guest users (`acct == 1`, or an `idp` other than `iss`)"
    )

    def __init__(self, **values: Any) -> None:
        try:
            super().__init__(**values)
        except ValidationError as exc:
            problems = [
                f"{'.'.join(str(p) for p in e['loc']) or 'configuration'}: {e['msg']}"
                for e in exc.errors(include_input=False, include_url=False)
            ]
            raise ConfigurationError("; ".join(problems)) from None

    @field_validator("allowed_tenants", "audiences", mode="before")
    @classmethod
    def _split_commas(cls, value: Any) -> Any:
        if isinstance(value, str):
            return [part.strip() for part in value.split(",") if part.strip()]
        return value

    @field_validator("tenant_id")
    @classmethod
    def _tenant(cls, value: str) -> str:
        if value.lower() in _MULTI_TENANT:
            return value.lower()
        if not _is_guid(value):
            raise ValueError("must be a tenant GUID, or 'common' / 'organizations'")
        return value.lower()

    @field_validator("client_id")
    @classmethod
    def _client(cls, value: str) -> str:
        if not _is_guid(value):
            raise ValueError("must be the application (client) id, a GUID")
        return value.lower()

    @field_validator("authority_host")
    @classmethod
    def _authority(cls, value: str) -> str:
        return value.rstrip("/")

    @model_validator(mode="after")
    def _consistent(self) -> AzureADConfig:
        if not self.authority_host.startswith("https://") and not (
            self.insecure_http_authority and self.authority_host.startswith("http://")
        ):
            raise ValueError(
                "authority_host must be an https URL (insecure_http_authority allows http for tests)"
            )
        if self.is_multi_tenant:
            if not self.allowed_tenants:
                raise ValueError(
                    "allowed_tenants is required for a multi-tenant app: list the tenant GUIDs, "
                    "or '*' to accept any tenant"
                )
            if "*" in self.allowed_tenants and len(self.allowed_tenants) > 1:
                raise ValueError("allowed_tenants: '*' cannot be combined with tenant GUIDs")
            if "*" not in self.allowed_tenants and not all(map(_is_guid, self.allowed_tenants)):
                raise ValueError("allowed_tenants: each tenant must be a GUID (or exactly '*')")
        elif self.allowed_tenants and [t.lower() for t in self.allowed_tenants] != [self.tenant_id]:
            raise ValueError("allowed_tenants: a single-tenant app accepts only its tenant_id")
        return self

    @property
    def is_multi_tenant(self) -> bool:
        """Whether ``tenant_id`` is ``common`` or ``organizations``."""
        return self.tenant_id in _MULTI_TENANT

    @property
    def accepted_audiences(self) -> list[str]:
        """``audiences``, or by default ``client_id`` (v2.0) and ``api://client_id`` (v1.0)."""
        return list(self.audiences) or [self.client_id, f"api://{self.client_id}"]

    @property
    def authorization_url(self) -> str:
        """The v2.0 authorization endpoint (Swagger UI's login)."""
        return f"{self.authority_host}/{self.tenant_id}/oauth2/v2.0/authorize"

    @property
    def token_url(self) -> str:
        """The v2.0 token endpoint."""
        return f"{self.authority_host}/{self.tenant_id}/oauth2/v2.0/token"

    def __repr__(self) -> str:
        return (
            f"AzureADConfig(tenant_id={self.tenant_id!r}, client_id={self.client_id!r}, "
            f"authority_host={self.authority_host!r})"
        )


class AzureADProvider(OIDCProvider):
    """Validates Entra ID v1.0 and v2.0 access tokens of one app registration."""

    def __init__(
        self, config: AzureADConfig, *, http_client: httpx.AsyncClient | None = None
    ) -> None:
        self.azure = config
        tenants = ["*"] if "*" in config.allowed_tenants else list(config.allowed_tenants)
        if not config.is_multi_tenant:
            tenants = [config.tenant_id]
        self._tenants = tenants
        v2_discovery = (
            f"{config.authority_host}/{config.tenant_id}/v2.0/.well-known/openid-configuration"
        )
        super().__init__(
            OIDCConfig(
                issuer=v2_discovery,
                audiences=config.accepted_audiences,
                discovery_url=v2_discovery,
                allowed_tenants=tenants,
                allow_guests=config.allow_guests,
                jwks_refetch_cooldown_seconds=config.jwks_refetch_cooldown_seconds,
                user_id_claim="oid",
                organization_claim="tid",
                insecure_http=config.insecure_http_authority,
                accepted_types=["JWT"],
            ),
            http_client=http_client,
        )

    def _make_issuers(self) -> list[_Issuer]:
        base = f"{self.azure.authority_host}/{self.azure.tenant_id}"
        return [
            _Issuer(
                discovery_url=url,
                expected_issuer=None,  # from the discovery document (a template when multi-tenant)
                audiences=self.azure.accepted_audiences,
                config=self.config,
                allowed_tenants=self._tenants,
                allow_guests=self.azure.allow_guests,
                allow_http=self.azure.insecure_http_authority,
            )
            for url in (
                f"{base}/v2.0/.well-known/openid-configuration",
                f"{base}/.well-known/openid-configuration",
            )
        ]

    def _check_discovery(self, issuer: _Issuer, document: dict[str, str | None]) -> None:
        issuer_url = document["issuer"] or ""
        if self.azure.is_multi_tenant:
            if "{tenantid}" not in issuer_url:
                raise ConfigurationError(
                    "discovery: a multi-tenant authority's issuer must be a {tenantid} template"
                )
        elif self.azure.tenant_id not in issuer_url.lower():
            raise ConfigurationError("discovery: the issuer does not name the configured tenant")

    def _accepts_before_discovery(self, issuer: str) -> bool:
        # Routing only, before the discovery documents are read: an issuer naming an
        # accepted tenant is probably ours; validate_token then checks it exactly.
        lowered = issuer.lower()
        if self._tenants == ["*"]:
            return any(_is_guid(part) for part in lowered.split("/"))
        return any(tenant in lowered for tenant in self._tenants)
