"""Shared fixtures: key pairs made once per run, configs/managers built from them, and
apps of ``tests/http/apps.py`` served by real uvicorn processes.

Keys, key files and the server launchers come from the support package shared with the
benchmarks (``netrun_testing``, in ``testing/``); the fixtures keep their names here.
"""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from netrun_auth import AuthConfig, JWTManager
from netrun_testing.keys import (
    HS_SECRET,
    KEY_KIND_OF,
    KeyFiles,
    KeyPair,
    generate_key_pair,
    write_key_files,
)
from netrun_testing.servers import Server, base_env, start_server, uvicorn_args

from .http.support import HERE

__all__ = ["HS_SECRET", "KEY_KIND_OF", "KeyPair"]


@pytest.fixture(scope="session")
def keys() -> Callable[[str], KeyPair]:
    """keys(kind) -> a key pair of that kind, generated once per test run."""
    made: dict[str, KeyPair] = {}

    def get(kind: str) -> KeyPair:
        if kind not in made:
            made[kind] = generate_key_pair(kind.split(":")[0])
        return made[kind]

    return get


@pytest.fixture
def make_config(keys: Callable[[str], KeyPair]) -> Callable[..., AuthConfig]:
    """make_config(algorithm="RS256", **overrides) -> an AuthConfig with inline keys, no .env."""

    def make(algorithm: str = "RS256", **overrides: Any) -> AuthConfig:
        values: dict[str, Any] = {
            "jwt_issuer": "test-issuer",
            "jwt_audience": "test-audience",
            "jwt_algorithm": algorithm,
        }
        if algorithm.startswith("HS"):
            values["jwt_secret"] = HS_SECRET
        else:
            pair = keys(KEY_KIND_OF[algorithm])
            values["jwt_private_key"] = pair.private_pem
            values["jwt_public_key"] = pair.public_pem
        values.update(overrides)
        return AuthConfig(_env_file=None, **values)

    return make


@pytest.fixture
def manager(make_config: Callable[..., AuthConfig]) -> JWTManager:
    return JWTManager(make_config())


# ------------------------------------------------------------------ real servers
# Shared by tests/http and tests/security: keys on disk and an app of tests/http/apps.py
# served by uvicorn on a free loopback port.


@pytest.fixture(scope="session")
def key_files(tmp_path_factory: pytest.TempPathFactory) -> KeyFiles:
    """An RSA key pair on disk; ``.env()`` gives the ``NETRUN_AUTH_*`` settings of the apps."""
    return write_key_files(tmp_path_factory.mktemp("keys"))


@pytest.fixture(scope="session")
def token_factory(key_files: KeyFiles):
    """``make(user_id, **claims) -> TokenPair`` issued with the test keys (as a server would)."""
    config = AuthConfig(**key_files.settings(), _env_file=None)
    manager = JWTManager(config)

    def make(user_id: str = "user123", **claims):
        return asyncio.run(manager.generate_token_pair(user_id, **claims))

    return make


@pytest.fixture(scope="module")
def test_app_server(request, key_files: KeyFiles, tmp_path_factory) -> Iterator[Server]:
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
