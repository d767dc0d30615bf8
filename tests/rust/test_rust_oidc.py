"""The Rust example server with ``--azure``: Entra ID tokens (from the Python suite's
Entra-shaped IdP on loopback) next to our own, routed by ``iss``, configured by the same
``NETRUN_AUTH_AZURE_*`` variables as the Python ``AzureADConfig``; refused WebSocket
upgrades closed with 1008 and the error code, as the Python middleware does."""

from __future__ import annotations

from collections.abc import Callable, Iterator

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from netrun_auth import JWTManager

from ..oidc.entra_idp import CLIENT_ID, OTHER_TENANT, TENANT, USER_OID, EntraIdP, Server
from .conftest import RustServer, python_config

Start = Callable[..., RustServer]


@pytest.fixture
def idp() -> Iterator[EntraIdP]:
    server = Server(EntraIdP())
    try:
        yield server.idp
    finally:
        server.close()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture
def azure_server(rust_server: Start, settings: dict[str, str], idp: EntraIdP) -> RustServer:
    env = {
        **settings,
        "NETRUN_AUTH_AZURE_TENANT_ID": "organizations",
        "NETRUN_AUTH_AZURE_CLIENT_ID": CLIENT_ID,
        "NETRUN_AUTH_AZURE_ALLOWED_TENANTS": TENANT,
        "NETRUN_AUTH_AZURE_AUTHORITY_HOST": idp.authority,
        "NETRUN_AUTH_AZURE_INSECURE_HTTP_AUTHORITY": "true",
    }
    return rust_server(env, "--azure")


async def test_entra_and_our_tokens_through_one_rust_layer(
    azure_server: RustServer, settings: dict[str, str], idp: EntraIdP
) -> None:
    manager = JWTManager(python_config(settings))
    ours = await manager.generate_token_pair("alice", "org-1", ["admin"], [])
    async with azure_server.async_client() as http:
        me = await http.get("/me", headers=bearer(ours.access_token))
        assert me.status_code == 200 and me.json()["user_id"] == "alice"
        for token, issuer in (
            (idp.v2(), f"https://login.microsoftonline.com/{TENANT}/v2.0"),
            (idp.v1(), f"https://sts.windows.net/{TENANT}/"),
        ):
            scoped = await http.get("/scoped", headers=bearer(token))
            assert scoped.status_code == 200, scoped.text
            body = scoped.json()
            assert body["user_id"] == USER_OID
            assert body["organization_id"] == TENANT
            assert body["roles"] == ["Reports.Reader"]
            assert "access_as_user" in body["scopes"]
            assert body["issuer"] == issuer
        # Our own token has no scope: 403 insufficient_scope.
        refused = await http.get("/scoped", headers=bearer(ours.access_token))
        assert refused.status_code == 403
        assert refused.json()["error"] == "insufficient_scope"
        # A tenant that is not allowed; an issuer nobody accepts.
        other = await http.get("/me", headers=bearer(idp.v2(OTHER_TENANT)))
        assert other.status_code == 401
        stranger = idp.v2(iss="https://evil.example.com/")
        unknown = await http.get("/me", headers=bearer(stranger))
        assert (unknown.status_code, unknown.json()["error"]) == (401, "issuer_unknown")
        # Steady state: no JWKS fetch.
        before = idp.jwks_fetches()
        for _ in range(20):
            assert (await http.get("/me", headers=bearer(idp.v2()))).status_code == 200
        assert idp.jwks_fetches() == before
        # Rollover: the new key is fetched once.
        idp.rotate()
        assert (await http.get("/me", headers=bearer(idp.v2()))).status_code == 200
        assert idp.jwks_fetches() == before + 1  # the v2 key set only: that verifier saw the kid
        for _ in range(5):
            assert (await http.get("/me", headers=bearer(idp.v2()))).status_code == 200
        assert idp.jwks_fetches() == before + 1


def close_of(url: str, headers: dict[str, str]) -> tuple[int | None, str | None]:
    with (
        connect(url, additional_headers=headers) as ws,
        pytest.raises(ConnectionClosed) as closed,
    ):
        ws.recv(timeout=5)
    frame = closed.value.rcvd
    return (frame.code, frame.reason) if frame is not None else (None, None)


def test_refused_websockets_are_closed_with_1008_and_the_code(
    azure_server: RustServer, idp: EntraIdP
) -> None:
    url = f"{azure_server.ws_url}/ws"
    assert close_of(url, {}) == (1008, "not_authenticated")
    assert close_of(url, bearer("not.a.token")) == (1008, "token_malformed")
    assert close_of(url, bearer(idp.v2(OTHER_TENANT)))[0] == 1008
    with connect(url, additional_headers=bearer(idp.v2())) as ws:
        assert ws.recv(timeout=5) == f"hello {USER_OID}"
