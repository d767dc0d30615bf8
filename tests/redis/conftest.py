"""Fixtures of the Redis store tests: real servers started here and stopped after. No fakes.

A single node and a 3-node Cluster are shared by the session (tests use fresh user ids);
tests that kill servers get their own deployment.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest

if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
    pytest.skip(
        "redis-server / redis-cli not installed (apt-get install -y redis-server)",
        allow_module_level=True,
    )

from netrun_auth import AuthConfig, _core
from netrun_testing.ports import free_port
from netrun_testing.redis_servers import Clients, RedisClusterNodes, RedisServer


@pytest.fixture(scope="session")
def redis_single(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    server = RedisServer(tmp_path_factory.mktemp("redis-single"), free_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterNodes]:
    cluster = RedisClusterNodes(tmp_path_factory.mktemp("redis-cluster"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["single", "cluster"])
def deployment(request: pytest.FixtureRequest) -> RedisServer | RedisClusterNodes:
    """The Redis deployment a test runs against: a single node, then a 3-node Cluster."""
    name = "redis_single" if request.param == "single" else "redis_cluster"
    return request.getfixturevalue(name)


@pytest.fixture
async def clients(deployment: RedisServer | RedisClusterNodes) -> AsyncIterator[Clients]:
    pool = Clients(deployment)
    yield pool
    await pool.aclose()


@pytest.fixture(scope="session")
def keypair() -> tuple[bytes, bytes]:
    return _core.generate_key("ed25519")


@pytest.fixture
def config(keypair: tuple[bytes, bytes]) -> AuthConfig:
    private, public = keypair
    return AuthConfig(
        _env_file=None,
        jwt_issuer="netrun-tests",
        jwt_audience="netrun-tests-api",
        jwt_algorithm="EdDSA",
        jwt_private_key=private.decode(),
        jwt_public_key=public.decode(),
        # Generous for a shared, busy test machine; timeout tests set their own.
        redis_timeout_seconds=2.0,
        # One test prefix per run: runs never see each other's keys.
        redis_key_prefix=f"netrun-test-{os.getpid()}:",
        # The store's own path (one MGET per validation); the mirror, on by default, is
        # tested where a test turns it on (test_redis_mirror.py, test_redis_faults.py).
        redis_local_mirror=False,
    )


@pytest.fixture
def user_id() -> str:
    """A fresh user per test, so tests sharing a server never interfere."""
    return f"user-{uuid.uuid4().hex[:12]}"


@pytest.fixture(params=["single", "cluster"])
def own_deployment(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[RedisServer | RedisClusterNodes]:
    """A deployment of this test alone (it may kill servers)."""
    if request.param == "single":
        deployment: RedisServer | RedisClusterNodes = RedisServer(tmp_path / "redis", free_port())
    else:
        deployment = RedisClusterNodes(tmp_path / "cluster")
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


@pytest.fixture
def own_replicated(tmp_path: Path) -> Iterator[RedisClusterNodes]:
    """A Cluster with replicas of this test alone (it kills a primary)."""
    cluster = RedisClusterNodes(tmp_path / "cluster", replicas=1)
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()
