"""Fixtures of the HTTP tests: real servers (uvicorn, redis-server) on free loopback ports.

Every app runs in its own uvicorn process and is driven over real HTTP with httpx
(and real WebSockets with the ``websockets`` client). ``key_files``, ``token_factory``
and ``test_app_server`` live in ``tests/conftest.py`` (tests/security uses them too).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from .support import base_env, ensure_debian_package, start_server


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
