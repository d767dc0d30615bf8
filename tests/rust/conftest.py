"""Fixtures of the cross-language tests: the Rust example server (``netrun-auth-axum``)
as a real process on a free loopback port, configured through the same ``NETRUN_AUTH_*``
settings as the Python ``JWTManager`` it is tested against, and real Redis deployments
(the servers of ``tests/redis``: a single node and a 3-node Cluster). No fakes.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

from netrun_auth import AuthConfig, _core

from ..http.support import ROOT, Server, free_port, wait_for_port
from ..redis.redis_servers import RedisClusterNodes, RedisServer
from ..redis.redis_servers import free_port as redis_port

ISSUER = "netrun-rust-tests"
AUDIENCE = "netrun-rust-tests-api"
BUILD = ["cargo", "build", "--quiet", "-p", "netrun-auth-axum", "--example", "server"]
BUILD += ["--features", "redis,oidc"]


def _server_binary() -> Path:
    target = Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target"))
    binary = target / "debug" / "examples" / "server"
    # scripts/test builds it before pytest; cargo is quick when it is up to date.
    subprocess.run(BUILD, cwd=ROOT, check=True, timeout=1800)
    return binary


@pytest.fixture(scope="session")
def server_binary() -> Path:
    if shutil.which("cargo") is None:
        pytest.skip("cargo is not installed: the Rust example server cannot be built")
    return _server_binary()


@pytest.fixture(scope="session")
def keypair() -> tuple[str, str]:
    private, public = _core.generate_key("ed25519")
    return private.decode(), public.decode()


@pytest.fixture
def settings(keypair: tuple[str, str]) -> dict[str, str]:
    """The settings both languages read, as ``NETRUN_AUTH_*`` variables."""
    private, public = keypair
    return {
        "NETRUN_AUTH_JWT_ISSUER": ISSUER,
        "NETRUN_AUTH_JWT_AUDIENCE": AUDIENCE,
        "NETRUN_AUTH_JWT_ALGORITHM": "EdDSA",
        "NETRUN_AUTH_JWT_PRIVATE_KEY": private,
        "NETRUN_AUTH_JWT_PUBLIC_KEY": public,
        "NETRUN_AUTH_REDIS_KEY_PREFIX": f"netrun-rust-test-{os.getpid()}:",
        "NETRUN_AUTH_REDIS_TIMEOUT_SECONDS": "2.0",
        # Strict per-request checks: these tests assert the very next request after a
        # logout in the other language (the mirror, on by default, is tested on its own).
        "NETRUN_AUTH_REDIS_LOCAL_MIRROR": "false",
    }


def python_config(settings: dict[str, str], **overrides: object) -> AuthConfig:
    """The Python ``AuthConfig`` of the same settings (no ``.env``)."""
    values: dict[str, object] = {
        name.removeprefix("NETRUN_AUTH_").lower(): value for name, value in settings.items()
    }
    values.update(overrides)
    return AuthConfig(_env_file=None, **values)


RustServer = Server
"""The example server process: the shared support package's :class:`Server`."""


@pytest.fixture
def rust_server(server_binary: Path, tmp_path: Path) -> Iterator[Callable[..., RustServer]]:
    """start(env, *args, cwd=None) -> a running example server (stopped after the test).

    The environment holds only ``env`` (plus ``PATH``/``HOME``), so nothing of the
    developer's own ``NETRUN_AUTH_*`` leaks in; ``cwd`` (default: an empty directory)
    is where its ``.env`` would be read.
    """
    started: list[RustServer] = []

    def start(env: dict[str, str], *args: str, cwd: Path | None = None) -> RustServer:
        workdir = cwd or tmp_path / f"rust-{len(started)}"
        workdir.mkdir(parents=True, exist_ok=True)
        log = tmp_path / f"rust-server-{len(started)}.log"
        for _attempt in range(3):
            port = free_port()
            base = {k: os.environ[k] for k in ("PATH", "HOME") if k in os.environ}
            with log.open("wb") as out:
                proc = subprocess.Popen(
                    [str(server_binary), *args],
                    cwd=workdir,
                    env={**base, **env, "PORT": str(port)},
                    stdout=out,
                    stderr=subprocess.STDOUT,
                )
            server = RustServer(proc, port, log)
            if wait_for_port(port, proc):
                started.append(server)
                return server
            server.stop()
        raise RuntimeError(f"the Rust example server did not start:\n{log.read_text()}")

    yield start
    for server in started:
        server.stop()


@pytest.fixture
def user_id() -> str:
    return f"user-{uuid.uuid4().hex[:12]}"


# ------------------------------------------------------------------ Redis deployments
# The servers of tests/redis (redis_servers.py), one deployment per session and kind.


@pytest.fixture(scope="session")
def redis_single(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisServer]:
    _need_redis()
    server = RedisServer(tmp_path_factory.mktemp("rust-redis-single"), redis_port())
    server.start()
    yield server
    server.stop()


@pytest.fixture(scope="session")
def redis_cluster(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RedisClusterNodes]:
    _need_redis()
    cluster = RedisClusterNodes(tmp_path_factory.mktemp("rust-redis-cluster"))
    try:
        cluster.start()
        yield cluster
    finally:
        cluster.stop()


@pytest.fixture(params=["single", "cluster"])
def deployment(request: pytest.FixtureRequest) -> RedisServer | RedisClusterNodes:
    """A single node, then a 3-node Cluster."""
    return request.getfixturevalue("redis_single" if request.param == "single" else "redis_cluster")


@pytest.fixture(params=["single", "cluster"])
def own_deployment(
    request: pytest.FixtureRequest, tmp_path: Path
) -> Iterator[RedisServer | RedisClusterNodes]:
    """A deployment of this test alone (it kills servers)."""
    _need_redis()
    if request.param == "single":
        deployment: RedisServer | RedisClusterNodes = RedisServer(tmp_path / "redis", redis_port())
    else:
        deployment = RedisClusterNodes(tmp_path / "cluster")
    try:
        deployment.start()
        yield deployment
    finally:
        deployment.stop()


def _need_redis() -> None:
    if shutil.which("redis-server") is None or shutil.which("redis-cli") is None:
        pytest.skip("redis-server / redis-cli not installed (apt-get install -y redis-server)")


def redis_args(deployment: RedisServer | RedisClusterNodes) -> list[str]:
    """The example server's flags for this deployment."""
    return ["--redis", "--cluster"] if isinstance(deployment, RedisClusterNodes) else ["--redis"]
