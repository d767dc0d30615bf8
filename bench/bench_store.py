"""Validations per second in one process: engine only, in-memory store, Redis.

    python bench/bench_store.py                       # starts its own redis-server
    python bench/bench_store.py --redis redis://host:6379/0 --seconds 3

Every figure is the seed's ``await JWTManager.validate_token`` (signature and claims in the Rust engine, with its
verified-token cache, then the store's revocation check) on a pool of live access tokens,
in one asyncio event loop. "Redis sequential" awaits each validation before the next (one
request at a time: latency-bound); "Redis concurrent" keeps ``--concurrency`` in flight, as
a busy worker does. Build the extension in release mode first (``maturin develop --release``).
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import time
from collections.abc import Awaitable, Callable

import redis.asyncio
from _results import Figure, record
from _setup import bench_config, redis_url

from netrun_auth import JWTManager, MemoryStore, _core


class NoStore:
    """No revocation check at all: the engine's cost alone."""

    async def check(self, claims: _core.Claims) -> None:
        return None

    async def register_session(self, user_id: str, session_id: str, expires_at: int) -> None:
        return None


async def rate_sequential(
    validate: Callable[[str], Awaitable[object]], tokens: list[str], seconds: float
) -> float:
    done = 0
    n = len(tokens)
    deadline = time.perf_counter() + seconds
    started = time.perf_counter()
    while True:
        for _ in range(200):
            await validate(tokens[done % n])
            done += 1
        if time.perf_counter() >= deadline:
            break
    return done / (time.perf_counter() - started)


async def rate_concurrent(
    validate: Callable[[str], Awaitable[object]],
    tokens: list[str],
    seconds: float,
    concurrency: int,
) -> float:
    done = 0
    n = len(tokens)
    deadline = time.perf_counter() + seconds

    async def lane(offset: int) -> None:
        nonlocal done
        i = offset
        while time.perf_counter() < deadline:
            await validate(tokens[i % n])
            i += concurrency
            done += 1

    started = time.perf_counter()
    await asyncio.gather(*(lane(k) for k in range(concurrency)))
    return done / (time.perf_counter() - started)


async def run(args: argparse.Namespace, url: str) -> dict[str, float]:
    cfg = bench_config("netrun-bench:")
    engine_only = JWTManager(cfg, store=NoStore())  # type: ignore[arg-type]
    memory = engine_only.with_store(MemoryStore())
    client = redis.asyncio.from_url(url)
    try:
        in_redis = engine_only.with_redis(client)
        tokens = [
            (await in_redis.generate_token_pair(f"user-{i}")).access_token
            for i in range(args.tokens)
        ]
        for token in tokens:  # warm every cache and connection
            await in_redis.validate_token(token)
        rates: dict[str, float] = {}
        rates["engine only (no store)"] = await rate_sequential(
            engine_only.validate_token, tokens, args.seconds
        )
        rates["in-memory store"] = await rate_sequential(
            memory.validate_token, tokens, args.seconds
        )
        rates["Redis, sequential"] = await rate_sequential(
            in_redis.validate_token, tokens, args.seconds
        )
        rates[f"Redis, {args.concurrency} concurrent"] = await rate_concurrent(
            in_redis.validate_token, tokens, args.seconds, args.concurrency
        )
        return rates
    finally:
        await client.aclose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--redis", help="Redis URL (default: start a redis-server here)")
    parser.add_argument("--seconds", type=float, default=3.0, help="per measurement")
    parser.add_argument("--tokens", type=int, default=1000, help="distinct live tokens")
    parser.add_argument("--concurrency", type=int, default=32)
    args = parser.parse_args()

    with redis_url(args.redis) as url:
        rates = asyncio.run(run(args, url))

    base = rates["engine only (no store)"]
    print(f"# {platform.python_implementation()} {platform.python_version()}, "
          f"{platform.machine()}, netrun-auth {_core.__version__}, {args.tokens} tokens, EdDSA")  # fmt: skip
    print(f"{'':32} {'validations/s':>14} {'vs engine only':>15}")
    for name, rate in rates.items():
        print(f"{name:32} {rate:14,.0f} {rate / base:14.1%}")
    load = ", ".join(f"{x:.1f}" for x in os.getloadavg())
    figures = [
        Figure(
            section="Store: validations per second in one process",
            name=f"validate_token, {name}",
            value=round(rate),
            unit="validations/s",
            peer="engine only (no store)",
            peer_value=round(base),
            ratio=round(rate / base, 3),
            note=f"{args.tokens} EdDSA tokens, {args.seconds:g} s each; load average {load}",
        )
        for name, rate in rates.items()
        if name != "engine only (no store)"
    ]
    print(f"figures: {record('store', figures)}")


if __name__ == "__main__":
    main()
