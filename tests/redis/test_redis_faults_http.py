"""Redis faults under load over real HTTP (issue 16): uvicorn serving the seed's Redis
wiring (``fault_app.py``), a load generator (``http_load.py``) sending ``GET /me`` with
live tokens and with tokens revoked before the fault, and a real redis-server killed and
restarted, paused and resumed, its connections killed, or (Cluster with replicas) a
primary killed so that its replica takes over.

Each test counts the statuses (live tokens: only 200 and 503; revoked tokens: only 401
and 503, never 200; never a 500), waits for service to come back (a generous bound, no
timing asserted) and prints how long recovery took after the fault ended. The in-process
tests of the same recoveries are in ``test_redis_faults.py``.
"""

from __future__ import annotations

import asyncio
import os
import signal
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import redis.asyncio
import redis.crc
from http_load import Load
from redis_servers import RedisClusterNodes, RedisServer, free_port

from netrun_auth import AuthConfig, JWTManager, TokenRevokedError
from netrun_testing.keys import KeyFiles
from netrun_testing.servers import Server, base_env, start_server, uvicorn_args

HERE = Path(__file__).parent
ALLOWED_LIVE = {200, 503}
ALLOWED_REVOKED = {401, 503}


def serve(tmp: Path, keys: KeyFiles, redis_url: str, **settings: str) -> Server:
    env = base_env(
        **keys.env(),
        REDIS_URL=redis_url,
        NETRUN_AUTH_REDIS_KEY_PREFIX=f"faults-{tmp.name}:",
        NETRUN_AUTH_REDIS_TIMEOUT_SECONDS="1.0",
        **settings,
    )
    return start_server(
        uvicorn_args("fault_app:create", factory=True), cwd=HERE, env=env, log=tmp / "uvicorn.log"
    )


def app_prefix(app: Server) -> str:
    """The key prefix :func:`serve` gave the app (named after the test's directory)."""
    return f"faults-{app.log.parent.name}:"


async def issue(keys: KeyFiles, users: list[str]) -> list[str]:
    """Access tokens of ``users`` from the app's keys (issued here, in memory)."""
    manager = JWTManager(AuthConfig(_env_file=None, **keys.settings()))
    return [(await manager.generate_token_pair(user)).access_token for user in users]


async def logout_all_of(server: Server, tokens: list[str]) -> None:
    async with server.async_client() as client:
        answers = await asyncio.gather(
            *(client.post("/logout", headers={"Authorization": f"Bearer {t}"}) for t in tokens)
        )
    assert [a.status_code for a in answers] == [200] * len(tokens)


def report(name: str, load: Load, fault_end: float, recovered_at: float) -> float:
    recovery = load.recovery_after(fault_end)
    failed = len(load.live_failures_sent_after(fault_end))
    print(
        f"\n{name}: live {dict(load.statuses(revoked=False))},"
        f" revoked {dict(load.statuses(revoked=True))}; after the fault ended:"
        f" {failed} live request(s) failed, the last sent {recovery * 1000:.0f} ms after it;"
        f" first 200 {load.first_success_after(fault_end) * 1000:.0f} ms after it,"
        f" 50 in a row from {(recovered_at - fault_end) * 1000:.0f} ms"
    )
    return recovery


def check_statuses(load: Load) -> None:
    live, revoked = load.statuses(revoked=False), load.statuses(revoked=True)
    assert set(live) <= ALLOWED_LIVE, live
    assert set(revoked) <= ALLOWED_REVOKED, revoked
    assert live[200] > 0 and revoked[401] > 0


@pytest.fixture
def single(tmp_path: Path) -> Iterator[RedisServer]:
    """A single node that keeps its data (AOF, fsync on every write): a restart must not
    forget a logout, which is the deployment docs/redis.md asks for."""
    server = RedisServer(
        tmp_path / "redis", free_port(), "--appendonly", "yes", "--appendfsync", "always"
    )
    server.start()
    yield server
    server.stop()


@pytest.mark.parametrize("fault", ["kill-restart", "pause-resume", "client-kill"])
async def test_a_single_node_fault_under_http_load(
    single: RedisServer, key_files: KeyFiles, tmp_path: Path, fault: str
) -> None:
    app = serve(tmp_path, key_files, single.url)
    try:
        run = uuid.uuid4().hex[:8]
        live = await issue(key_files, [f"live-{run}-{i}" for i in range(40)])
        revoked = await issue(key_files, [f"gone-{run}-{i}" for i in range(10)])
        await logout_all_of(app, revoked)
        async with Load(app.url, live, revoked) as load:
            await load.wait_answers(200)
            assert set(load.statuses(revoked=False)) == {200}
            if fault == "kill-restart":
                await asyncio.to_thread(single.kill)
                await load.wait_answers(50)
                await asyncio.sleep(1.0)
                await asyncio.to_thread(single.start)
            elif fault == "pause-resume":
                assert single.process is not None
                os.kill(single.process.pid, signal.SIGSTOP)
                try:
                    # Longer than the mirror's 2 s of silence (it is on by default) so
                    # the checks go back to Redis and see the pause.
                    await asyncio.sleep(4.0)
                finally:
                    os.kill(single.process.pid, signal.SIGCONT)
            else:
                for kind in ("normal", "pubsub"):
                    await asyncio.to_thread(single.cli, "CLIENT", "KILL", "TYPE", kind)
            fault_end = time.monotonic()
            recovered_at = await load.until_recovered()
            await load.wait_answers(100)
        report(fault, load, fault_end, recovered_at)
        check_statuses(load)
        if fault == "client-kill":
            # Redis never went away: every killed connection is replaced at once.
            assert set(load.statuses(revoked=False)) == {200}
        else:
            assert load.statuses(revoked=False)[503] > 0, "the fault was not seen"
        assert "Traceback" not in app.output() and " 500 " not in app.output()
    finally:
        app.stop()


def users_on(cluster: RedisClusterNodes, node: RedisServer, count: int, tag: str) -> list[str]:
    """``count`` user ids whose keys (hash tag: the user id) live on primary ``node``."""
    slots = cluster.slots_of(node)
    users: list[str] = []
    for i in range(100_000):
        user = f"{tag}-{i}"
        if redis.crc.key_slot(user.encode()) in slots:
            users.append(user)
            if len(users) == count:
                return users
    raise LookupError("no such users")


async def test_a_cluster_primary_killed_under_http_load_fails_over(
    own_replicated: RedisClusterNodes, key_files: KeyFiles, tmp_path: Path
) -> None:
    """Kill a primary: its replica takes over; meanwhile only 200 and 503; afterwards
    every request succeeds again, and logouts answered just before the kill (each
    waited for a replica) are all still in force."""
    app = serve(
        tmp_path,
        key_files,
        own_replicated.url,
        REDIS_CLUSTER="1",
        NETRUN_AUTH_REDIS_WAIT_REPLICAS="1",
        NETRUN_AUTH_REDIS_WAIT_TIMEOUT_SECONDS="0.5",
    )
    try:
        run = uuid.uuid4().hex[:8]
        victim = own_replicated.primaries()[0]
        replica = own_replicated.replica_of(victim)
        live = await issue(key_files, [f"live-{run}-{i}" for i in range(60)])
        revoked = await issue(key_files, users_on(own_replicated, victim, 10, f"gone-{run}"))
        last_moment = await issue(key_files, users_on(own_replicated, victim, 30, f"last-{run}"))
        await logout_all_of(app, revoked)
        async with Load(app.url, live, revoked) as load:
            await load.wait_answers(200)
            assert set(load.statuses(revoked=False)) == {200}
            # Logouts answered under load, then the primary that holds them dies at once.
            await logout_all_of(app, last_moment)
            victim.kill()
            killed = time.monotonic()
            promoted = await asyncio.to_thread(own_replicated.wait_promoted, replica)
            recovered_at = await load.until_recovered(seconds=60)
            await load.wait_answers(100)
        recovery = report("cluster failover", load, promoted, recovered_at)
        print(
            f"cluster failover: replica promoted {(promoted - killed) * 1000:.0f} ms after"
            f" the kill; the last failed request was sent {recovery * 1000:.0f} ms after"
            " the promotion"
        )
        check_statuses(load)
        async with app.async_client() as client:
            answers = await asyncio.gather(
                *(client.get("/me", headers={"Authorization": f"Bearer {t}"}) for t in last_moment)
            )
        assert [a.status_code for a in answers] == [401] * len(last_moment), "a logout was lost"
        assert "Traceback" not in app.output() and " 500 " not in app.output()
    finally:
        app.stop()


@pytest.fixture
def primary_and_replica(tmp_path: Path) -> Iterator[tuple[RedisServer, RedisServer]]:
    primary = RedisServer(tmp_path / "primary", free_port())
    primary.start()
    replica = RedisServer(
        tmp_path / "replica", free_port(), "--replicaof", "127.0.0.1", str(primary.port)
    )
    try:
        replica.start()
        deadline = time.monotonic() + 30
        while "master_link_status:up" not in replica.cli("INFO", "replication"):
            assert time.monotonic() < deadline, "the replica did not sync"
            time.sleep(0.05)
        yield primary, replica
    finally:
        replica.stop()
        primary.stop()


@pytest.mark.parametrize("wait_replicas", ["0", "1"])
async def test_a_logout_waits_for_a_replica_when_configured(
    primary_and_replica: tuple[RedisServer, RedisServer],
    key_files: KeyFiles,
    tmp_path: Path,
    wait_replicas: str,
) -> None:
    """With ``redis_wait_replicas=1`` a logout is answered only once a replica has it: with
    the replica paused it fails closed (503), and what it wrote on the primary already
    covers the whole session (its refresh token too); with 0 it is answered from the
    primary alone."""
    primary, replica = primary_and_replica
    app = serve(
        tmp_path,
        key_files,
        primary.url,
        NETRUN_AUTH_REDIS_WAIT_REPLICAS=wait_replicas,
        NETRUN_AUTH_REDIS_WAIT_TIMEOUT_SECONDS="0.2",
    )
    manager = JWTManager(AuthConfig(_env_file=None, **key_files.settings()))
    try:
        user = f"u-{uuid.uuid4().hex[:8]}"
        first = await manager.generate_token_pair(user)
        second = await manager.generate_token_pair(user)
        await logout_all_of(app, [first.access_token])  # the replica is up: answered
        assert replica.process is not None
        os.kill(replica.process.pid, signal.SIGSTOP)
        try:
            async with httpx.AsyncClient(base_url=app.url, timeout=10) as client:
                answer = await client.post(
                    "/logout", headers={"Authorization": f"Bearer {second.access_token}"}
                )
        finally:
            os.kill(replica.process.pid, signal.SIGCONT)
        assert answer.status_code == (503 if wait_replicas == "1" else 200), answer.text
        if wait_replicas == "1":
            assert "store_unavailable" in answer.text, answer.text
        async with app.async_client() as client:
            for pair in (first, second):
                auth = {"Authorization": f"Bearer {pair.access_token}"}
                assert (await client.get("/me", headers=auth)).status_code == 401
        # The session is revoked on the primary (and now on the replica): no refresh.
        # (Strict checks: no mirror task to outlive the client, whose connections it
        # would otherwise reopen once closed and leave to the garbage collector.)
        client_of_app = redis.asyncio.from_url(primary.url)
        try:
            settings = AuthConfig(
                _env_file=None,
                **key_files.settings(),
                redis_key_prefix=app_prefix(app),
                redis_local_mirror=False,
            )
            with pytest.raises(TokenRevokedError):
                await JWTManager(settings, client_of_app).refresh_token(second.refresh_token)
        finally:
            await client_of_app.aclose()
    finally:
        app.stop()
