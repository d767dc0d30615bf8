"""Interface 6 / defect 3 of issue 10: ``JWTManager.use_redis``, one manager one store.

The middleware and ``configure()`` call it; nothing builds a second store or mirror.
(The end-to-end regression, logout through the seed's wiring over real HTTP and a
real redis-server, is tests/http/test_http_seed_wiring.py.)
"""

from __future__ import annotations

import logging

import pytest
import redis.asyncio as redis

from netrun_auth import JWTManager, MemoryStore
from netrun_auth.exceptions import ConfigurationError
from netrun_auth.redis_store import RedisStore


@pytest.fixture
def client(redis_single):
    return redis.from_url(redis_single.url)


def test_adopts_once_with_a_log_line(config, client, caplog):
    manager = JWTManager(config)
    assert isinstance(manager.store, MemoryStore)
    with caplog.at_level(logging.INFO, logger="netrun_auth"):
        assert manager.use_redis(client) is manager
        store = manager.store
        assert manager.use_redis(client) is manager
    assert isinstance(store, RedisStore) and store.client is client
    assert manager.store is store  # idempotent: the same store, no second one
    adopted = [r for r in caplog.records if r.name == "netrun_auth" and r.levelno == logging.INFO]
    assert len(adopted) == 1
    assert "Redis" in adopted[0].getMessage()


def test_a_manager_built_with_that_client_is_unchanged(config, client):
    manager = JWTManager(config, client)
    store = manager.store
    manager.use_redis(client)
    assert manager.store is store


def test_another_client_is_a_configuration_error(config, client, redis_single):
    manager = JWTManager(config, client)
    with pytest.raises(ConfigurationError, match="another Redis client"):
        manager.use_redis(redis.from_url(redis_single.url))


def test_a_store_of_its_own_is_not_replaced(config, client):
    store = MemoryStore()
    manager = JWTManager(config, store=RedisStore(client))
    with pytest.raises(ConfigurationError):
        manager.use_redis(redis.from_url("redis://127.0.0.1:1/0"))
    other = JWTManager(config, store=_CustomStore(store))
    with pytest.raises(ConfigurationError, match="its own store"):
        other.use_redis(client)


class _CustomStore:
    def __init__(self, inner: MemoryStore) -> None:
        self.inner = inner


def test_middleware_and_configure_share_the_managers_one_store(config, client):
    from fastapi import FastAPI

    from netrun_auth.dependencies import configure
    from netrun_auth.middleware import AuthenticationMiddleware

    mirrored = config.model_copy(update={"redis_local_mirror": True})
    manager = JWTManager(mirrored)
    app = FastAPI()
    first = AuthenticationMiddleware(app, jwt_manager=manager, redis_client=client)
    store = manager.store
    second = AuthenticationMiddleware(app, jwt_manager=manager, redis_client=client)
    configure(app, manager, redis_client=client)
    assert isinstance(store, RedisStore) and store.mirror_live is False
    assert manager.store is store  # one store, so one mirror
    assert first.settings.jwt_manager is manager and second.settings.jwt_manager is manager
