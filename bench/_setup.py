"""What the Redis benchmarks share (``bench_guard.py``, ``bench_store.py``): one
``AuthConfig`` shape (EdDSA keys made for the run, a bench issuer and audience, a bench
key prefix) and one way to get a Redis server (the one given, or a redis-server started
here with the support package ``netrun_testing``)."""

from __future__ import annotations

import contextlib
import os
import shutil
import tempfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

from netrun_auth import AuthConfig
from netrun_testing.keys import generate_key_pair
from netrun_testing.redis_servers import RedisServer

__all__ = ["bench_config", "load", "redis_url"]


def bench_config(prefix: str, **extra: Any) -> AuthConfig:
    """The benchmarks' settings: fresh Ed25519 keys, keys in Redis under ``prefix``."""
    pair = generate_key_pair("ed25519")
    return AuthConfig(
        _env_file=None,
        jwt_issuer="bench",
        jwt_audience="bench-api",
        jwt_algorithm="EdDSA",
        jwt_private_key=pair.private_pem,
        jwt_public_key=pair.public_pem,
        redis_timeout_seconds=2.0,
        redis_key_prefix=prefix,
        **extra,
    )


@contextlib.contextmanager
def redis_url(url: str | None) -> Iterator[str]:
    """``url`` when given, else the URL of a redis-server started for the block."""
    if url is not None:
        yield url
        return
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server not found: install it or pass --redis URL")
    with (
        tempfile.TemporaryDirectory(prefix="netrun-bench-redis-") as workdir,
        RedisServer(Path(workdir) / "redis") as server,
    ):
        yield server.url


def load() -> str:
    """The machine's load averages (1, 5, 15 min) and cores, to print with timings."""
    one, five, fifteen = os.getloadavg()
    return f"load {one:.1f} / {five:.1f} / {fifteen:.1f} on {os.cpu_count()} cores"
