"""The Rust local revocation mirror (``NETRUN_AUTH_REDIS_LOCAL_MIRROR=true``) against a real
redis-server and a 3-node Cluster: a Python logout reaches the Rust process by pub/sub (no
``MGET`` per request while live), Redis down -> 503 (fail closed), and the mirror re-arms
by itself after a kill and restart.

Waits are bounded polls on what the server reports (``/health``'s ``mirror_live``) or
answers; nothing asserts how long anything took.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx

from netrun_auth import JWTManager

from ..redis.redis_servers import RedisClusterNodes, RedisServer, free_port, make_client
from .conftest import RustServer, python_config, redis_args

Start = Callable[..., RustServer]
Deployment = RedisServer | RedisClusterNodes


def _env(settings: dict[str, str], deployment: Deployment) -> dict[str, str]:
    return {
        **settings,
        "NETRUN_AUTH_REDIS_URL": deployment.url,
        "NETRUN_AUTH_REDIS_LOCAL_MIRROR": "true",
        "NETRUN_AUTH_REDIS_TIMEOUT_SECONDS": "0.5",
    }


async def _me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.get("/me", headers={"Authorization": f"Bearer {token}"})


async def _until(probe: Callable[[], Awaitable[bool]], what: str, seconds: float = 30) -> None:
    """Poll ``probe`` until it answers true, bounded."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if await probe():
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"not reached within {seconds} s: {what}")


async def _live(http: httpx.AsyncClient) -> bool:
    return bool((await http.get("/health")).json()["mirror_live"])


def _mget_calls(server: RedisServer) -> int:
    match = re.search(r"cmdstat_mget:calls=(\d+)", server.cli("INFO", "commandstats"))
    return int(match.group(1)) if match else 0


async def test_python_logout_is_seen_by_the_rust_mirror(
    rust_server: Start, settings: dict[str, str], deployment: Deployment, user_id: str
) -> None:
    server = rust_server(_env(settings, deployment), *redis_args(deployment))
    client = make_client(deployment)
    try:
        manager = JWTManager(python_config(settings), client)
        pair = await manager.generate_token_pair(user_id)
        kept = await manager.generate_token_pair(user_id)
        async with server.async_client() as http:
            assert not await _live(http)
            # Not live yet: the first validation goes to Redis and starts the mirror.
            assert (await _me(http, pair.access_token)).status_code == 200

            async def live() -> bool:
                return await _live(http)

            await _until(live, "the mirror goes live")
            if isinstance(deployment, RedisServer):
                before = _mget_calls(deployment)
                for _ in range(20):
                    assert (await _me(http, pair.access_token)).status_code == 200
                assert _mget_calls(deployment) == before  # decided from the mirror

            await manager.logout(pair.access_token)

            async def revoked() -> bool:
                return (await _me(http, pair.access_token)).status_code == 401

            await _until(revoked, "the Python logout reaches the Rust mirror")
            answer = await _me(http, pair.access_token)
            assert answer.json()["error"] == "token_revoked"
            assert (await _me(http, kept.access_token)).status_code == 200

            await manager.logout_all(user_id)

            async def all_revoked() -> bool:
                return (await _me(http, kept.access_token)).status_code == 401

            await _until(all_revoked, "the Python logout_all reaches the Rust mirror")
            assert await _live(http)
    finally:
        await client.aclose()


async def test_rust_logout_is_applied_to_its_own_mirror_at_once(
    rust_server: Start, settings: dict[str, str], redis_single: RedisServer, user_id: str
) -> None:
    server = rust_server(_env(settings, redis_single), "--redis", "--insecure-test-routes")
    async with server.async_client() as http:
        pair = (await http.post("/login", json={"user_id": user_id})).json()
        assert (await _me(http, pair["access_token"])).status_code == 200

        async def live() -> bool:
            return await _live(http)

        await _until(live, "the mirror goes live")
        bearer = {"Authorization": f"Bearer {pair['access_token']}"}
        assert (await http.post("/logout", headers=bearer)).status_code == 200
        # The very next request, no waiting: the script's own announcement was applied.
        answer = await _me(http, pair["access_token"])
        assert (answer.status_code, answer.json()["error"]) == (401, "token_revoked")


async def test_mirror_fails_closed_while_redis_is_down_and_re_arms_after_restart(
    rust_server: Start, settings: dict[str, str], tmp_path: Path, user_id: str
) -> None:
    redis_server = RedisServer(tmp_path / "redis", free_port())
    redis_server.start()
    try:
        server = rust_server(_env(settings, redis_server), "--redis")
        client = make_client(redis_server)
        try:
            pair = await JWTManager(python_config(settings), client).generate_token_pair(user_id)
        finally:
            await client.aclose()
        async with server.async_client() as http:
            assert (await _me(http, pair.access_token)).status_code == 200

            async def live() -> bool:
                return await _live(http)

            async def not_live() -> bool:
                return not await _live(http)

            await _until(live, "the mirror goes live")
            redis_server.kill()
            await _until(not_live, "the mirror notices the outage")
            down = await _me(http, pair.access_token)
            assert (down.status_code, down.json()["error"]) == (503, "store_unavailable")

            redis_server.start()  # same port, empty
            await _until(live, "the mirror re-arms by itself")
            # Live again, on the new server: a logout there reaches this process.
            client = make_client(redis_server)
            try:
                manager = JWTManager(python_config(settings), client)
                await manager.logout(pair.access_token)
            finally:
                await client.aclose()

            async def revoked() -> bool:
                return (await _me(http, pair.access_token)).status_code == 401

            await _until(revoked, "a logout after the restart reaches the re-armed mirror")
            assert await _live(http)
    finally:
        redis_server.stop()
