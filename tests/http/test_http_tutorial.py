"""Every flow of the tutorial, over real HTTP, against the ``netrun-auth demo`` server
(the tutorial app with the in-memory store) and against ``examples/tutorial`` served by
uvicorn as its README says (Redis store)."""

from __future__ import annotations

import json

import httpx
import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from .support import EXAMPLES, Server, base_env, console_script, start_server, uvicorn_args

USER = {"email": "demo@example.com", "password": "password"}
ADMIN = {"email": "admin@example.com", "password": "admin"}


@pytest.fixture(scope="module", params=["demo", "tutorial-example"])
def server(request, key_files, tmp_path_factory) -> Server:
    log = tmp_path_factory.mktemp("tutorial") / f"{request.param}.log"
    if request.param == "demo":
        args = [console_script(), "demo", "--log-level", "warning"]
        srv = start_server(args, cwd=log.parent, env=base_env(), log=log)
    else:
        redis_url = request.getfixturevalue("redis_url")
        env = base_env(**key_files.env(), NETRUN_AUTH_REDIS_URL=redis_url)
        srv = start_server(uvicorn_args("main:app"), cwd=EXAMPLES / "tutorial", env=env, log=log)
    yield srv
    srv.stop()


@pytest.fixture
def client(server: Server):
    with server.client() as c:
        yield c


def login(client: httpx.Client, who: dict) -> dict:
    response = client.post("/auth/login", json=who)
    assert response.status_code == 200, response.text
    return response.json()


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def test_login_returns_a_token_pair(client):
    pair = login(client, USER)
    assert pair["token_type"] == "Bearer"
    assert pair["access_token"] and pair["refresh_token"]
    assert pair["expires_in"] > 0


def test_wrong_password_is_401(client):
    response = client.post("/auth/login", json={**USER, "password": "nope"})
    assert response.status_code == 401


def test_me(client):
    pair = login(client, USER)
    response = client.get("/me", headers=bearer(pair["access_token"]))
    assert response.status_code == 200
    body = response.json()
    assert body["user_id"] == "user123"
    assert body["organization_id"] == "org456"
    assert body["roles"] == ["user"]


def test_me_without_token_is_401_with_bearer_challenge(client):
    response = client.get("/me")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"
    assert response.json()["error"] == "not_authenticated"


def test_admin_route_forbidden_for_user_allowed_for_admin(client):
    user = login(client, USER)["access_token"]
    admin = login(client, ADMIN)["access_token"]
    denied = client.get("/admin", headers=bearer(user))
    assert denied.status_code == 403
    assert 'error="insufficient_scope"' in denied.headers["www-authenticate"]
    assert denied.json()["status_code"] == 403
    allowed = client.get("/admin", headers=bearer(admin))
    assert allowed.status_code == 200
    assert allowed.json() == {"message": "Admin access for admin1"}


def test_permission_route(client):
    user = login(client, USER)["access_token"]
    admin = login(client, ADMIN)["access_token"]
    denied = client.delete("/users/42", headers=bearer(user))
    assert denied.status_code == 403
    assert "users:delete" in denied.json()["message"]
    allowed = client.delete("/users/42", headers=bearer(admin))
    assert allowed.status_code == 200
    assert allowed.json()["message"] == "Deleted user 42"


def test_organization_route(client):
    token = login(client, USER)["access_token"]
    own = client.get("/organizations/org456/data", headers=bearer(token))
    assert own.status_code == 200
    assert own.json() == {"org_id": "org456", "data": []}
    other = client.get("/organizations/org789/data", headers=bearer(token))
    assert other.status_code == 403
    assert 'error="insufficient_scope"' in other.headers["www-authenticate"]


def test_refresh_rotates_and_reuse_is_rejected(client):
    first = login(client, USER)
    second = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert second.status_code == 200, second.text
    second = second.json()
    assert second["refresh_token"] != first["refresh_token"]
    assert client.get("/me", headers=bearer(second["access_token"])).status_code == 200

    reuse = client.post("/auth/refresh", json={"refresh_token": first["refresh_token"]})
    assert reuse.status_code == 401
    assert 'error="invalid_token"' in reuse.headers["www-authenticate"]
    assert reuse.json()["error"] == "token_reuse"
    # Reuse revoked the whole session: the rotated refresh token is dead too.
    again = client.post("/auth/refresh", json={"refresh_token": second["refresh_token"]})
    assert again.status_code == 401


def test_access_token_is_not_a_refresh_token(client):
    pair = login(client, USER)
    response = client.post("/auth/refresh", json={"refresh_token": pair["access_token"]})
    assert response.status_code == 401
    response = client.get("/me", headers=bearer(pair["refresh_token"]))
    assert response.status_code == 401


def test_logout_revokes_the_access_token(client):
    pair = login(client, USER)
    headers = bearer(pair["access_token"])
    assert client.get("/me", headers=headers).status_code == 200
    out = client.post("/auth/logout", headers=headers)
    assert out.status_code == 200
    after = client.get("/me", headers=headers)
    assert after.status_code == 401
    assert after.json()["error"] == "token_revoked"
    assert 'error="invalid_token"' in after.headers["www-authenticate"]
    # ...and the session's refresh token is revoked with it.
    refresh = client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]})
    assert refresh.status_code == 401
    # Another login is a new session and works.
    assert client.get("/me", headers=bearer(login(client, USER)["access_token"])).status_code == 200


def test_health_is_public_even_with_a_bad_token(client):
    response = client.get("/health", headers=bearer("not-a-token"))
    assert response.status_code == 200


def test_websocket_accepted(server, client):
    token = login(client, USER)["access_token"]
    with connect(f"{server.ws_url}/ws", additional_headers=bearer(token)) as ws:
        assert json.loads(ws.recv(timeout=5)) == {"user_id": "user123"}
        ws.send("ping")
        assert ws.recv(timeout=5) == "ping"


def test_websocket_with_bad_token_closed_with_1008(server):
    headers = {"Authorization": "Bearer not-a-token"}
    with (
        connect(f"{server.ws_url}/ws", additional_headers=headers) as ws,
        pytest.raises(ConnectionClosed) as closed,
    ):
        ws.recv(timeout=5)
    assert closed.value.rcvd.code == 1008


def test_websocket_without_token_rejected(server):
    with connect(f"{server.ws_url}/ws") as ws, pytest.raises(ConnectionClosed) as closed:
        ws.recv(timeout=5)
    assert closed.value.rcvd.code == 1008
    assert closed.value.rcvd.reason == "not_authenticated"


def test_openapi_declares_the_bearer_scheme(client):
    spec = client.get("/openapi.json").json()
    scheme = spec["components"]["securitySchemes"]["BearerAuth"]
    assert scheme["type"] == "http"
    assert scheme["scheme"] == "bearer"
    assert spec["paths"]["/me"]["get"]["security"] == [{"BearerAuth": []}]
    assert "security" not in spec["paths"]["/health"]["get"]


# Issue 10, defect 1: a lone surrogate ("\ud800", legal JSON) in a password or a token
# is a failed login / a bad token (401), never a 500; known and unknown emails answer alike.

JSON = {"content-type": "application/json"}


@pytest.mark.parametrize("email", [USER["email"], "nobody@example.com"])
@pytest.mark.parametrize("password", ["\\ud800", "password\\udfff", "\\udbff\\udc00x\\ud800"])
def test_lone_surrogate_password_is_401_for_known_and_unknown_users(client, email, password):
    body = f'{{"email": "{email}", "password": "{password}"}}'
    assert "\\ud" in body  # sent as a JSON escape: the server decodes a lone surrogate
    response = client.post("/auth/login", content=body.encode(), headers=JSON)
    assert response.status_code == 401, response.text


def test_lone_surrogate_refresh_token_is_401(client):
    pair = login(client, USER)
    for token in ("\\ud800", pair["refresh_token"] + "\\ud800", "a.\\udfff.c"):
        body = f'{{"refresh_token": "{token}"}}'
        response = client.post("/auth/refresh", content=body.encode(), headers=JSON)
        assert response.status_code == 401, response.text
        assert response.json()["error"] == "token_malformed"
    # The real refresh token was not spent by the bad attempts.
    assert client.post("/auth/refresh", json={"refresh_token": pair["refresh_token"]}).is_success
