"""The refresh retry rule (issue 10, defect 5) against a real, paused redis-server.

A refresh whose spend reaches Redis while Redis is paused (SIGSTOP) times out: the caller
answers 503 although Redis spends the token when it resumes. The client's retry must get
a new pair of the same session, not a theft verdict; a replay after a delivered refresh
or after the grace window is still reuse.
"""

from __future__ import annotations

import asyncio
import contextlib
import os
import signal
import time
from collections.abc import AsyncIterator, Iterator

import pytest
from redis_servers import RedisClusterNodes, RedisServer, make_client

from netrun_auth import (
    AuthConfig,
    JWTManager,
    StoreUnavailableError,
    TokenPair,
    TokenReuseError,
    TokenRevokedError,
    _core,
)
from netrun_auth.redis_store import RedisStore

Deployment = RedisServer | RedisClusterNodes


@contextlib.contextmanager
def paused(server: RedisServer) -> Iterator[None]:
    """SIGSTOP the server (its sockets stay open: clients just wait), SIGCONT after."""
    assert server.process is not None
    os.kill(server.process.pid, signal.SIGSTOP)
    try:
        yield
    finally:
        os.kill(server.process.pid, signal.SIGCONT)


def serving(deployment: Deployment, key: str) -> RedisServer:
    if isinstance(deployment, RedisClusterNodes):
        return deployment.node_for_key(key)
    return deployment


@pytest.fixture
async def app(
    own_deployment: Deployment, config: AuthConfig, request: pytest.FixtureRequest
) -> AsyncIterator[JWTManager]:
    grace = getattr(request, "param", _core.REFRESH_GRACE_SECONDS)
    settings = config.model_copy(
        update={
            "redis_timeout_seconds": 0.5,
            "redis_local_mirror": True,
            "refresh_grace_seconds": grace,
        }
    )
    client = make_client(own_deployment)
    if isinstance(own_deployment, RedisClusterNodes):
        await client.initialize()  # at startup, as docs/redis.md advises
    manager = JWTManager(settings, client)
    try:
        yield manager
    finally:
        await manager.aclose()
        await client.aclose()


async def lost_refresh(app: JWTManager, deployment: Deployment, pair: TokenPair) -> str:
    """Refresh ``pair`` while Redis is paused: 503, and Redis spends it on resuming.

    Returns the spent marker's value once Redis has written it.
    """
    assert isinstance(app.store, RedisStore)
    claims = app.engine.verify(pair.refresh_token, "refresh")
    keys = _core.Keyspace(app.config.redis_key_prefix)
    marker = keys.spent(claims.user_id, claims.jti)
    server = serving(deployment, marker)
    # Scripts loaded on that node, mirror live: the validation below needs no round trip,
    # so the spend is what meets the paused server.
    warmup = await app.generate_token_pair(claims.user_id)
    await app.refresh_token(warmup.refresh_token)
    await app.validate_token(pair.access_token)
    deadline = time.monotonic() + 5
    while not app.store.mirror_live:
        assert time.monotonic() < deadline, "mirror not live"
        await asyncio.sleep(0.01)

    with paused(server), pytest.raises(StoreUnavailableError) as unavailable:
        await app.refresh_token(pair.refresh_token)
    assert unavailable.value.status_code == 503
    # Redis resumes and runs the spend the caller gave up on.
    deadline = time.monotonic() + 10
    while not (value := server.cli("GET", marker).strip()):
        assert time.monotonic() < deadline, "the spend never ran"
        await asyncio.sleep(0.02)
    return value


async def test_a_retry_after_a_503_gets_a_pair_and_keeps_the_session(
    own_deployment: Deployment, app: JWTManager, user_id: str
) -> None:
    pair = await app.generate_token_pair(user_id)
    other = await app.generate_token_pair(user_id)
    marker = await lost_refresh(app, own_deployment, pair)
    assert marker.startswith("pending "), marker  # spent, never delivered

    retried = await app.refresh_token(pair.refresh_token)
    assert retried.session_id == pair.session_id
    await app.validate_token(retried.access_token)
    await app.validate_token(other.access_token)
    keys = _core.Keyspace(app.config.redis_key_prefix)
    session_key = keys.session(user_id, pair.session_id)
    assert serving(own_deployment, session_key).cli("EXISTS", session_key).strip() == "0"

    # Delivered now: presenting the old refresh token again is reuse (theft detection).
    with pytest.raises(TokenReuseError):
        await app.refresh_token(pair.refresh_token)
    with pytest.raises(TokenRevokedError):
        await app.validate_token(retried.access_token)
    await app.validate_token(other.access_token)


async def test_a_retry_made_later_than_the_timeout_is_delivered_and_closes_the_window(
    own_deployment: Deployment, app: JWTManager, user_id: str
) -> None:
    """The client retries a while after its 503 (longer than the store's timeout after
    the spend ran): the retry's own completion must mark the spend delivered, or whoever
    else holds the old refresh token could take the session over within the window."""
    pair = await app.generate_token_pair(user_id)
    await lost_refresh(app, own_deployment, pair)
    await asyncio.sleep(app.config.redis_timeout_seconds + 0.3)

    retried = await app.refresh_token(pair.refresh_token)
    await app.validate_token(retried.access_token)
    with pytest.raises(TokenReuseError):
        await app.refresh_token(pair.refresh_token)  # the thief's replay
    with pytest.raises(TokenRevokedError):
        await app.validate_token(retried.access_token)


@pytest.mark.parametrize("app", [1], indirect=True)
async def test_a_replay_after_the_grace_window_is_still_reuse(
    own_deployment: Deployment, app: JWTManager, user_id: str
) -> None:
    pair = await app.generate_token_pair(user_id)
    await lost_refresh(app, own_deployment, pair)
    await asyncio.sleep(app.config.refresh_grace_seconds + 1.1)  # past the window

    with pytest.raises(TokenReuseError):
        await app.refresh_token(pair.refresh_token)
    with pytest.raises(TokenRevokedError):
        await app.validate_token(pair.access_token)


async def test_a_spend_whose_completion_failed_admits_one_retry_chain(
    deployment: Deployment, config: AuthConfig, user_id: str
) -> None:
    """The store error came after the spend (registering the successor failed): the retry
    gets a pair, the lost successor is superseded, and using it later is reuse."""
    client = make_client(deployment)
    app = JWTManager(config, client)
    try:
        pair = await app.generate_token_pair(user_id)
        claims = app.engine.verify(pair.refresh_token, "refresh")
        lost = app.engine.issue_pair(user_id, None, None, None, None, claims.session_id)
        assert await app.store.spend_refresh(claims, lost, app._session_horizon())
        # ... and the answer never reached the client (no complete_refresh).

        retried = await app.refresh_token(pair.refresh_token)
        await app.validate_token(retried.access_token)
        with pytest.raises(TokenRevokedError):
            await app.validate_token(lost.access_token)
        with pytest.raises(TokenReuseError):
            await app.refresh_token(lost.refresh_token)
        with pytest.raises(TokenRevokedError):
            await app.validate_token(retried.access_token)
    finally:
        await client.aclose()
