"""Revocation writes that wait for a replica (``redis_wait_replicas``), and a Cluster
client whose slot map went stale through a failover (issue 16). In process, on real
redis-server Clusters of 3 primaries with a replica each; the same under HTTP load is
in ``test_redis_faults_http.py``."""

from __future__ import annotations

import os
import signal
import uuid
from collections.abc import Iterator

import pytest
import redis.asyncio
import redis.asyncio.cluster
from redis_servers import RedisClusterNodes, make_client

from netrun_auth import (
    AuthConfig,
    ConfigurationError,
    JWTManager,
    StoreUnavailableError,
    TokenRevokedError,
)
from netrun_auth._redis import ReplicaWaitError
from netrun_auth.redis_store import RedisStore


@pytest.fixture(scope="module")
def replicated(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterNodes]:
    """Shared by the tests that only pause a replica (each resumes it)."""
    cluster = RedisClusterNodes(tmp_path_factory.mktemp("replicated"), replicas=1)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


def waiting(config: AuthConfig) -> AuthConfig:
    # 0.5 s: a replica that has just (re)joined acknowledges late on a loaded machine
    # (and a refresh, two waited writes, stays inside redis_timeout_seconds).
    return config.model_copy(update={"redis_wait_replicas": 1, "redis_wait_timeout_seconds": 0.5})


def test_the_wait_settings_are_validated(config: AuthConfig) -> None:
    assert AuthConfig(_env_file=None).redis_wait_replicas == 0  # off by default
    with pytest.raises(ConfigurationError, match="redis_wait_replicas"):
        AuthConfig(_env_file=None, redis_wait_replicas=-1)
    with pytest.raises(ConfigurationError, match="redis_wait_timeout_seconds"):
        AuthConfig(_env_file=None, redis_wait_replicas=1, redis_wait_timeout_seconds=0)
    with pytest.raises(ConfigurationError, match="below redis_timeout_seconds"):
        AuthConfig(
            _env_file=None,
            redis_wait_replicas=1,
            redis_timeout_seconds=0.5,
            redis_wait_timeout_seconds=0.5,
        )
    client = redis.asyncio.Redis()
    with pytest.raises(ConfigurationError, match="redis_wait_replicas"):
        RedisStore(client, wait_replicas=17)
    with pytest.raises(ConfigurationError, match="redis_wait_timeout_seconds"):
        RedisStore(client, timeout=0.5, wait_replicas=1, wait_timeout=0.5)
    assert "wait_replicas=1" in repr(RedisStore(client, wait_replicas=1))


async def test_every_revocation_write_waits_for_the_replica(
    replicated: RedisClusterNodes, config: AuthConfig
) -> None:
    """A paused replica: logout, logout_all and refresh (a spend) fail closed, each with
    the replicas' shortfall as cause; a login does not wait. Resumed: all succeed."""
    client = make_client(replicated)
    await client.initialize()
    manager = JWTManager(waiting(config), client)
    user = f"u-{uuid.uuid4().hex[:8]}"
    try:
        pair = await manager.generate_token_pair(user)
        replica = replicated.replica_of(replicated.node_for_key("{" + user + "}"))
        assert replica.process is not None
        os.kill(replica.process.pid, signal.SIGSTOP)
        try:
            later = await manager.generate_token_pair(user)  # logins do not wait
            for write in (  # each leaves the next one something to do on the primary
                manager.refresh_token(later.refresh_token),
                manager.logout(pair.access_token),
                manager.logout_all(user),
            ):
                with pytest.raises(StoreUnavailableError) as failed:
                    await write
                assert isinstance(failed.value.__cause__, ReplicaWaitError)
        finally:
            os.kill(replica.process.pid, signal.SIGCONT)
        fresh = await manager.generate_token_pair(user)
        await manager.logout(fresh.access_token)
        with pytest.raises(TokenRevokedError):
            await manager.validate_token(fresh.access_token)
        await manager.logout_all(user)
    finally:
        await manager.aclose()
        await client.aclose()


@pytest.mark.xfail(
    strict=False,
    reason="known, fail-closed: after the old primary rejoins, a waiting logout through a "
    "stale slot map sometimes still answers 503 after its one MOVED retry (seen in suite "
    "runs, passes alone); nothing is lost or accepted, the client's retry succeeds",
)
async def test_a_stale_slot_map_after_failover_and_back(
    own_replicated: RedisClusterNodes, config: AuthConfig
) -> None:
    """Clients that send nothing while a primary fails over keep a slot map naming it.

    - The node is dead: the next validation, logout and refresh of a user on it succeed
      (the client reloads the map on the connection error); a logout that must wait for
      a replica fails closed, since the promoted node has none yet.
    - The old primary is back, as a replica of the promoted one: a stale map now meets
      ``MOVED``, and a waiting logout follows it (map updated, sent again once).
    - It takes its slots back (``CLUSTER FAILOVER``): the same, the other way round.
    """
    cluster = own_replicated
    stale = [make_client(cluster) for _ in range(3)]
    for client in stale:
        await client.initialize()
    plain = JWTManager(config, stale[0])
    waits, waits_later = (JWTManager(waiting(config), c) for c in stale[1:])
    user = f"u-{uuid.uuid4().hex[:8]}"
    try:
        pairs = [await plain.generate_token_pair(user) for _ in range(6)]
        primary = cluster.node_for_key("{" + user + "}")
        replica = cluster.replica_of(primary)

        primary.kill()
        cluster.wait_promoted(replica)
        cluster.wait_ok()  # every running node agrees again
        await plain.validate_token(pairs[0].access_token)
        await plain.logout(pairs[0].access_token)
        with pytest.raises(TokenRevokedError):
            await plain.validate_token(pairs[0].access_token)
        await plain.refresh_token(pairs[1].refresh_token)
        with pytest.raises(StoreUnavailableError):  # no replica to wait for: fails closed
            await waits.logout(pairs[2].access_token)

        primary.start()  # rejoins as a replica of the promoted node
        cluster.wait_ok()
        await waits_later.logout(pairs[3].access_token)  # stale map: MOVED, then done
        with pytest.raises(TokenRevokedError):
            await waits_later.validate_token(pairs[3].access_token)

        primary.cli("CLUSTER", "FAILOVER")
        cluster.wait_promoted(primary)
        cluster.wait_ok()
        await waits.logout(pairs[4].access_token)
        for manager, revoked in ((plain, 0), (waits, 3), (waits_later, 4)):
            with pytest.raises(TokenRevokedError):  # nothing was lost on the way
                await manager.validate_token(pairs[revoked].access_token)
        await waits_later.validate_token(pairs[5].access_token)
    finally:
        for manager in (plain, waits, waits_later):
            await manager.aclose()
        for client in stale:
            await client.aclose()
