"""Fixtures of the HTTP tests: real servers (uvicorn, redis-server) on free loopback ports.

Every app runs in its own uvicorn process and is driven over real HTTP with httpx
(and real WebSockets with the ``websockets`` client).
"""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest

from .support import (
    AUDIENCE,
    HERE,
    ISSUER,
    Keys,
    Server,
    base_env,
    ensure_debian_package,
    start_server,
    uvicorn_args,
)


@pytest.fixture(scope="session")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    from netrun_auth import _core

    directory = tmp_path_factory.mktemp("keys")
    private_pem, public_pem = _core.generate_key("rsa2048")
    (directory / "private.pem").write_bytes(private_pem)
    (directory / "public.pem").write_bytes(public_pem)
    return Keys(directory / "private.pem", directory / "public.pem")


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throw-away redis-server on a free loopback port (no persistence)."""
    binary = ensure_debian_package("redis-server", "redis-server")
    directory = tmp_path_factory.mktemp("redis")
    server = start_server(
        [
            binary,
            "--bind",
            "127.0.0.1",
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(directory),
        ],
        cwd=directory,
        env=base_env(),
        log=directory / "redis.log",
    )
    yield f"redis://127.0.0.1:{server.port}/0"
    server.stop()


@pytest.fixture(scope="session")
def token_factory(key_files: Keys):
    """``make(user_id, **claims) -> TokenPair`` issued with the test keys (as a server would)."""
    from netrun_auth import AuthConfig, JWTManager

    config = AuthConfig(
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_private_key_path=str(key_files.private_path),
        jwt_public_key_path=str(key_files.public_path),
        _env_file=None,
    )
    manager = JWTManager(config)

    def make(user_id: str = "user123", **claims):
        return asyncio.run(manager.generate_token_pair(user_id, **claims))

    return make


@pytest.fixture(scope="module")
def test_app_server(request, key_files: Keys, tmp_path_factory) -> Iterator[Server]:
    """Serve the factory ``tests/http/apps.py:<param>`` (use with indirect parametrize
    or ``@pytest.mark.parametrize("test_app_server", [...], indirect=True)``)."""
    name = request.param
    log = tmp_path_factory.mktemp("app") / f"{name}.log"
    server = start_server(
        uvicorn_args(f"apps:{name}", factory=True),
        cwd=HERE,
        env=base_env(**key_files.env()),
        log=log,
    )
    yield server
    server.stop()
