"""Python and Rust (the ``netrun-auth-axum`` example server) share keys, tokens,
error bodies and settings: tokens minted by one are accepted by the other, over real HTTP."""

from __future__ import annotations

import base64
import json
from collections.abc import Callable
from pathlib import Path

import pytest

from netrun_auth import AuthConfig, JWTManager, TokenInvalidError
from netrun_auth.middleware import auth_error_response

from .conftest import RustServer, python_config

Start = Callable[..., RustServer]


async def test_python_mints_rust_answers_200(rust_server: Start, settings: dict[str, str]) -> None:
    server = rust_server(settings)
    manager = JWTManager(python_config(settings))
    pair = await manager.generate_token_pair("alice", "org-1", ["admin"], ["items:read"])
    async with server.async_client() as http:
        me = await http.get("/me", headers={"Authorization": f"Bearer {pair.access_token}"})
        assert me.status_code == 200, me.text
        assert me.json() == {
            "user_id": "alice",
            "organization_id": "org-1",
            "roles": ["admin"],
            "permissions": ["items:read"],
        }
        admin = await http.get("/admin", headers={"Authorization": f"Bearer {pair.access_token}"})
        assert admin.status_code == 200
        assert (await http.get("/open")).json() == {"ok": True}


async def test_rust_mints_python_validates(rust_server: Start, settings: dict[str, str]) -> None:
    server = rust_server(settings, "--insecure-test-routes")
    manager = JWTManager(python_config(settings))
    async with server.async_client() as http:
        login = await http.post(
            "/login", json={"user_id": "bob", "organization_id": "org-2", "roles": ["viewer"]}
        )
        assert login.status_code == 200, login.text
        pair = login.json()
    assert pair["token_type"] == "Bearer"
    assert pair["expires_in"] == 900
    claims = await manager.validate_token(pair["access_token"])
    assert (claims.user_id, claims.organization_id, claims.roles) == ("bob", "org-2", ["viewer"])
    assert claims.session_id == pair["session_id"]
    refresh = await manager.validate_token(pair["refresh_token"], "refresh")
    assert refresh.token_type == "refresh"
    # Python can rotate a Rust-minted refresh token (its own store: no Redis here).
    rotated = await manager.refresh_token(pair["refresh_token"])
    assert rotated.session_id == pair["session_id"]


async def test_both_publish_the_same_jwks(rust_server: Start, settings: dict[str, str]) -> None:
    server = rust_server(settings)
    async with server.async_client() as http:
        jwks = (await http.get("/.well-known/jwks.json")).json()
    assert jwks == JWTManager(python_config(settings)).jwks()
    assert "d" not in jwks["keys"][0]


async def test_one_dotenv_serves_both_languages(
    rust_server: Start, settings: dict[str, str], tmp_path: Path
) -> None:
    workdir = tmp_path / "service"
    workdir.mkdir()
    lines = []
    for name, value in settings.items():
        escaped = value.replace("\r\n", "\n").replace("\n", "\\n")
        lines.append(f'{name}="{escaped}"')
    lines.append("NETRUN_AUTH_ACCESS_TOKEN_EXPIRE_MINUTES=7")
    (workdir / ".env").write_text("\n".join(lines) + "\n")
    # The Rust server gets no NETRUN_AUTH_* variable at all: only the .env file.
    server = rust_server({}, "--insecure-test-routes", cwd=workdir)
    config = AuthConfig(_env_file=workdir / ".env")
    assert config.access_token_expire_minutes == 7
    manager = JWTManager(config)
    pair = await manager.generate_token_pair("carol")
    async with server.async_client() as http:
        me = await http.get("/me", headers={"Authorization": f"Bearer {pair.access_token}"})
        assert me.status_code == 200, server.output()
        login = (await http.post("/login", json={"user_id": "dan"})).json()
    assert login["expires_in"] == 7 * 60
    assert (await manager.validate_token(login["access_token"])).user_id == "dan"


async def test_a_bad_setting_stops_the_rust_server_naming_it(
    rust_server: Start, settings: dict[str, str]
) -> None:
    with pytest.raises(RuntimeError) as failed:
        rust_server({**settings, "NETRUN_AUTH_LEEWAY_SECONDS": "61"})
    assert "leeway_seconds: Input should be less than or equal to 60" in str(failed.value)
    assert settings["NETRUN_AUTH_JWT_PRIVATE_KEY"][40:80] not in str(failed.value)


def _b64(header: dict[str, str]) -> str:
    return base64.urlsafe_b64encode(json.dumps(header).encode()).rstrip(b"=").decode()


async def _python_rejection(manager: JWTManager, token: str) -> tuple[int, dict, str | None]:
    try:
        await manager.validate_token(token)
    except TokenInvalidError as exc:
        response = auth_error_response(None, exc)
        return (
            response.status_code,
            json.loads(bytes(response.body)),
            response.headers.get("www-authenticate"),
        )
    raise AssertionError("Python accepted the token")


@pytest.mark.parametrize(
    "make_token",
    [
        pytest.param(lambda good: "not-a-jwt", id="garbage"),
        pytest.param(
            lambda good: good[:-4] + ("AAAA" if good[-4:] != "AAAA" else "BBBB"), id="bad-signature"
        ),
        pytest.param(
            lambda good: _b64({"alg": "none"}) + "." + good.split(".")[1] + ".", id="alg-none"
        ),
        pytest.param(lambda good: "a" * 8200, id="oversized"),
        pytest.param(
            lambda good: _b64({"alg": "EdDSA", "kid": "nope"}) + "." + good.split(".", 1)[1],
            id="unknown-kid",
        ),
    ],
)
async def test_rejections_match_the_python_side(
    rust_server: Start, settings: dict[str, str], make_token: Callable[[str], str]
) -> None:
    server = rust_server(settings)
    manager = JWTManager(python_config(settings))
    good = (await manager.generate_token_pair("mallory")).access_token
    token = make_token(good)
    status, body, challenge = await _python_rejection(manager, token)
    async with server.async_client() as http:
        answer = await http.get("/me", headers={"Authorization": f"Bearer {token}"})
    assert answer.status_code == status == 401
    assert answer.json() == body
    assert answer.headers["www-authenticate"] == challenge
    assert answer.headers["cache-control"] == "no-store"


async def test_missing_token_and_missing_role(rust_server: Start, settings: dict[str, str]) -> None:
    server = rust_server(settings)
    manager = JWTManager(python_config(settings))
    viewer = (await manager.generate_token_pair("vic", roles=["viewer"])).access_token
    async with server.async_client() as http:
        anonymous = await http.get("/me")
        assert anonymous.status_code == 401
        assert anonymous.headers["www-authenticate"] == "Bearer"
        assert anonymous.json() == {
            "error": "not_authenticated",
            "message": "Not authenticated",
            "status_code": 401,
        }
        forbidden = await http.get("/admin", headers={"Authorization": f"Bearer {viewer}"})
        assert forbidden.status_code == 403
        assert forbidden.json() == {
            "error": "insufficient_role",
            "message": "Requires one of the roles: admin",
            "status_code": 403,
            "details": {"required_roles": ["admin"]},
        }
        assert forbidden.headers["www-authenticate"].startswith('Bearer error="insufficient_scope"')
        header = await http.get("/me", headers={"Authorization": "Basic dXNlcjpwYXNz"})
        assert (header.status_code, header.json()["error"]) == (401, "token_malformed")
        huge = await http.get("/me", headers={"Authorization": "Bearer " + "a" * 9000})
        assert huge.json() == {
            "error": "token_too_large",
            "message": "Authorization header is too large",
            "status_code": 401,
        }
