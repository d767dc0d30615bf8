"""Shared fixtures: key pairs made once per run, configs/managers built from them, and
apps of ``tests/http/apps.py`` served by real uvicorn processes."""

from __future__ import annotations

import asyncio
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest

from netrun_auth import AuthConfig, JWTManager, _core

from .http.support import AUDIENCE, HERE, ISSUER, Keys, Server, base_env, start_server, uvicorn_args

KEY_KIND_OF = {
    "RS256": "rsa2048", "RS384": "rsa2048", "RS512": "rsa2048",
    "PS256": "rsa2048", "PS384": "rsa2048", "PS512": "rsa2048",
    "ES256": "p256", "ES384": "p384", "EdDSA": "ed25519",
}  # fmt: skip
HS_SECRET = "s" * 64


@dataclass(frozen=True)
class KeyPair:
    private_pem: str
    public_pem: str


@pytest.fixture(scope="session")
def keys() -> Callable[[str], KeyPair]:
    """keys(kind) -> a key pair of that kind, generated once per test run."""
    made: dict[str, KeyPair] = {}

    def get(kind: str) -> KeyPair:
        if kind not in made:
            private, public = _core.generate_key(kind.split(":")[0])
            made[kind] = KeyPair(private.decode(), public.decode())
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
def key_files(tmp_path_factory: pytest.TempPathFactory) -> Keys:
    directory = tmp_path_factory.mktemp("keys")
    private_pem, public_pem = _core.generate_key("rsa2048")
    (directory / "private.pem").write_bytes(private_pem)
    (directory / "public.pem").write_bytes(public_pem)
    return Keys(directory / "private.pem", directory / "public.pem")


@pytest.fixture(scope="session")
def token_factory(key_files: Keys):
    """``make(user_id, **claims) -> TokenPair`` issued with the test keys (as a server would)."""
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
