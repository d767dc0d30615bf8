"""The opt-in local revocation mirror (``redis_local_mirror``), on a single node and Cluster."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
from redis_servers import Clients, RedisClusterNodes, RedisServer, make_client

from netrun_auth import (
    AuthConfig,
    JWTManager,
    StoreUnavailableError,
    TokenReuseError,
    TokenRevokedError,
    _core,
)
from netrun_auth.redis_store import RedisStore

Deployment = RedisServer | RedisClusterNodes


def nodes(deployment: Deployment) -> list[RedisServer]:
    return deployment.nodes if isinstance(deployment, RedisClusterNodes) else [deployment]


@pytest.fixture
def mirror_config(config: AuthConfig) -> AuthConfig:
    return config.model_copy(update={"redis_local_mirror": True})


class Workers:
    """Managers with a mirror, each on its own client; all closed at the end."""

    def __init__(self, clients: Clients, config: AuthConfig) -> None:
        self.clients = clients
        self.config = config
        self.opened: list[JWTManager] = []

    def new(self) -> JWTManager:
        app = JWTManager(self.config, self.clients.new())
        self.opened.append(app)
        return app

    async def aclose(self) -> None:
        for app in self.opened:
            await app.aclose()


@pytest.fixture
async def workers(clients: Clients, mirror_config: AuthConfig) -> AsyncIterator[Workers]:
    pool = Workers(clients, mirror_config)
    yield pool
    await pool.aclose()  # before the clients fixture closes the clients


def store_of(app: JWTManager) -> RedisStore:
    assert isinstance(app.store, RedisStore)
    return app.store


async def until(condition: Callable[[], bool], seconds: float = 5.0) -> None:
    deadline = time.monotonic() + seconds
    while not condition():
        assert time.monotonic() < deadline, "condition not reached in time"
        await asyncio.sleep(0.01)


async def live(app: JWTManager, token: str) -> None:
    """Validate once (starts the mirror lazily), then wait for the mirror to be live."""
    await app.validate_token(token)
    await until(lambda: store_of(app).mirror_live)


async def rejected_within(
    attempt: Callable[[], Awaitable[object]], error: type[Exception], seconds: float = 1.0
) -> float:
    """Poll until ``attempt`` raises ``error``; return how long that took."""
    started = time.monotonic()
    while True:
        try:
            await attempt()
        except error:
            return time.monotonic() - started
        assert time.monotonic() - started < seconds, f"no {error.__name__} within {seconds} s"
        await asyncio.sleep(0.002)


def mget_calls(deployment: Deployment) -> int:
    total = 0
    for node in nodes(deployment):
        for line in node.cli("INFO", "commandstats").splitlines():
            if line.startswith("cmdstat_mget:"):
                total += int(line.partition(":")[2].split(",")[0].removeprefix("calls="))
    return total


async def test_mirror_is_on_by_default_and_strict_is_a_setting(
    clients: Clients, config: AuthConfig, user_id: str
) -> None:
    settings = {k: v for k, v in config.model_dump().items() if k != "redis_local_mirror"}
    default = AuthConfig(_env_file=None, **settings)
    assert default.redis_local_mirror is True
    worker = JWTManager(default, clients.new())
    try:
        pair = await worker.generate_token_pair(user_id)
        await live(worker, pair.access_token)  # the default wiring goes live by itself

        # redis_local_mirror=False (the tests' config): one MGET per validation, no mirror.
        strict = JWTManager(config, clients.new())
        await strict.validate_token(pair.access_token)
        assert not store_of(strict).mirror_live and "local_mirror" not in repr(strict.store)
        await strict.revoke_token(pair.access_token)
        await rejected_within(lambda: worker.validate_token(pair.access_token), TokenRevokedError)
    finally:
        await worker.aclose()


async def test_revocation_by_a_reaches_the_mirror_of_b(
    deployment: Deployment, workers: Workers, user_id: str
) -> None:
    worker_a, worker_b = workers.new(), workers.new()
    pair = await worker_a.generate_token_pair(user_id)
    other = await worker_a.generate_token_pair(user_id)
    await live(worker_b, pair.access_token)

    # Live: validations are decided locally, no round trip.
    for node in nodes(deployment):
        node.cli("CONFIG", "RESETSTAT")
    for _ in range(20):
        await worker_b.validate_token(pair.access_token)
    assert mget_calls(deployment) == 0

    await worker_a.revoke_token(pair.access_token)
    await rejected_within(lambda: worker_b.validate_token(pair.access_token), TokenRevokedError)
    await worker_b.validate_token(other.access_token)  # only that token
    # The writer sees its own write at once.
    with pytest.raises(TokenRevokedError):
        await worker_a.validate_token(pair.access_token)


async def test_existing_revocations_are_loaded(workers: Workers, user_id: str) -> None:
    worker_a = workers.new()
    revoked = await worker_a.generate_token_pair(user_id)
    logged_out = await worker_a.generate_token_pair(user_id + "-2")
    kept = await worker_a.generate_token_pair(user_id)
    await worker_a.revoke_token(revoked.access_token)
    await worker_a.logout_all(user_id + "-2")

    late = workers.new()  # starts after the revocations: loads them by SCAN
    await live(late, kept.access_token)
    with pytest.raises(TokenRevokedError):
        await late.validate_token(revoked.access_token)
    with pytest.raises(TokenRevokedError):
        await late.validate_token(logged_out.access_token)
    assert store_of(late).mirror_live


async def test_logout_all_and_reuse_propagate(workers: Workers, user_id: str) -> None:
    worker_a, worker_b = workers.new(), workers.new()
    sessions = [await worker_a.generate_token_pair(user_id) for _ in range(2)]
    victim = await worker_a.generate_token_pair(user_id + "-v")
    await live(worker_b, victim.access_token)

    await worker_a.logout_all(user_id)
    for pair in sessions:
        await rejected_within(
            lambda pair=pair: worker_b.validate_token(pair.access_token), TokenRevokedError
        )

    rotated = await worker_a.refresh_token(victim.refresh_token)
    await worker_b.validate_token(rotated.access_token)
    with pytest.raises(TokenReuseError):
        await worker_a.refresh_token(victim.refresh_token)  # reuse revokes the session
    await rejected_within(lambda: worker_b.validate_token(rotated.access_token), TokenRevokedError)
    assert store_of(worker_b).mirror_live


async def test_mirror_falls_back_when_the_subscription_is_killed(
    deployment: Deployment, workers: Workers, user_id: str
) -> None:
    worker_a, worker_b = workers.new(), workers.new()
    pair = await worker_a.generate_token_pair(user_id)
    await live(worker_b, pair.access_token)
    store_b = store_of(worker_b)

    for node in nodes(deployment):
        node.cli("CLIENT", "KILL", "TYPE", "pubsub")
    await until(lambda: not store_b.mirror_live, seconds=3.0)
    # Not live: every validation goes to Redis and stays correct.
    await worker_a.revoke_token(pair.access_token)
    with pytest.raises(TokenRevokedError):
        await worker_b.validate_token(pair.access_token)

    # Resubscribed and reloaded: live again, with what was written meanwhile.
    await until(lambda: store_b.mirror_live)
    for node in nodes(deployment):
        node.cli("CONFIG", "RESETSTAT")
    with pytest.raises(TokenRevokedError):
        await worker_b.validate_token(pair.access_token)
    assert mget_calls(deployment) == 0
    fresh = await worker_a.generate_token_pair(user_id)
    await worker_b.validate_token(fresh.access_token)
    await worker_a.logout(fresh.access_token)
    await rejected_within(lambda: worker_b.validate_token(fresh.access_token), TokenRevokedError)


async def test_redis_down_and_mirror_not_live_fails_closed(
    own_deployment: Deployment, mirror_config: AuthConfig, user_id: str
) -> None:
    config = mirror_config.model_copy(update={"redis_timeout_seconds": 0.5})
    client = make_client(own_deployment)
    app = JWTManager(config, client)
    try:
        pair = await app.generate_token_pair(user_id)
        await live(app, pair.access_token)

        for node in nodes(own_deployment):
            node.kill()
        await until(lambda: not store_of(app).mirror_live, seconds=4.0)
        started = time.monotonic()
        with pytest.raises(StoreUnavailableError) as unavailable:
            await app.validate_token(pair.access_token)
        assert time.monotonic() - started < config.redis_timeout_seconds + 0.4
        assert unavailable.value.status_code == 503
    finally:
        await app.aclose()
        await client.aclose()


async def test_the_writer_sees_its_own_revocations_at_once(
    deployment: Deployment, workers: Workers, user_id: str
) -> None:
    """Issue 10, defect 4: every write path reaches the writer's own mirror before the
    call returns, including logout_all of a session issued in the same second (covered
    by its session key, not by the ``before`` time, which is exclusive)."""
    app = workers.new()
    warmup = await app.generate_token_pair(user_id + "-warmup")
    await live(app, warmup.access_token)
    keys = _core.Keyspace(app.config.redis_key_prefix)
    same_second = 0
    for attempt in range(20):
        user = f"{user_id}-{attempt}"
        pair = await app.generate_token_pair(user)
        issued_at = app.engine.verify(pair.access_token, None).issued_at
        await app.logout_all(user)
        before = await app.store.client.get(keys.user(user))  # type: ignore[attr-defined]
        assert store_of(app).mirror_live
        with pytest.raises(TokenRevokedError):
            await app.validate_token(pair.access_token)
        same_second += int(before) == issued_at

        for revoke in (app.revoke_token, app.logout):
            other = await app.generate_token_pair(user)
            await revoke(other.access_token)
            with pytest.raises(TokenRevokedError):
                await app.validate_token(other.access_token)
        first = await app.generate_token_pair(user)
        second = await app.refresh_token(first.refresh_token)
        with pytest.raises(TokenReuseError):
            await app.refresh_token(first.refresh_token)
        with pytest.raises(TokenRevokedError):
            await app.validate_token(second.access_token)
    assert same_second > 0, "no logout_all fell in the second its token was issued"
