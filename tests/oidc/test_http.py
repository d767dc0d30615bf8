"""Over real HTTP (uvicorn process, IdP on loopback): our own tokens and Entra tokens
through one ``get_current_user``, ``require_scopes`` (403 ``insufficient_scope``),
``require_roles`` with app roles, WebSocket, and Swagger's Entra login scheme."""

from __future__ import annotations

import inspect
import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from websockets.exceptions import ConnectionClosed, InvalidStatus
from websockets.sync.client import connect

from netrun_auth import dependencies
from netrun_auth.middleware import AuthenticationMiddleware

from ..http.support import ISSUER, Keys, Server, base_env, start_server, uvicorn_args
from .entra_idp import CLIENT_ID, OTHER_TENANT, TENANT, USER_OID, EntraIdP, new_key, v2_claims
from .entra_idp import Server as IdPServer

HERE = Path(__file__).resolve().parent

routing = pytest.mark.skipif(
    "providers" not in inspect.signature(AuthenticationMiddleware.__init__).parameters
    or not hasattr(dependencies, "require_scopes"),
    reason="needs the middleware's provider routing and require_scopes (helper http10)",
)


@pytest.fixture(scope="module")
def idp() -> Iterator[EntraIdP]:
    server = IdPServer(EntraIdP())
    yield server.idp
    server.close()


def _serve(name: str, idp: EntraIdP, key_files: Keys, log: Path) -> Server:
    env = base_env(
        **key_files.env(),
        NETRUN_AUTH_AZURE_TENANT_ID=TENANT,
        NETRUN_AUTH_AZURE_CLIENT_ID=CLIENT_ID,
        NETRUN_AUTH_AZURE_AUTHORITY_HOST=idp.authority,
        NETRUN_AUTH_AZURE_INSECURE_HTTP_AUTHORITY="true",
    )
    return start_server(uvicorn_args(f"app:{name}", factory=True), cwd=HERE, env=env, log=log)


@pytest.fixture(scope="module")
def mixed(
    idp: EntraIdP, key_files: Keys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Server]:
    if "providers" not in inspect.signature(AuthenticationMiddleware.__init__).parameters:
        pytest.skip("needs the middleware's provider routing (helper http10)")
    server = _serve("mixed_app", idp, key_files, tmp_path_factory.mktemp("oidc") / "mixed.log")
    yield server
    server.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@routing
def test_own_and_entra_tokens_share_get_current_user(
    mixed: Server, idp: EntraIdP, token_factory
) -> None:
    own = token_factory("alice", roles=["Reports.Reader"]).access_token
    with mixed.client() as client:
        mine = client.get("/me", headers=bearer(own))
        assert mine.status_code == 200, mine.text
        assert mine.json()["user_id"] == "alice"
        assert mine.json()["issuer"] in (ISSUER, None)
        for token in (idp.v2(), idp.v1()):
            entra = client.get("/me", headers=bearer(token))
            assert entra.status_code == 200, entra.text
            body = entra.json()
            assert body["user_id"] == USER_OID
            assert body["organization_id"] == TENANT
            assert body["issuer"] != ISSUER
        assert client.get("/reports", headers=bearer(own)).status_code == 200
        assert client.get("/reports", headers=bearer(idp.v2())).status_code == 200
        assert client.get("/reports", headers=bearer(idp.v2(roles=["Other"]))).status_code == 403


@routing
def test_an_entra_token_larger_than_our_own_cap_is_read(mixed: Server, idp: EntraIdP) -> None:
    """Entra tokens with many groups pass 8 KiB (our tokens' cap); the provider's own cap
    (16 KiB) decides for them, ours still decides for our own tokens."""
    big = idp.v2(groups=[f"{i:08d}-0000-0000-0000-000000000000" for i in range(260)])
    assert 8192 < len(big) < 16384
    with mixed.client() as client:
        answer = client.get("/me", headers=bearer(big))
        assert answer.status_code == 200, answer.text
        huge = idp.v2(groups=[f"{i:08d}-0000-0000-0000-000000000000" for i in range(600)])
        refused = client.get("/me", headers=bearer(huge))
        assert refused.status_code == 401 and refused.json()["error"] == "token_too_large"


@routing
def test_unknown_issuers_and_bad_entra_tokens_are_401(mixed: Server, idp: EntraIdP) -> None:
    with mixed.client() as client:
        other_tenant = client.get("/me", headers=bearer(idp.v2(OTHER_TENANT)))
        assert other_tenant.status_code == 401
        assert other_tenant.json()["error"] == "issuer_unknown"
        assert other_tenant.headers["www-authenticate"].startswith("Bearer")
        stranger = idp.token(v2_claims(), key=new_key())
        assert client.get("/me", headers=bearer(stranger)).status_code == 401
        expired = client.get("/me", headers=bearer(idp.v2(exp=1_600_000_000)))
        assert expired.status_code == 401
        assert client.get("/me", headers=bearer(idp.v2(aud="api://other"))).status_code == 401


@routing
def test_require_scopes(mixed: Server, idp: EntraIdP, token_factory) -> None:
    with mixed.client() as client:
        ok = client.get("/files", headers=bearer(idp.v2()))
        assert ok.status_code == 200, ok.text
        assert ok.json()["scopes"] == ["access_as_user", "Files.Read"]
        missing = client.get("/files/write", headers=bearer(idp.v2()))
        assert missing.status_code == 403
        assert missing.json()["error"] == "insufficient_scope"
        own = token_factory("bob").access_token
        assert client.get("/files", headers=bearer(own)).status_code == 403


@routing
def test_websocket_with_an_entra_token(mixed: Server, idp: EntraIdP) -> None:
    with connect(f"{mixed.ws_url}/ws", additional_headers=bearer(idp.v2())) as ws:
        assert json.loads(ws.recv())["user_id"] == USER_OID
    refused = bearer(idp.v2(OTHER_TENANT))
    with (
        pytest.raises((InvalidStatus, ConnectionClosed)),
        connect(f"{mixed.ws_url}/ws", additional_headers=refused) as ws,
    ):
        ws.recv()


@routing
def test_no_jwks_fetch_in_steady_state_over_http(mixed: Server, idp: EntraIdP) -> None:
    with mixed.client() as client:
        client.get("/me", headers=bearer(idp.v2()))
        before = idp.jwks_fetches()
        for i in range(50):
            assert client.get("/me", headers=bearer(idp.v2(uti=f"s{i}"))).status_code == 200
    assert idp.jwks_fetches() == before


def test_swagger_offers_an_entra_login_next_to_bearer(
    idp: EntraIdP, key_files: Keys, tmp_path_factory: pytest.TempPathFactory
) -> None:
    server = _serve("openapi_app", idp, key_files, tmp_path_factory.mktemp("oidc") / "openapi.log")
    try:
        with httpx.Client(base_url=server.url, timeout=10) as client:
            schema = client.get("/openapi.json").json()
            docs = client.get("/docs").text
    finally:
        server.stop()
    schemes = schema["components"]["securitySchemes"]
    assert schemes["bearer"] == {"type": "http", "scheme": "bearer", "bearerFormat": "JWT"}
    flow = schemes["entra"]["flows"]["authorizationCode"]
    assert flow["authorizationUrl"] == f"{idp.authority}/{TENANT}/oauth2/v2.0/authorize"
    assert flow["tokenUrl"] == f"{idp.authority}/{TENANT}/oauth2/v2.0/token"
    assert flow["scopes"] == {f"api://{CLIENT_ID}/access_as_user": "Call the API as you"}
    assert {"entra": [f"api://{CLIENT_ID}/access_as_user"]} in schema["security"]
    assert '"usePkceWithAuthorizationCodeGrant": true' in docs
    assert "00000000-0000-0000-0000-00000000cafe" in docs
