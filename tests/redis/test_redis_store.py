"""RedisStore against real servers: a single node and a 3-node Cluster (every test runs on both)."""

from __future__ import annotations

import asyncio
import time

import pytest
import redis
import redis.asyncio
from redis_servers import Clients, RedisClusterNodes, RedisServer, make_client, manager

from netrun_auth import (
    AuthConfig,
    ConfigurationError,
    JWTManager,
    StoreUnavailableError,
    TokenReuseError,
    TokenRevokedError,
    _core,
)
from netrun_auth.redis_store import RedisStore
from netrun_auth.stores import RevocationStore

Deployment = RedisServer | RedisClusterNodes

# Scheduling slack on a loaded 2-core machine; still well under the 1.5 s CLIENT PAUSE, so
# a store that waited for Redis instead of failing closed at its timeout is caught.
TIMEOUT_SLACK = 0.8


def nodes(deployment: Deployment) -> list[RedisServer]:
    return deployment.nodes if isinstance(deployment, RedisClusterNodes) else [deployment]


def keys_of(deployment: Deployment, prefix: str) -> dict[str, int]:
    """Every key under ``prefix`` on every node, with its TTL."""
    found: dict[str, int] = {}
    for node in nodes(deployment):
        listed = node.cli("--scan", "--pattern", f"{prefix}*").split()
        for key in listed:
            found[key] = int(node.cli("TTL", key).strip())
    return found


async def test_revocation_is_seen_by_another_worker(
    clients: Clients, config: AuthConfig, user_id: str
) -> None:
    worker_a = manager(config, clients.new())
    worker_b = manager(config, clients.new())
    pair = await worker_a.generate_token_pair(user_id, "org", ["user"])
    assert (await worker_b.validate_token(pair.access_token)).user_id == user_id

    await worker_a.revoke_token(pair.access_token)

    with pytest.raises(TokenRevokedError):
        await worker_b.validate_token(pair.access_token)
    with pytest.raises(TokenRevokedError):
        await worker_a.validate_token(pair.access_token)
    # Only that token: the refresh token of the same session still works.
    await worker_b.validate_token(pair.refresh_token, "refresh")


async def test_logout_reaches_every_worker(
    clients: Clients, config: AuthConfig, user_id: str
) -> None:
    worker_a = manager(config, clients.new())
    worker_b = manager(config, clients.new())
    phone = await worker_a.generate_token_pair(user_id)
    laptop = await worker_a.generate_token_pair(user_id)

    await worker_b.logout(phone.access_token)

    with pytest.raises(TokenRevokedError):
        await worker_a.validate_token(phone.access_token)
    with pytest.raises(TokenRevokedError):
        await worker_a.refresh_token(phone.refresh_token)
    # The other session is untouched.
    await worker_a.validate_token(laptop.access_token)
    await worker_b.refresh_token(laptop.refresh_token)


async def test_logout_all_reaches_every_worker(
    clients: Clients, config: AuthConfig, user_id: str
) -> None:
    worker_a = manager(config, clients.new())
    worker_b = manager(config, clients.new())
    sessions = [await worker_a.generate_token_pair(user_id) for _ in range(3)]
    bystander = await worker_a.generate_token_pair(user_id + "-other")

    await worker_b.logout_all(user_id)

    for pair in sessions:
        with pytest.raises(TokenRevokedError):
            await worker_a.validate_token(pair.access_token)
        with pytest.raises(TokenRevokedError):
            await worker_b.refresh_token(pair.refresh_token)
    await worker_b.validate_token(bystander.access_token)
    # Logging in again right after (same second) gives a working session.
    fresh = await worker_b.generate_token_pair(user_id)
    await worker_a.validate_token(fresh.access_token)
    await worker_a.refresh_token(fresh.refresh_token)


async def test_revocations_survive_an_app_restart(
    deployment: Deployment, config: AuthConfig, user_id: str
) -> None:
    before = make_client(deployment)
    try:
        app = manager(config, before)
        revoked = await app.generate_token_pair(user_id)
        logged_out = await app.generate_token_pair(user_id)
        kept = await app.generate_token_pair(user_id)
        await app.revoke_token(revoked.access_token)
        await app.logout(logged_out.access_token)
    finally:
        await before.aclose()

    after = make_client(deployment)  # a new process: new client, new manager, cold cache
    try:
        restarted = manager(config, after)
        with pytest.raises(TokenRevokedError):
            await restarted.validate_token(revoked.access_token)
        with pytest.raises(TokenRevokedError):
            await restarted.refresh_token(logged_out.refresh_token)
        await restarted.validate_token(kept.access_token)
    finally:
        await after.aclose()


async def test_concurrent_refreshes_leave_at_most_one_usable_pair(
    clients: Clients, config: AuthConfig, user_id: str
) -> None:
    workers = [manager(config, clients.new()) for _ in range(5)]
    pair = await workers[0].generate_token_pair(user_id)
    for worker in workers:  # serving workers: connected, Cluster topology known
        await worker.validate_token(pair.access_token)

    results = await asyncio.gather(
        *(workers[i % len(workers)].refresh_token(pair.refresh_token) for i in range(50)),
        return_exceptions=True,
    )

    # Presentations that meet the spend before it is delivered are retries (each one
    # supersedes the pair handed out before it); those that come after are reuse.
    winners = [r for r in results if not isinstance(r, BaseException)]
    losers = [r for r in results if isinstance(r, BaseException)]
    odd = [r for r in losers if not isinstance(r, (TokenReuseError, TokenRevokedError))]
    assert not odd, [(type(r), r, r.__cause__) for r in odd]
    assert winners, results
    usable = []
    for winner in winners:
        try:
            await workers[0].validate_token(winner.access_token)
            usable.append(winner)
        except TokenRevokedError:
            pass
    assert len(usable) <= 1, "two holders of one refresh token both keep going"
    if any(isinstance(r, TokenReuseError) for r in losers):
        # Reuse happened, so the whole family is revoked, the survivor's tokens included.
        assert not usable
        for worker in workers:
            with pytest.raises(TokenRevokedError):
                await worker.validate_token(pair.access_token)
    else:
        assert len(usable) == 1
    for winner in winners:
        if winner not in usable:
            with pytest.raises((TokenReuseError, TokenRevokedError)):
                await workers[1].refresh_token(winner.refresh_token)


async def test_reuse_revokes_the_family_for_every_worker(
    clients: Clients, config: AuthConfig, user_id: str
) -> None:
    worker_a = manager(config, clients.new())
    worker_b = manager(config, clients.new())
    first = await worker_a.generate_token_pair(user_id)
    other_session = await worker_a.generate_token_pair(user_id)
    second = await worker_a.refresh_token(first.refresh_token)
    assert second.session_id == first.session_id
    await worker_b.validate_token(second.access_token)

    with pytest.raises(TokenReuseError) as reuse:
        await worker_b.refresh_token(first.refresh_token)
    assert reuse.value.status_code == 401

    for worker in (worker_a, worker_b):
        for token, kind in (
            (first.access_token, "access"),
            (second.access_token, "access"),
            (second.refresh_token, "refresh"),
        ):
            with pytest.raises(TokenRevokedError):
                await worker.validate_token(token, kind)
    with pytest.raises(TokenRevokedError):
        await worker_a.refresh_token(second.refresh_token)
    await worker_a.validate_token(other_session.access_token)


async def test_reuse_revokes_the_session_as_long_as_its_newest_token_lives(
    deployment: Deployment, clients: Clients, config: AuthConfig, user_id: str
) -> None:
    app = manager(config, clients.new())
    old = await app.generate_token_pair(user_id)
    await asyncio.sleep(2.1)  # the rotated refresh token expires seconds after the old one
    new = await app.refresh_token(old.refresh_token)
    with pytest.raises(TokenReuseError):
        await app.refresh_token(old.refresh_token)

    claims = app.engine.verify(new.refresh_token, None)
    key = _core.Keyspace(config.redis_key_prefix).session(user_id, new.session_id)
    node = deployment.node_for_key(key) if isinstance(deployment, RedisClusterNodes) else deployment
    ttl = int(node.cli("TTL", key).strip())
    # Revoked until the newest refresh token of the session is dead (plus the margin),
    # not only until the reused (older) one expires.
    assert ttl >= _core.retain_until(claims.expires_at) - int(time.time()) - 1


async def test_one_round_trip_per_validation(
    deployment: Deployment, clients: Clients, config: AuthConfig, user_id: str
) -> None:
    app = manager(config, clients.new())
    pair = await app.generate_token_pair(user_id)
    await app.validate_token(pair.access_token)  # warm: connections open, topology known
    assert isinstance(app.store, RedisStore)
    await app.store.check_persistence()  # the one-off start-up check, done

    for node in nodes(deployment):
        node.cli("CONFIG", "RESETSTAT")
    for _ in range(5):
        await app.validate_token(pair.access_token)
    calls: dict[str, int] = {}
    for node in nodes(deployment):
        for line in node.cli("INFO", "commandstats").splitlines():
            if line.startswith("cmdstat_"):
                name, _, stats = line.partition(":")
                count = int(stats.split(",")[0].removeprefix("calls="))
                calls[name] = calls.get(name, 0) + count
    # The RESETSTAT and INFO of this test themselves.
    calls = {
        name: n
        for name, n in calls.items()
        if not name.startswith(("cmdstat_config", "cmdstat_info"))
    }
    assert calls == {"cmdstat_mget": 5}


async def test_every_key_has_a_ttl_and_no_token_in_keys(
    deployment: Deployment, clients: Clients, config: AuthConfig, user_id: str
) -> None:
    app = manager(config, clients.new())
    tokens: list[str] = []
    for _ in range(2):
        pair = await app.generate_token_pair(user_id)
        tokens += [pair.access_token, pair.refresh_token]
    pair = await app.generate_token_pair(user_id)
    rotated = await app.refresh_token(pair.refresh_token)
    with pytest.raises(TokenReuseError):
        await app.refresh_token(pair.refresh_token)
    pair2 = await app.generate_token_pair(user_id)
    await app.revoke_token(pair2.access_token)
    await app.logout(pair2.refresh_token)
    await app.logout_all(user_id)
    await app.generate_token_pair(user_id)  # a session registered after logout-all
    tokens += [pair.access_token, pair.refresh_token, rotated.access_token, pair2.access_token]

    found = keys_of(deployment, config.redis_key_prefix)
    mine = {key: ttl for key, ttl in found.items() if "{" + user_id + "}" in key}
    kinds = {key.rsplit("}:", 1)[1].split(":")[0] for key in mine}
    assert kinds == {"jti", "sid", "before", "sessions", "spent"}, mine
    assert all(ttl > 0 for ttl in found.values()), found
    # A refresh lifetime (30 days) plus the margin at most.
    assert max(found.values()) <= 30 * 86400 + 300
    for key in found:
        assert not any(token in key or key in token for token in tokens)


async def test_keys_of_one_user_share_one_slot(
    deployment: Deployment, config: AuthConfig, user_id: str
) -> None:
    ks = _core.Keyspace(config.redis_key_prefix)
    names = [
        ks.token(user_id, "j"),
        ks.session(user_id, "s"),
        ks.user(user_id),
        ks.sessions(user_id),
        ks.spent(user_id, "j"),
        ks.session_prefix(user_id) + ks.session_member("s"),
    ]
    node = nodes(deployment)[0]
    slots = {node.cli("CLUSTER", "KEYSLOT", name).strip() for name in names}
    assert len(slots) == 1


async def test_scripts_reload_after_script_flush(
    deployment: Deployment, clients: Clients, config: AuthConfig, user_id: str
) -> None:
    app = manager(config, clients.new())
    pair = await app.generate_token_pair(user_id)
    for node in nodes(deployment):
        node.cli("SCRIPT", "FLUSH")
    pair = await app.refresh_token(pair.refresh_token)  # NOSCRIPT -> SCRIPT LOAD -> EVALSHA
    await app.logout_all(user_id)
    with pytest.raises(TokenRevokedError):
        await app.validate_token(pair.access_token)


async def test_slow_redis_fails_closed_within_the_timeout(
    deployment: Deployment, clients: Clients, config: AuthConfig, user_id: str
) -> None:
    config = config.model_copy(update={"redis_timeout_seconds": 0.5})
    app = manager(config, clients.new())
    pair = await app.generate_token_pair(user_id)
    await app.validate_token(pair.access_token)

    for node in nodes(deployment):
        node.cli("CLIENT", "PAUSE", "1500", "ALL")
    started = time.monotonic()
    with pytest.raises(StoreUnavailableError) as unavailable:
        await app.validate_token(pair.access_token)
    elapsed = time.monotonic() - started
    assert elapsed < config.redis_timeout_seconds + TIMEOUT_SLACK
    assert unavailable.value.status_code == 503
    assert unavailable.value.code == "store_unavailable"
    assert pair.access_token not in str(unavailable.value.to_dict())

    for node in nodes(deployment):
        node.cli("CLIENT", "UNPAUSE")
    await app.validate_token(pair.access_token)


async def test_redis_down_fails_closed_then_recovers(
    own_deployment: Deployment, config: AuthConfig, user_id: str
) -> None:
    config = config.model_copy(update={"redis_timeout_seconds": 0.5})
    client = make_client(own_deployment)
    try:
        app = manager(config, client)
        pair = await app.generate_token_pair(user_id)
        await app.validate_token(pair.access_token)
        if isinstance(own_deployment, RedisClusterNodes):
            key = _core.Keyspace(config.redis_key_prefix).user(user_id)
            victim = own_deployment.node_for_key(key)
        else:
            victim = own_deployment

        victim.kill()
        for attempt in (
            app.validate_token(pair.access_token),
            app.refresh_token(pair.refresh_token),
            app.logout(pair.access_token),
            app.logout_all(user_id),
            app.generate_token_pair(user_id),
        ):
            started = time.monotonic()
            with pytest.raises(StoreUnavailableError) as unavailable:
                await attempt
            assert time.monotonic() - started < config.redis_timeout_seconds + TIMEOUT_SLACK
            assert unavailable.value.status_code == 503

        victim.start()  # same port, empty (no persistence in the tests)
        if isinstance(own_deployment, RedisClusterNodes):
            own_deployment.wait_ok()
        # The same client and manager serve again, scripts reloaded on the fresh server.
        await app.validate_token(pair.access_token)
        rotated = await app.refresh_token(pair.refresh_token)
        await app.validate_token(rotated.access_token)
    finally:
        await client.aclose()


async def test_from_url_client_just_works(redis_single: RedisServer, config: AuthConfig) -> None:
    client = redis.asyncio.from_url(redis_single.url, decode_responses=True)
    try:
        app = JWTManager(config, client)
        assert isinstance(app.store, RedisStore)
        assert isinstance(app.store, RevocationStore)
        pair = await app.generate_token_pair("someone")
        await app.logout_all("someone")
        with pytest.raises(TokenRevokedError):
            await app.validate_token(pair.access_token)
        shared = JWTManager(config).with_redis(client)
        with pytest.raises(TokenRevokedError):
            await shared.validate_token(pair.access_token)
    finally:
        await client.aclose()


def test_a_synchronous_client_is_refused(config: AuthConfig) -> None:
    client = redis.Redis()
    try:
        with pytest.raises(ConfigurationError, match="asyncio"):
            JWTManager(config, client)
    finally:
        client.close()
    with pytest.raises(ConfigurationError):
        RedisStore(redis.asyncio.Redis(), timeout=0)
