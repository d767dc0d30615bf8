"""The seed's quick start over real HTTP: examples/quickstart with Redis."""

from __future__ import annotations

import pytest

from .support import EXAMPLES, Server, base_env, start_server, uvicorn_args


@pytest.fixture(scope="module")
def quickstart(key_files, redis_url, tmp_path_factory) -> Server:
    env = base_env(**key_files.env(), NETRUN_AUTH_REDIS_URL=redis_url)
    log = tmp_path_factory.mktemp("quickstart") / "uvicorn.log"
    server = start_server(uvicorn_args("main:app"), cwd=EXAMPLES / "quickstart", env=env, log=log)
    yield server
    server.stop()


def test_login_with_the_form_the_seed_curl_sends_then_me(quickstart):
    with quickstart.client() as client:
        # curl -X POST http://localhost:8000/login -d "username=demo&password=password"
        response = client.post(
            "/login",
            content=b"username=demo&password=password",
            headers={"Content-Type": "application/x-www-form-urlencoded"},
        )
        assert response.status_code == 200, response.text
        pair = response.json()
        assert set(pair) >= {"access_token", "refresh_token", "token_type", "expires_in"}

        # curl -H "Authorization: Bearer $TOKEN" http://localhost:8000/me
        me = client.get("/me", headers={"Authorization": f"Bearer {pair['access_token']}"})
        assert me.status_code == 200
        assert me.json() == {"user_id": "user123"}


def test_wrong_password_and_missing_token(quickstart):
    with quickstart.client() as client:
        bad = client.post("/login", data={"username": "demo", "password": "wrong"})
        assert bad.status_code == 401
        assert client.get("/me").status_code == 401


def test_revocation_is_checked_in_the_redis_given_to_the_middleware(
    quickstart, redis_url, token_factory, key_files
):
    """The seed builds JWTManager(config) without Redis and gives the client to the
    middleware: a logout recorded in that Redis must be honoured by the server."""
    import asyncio

    import redis.asyncio as redis

    from netrun_auth import AuthConfig, JWTManager

    pair = token_factory("user123", organization_id="org456", roles=["user"])
    with quickstart.client() as client:
        headers = {"Authorization": f"Bearer {pair.access_token}"}
        assert client.get("/me", headers=headers).status_code == 200

        async def logout_elsewhere() -> None:
            client_ = redis.from_url(redis_url)
            config = AuthConfig(**{k: v for k, v in _settings(key_files).items()}, _env_file=None)
            await JWTManager(config, client_).logout(pair.access_token)
            await client_.aclose()

        asyncio.run(logout_elsewhere())
        assert client.get("/me", headers=headers).status_code == 401


def _settings(key_files) -> dict[str, str]:
    return {k.removeprefix("NETRUN_AUTH_").lower(): v for k, v in key_files.env().items()}
