"""Shared fixtures: key pairs made once per run, and configs/managers built from them."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from netrun_auth import AuthConfig, JWTManager, _core

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
