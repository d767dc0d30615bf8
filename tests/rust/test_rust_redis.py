"""Python and Rust processes share revocation state through one Redis (single node and
3-node Cluster): logouts, logout-everywhere, refresh reuse and the retry rule, and failing closed."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Callable, Coroutine
from typing import Any

import httpx
import pytest
import redis.asyncio

from netrun_auth import JWTManager, TokenReuseError, TokenRevokedError, _core

from ..redis.redis_servers import RedisClusterNodes, RedisServer, make_client
from .conftest import RustServer, python_config, redis_args

Start = Callable[..., RustServer]
Deployment = RedisServer | RedisClusterNodes


@pytest.fixture
async def client(deployment: Deployment) -> AsyncIterator[redis.asyncio.Redis]:
    redis_client = make_client(deployment)
    yield redis_client
    await redis_client.aclose()


def _env(settings: dict[str, str], deployment: Deployment) -> dict[str, str]:
    return {**settings, "NETRUN_AUTH_REDIS_URL": deployment.url}


def _bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def _me(http: httpx.AsyncClient, token: str) -> httpx.Response:
    return await http.get("/me", headers=_bearer(token))


async def test_python_logout_is_seen_by_rust(
    rust_server: Start, settings: dict[str, str], deployment: Deployment,
    client: redis.asyncio.Redis, user_id: str,
) -> None:  # fmt: skip
    server = rust_server(_env(settings, deployment), *redis_args(deployment))
    manager = JWTManager(python_config(settings), client)
    pair = await manager.generate_token_pair(user_id)
    kept = await manager.generate_token_pair(user_id)
    async with server.async_client() as http:
        assert (await _me(http, pair.access_token)).status_code == 200
        await manager.logout(pair.access_token)
        revoked = await _me(http, pair.access_token)
        assert revoked.status_code == 401
        assert revoked.json()["error"] == "token_revoked"
        assert revoked.headers["www-authenticate"].startswith('Bearer error="invalid_token"')
        assert (await _me(http, kept.access_token)).status_code == 200


async def test_python_logout_all_is_seen_by_rust(
    rust_server: Start, settings: dict[str, str], deployment: Deployment,
    client: redis.asyncio.Redis, user_id: str,
) -> None:  # fmt: skip
    server = rust_server(
        _env(settings, deployment), *redis_args(deployment), "--insecure-test-routes"
    )
    manager = JWTManager(python_config(settings), client)
    from_python = await manager.generate_token_pair(user_id)
    async with server.async_client() as http:
        from_rust = (await http.post("/login", json={"user_id": user_id})).json()
        for token in (from_python.access_token, from_rust["access_token"]):
            assert (await _me(http, token)).status_code == 200
        await manager.logout_all(user_id)
        for token in (from_python.access_token, from_rust["access_token"]):
            answer = await _me(http, token)
            assert (answer.status_code, answer.json()["error"]) == (401, "token_revoked")
        # Rust registered its session in the shared sorted set: its refresh token is dead too.
        refreshed = await http.post("/refresh", json={"refresh_token": from_rust["refresh_token"]})
        assert (refreshed.status_code, refreshed.json()["error"]) == (401, "token_revoked")


async def test_rust_logout_and_logout_all_are_seen_by_python(
    rust_server: Start, settings: dict[str, str], deployment: Deployment,
    client: redis.asyncio.Redis, user_id: str,
) -> None:  # fmt: skip
    server = rust_server(
        _env(settings, deployment), *redis_args(deployment), "--insecure-test-routes"
    )
    manager = JWTManager(python_config(settings), client)
    one = await manager.generate_token_pair(user_id)
    two = await manager.generate_token_pair(user_id)
    async with server.async_client() as http:
        assert (await http.post("/logout", headers=_bearer(one.access_token))).status_code == 200
        with pytest.raises(TokenRevokedError):
            await manager.validate_token(one.access_token)
        with pytest.raises(TokenRevokedError):
            await manager.refresh_token(one.refresh_token)
        await manager.validate_token(two.access_token)
        assert (await http.post("/logout_all", json={"user_id": user_id})).status_code == 200
    with pytest.raises(TokenRevokedError):
        await manager.validate_token(two.access_token)
    with pytest.raises(TokenRevokedError):
        await manager.refresh_token(two.refresh_token)


async def _usable(http: httpx.AsyncClient, manager: JWTManager, access_token: str) -> bool:
    """Whether both languages accept ``access_token`` (they must agree)."""
    rust_ok = (await _me(http, access_token)).status_code == 200
    try:
        await manager.validate_token(access_token)
        python_ok = True
    except TokenRevokedError:
        python_ok = False
    assert rust_ok == python_ok, access_token
    return rust_ok


def _racers(
    http: httpx.AsyncClient, manager: JWTManager, refresh_token: str
) -> tuple[Coroutine[Any, Any, tuple[str, str]], Coroutine[Any, Any, tuple[str, str]]]:
    """A Rust and a Python refresh of ``refresh_token``: each (access, refresh) or reuse."""

    async def rust_refresh() -> tuple[str, str]:
        answer = await http.post("/refresh", json={"refresh_token": refresh_token})
        if answer.status_code == 200:
            return answer.json()["access_token"], answer.json()["refresh_token"]
        assert answer.status_code == 401, answer.text
        assert answer.json()["error"] == "token_reuse"
        raise TokenReuseError()

    async def python_refresh() -> tuple[str, str]:
        pair = await manager.refresh_token(refresh_token)
        return pair.access_token, pair.refresh_token

    return rust_refresh(), python_refresh()


async def test_refresh_raced_between_python_and_rust_leaves_at_most_one_pair(
    rust_server: Start, settings: dict[str, str], deployment: Deployment,
    client: redis.asyncio.Redis, user_id: str,
) -> None:  # fmt: skip
    """The retry rule (docs/tokens.md, "Retrying a refresh"): a presentation reaching the
    store before the other completed is a retry (both answered, the earlier pair
    superseded); one after it is reuse (the family revoked). Either way at most one pair
    stays usable, in both languages."""
    server = rust_server(
        _env(settings, deployment), *redis_args(deployment), "--insecure-test-routes"
    )
    manager = JWTManager(python_config(settings), client)
    pair = await manager.generate_token_pair(user_id, roles=["viewer"])
    async with server.async_client() as http:
        results = await asyncio.gather(
            *_racers(http, manager, pair.refresh_token), return_exceptions=True
        )
        winners = [r for r in results if isinstance(r, tuple)]
        losers = [r for r in results if not isinstance(r, tuple)]
        assert winners, results
        assert all(isinstance(r, TokenReuseError) for r in losers), results
        usable = [w for w in winners if await _usable(http, manager, w[0])]
        if losers:  # reuse: the whole family is revoked, for both languages
            assert usable == []
            assert not await _usable(http, manager, pair.access_token)
            return
        # Both were answered: the earlier pair is superseded, the later one lives.
        assert len(usable) == 1, results
        (superseded,) = [w for w in winners if w not in usable]
        reuse = await http.post("/refresh", json={"refresh_token": superseded[1]})
        assert (reuse.status_code, reuse.json()["error"]) == (401, "token_reuse")
        assert not await _usable(http, manager, usable[0][0])


async def test_refresh_raced_without_retry_window_is_reuse_for_one(
    rust_server: Start, settings: dict[str, str], deployment: Deployment,
    client: redis.asyncio.Redis, user_id: str,
) -> None:  # fmt: skip
    """With ``refresh_grace_seconds=0`` every second presentation is reuse: one winner,
    one ``token_reuse``, and the reuse revokes the whole family for both languages."""
    settings = {**settings, "NETRUN_AUTH_REFRESH_GRACE_SECONDS": "0"}
    server = rust_server(
        _env(settings, deployment), *redis_args(deployment), "--insecure-test-routes"
    )
    manager = JWTManager(python_config(settings), client)
    pair = await manager.generate_token_pair(user_id, roles=["viewer"])
    async with server.async_client() as http:
        results = await asyncio.gather(
            *_racers(http, manager, pair.refresh_token), return_exceptions=True
        )
        winners = [r for r in results if isinstance(r, tuple)]
        losers = [r for r in results if not isinstance(r, tuple)]
        assert len(winners) == 1, results
        assert len(losers) == 1 and isinstance(losers[0], TokenReuseError), results
        ((winner, _),) = winners
        answer = await _me(http, winner)
        assert (answer.status_code, answer.json()["error"]) == (401, "token_revoked")
        with pytest.raises(TokenRevokedError):
            await manager.validate_token(winner)
        assert not await _usable(http, manager, pair.access_token)


async def _lose_a_python_refresh(manager: JWTManager, refresh_token: str) -> _core.IssuedPair:
    """A Python refresh whose answer never reached the client: spent, never completed."""
    claims = manager.engine.verify(refresh_token, "refresh")
    lost = manager.engine.issue_pair(claims.user_id, None, None, None, None, claims.session_id)
    assert await manager.store.spend_refresh(claims, lost, manager._session_horizon())
    return lost


async def test_rust_retries_a_refresh_whose_python_answer_was_lost(
    rust_server: Start, settings: dict[str, str], deployment: Deployment,
    client: redis.asyncio.Redis, user_id: str,
) -> None:  # fmt: skip
    server = rust_server(
        _env(settings, deployment), *redis_args(deployment), "--insecure-test-routes"
    )
    manager = JWTManager(python_config(settings), client)
    pair = await manager.generate_token_pair(user_id)
    lost = await _lose_a_python_refresh(manager, pair.refresh_token)
    async with server.async_client() as http:
        retried = await http.post("/refresh", json={"refresh_token": pair.refresh_token})
        assert retried.status_code == 200, retried.text
        access = retried.json()["access_token"]
        assert await _usable(http, manager, access)
        assert not await _usable(http, manager, lost.access_token)
        # The superseded pair's refresh token is spent: presenting it is reuse.
        with pytest.raises(TokenReuseError):
            await manager.refresh_token(lost.refresh_token)
        assert not await _usable(http, manager, access)


async def test_reuse_after_the_grace_window_revokes_the_family_for_both(
    rust_server: Start, settings: dict[str, str], deployment: Deployment,
    client: redis.asyncio.Redis, user_id: str,
) -> None:  # fmt: skip
    settings = {**settings, "NETRUN_AUTH_REFRESH_GRACE_SECONDS": "1"}
    server = rust_server(
        _env(settings, deployment), *redis_args(deployment), "--insecure-test-routes"
    )
    manager = JWTManager(python_config(settings), client)
    pair = await manager.generate_token_pair(user_id)
    lost = await _lose_a_python_refresh(manager, pair.refresh_token)
    await asyncio.sleep(2.1)  # past the window (measured on the Redis clock)
    async with server.async_client() as http:
        reuse = await http.post("/refresh", json={"refresh_token": pair.refresh_token})
        assert (reuse.status_code, reuse.json()["error"]) == (401, "token_reuse")
        for token in (pair.access_token, lost.access_token):
            assert not await _usable(http, manager, token)


async def test_rust_reuse_revokes_the_family_for_python(
    rust_server: Start, settings: dict[str, str], deployment: Deployment,
    client: redis.asyncio.Redis, user_id: str,
) -> None:  # fmt: skip
    server = rust_server(
        _env(settings, deployment), *redis_args(deployment), "--insecure-test-routes"
    )
    manager = JWTManager(python_config(settings), client)
    pair = await manager.generate_token_pair(user_id)
    rotated = await manager.refresh_token(pair.refresh_token)
    async with server.async_client() as http:
        reuse = await http.post("/refresh", json={"refresh_token": pair.refresh_token})
        assert (reuse.status_code, reuse.json()["error"]) == (401, "token_reuse")
    with pytest.raises(TokenRevokedError):
        await manager.validate_token(rotated.access_token)


async def test_rust_fails_closed_while_redis_is_down_then_recovers(
    rust_server: Start, settings: dict[str, str], own_deployment: Deployment, user_id: str
) -> None:
    env = {**_env(settings, own_deployment), "NETRUN_AUTH_REDIS_TIMEOUT_SECONDS": "0.5"}
    server = rust_server(env, *redis_args(own_deployment))
    redis_client = make_client(own_deployment)
    try:
        manager = JWTManager(python_config(settings), redis_client)
        pair = await manager.generate_token_pair(user_id)
    finally:
        await redis_client.aclose()
    if isinstance(own_deployment, RedisClusterNodes):
        key = _core.Keyspace(settings["NETRUN_AUTH_REDIS_KEY_PREFIX"]).user(user_id)
        victim = own_deployment.node_for_key(key)
    else:
        victim = own_deployment
    async with server.async_client() as http:
        assert (await _me(http, pair.access_token)).status_code == 200
        victim.kill()
        for _ in range(3):
            down = await _me(http, pair.access_token)
            assert down.status_code == 503, down.text
            assert down.json() == {
                "error": "store_unavailable",
                "message": "Token store unavailable",
                "status_code": 503,
            }
            assert "www-authenticate" not in down.headers
        assert (await http.get("/open")).status_code == 200
        victim.start()  # same port, empty
        if isinstance(own_deployment, RedisClusterNodes):
            own_deployment.wait_ok()
        # No restart of the Rust server: its client reconnects by itself. Bounded polling
        # (the reconnection is asynchronous), never an assertion on how long it took.
        statuses = []
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline:
            statuses.append((await _me(http, pair.access_token)).status_code)
            if statuses[-1] == 200:
                break
            await asyncio.sleep(0.1)
        assert statuses[-1] == 200, (statuses, server.output())
        assert set(statuses) <= {200, 503}
