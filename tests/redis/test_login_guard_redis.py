"""LoginGuard on real Redis and a real 3-node Cluster: shared lockout across clients and
processes, growth, unlock, TTL on every key, no clear username, NOSCRIPT, fail-closed."""

from __future__ import annotations

import asyncio
import json
import subprocess
import sys
import textwrap
import uuid
from typing import Any

import pytest
import redis.asyncio
from redis_servers import Clients, RedisClusterNodes, RedisServer

from netrun_auth import AuthConfig, _core
from netrun_auth.exceptions import StoreUnavailableError, TooManyAttemptsError
from netrun_auth.protection import LoginGuard

KEY = "k" * 32
LONG = {"login_lockout_base_seconds": 60, "login_lockout_max_seconds": 120}
"""Lockouts that outlast any test."""


def guard_config(prefix: str, **overrides: Any) -> AuthConfig:
    values: dict[str, Any] = {
        "redis_key_prefix": prefix,
        "redis_timeout_seconds": 2.0,
        "login_hash_key": KEY,
        "login_window_seconds": 30,
        "login_max_failures_per_username": 3,
        "login_max_failures_per_ip": 100,
        "login_lockout_base_seconds": 1,
        "login_lockout_max_seconds": 2,
    }
    values.update(overrides)
    return AuthConfig(_env_file=None, **values)


@pytest.fixture
def prefix() -> str:
    return f"guard-{uuid.uuid4().hex[:8]}:"


@pytest.fixture
def username() -> str:
    return f"Alice-{uuid.uuid4().hex[:8]}@Example.com"


def node_of(deployment: RedisServer | RedisClusterNodes, key: str) -> RedisServer:
    return deployment.node_for_key(key) if isinstance(deployment, RedisClusterNodes) else deployment


async def test_lockout_is_shared_by_workers_and_grows(
    clients: Clients, prefix: str, username: str
) -> None:
    config = guard_config(prefix)
    worker_a, worker_b = LoginGuard(config, clients.new()), LoginGuard(config, clients.new())
    await worker_a.check(username, "192.0.2.1")
    assert await worker_a.failed(username, "192.0.2.1") is None
    assert await worker_b.failed(username.upper(), "192.0.2.2") is None
    # The third failure, on the other worker, from a third IP, locks the username.
    assert await worker_a.failed(username.lower(), "192.0.2.3") == 1
    # worker_a learned the lockout from its reply: its check refuses with no I/O;
    # worker_b learns it when Redis refuses its outcome (the boundary), then knows it.
    with pytest.raises(TooManyAttemptsError) as known:
        await worker_a.check(username, "198.51.100.9")
    assert known.value.retry_after == 1
    await worker_b.check(username, "198.51.100.9")  # not known here yet
    for refuse in (worker_b.failed, worker_b.succeeded, worker_b.check):
        with pytest.raises(TooManyAttemptsError) as locked:
            await refuse(username, "198.51.100.9")
        assert locked.value.retry_after == 1
        assert locked.value.status_code == 429
        assert locked.value.to_dict()["details"] == {"retry_after": 1}
    # Another username from the same IPs is not locked (the IP threshold is 100).
    await worker_b.check("bob", "192.0.2.1")
    # Unlock after the lockout (1 s), then the next lockout lasts 2 s (the cap).
    await asyncio.sleep(1.1)
    await worker_b.check(username, "192.0.2.1")
    for _ in range(2):
        assert await worker_b.failed(username, "192.0.2.1") is None
    assert await worker_a.failed(username, "192.0.2.1") == 2


async def test_ip_lockout_covers_every_username(clients: Clients, prefix: str) -> None:
    guard = LoginGuard(guard_config(prefix, login_max_failures_per_ip=3), clients.new())
    ip = "2001:db8:7:7::1"
    for i in range(2):
        assert await guard.failed(f"user-{i}-{prefix}", ip) is None
    assert await guard.failed(f"user-2-{prefix}", "2001:db8:7:7:ffff::2") == 1  # same /64
    with pytest.raises(TooManyAttemptsError):
        await guard.check(f"never-seen-{prefix}", ip)
    await guard.check(f"never-seen-{prefix}", "2001:db8:7:8::1")


async def test_success_resets_the_username_not_the_ip(clients: Clients, prefix: str) -> None:
    guard = LoginGuard(guard_config(prefix, login_max_failures_per_ip=4), clients.new())
    for _ in range(2):
        await guard.failed("carol", "203.0.113.5")
    await guard.succeeded("Carol", "203.0.113.5", user_id="u-carol")
    assert await guard.failed("carol", "203.0.113.5") is None  # username count restarted
    assert await guard.failed("dave", "203.0.113.5") == 1  # the IP's 4th failure
    with pytest.raises(TooManyAttemptsError):
        await guard.check("carol", "203.0.113.5")


async def test_keys_hold_no_clear_text_and_all_expire(
    deployment: RedisServer | RedisClusterNodes, clients: Clients, prefix: str, username: str
) -> None:
    config = guard_config(prefix)
    guard = LoginGuard(config, clients.new())
    for _ in range(3):
        await guard.failed(username, "192.0.2.77")
    with pytest.raises(TooManyAttemptsError):
        await guard.failed(username, "192.0.2.77")  # while locked: refused, not counted
    core = _core.LoginGuardCore(
        window_seconds=30,
        max_failures_per_username=3,
        max_failures_per_ip=100,
        lockout_base_seconds=1,
        lockout_max_seconds=2,
        prefix=prefix,
        key=KEY.encode(),
    )
    user_keys, ip_keys = core.keys(core.subjects(username, "192.0.2.77"))
    seen = 0
    for key in [*user_keys, *ip_keys]:
        assert username.lower() not in key and "192.0.2.77" not in key
        ttl = int(node_of(deployment, key).cli("TTL", key).strip())
        if ttl != -2:  # present
            seen += 1
            assert ttl > 0, key
    assert seen == 3  # the username's strikes and lock, the IP's failures
    nodes = deployment.nodes if isinstance(deployment, RedisClusterNodes) else [deployment]
    dump = "".join(node.cli("--scan", "--pattern", f"{prefix}*") for node in nodes)
    assert username.lower() not in dump.lower() and "192.0.2.77" not in dump


async def test_unknown_and_known_usernames_answer_alike(clients: Clients, prefix: str) -> None:
    guard = LoginGuard(guard_config(prefix), clients.new())
    answers = []
    for name in ("existing-user", "no-such-user-at-all"):
        answers.append([await guard.failed(name, "192.0.2.8") for _ in range(3)])
        with pytest.raises(TooManyAttemptsError) as locked:
            await guard.check(name, "192.0.2.8")
        answers.append(locked.value.to_dict())
    assert answers[0] == answers[2] and answers[1] == answers[3]


async def test_script_reloaded_after_flush(
    deployment: RedisServer | RedisClusterNodes, clients: Clients, prefix: str
) -> None:
    guard = LoginGuard(guard_config(prefix), clients.new())
    await guard.failed("erin", "192.0.2.9")
    nodes = deployment.nodes if isinstance(deployment, RedisClusterNodes) else [deployment]
    for node in nodes:
        node.cli("SCRIPT", "FLUSH")
    await guard.failed("erin", "192.0.2.9")
    assert await guard.failed("erin", "192.0.2.9") == 1


_WORKER = textwrap.dedent(
    """
    import asyncio, json, sys
    import redis.asyncio, redis.asyncio.cluster
    from netrun_auth import AuthConfig
    from netrun_auth.protection import LoginGuard

    async def main():
        url, cluster, prefix, username, count = sys.argv[1:6]
        client = (redis.asyncio.cluster.RedisCluster.from_url(url) if cluster == "1"
                  else redis.asyncio.from_url(url))
        config = AuthConfig(_env_file=None, redis_key_prefix=prefix, login_hash_key="k" * 32,
                            login_max_failures_per_username=3, login_lockout_base_seconds=60,
                            login_lockout_max_seconds=120, redis_timeout_seconds=2.0)
        guard = LoginGuard(config, client)
        results = [await guard.failed(username, "192.0.2.50") for _ in range(int(count))]
        await client.aclose()
        print(json.dumps(results))

    asyncio.run(main())
    """
)


async def test_lockout_across_two_processes(
    deployment: RedisServer | RedisClusterNodes, clients: Clients, prefix: str, username: str
) -> None:
    cluster = "1" if isinstance(deployment, RedisClusterNodes) else "0"
    run = subprocess.run(
        [sys.executable, "-c", _WORKER, deployment.url, cluster, prefix, username, "3"],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert run.returncode == 0, run.stderr
    assert json.loads(run.stdout) == [None, None, 60]
    # A lockout that outlasts a loaded machine's process exit (the refusal is Redis's).
    guard = LoginGuard(guard_config(prefix, **LONG), clients.new())
    with pytest.raises(TooManyAttemptsError):
        await guard.failed(username.swapcase(), "192.0.2.51")


async def test_fails_closed_when_redis_is_down(
    own_deployment: RedisServer | RedisClusterNodes,
    prefix: str,
    caplog: pytest.LogCaptureFixture,
) -> None:
    pool = Clients(own_deployment)
    events: list[dict[str, Any]] = []
    guard = LoginGuard(
        # 2 s: a new Cluster client's first call also loads the slot map.
        guard_config(prefix, redis_timeout_seconds=2.0),
        pool.new(),
        on_event=events.append,
    )
    await guard.failed("frank", "192.0.2.10")
    nodes = (
        own_deployment.nodes if isinstance(own_deployment, RedisClusterNodes) else [own_deployment]
    )
    for node in nodes:
        node.kill()
    try:
        await guard.check("frank", "192.0.2.10")  # no I/O: nothing known, nothing asked
        for operation in (guard.failed, guard.succeeded):
            with pytest.raises(StoreUnavailableError) as down:
                await operation("frank", "192.0.2.10")
            assert down.value.status_code == 503
    finally:
        await pool.aclose()
    unavailable = [e for e in events if e["event"] == "store_unavailable"]
    assert len(unavailable) == 2
    assert all(e["component"] == "login_guard" and e["status_code"] == 503 for e in unavailable)


def test_redis_guard_needs_a_shared_key() -> None:
    from netrun_auth.exceptions import ConfigurationError

    class NotARealClient:  # never contacted: construction fails first
        pass

    with pytest.raises(ConfigurationError, match="login_hash_key"):
        LoginGuard(AuthConfig(_env_file=None), NotARealClient())


async def attempt(
    guard: LoginGuard, username: str, ip: str, *, ok: bool = False, pause: float = 0.02
) -> int:
    """One login: check, a pause (the password check), then the outcome recorded before
    answering; the status."""
    try:
        await guard.check(username, ip)
        await asyncio.sleep(pause)
        if ok:
            await guard.succeeded(username, ip)
            return 200
        await guard.failed(username, ip)
    except TooManyAttemptsError as locked:
        assert locked.retry_after >= 1
        return 429
    return 401


async def warm(guards: list[LoginGuard]) -> list[LoginGuard]:
    """Each guard's client connected (a Cluster client loads its slot map on first use)."""
    for guard in guards:
        await guard.succeeded(f"warm-up-{uuid.uuid4().hex}", None)
    return guards


async def test_concurrent_attempts_on_two_workers_get_exactly_the_threshold(
    clients: Clients, prefix: str, username: str
) -> None:
    # Issue 14's race: 20 guesses on two workers all pass ``check`` and have their
    # password checked before any outcome is recorded: 5 learn it.
    config = guard_config(
        prefix, login_max_failures_per_username=5, redis_timeout_seconds=10.0, **LONG
    )
    workers = await warm([LoginGuard(config, clients.new()), LoginGuard(config, clients.new())])
    statuses = await asyncio.gather(
        *(attempt(workers[i % 2], username, f"192.0.2.{100 + i}") for i in range(20))
    )
    assert sorted(statuses) == [401] * 5 + [429] * 15


async def test_concurrent_attempts_from_one_ip_get_exactly_its_threshold(
    clients: Clients, prefix: str
) -> None:
    config = guard_config(prefix, login_max_failures_per_ip=4, redis_timeout_seconds=10.0, **LONG)
    workers = await warm([LoginGuard(config, clients.new()), LoginGuard(config, clients.new())])
    statuses = await asyncio.gather(
        *(attempt(workers[i % 2], f"user-{i}-{prefix}", "198.51.100.44") for i in range(12))
    )
    assert sorted(statuses) == [401] * 4 + [429] * 8


async def test_a_correct_password_guessed_in_parallel_after_the_lockout_gets_429(
    clients: Clients, prefix: str, username: str
) -> None:
    config = guard_config(prefix, redis_timeout_seconds=10.0, **LONG)
    workers = await warm([LoginGuard(config, clients.new()), LoginGuard(config, clients.new())])
    right = asyncio.ensure_future(attempt(workers[1], username, "192.0.2.140", ok=True, pause=0.5))
    await asyncio.sleep(0)
    wrong = await asyncio.gather(*(attempt(workers[0], username, "192.0.2.141") for _ in range(3)))
    assert wrong == [401] * 3
    assert await right == 429
    with pytest.raises(TooManyAttemptsError):  # the refused success cleared nothing
        await workers[1].failed(username, "192.0.2.142")


async def test_refused_attempts_count_against_neither_subject(
    clients: Clients, prefix: str, username: str
) -> None:
    guard = LoginGuard(guard_config(prefix, login_max_failures_per_ip=4, **LONG), clients.new())
    for i in range(3):
        assert await attempt(guard, username, f"203.0.113.{i}") == 401
    # The username is locked (this guard knows it): check refuses these before any
    # password check, counting them against neither subject...
    for _ in range(6):
        assert await attempt(guard, username, "203.0.113.50") == 429
    # ...so this IP still has its 4 failures.
    others = [await attempt(guard, f"o{i}-{prefix}", "203.0.113.50") for i in range(5)]
    assert others == [401] * 4 + [429]


async def test_a_success_never_clears_the_ip_and_is_refused_while_it_is_locked(
    clients: Clients, prefix: str
) -> None:
    guard = LoginGuard(guard_config(prefix, login_max_failures_per_ip=4, **LONG), clients.new())
    ip = "203.0.113.60"
    for i in range(3):
        assert await attempt(guard, f"f{i}-{prefix}", ip) == 401
    assert await attempt(guard, f"carol-{prefix}", ip, ok=True) == 200
    assert await attempt(guard, f"f3-{prefix}", ip) == 401  # the IP's 4th failure: locked
    assert await attempt(guard, f"f4-{prefix}", ip) == 429
    other = LoginGuard(guard_config(prefix, login_max_failures_per_ip=4, **LONG), clients.new())
    with pytest.raises(TooManyAttemptsError):  # Redis refuses it: the boundary
        await other.succeeded(f"carol-{prefix}", ip)
    assert await attempt(guard, f"carol-{prefix}", "203.0.113.61", ok=True) == 200


async def test_a_good_login_clears_the_username(
    clients: Clients, prefix: str, username: str
) -> None:
    guard = LoginGuard(guard_config(prefix), clients.new())
    for _ in range(2):
        assert await attempt(guard, username, "203.0.113.6") == 401
    assert await attempt(guard, username, "203.0.113.6", ok=True) == 200
    statuses = [await attempt(guard, username, "203.0.113.6") for _ in range(4)]
    assert statuses == [401] * 3 + [429]


class CountingConnection(redis.asyncio.Connection):
    """Counts packed writes: one per round trip (a pipeline is one)."""

    writes = 0

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        CountingConnection.writes += 1
        await super().send_packed_command(command, check_health)


async def test_round_trips_of_a_login(redis_single: RedisServer) -> None:
    pool = redis.asyncio.ConnectionPool.from_url(
        redis_single.url, connection_class=CountingConnection
    )
    client = redis.asyncio.Redis(connection_pool=pool)
    guard = LoginGuard(
        guard_config(f"guard-{uuid.uuid4().hex[:8]}:", login_max_failures_per_username=1), client
    )
    other = LoginGuard(guard_config(guard.config.redis_key_prefix), client)
    try:
        await attempt(guard, "warm-up", "203.0.113.7", ok=True)  # scripts loaded, connected

        async def trips(guard: LoginGuard, username: str, ok: bool, status: int) -> int:
            before = CountingConnection.writes
            assert await attempt(guard, username, "203.0.113.7", ok=ok) == status
            return CountingConnection.writes - before

        assert await trips(guard, "frank", True, 200) == 1  # the success's pipeline
        assert await trips(guard, "frank", False, 401) == 1  # the failure's (locks frank)
        assert await trips(other, "frank", True, 429) == 1  # refused by Redis
        assert await trips(other, "frank", False, 429) == 0  # refused by check: known now
    finally:
        await client.aclose()
        await pool.disconnect()
