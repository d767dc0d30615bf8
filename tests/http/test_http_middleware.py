"""Middleware and dependency behaviour over real HTTP, on the small apps of apps.py."""

from __future__ import annotations

import json

import pytest
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


def _param(*names: str):
    return pytest.mark.parametrize("test_app_server", names, indirect=True)


# --- the same dependency behaviour with the middleware and without it (configure()) ---


@_param("default_app", "configured_app", "cookie_app")
class TestDependencies:
    def test_current_user(self, test_app_server, token_factory):
        pair = token_factory("alice")
        with test_app_server.client() as c:
            assert c.get("/me", headers=bearer(pair.access_token)).json() == {"user_id": "alice"}
            missing = c.get("/me")
            assert missing.status_code == 401
            assert missing.headers["www-authenticate"] == "Bearer"
            assert missing.json() == {
                "error": "not_authenticated",
                "message": "Not authenticated",
                "status_code": 401,
            }

    def test_optional_user(self, test_app_server, token_factory):
        pair = token_factory("alice")
        with test_app_server.client() as c:
            assert c.get("/optional").json() == {"user_id": None}
            assert c.get("/optional", headers=bearer(pair.access_token)).json() == {
                "user_id": "alice"
            }
            # A bad token is not "anonymous": it is rejected.
            assert c.get("/optional", headers=bearer("x.y.z")).status_code == 401

    def test_token_claims(self, test_app_server, token_factory):
        pair = token_factory("alice")
        with test_app_server.client() as c:
            body = c.get("/claims", headers=bearer(pair.access_token)).json()
            assert body["sub"] == "alice" and body["type"] == "access" and body["jti"]
            assert c.get("/claims").status_code == 401

    def test_roles_any_of(self, test_app_server, token_factory):
        with test_app_server.client() as c:
            for roles, status in [(["user"], 403), (["owner"], 200), (["user", "admin"], 200)]:
                token = token_factory("bob", roles=roles).access_token
                assert c.get("/admin", headers=bearer(token)).status_code == status, roles
            assert c.get("/admin").status_code == 401
            denied = c.get("/admin", headers=bearer(token_factory("bob").access_token))
            assert denied.json()["error"] == "insufficient_role"
            assert denied.headers["www-authenticate"].startswith(
                'Bearer error="insufficient_scope"'
            )

    def test_permissions_all_of(self, test_app_server, token_factory):
        with test_app_server.client() as c:
            one = token_factory("bob", permissions=["projects:read"]).access_token
            both = token_factory(
                "bob", permissions=["projects:read", "projects:write"]
            ).access_token
            denied = c.get("/both-permissions", headers=bearer(one))
            assert denied.status_code == 403
            assert denied.json()["details"] == {"missing_permissions": ["projects:write"]}
            assert c.get("/both-permissions", headers=bearer(both)).status_code == 200
            assert c.get("/both-permissions").status_code == 401

    def test_organization(self, test_app_server, token_factory):
        with test_app_server.client() as c:
            member = token_factory("bob", organization_id="acme").access_token
            no_org = token_factory("bob").access_token
            operator = token_factory("op", organization_id="other", roles=["operator"])
            assert c.get("/orgs/acme", headers=bearer(member)).status_code == 200
            assert c.get("/orgs/globex", headers=bearer(member)).status_code == 403
            assert c.get("/orgs/acme", headers=bearer(no_org)).status_code == 403
            assert c.get("/orgs/acme").status_code == 401
            assert c.get("/orgs/acme", headers=bearer(operator.access_token)).status_code == 403
            ok = c.get("/any-org/acme", headers=bearer(operator.access_token))
            assert ok.status_code == 200

    def test_logout_in_one_line(self, test_app_server, token_factory):
        pair = token_factory("carol")
        with test_app_server.client() as c:
            assert c.post("/logout", headers=bearer(pair.access_token)).status_code == 200
            after = c.get("/me", headers=bearer(pair.access_token))
            assert after.status_code == 401
            assert after.json()["error"] == "token_revoked"
            assert c.post("/logout").status_code == 401

    def test_error_raised_by_a_route_is_answered_not_500(self, test_app_server):
        with test_app_server.client() as c:
            response = c.get("/route-raises")
            assert response.status_code == 401
            assert response.json()["error"] == "token_revoked"
            assert 'error="invalid_token"' in response.headers["www-authenticate"]

    def test_websocket(self, test_app_server, token_factory):
        token = token_factory("dave").access_token
        with connect(f"{test_app_server.ws_url}/ws", additional_headers=bearer(token)) as ws:
            assert json.loads(ws.recv(timeout=5)) == {"user_id": "dave"}
        with connect(f"{test_app_server.ws_url}/ws-open") as ws:
            assert json.loads(ws.recv(timeout=5)) == {"user_id": None}
        for headers in ({}, bearer("bad")):
            with (
                connect(f"{test_app_server.ws_url}/ws", additional_headers=headers) as ws,
                pytest.raises(ConnectionClosed) as closed,
            ):
                ws.recv(timeout=5)
            assert closed.value.rcvd.code == 1008
        with (
            connect(f"{test_app_server.ws_url}/ws-late-error") as ws,
            pytest.raises(ConnectionClosed) as closed,
        ):
            ws.recv(timeout=5)
        assert (closed.value.rcvd.code, closed.value.rcvd.reason) == (1008, "token_revoked")

    def test_openapi_bearer_scheme(self, test_app_server):
        with test_app_server.client() as c:
            spec = c.get("/openapi.json").json()
        assert spec["components"]["securitySchemes"] == {
            "BearerAuth": {
                "type": "http",
                "scheme": "bearer",
                "bearerFormat": "JWT",
                "description": "Access token from the login endpoint",
            }
        }
        assert spec["paths"]["/admin"]["get"]["security"] == [{"BearerAuth": []}]
        assert spec["paths"]["/optional"]["get"]["security"] == [{"BearerAuth": []}]


# --- middleware specifics ---


@_param("default_app")
class TestMiddleware:
    def test_starlette_conventions(self, test_app_server, token_factory):
        pair = token_factory("erin", permissions=["a:read"])
        with test_app_server.client() as c:
            anonymous = c.get("/starlette").json()
            assert anonymous["user"] is None
            assert anonymous["is_authenticated"] is False
            assert anonymous["scopes"] == []
            assert anonymous["state_user"] is None
            body = c.get("/starlette", headers=bearer(pair.access_token)).json()
        assert body["user"] == "erin"
        assert body["scopes"] == ["authenticated", "a:read"]
        assert body["state_user"] == "erin"
        assert body["auth_claims_jti"] is not None
        assert body["auth_token_is_bearer"] is True

    def test_bad_token_rejected_by_middleware_even_on_unprotected_route(self, test_app_server):
        with test_app_server.client() as c:
            response = c.get("/optional", headers=bearer("abc.def.ghi"))
        assert response.status_code == 401
        assert response.json()["error"].startswith("token_")
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
        assert response.headers["cache-control"] == "no-store"

    def test_public_paths_and_prefixes_let_bad_tokens_through(self, test_app_server, token_factory):
        with test_app_server.client() as c:
            assert c.get("/health", headers=bearer("bad")).status_code == 200
            assert c.get("/openapi.json", headers=bearer("bad")).status_code == 200
            assert c.get("/open/page", headers=bearer("bad")).json() == {"user_id": None}
            good = token_factory("frank").access_token
            assert c.get("/open/page", headers=bearer(good)).json() == {"user_id": "frank"}

    def test_expired_token(self, test_app_server, key_files, token_factory):
        """A correctly signed token whose exp has passed (re-signed with PyJWT)."""
        import time

        import jwt

        from netrun_auth import _core

        fresh = token_factory("old").access_token
        header, claims = _core.insecure_decode_unverified(fresh)
        now = int(time.time())
        claims.update(iat=now - 7200, nbf=now - 7200, exp=now - 3600)
        expired = jwt.encode(claims, key_files.private_path.read_bytes(), "RS256", headers=header)
        with test_app_server.client() as c:
            response = c.get("/me", headers=bearer(expired))
        assert response.status_code == 401
        assert response.json()["error"] == "token_expired"
        assert response.headers["www-authenticate"].startswith('Bearer error="invalid_token"')


@_param("seed_handler_app")
def test_the_apps_own_handler_wins(test_app_server, token_factory):
    with test_app_server.client() as c:
        # raised by a dependency
        missing = c.get("/me")
        assert missing.status_code == 401
        assert missing.headers["x-app-handler"] == "yes"
        assert missing.json()["error"] == "not_authenticated"
        # raised by the middleware itself
        bad = c.get("/me", headers=bearer("bad"))
        assert bad.status_code == 401
        assert bad.headers["x-app-handler"] == "yes"
        # 403
        forbidden = c.get("/admin", headers=bearer(token_factory("u").access_token))
        assert forbidden.status_code == 403
        assert forbidden.headers["x-app-handler"] == "yes"
        ok = c.get("/admin", headers=bearer(token_factory("u", roles=["admin"]).access_token))
        assert ok.json() == {"message": "Admin access for u"}


@_param("on_error_app")
def test_on_error_builds_the_middleware_responses(test_app_server):
    with test_app_server.client() as c:
        response = c.get("/me", headers=bearer("bad"))
        assert response.status_code == 401
        assert response.text.startswith("custom token_")
        # dependency failures that the app leaves unhandled use it too
        assert c.get("/me").text == "custom not_authenticated"


@_param("cookie_app")
def test_token_in_cookie(test_app_server, token_factory):
    token = token_factory("gina").access_token
    with test_app_server.client() as c:
        response = c.get("/me", headers={"Cookie": f"theme=dark; access_token={token}"})
        assert response.json() == {"user_id": "gina"}
        # the header wins over the cookie
        other = token_factory("hank").access_token
        both = c.get("/me", headers={"Cookie": f"access_token={token}", **bearer(other)})
        assert both.json() == {"user_id": "hank"}
        assert c.get("/me", headers={"Cookie": "access_token=bad"}).status_code == 401
        assert c.get("/me", headers={"Cookie": "unrelated=1"}).status_code == 401
