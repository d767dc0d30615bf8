"""Fixtures of the HTTP tests: real servers (uvicorn, redis-server) on free loopback ports.

Every app runs in its own uvicorn process and is driven over real HTTP with httpx
(and real WebSockets with the ``websockets`` client). ``key_files``, ``token_factory``
and ``test_app_server`` live in ``tests/conftest.py`` (tests/security uses them too);
the launchers are the shared support package's (``netrun_testing``).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from netrun_testing.debian import ensure_debian_package
from netrun_testing.redis_servers import RedisServer


@pytest.fixture(scope="session")
def redis_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A throw-away redis-server on a free loopback port (no persistence)."""
    ensure_debian_package("redis-server", "redis-server")
    ensure_debian_package("redis-cli", "redis-tools")
    with RedisServer(tmp_path_factory.mktemp("redis")) as server:
        yield server.url
