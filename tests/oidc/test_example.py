"""``examples/azure-ad`` over real HTTP, against the Entra-shaped IdP on loopback."""

from __future__ import annotations

import inspect
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from netrun_auth import dependencies
from netrun_auth.middleware import AuthenticationMiddleware

from ..http.support import EXAMPLES, Keys, Server, base_env, start_server, uvicorn_args
from .entra_idp import CLIENT_ID, TENANT, USER_OID, EntraIdP
from .entra_idp import Server as IdPServer

pytestmark = pytest.mark.skipif(
    "providers" not in inspect.signature(AuthenticationMiddleware.__init__).parameters
    or not hasattr(dependencies, "require_scopes"),
    reason="needs the middleware's provider routing and require_scopes (helper http10)",
)


@pytest.fixture(scope="module")
def example(
    key_files: Keys, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[Server, EntraIdP]]:
    idp_server = IdPServer(EntraIdP())
    work = tmp_path_factory.mktemp("azure-ad")
    shutil.copy(EXAMPLES / "azure-ad" / "main.py", work / "main.py")
    env = base_env(
        **key_files.env(),
        NETRUN_AUTH_AZURE_TENANT_ID=TENANT,
        NETRUN_AUTH_AZURE_CLIENT_ID=CLIENT_ID,
        NETRUN_AUTH_AZURE_AUTHORITY_HOST=idp_server.idp.authority,
        NETRUN_AUTH_AZURE_INSECURE_HTTP_AUTHORITY="true",
    )
    server = start_server(uvicorn_args("main:app"), cwd=work, env=env, log=Path(work / "log"))
    yield server, idp_server.idp
    server.stop()
    idp_server.close()


def test_entra_and_own_tokens(example: tuple[Server, EntraIdP], token_factory) -> None:
    server, idp = example
    fetched_at_start = idp.jwks_fetches()
    assert fetched_at_start == 2  # the lifespan fetched both key sets
    with server.client() as client:
        me = client.get("/me", headers={"Authorization": f"Bearer {idp.v2()}"})
        assert me.status_code == 200, me.text
        assert me.json()["user_id"] == USER_OID
        assert me.json()["tenant"] == TENANT
        docs = client.get("/documents", headers={"Authorization": f"Bearer {idp.v1()}"})
        assert docs.status_code == 200, docs.text
        no_scope = client.get(
            "/documents", headers={"Authorization": f"Bearer {idp.v2(scp='Files.Read')}"}
        )
        assert no_scope.status_code == 403
        assert no_scope.json()["error"] == "insufficient_scope"
        own = token_factory("alice", roles=["Reports.Reader"]).access_token
        assert client.get("/reports", headers={"Authorization": f"Bearer {own}"}).status_code == 200
        assert "entra" in client.get("/openapi.json").json()["components"]["securitySchemes"]
    assert idp.jwks_fetches() == fetched_at_start
