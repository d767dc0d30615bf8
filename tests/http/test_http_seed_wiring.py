"""Defect 3 of issue 10, over real HTTP with a real redis-server: the seed's wiring
(``JWTManager(config)``, the Redis client given to the middleware only) has one store.

Before the fix the middleware built a second manager checking Redis while the app's
``jwt_manager.logout`` wrote to memory: "Logged out", and the token still worked.
"""

from __future__ import annotations

import asyncio
import uuid

import pytest

from .support import HERE, Server, base_env, start_server, uvicorn_args

PREFIX = f"seed-wiring-{uuid.uuid4().hex[:8]}:"
"""The server's Redis key prefix (this module's alone)."""


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="module")
def seed_server(key_files, redis_url, tmp_path_factory) -> Server:
    env = base_env(
        **key_files.env(),
        NETRUN_AUTH_REDIS_URL=redis_url,
        NETRUN_AUTH_REDIS_KEY_PREFIX=PREFIX,
    )
    log = tmp_path_factory.mktemp("seed-wiring") / "uvicorn.log"
    server = start_server(
        uvicorn_args("apps:seed_redis_app", factory=True), cwd=HERE, env=env, log=log
    )
    yield server
    server.stop()


def _login(client, user_id: str) -> str:
    response = client.post("/login", params={"user_id": user_id})
    assert response.status_code == 200, response.text
    return response.json()["access_token"]


def test_the_manager_adopted_the_redis_client(seed_server):
    with seed_server.client() as c:
        assert c.get("/store").json()["store"] == "RedisStore"


def test_logout_through_jwt_manager_is_seen_by_the_middleware(seed_server):
    user = f"seed-{uuid.uuid4().hex[:8]}"
    with seed_server.client() as c:
        token = _login(c, user)
        assert c.get("/me", headers=bearer(token)).json() == {"user_id": user}
        assert c.post("/logout", headers=bearer(token)).json() == {"message": "Logged out"}
        after = c.get("/me", headers=bearer(token))
    assert after.status_code == 401
    assert after.json()["error"] == "token_revoked"


def test_logout_all_through_jwt_manager_is_seen_by_the_middleware(seed_server):
    user = f"seed-{uuid.uuid4().hex[:8]}"
    with seed_server.client() as c:
        first, second = _login(c, user), _login(c, user)
        assert c.get("/me", headers=bearer(second)).status_code == 200
        assert c.post("/logout-all", headers=bearer(first)).status_code == 200
        for token in (first, second):
            after = c.get("/me", headers=bearer(token))
            assert after.status_code == 401
            assert after.json()["error"] == "token_revoked"


def test_the_revocation_is_in_redis_for_every_process(seed_server, redis_url, key_files):
    """Another process with its own manager on the same Redis sees the server's logout."""
    import redis.asyncio as redis

    from netrun_auth import AuthConfig, JWTManager
    from netrun_auth.exceptions import TokenRevokedError

    user = f"seed-{uuid.uuid4().hex[:8]}"
    with seed_server.client() as c:
        token = _login(c, user)
        assert c.post("/logout", headers=bearer(token)).status_code == 200

    async def validate_elsewhere() -> None:
        client = redis.from_url(redis_url)
        settings = {k.removeprefix("NETRUN_AUTH_").lower(): v for k, v in key_files.env().items()}
        config = AuthConfig(_env_file=None, redis_key_prefix=PREFIX, **settings)
        try:
            with pytest.raises(TokenRevokedError):
                await JWTManager(config, client).validate_token(token)
        finally:
            await client.aclose()

    asyncio.run(validate_elsewhere())
