"""Fixtures of the OIDC tests: the Entra-shaped IdP on loopback and providers bound to it."""

from __future__ import annotations

from collections.abc import AsyncIterator, Callable, Iterator
from typing import Any

import httpx
import pytest

from netrun_auth.integrations.azure_ad import AzureADConfig, AzureADProvider

from .entra_idp import CLIENT_ID, TENANT, EntraIdP, Server


@pytest.fixture
def idp() -> Iterator[EntraIdP]:
    server = Server(EntraIdP())
    try:
        yield server.idp
    finally:
        server.close()


@pytest.fixture
def idp_server(idp: EntraIdP) -> Server:
    """The running server of ``idp`` (to stop it mid-test)."""
    return idp._server  # type: ignore[attr-defined,no-any-return]


@pytest.fixture
def azure_config(idp: EntraIdP) -> Callable[..., AzureADConfig]:
    def make(**overrides: Any) -> AzureADConfig:
        values: dict[str, Any] = {
            "tenant_id": TENANT,
            "client_id": CLIENT_ID,
            "authority_host": idp.authority,
            "insecure_http_authority": True,
            "_env_file": None,
        }
        values.update(overrides)
        return AzureADConfig(**values)

    return make


@pytest.fixture
async def make_provider(
    azure_config: Callable[..., AzureADConfig],
) -> AsyncIterator[Callable[..., AzureADProvider]]:
    made: list[AzureADProvider] = []
    clients: list[httpx.AsyncClient] = []

    def make(*, timeout: float = 5.0, **overrides: Any) -> AzureADProvider:
        client = httpx.AsyncClient(timeout=timeout)
        clients.append(client)
        provider = AzureADProvider(azure_config(**overrides), http_client=client)
        made.append(provider)
        return provider

    yield make
    for provider in made:
        await provider.aclose()
    for client in clients:
        await client.aclose()
