"""Provider routing (issue 11, interfaces 2-4) over real HTTP: tokens of our own issuer
go to the JWTManager, tokens of a second issuer to the provider that accepts it, any
other issuer is a 401 ``issuer_unknown``. The second issuer is our own engine with
another key (a small provider class in tests/http/apps.py), not a mock."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from netrun_auth import AuthConfig, JWTManager, _core

from .support import AUDIENCE, HERE, ISSUER, Server, base_env, start_server, uvicorn_args

SECOND_ISSUER = "https://second-issuer.test/tenant-1/v2.0"
SECOND_AUDIENCE = "api://second"


@dataclass(frozen=True)
class Issuer:
    """Mints tokens of one issuer with one key, as that issuer would."""

    manager: JWTManager

    def token(self, user_id: str, **claims) -> str:
        pair = asyncio.run(self.manager.generate_token_pair(user_id, **claims))
        return pair.access_token


def _issuer(directory: Path, issuer: str, audience: str) -> tuple[Issuer, dict[str, str]]:
    private, public = _core.generate_key("ed25519")
    directory.mkdir(parents=True, exist_ok=True)
    (directory / "private.pem").write_bytes(private)
    (directory / "public.pem").write_bytes(public)
    config = AuthConfig(
        _env_file=None,
        jwt_issuer=issuer,
        jwt_audience=audience,
        jwt_algorithm="EdDSA",
        jwt_private_key=private.decode(),
        jwt_public_key=public.decode(),
    )
    env = {
        "SECOND_ISSUER": issuer,
        "SECOND_AUDIENCE": audience,
        "SECOND_PRIVATE_KEY_PATH": str(directory / "private.pem"),
        "SECOND_PUBLIC_KEY_PATH": str(directory / "public.pem"),
    }
    return Issuer(JWTManager(config)), env


@pytest.fixture(scope="module")
def second(tmp_path_factory) -> tuple[Issuer, dict[str, str]]:
    return _issuer(tmp_path_factory.mktemp("second"), SECOND_ISSUER, SECOND_AUDIENCE)


@pytest.fixture(scope="module")
def stranger(tmp_path_factory) -> Issuer:
    """An issuer nobody configured."""
    return _issuer(tmp_path_factory.mktemp("third"), "https://stranger.test/", AUDIENCE)[0]


@pytest.fixture(scope="module")
def forger(tmp_path_factory) -> Issuer:
    """Signs with its own key but claims to be the second issuer."""
    return _issuer(tmp_path_factory.mktemp("forger"), SECOND_ISSUER, SECOND_AUDIENCE)[0]


@pytest.fixture(scope="module", params=["providers_app", "providers_configured_app"])
def server(request, key_files, second, tmp_path_factory) -> Server:
    env = base_env(**key_files.env(), **second[1])
    log = tmp_path_factory.mktemp("providers") / "uvicorn.log"
    app = f"apps:{request.param}"
    started = start_server(uvicorn_args(app, factory=True), cwd=HERE, env=env, log=log)
    yield started
    started.stop()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_own_tokens_go_to_the_manager(server, token_factory):
    token = token_factory("ours", extra_claims={"scope": "files.read files.write"}).access_token
    with server.client() as c:
        who = c.get("/who", headers=bearer(token)).json()
        assert who == {
            "user_id": "ours",
            "issuer": ISSUER,
            "scopes": ["files.read", "files.write"],
        }
        assert c.get("/claims", headers=bearer(token)).json() == {"sub": "ours"}


def test_a_second_issuers_tokens_go_to_its_provider(server, second):
    token = second[0].token("theirs", roles=["admin"], extra_claims={"scp": "files.read"})
    with server.client() as c:
        who = c.get("/who", headers=bearer(token)).json()
        assert who == {"user_id": "theirs", "issuer": SECOND_ISSUER, "scopes": ["files.read"]}
        # The other dependencies work for every issuer.
        assert c.get("/admin", headers=bearer(token)).json() == {"user_id": "theirs"}
        assert c.get("/files", headers=bearer(token)).status_code == 200
        # TokenClaims describe this API's own tokens only.
        claims = c.get("/claims", headers=bearer(token))
        assert claims.status_code == 403
        assert claims.json()["error"] == "own_token_required"


def test_an_unknown_issuer_is_refused(server, stranger):
    with server.client() as c:
        response = c.get("/who", headers=bearer(stranger.token("x")))
    assert response.status_code == 401
    assert response.json()["error"] == "issuer_unknown"
    assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


def test_routing_by_iss_grants_nothing_by_itself(server, forger, stranger):
    """The peeked ``iss`` only chooses the verifier; the verifier checks the signature."""
    with server.client() as c:
        forged = c.get("/who", headers=bearer(forger.token("mallory")))
        assert forged.status_code == 401
        assert forged.json()["error"] != "issuer_unknown"
        # Garbage and tokens without a readable iss go to the manager, which says why.
        for token in ("abc.def.ghi", "not-a-jwt"):
            response = c.get("/who", headers=bearer(token))
            assert response.status_code == 401
            assert response.json()["error"].startswith("token_")


def test_require_scopes(server, second, token_factory):
    with server.client() as c:
        for token in (
            second[0].token("a", extra_claims={"scp": "files.write"}),
            second[0].token("b"),
            token_factory("c").access_token,
        ):
            denied = c.get("/files", headers=bearer(token))
            assert denied.status_code == 403
            body = denied.json()
            assert body["error"] == "insufficient_scope"
            assert body["details"]["missing_scopes"] == ["files.read"]
            challenge = denied.headers["www-authenticate"]
            assert challenge.startswith('Bearer error="insufficient_scope"')
            assert challenge.endswith(', scope="files.read"')
        assert c.get("/files").status_code == 401
        own = token_factory("d", extra_claims={"scope": "files.read"}).access_token
        assert c.get("/files", headers=bearer(own)).json() == {"user_id": "d"}


def test_websocket_with_a_providers_token(server, second, stranger):
    token = second[0].token("ws-user")
    with connect(f"{server.ws_url}/ws", additional_headers=bearer(token)) as ws:
        assert json.loads(ws.recv(timeout=5)) == {"user_id": "ws-user", "issuer": SECOND_ISSUER}
    with (
        connect(f"{server.ws_url}/ws", additional_headers=bearer(stranger.token("x"))) as ws,
        pytest.raises(ConnectionClosed) as closed,
    ):
        ws.recv(timeout=5)
    assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "issuer_unknown")


@pytest.mark.parametrize("test_app_server", ["default_app"], indirect=True)
def test_without_providers_no_issuer_routing(test_app_server, stranger):
    """Without providers the manager sees every token: a foreign issuer is just invalid."""
    with test_app_server.client() as c:
        response = c.get("/me", headers=bearer(stranger.token("x")))
    assert response.status_code == 401
    assert response.json()["error"] != "issuer_unknown"
