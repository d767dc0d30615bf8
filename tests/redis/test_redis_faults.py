"""Recovery from Redis faults (issue 16): idle pooled connections through a restart, and
the local mirror re-arming after a kill or a pause, with one log line per state change.

Real redis-server processes, killed (SIGKILL), restarted on their port, paused (SIGSTOP)
and resumed (SIGCONT). Each test owns its deployment.
"""

from __future__ import annotations

import asyncio
import logging
import os
import signal
import time
from collections.abc import Callable
from pathlib import Path

import pytest
from redis_servers import RedisClusterNodes, RedisServer, free_port, make_client

from netrun_auth import AuthConfig, JWTManager, TokenRevokedError
from netrun_auth.redis_store import RedisStore

Deployment = RedisServer | RedisClusterNodes


def nodes(deployment: Deployment) -> list[RedisServer]:
    return deployment.nodes if isinstance(deployment, RedisClusterNodes) else [deployment]


async def until(condition: Callable[[], bool], seconds: float = 10.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


def restart(deployment: Deployment) -> None:
    """Kill every node and start it again on its port (empty: no persistence here)."""
    for node in nodes(deployment):
        node.kill()
    for node in nodes(deployment):
        node.start()
    if isinstance(deployment, RedisClusterNodes):
        deployment.wait_ok()


# redis-py's cluster client drops the stream writers of a restarted node's connections
# without closing them; their __del__ may run after a later test's loop closed.
@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
async def test_idle_pooled_connections_survive_a_restart(
    own_deployment: Deployment, config: AuthConfig, user_id: str
) -> None:
    """Every connection of the pool sat idle through the outage: none of them may turn
    into a 503 once Redis is back (``redis.from_url`` clients do not retry by themselves)."""
    client = make_client(own_deployment)
    if isinstance(own_deployment, RedisClusterNodes):
        await client.initialize()
    app = JWTManager(config, client)
    try:
        pairs = [await app.generate_token_pair(f"{user_id}-{i}") for i in range(30)]
        # Thirty validations at once: thirty pooled connections.
        await asyncio.gather(*(app.validate_token(pair.access_token) for pair in pairs))

        restart(own_deployment)

        results = await asyncio.gather(
            *(app.validate_token(pair.access_token) for pair in pairs), return_exceptions=True
        )
        failed = [(r, r.__cause__) for r in results if isinstance(r, BaseException)]
        assert not failed
        await app.logout(pairs[0].access_token)
        with pytest.raises(TokenRevokedError):
            await app.validate_token(pairs[0].access_token)
        await app.refresh_token(pairs[1].refresh_token)
    finally:
        await client.aclose()


@pytest.mark.parametrize("fault", ["kill", "pause"])
async def test_the_mirror_re_arms_after_an_outage_and_logs_each_change_once(
    own_deployment: Deployment,
    config: AuthConfig,
    user_id: str,
    fault: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    settings = config.model_copy(update={"redis_local_mirror": True, "redis_timeout_seconds": 0.5})
    client = make_client(own_deployment)
    if isinstance(own_deployment, RedisClusterNodes):
        await client.initialize()
    app = JWTManager(settings, client)
    store = app.store
    assert isinstance(store, RedisStore)
    try:
        pair = await app.generate_token_pair(user_id)
        revoked = await app.generate_token_pair(user_id)
        await app.revoke_token(revoked.access_token)
        await app.validate_token(pair.access_token)
        await until(lambda: store.mirror_live)
        caplog.clear()
        caplog.set_level(logging.DEBUG, logger="netrun_auth")

        if fault == "kill":
            for node in nodes(own_deployment):
                node.kill()
            await until(lambda: not store.mirror_live)
            await asyncio.sleep(2.0)  # an outage of a few heartbeats
            restart_nodes = nodes(own_deployment)
            for node in restart_nodes:
                node.start()
            if isinstance(own_deployment, RedisClusterNodes):
                own_deployment.wait_ok()
        else:
            for node in nodes(own_deployment):
                assert node.process is not None
                os.kill(node.process.pid, signal.SIGSTOP)
            try:
                await until(lambda: not store.mirror_live)
                await asyncio.sleep(2.0)
            finally:
                for node in nodes(own_deployment):
                    assert node.process is not None
                    os.kill(node.process.pid, signal.SIGCONT)

        # Live again by itself, deciding locally, still correct.
        await until(lambda: store.mirror_live)
        await app.validate_token(pair.access_token)
        if fault == "pause":  # nothing was lost: the revocation still holds
            with pytest.raises(TokenRevokedError):
                await app.validate_token(revoked.access_token)
        await app.revoke_token(pair.access_token)
        with pytest.raises(TokenRevokedError):
            await app.validate_token(pair.access_token)

        records = [r for r in caplog.records if r.levelno >= logging.WARNING]
        messages = [r.getMessage() for r in records]
        assert len(records) == 2, messages  # not live (once), live again (once)
        assert "not live" in messages[0] and "live again" in messages[1], messages
        assert all(r.exc_info is None for r in records), "no traceback for connection errors"
    finally:
        await app.aclose()
        await client.aclose()


@pytest.mark.parametrize("persistent", [False, True])
async def test_a_redis_without_persistence_is_reported_once(
    tmp_path: Path,
    config: AuthConfig,
    user_id: str,
    persistent: bool,
    caplog: pytest.LogCaptureFixture,
) -> None:
    extra = ("--appendonly", "yes") if persistent else ()
    server = RedisServer(tmp_path / "redis", free_port(), *extra)
    server.start()
    client = make_client(server)
    try:
        caplog.set_level(logging.WARNING, logger="netrun_auth")
        app = JWTManager(config, client)
        for _ in range(3):
            pair = await app.generate_token_pair(user_id)
            await app.validate_token(pair.access_token)
        store = app.store
        assert isinstance(store, RedisStore)
        await store.check_persistence()
        warnings = [
            r.getMessage() for r in caplog.records if "no data across a restart" in r.getMessage()
        ]
        assert len(warnings) == (0 if persistent else 1), warnings
        if warnings:
            assert f"127.0.0.1:{server.port}" in warnings[0]
    finally:
        await client.aclose()
        server.stop()


async def test_a_cluster_without_persistence_is_reported_once(
    redis_cluster: RedisClusterNodes,
    config: AuthConfig,
    user_id: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    client = make_client(redis_cluster)
    try:
        caplog.set_level(logging.WARNING, logger="netrun_auth")
        app = JWTManager(config, client)
        pair = await app.generate_token_pair(user_id)
        await app.validate_token(pair.access_token)
        store = app.store
        assert isinstance(store, RedisStore)
        await store.check_persistence()
        warnings = [
            r.getMessage() for r in caplog.records if "no data across a restart" in r.getMessage()
        ]
        assert len(warnings) == 1, warnings
        for node in redis_cluster.nodes:
            assert f":{node.port}" in warnings[0]
    finally:
        await client.aclose()
