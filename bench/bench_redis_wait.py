"""What waiting for a replica costs a logout (issue 16: ``redis_wait_replicas``).

A redis-server primary with one replica (both on loopback, started here) and a
``JWTManager`` on the primary: ``logout`` (two revocation writes: the token and its
session) timed with ``redis_wait_replicas=0`` (answered by the primary alone) and ``=1``
(each write followed by ``WAIT 1`` on its connection), in interleaved rounds; medians
reported. The difference is the replica's acknowledgement round trip.

    python bench/bench_redis_wait.py
    python bench/bench_redis_wait.py --logouts 500 --rounds 3
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import tempfile
import time
from pathlib import Path

import redis.asyncio
from _results import Figure, record

from netrun_auth import AuthConfig, JWTManager, _core
from netrun_testing.machine import machine
from netrun_testing.redis_servers import RedisServer

SECTION = "Redis: revocations that survive a failover (issue 16)"


async def per_logout_us(config: AuthConfig, url: str, logouts: int) -> float:
    client = redis.asyncio.from_url(url)
    manager = JWTManager(config, client)
    try:
        pairs = [await manager.generate_token_pair(f"wait-{i}") for i in range(logouts)]
        await manager.logout(pairs[0].access_token)  # scripts loaded, connection open
        started = time.perf_counter()
        for pair in pairs[1:]:
            await manager.logout(pair.access_token)
        return (time.perf_counter() - started) / (logouts - 1) * 1e6
    finally:
        await manager.aclose()
        await client.aclose()


async def run(args: argparse.Namespace, url: str) -> dict[int, list[float]]:
    private, public = _core.generate_key("ed25519")
    results: dict[int, list[float]] = {0: [], 1: []}
    for round_ in range(args.rounds):
        for replicas in (0, 1) if round_ % 2 == 0 else (1, 0):
            config = AuthConfig(
                _env_file=None,
                jwt_issuer="bench",
                jwt_audience="bench-api",
                jwt_algorithm="EdDSA",
                jwt_private_key=private.decode(),
                jwt_public_key=public.decode(),
                redis_key_prefix=f"bench-wait-{round_}-{replicas}:",
                redis_wait_replicas=replicas,
                redis_wait_timeout_seconds=0.25,
            )
            results[replicas].append(await per_logout_us(config, url, args.logouts))
    return results


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--logouts", type=int, default=1000)
    parser.add_argument("--rounds", type=int, default=5)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        with RedisServer(work / "primary") as primary:
            replica = RedisServer(
                work / "replica", None, "--replicaof", "127.0.0.1", str(primary.port)
            )
            with replica:
                deadline = time.monotonic() + 30
                while "master_link_status:up" not in replica.cli("INFO", "replication"):
                    if time.monotonic() > deadline:
                        raise SystemExit("the replica did not sync")
                    time.sleep(0.05)
                results = asyncio.run(run(args, primary.url))

    without, with_wait = statistics.median(results[0]), statistics.median(results[1])
    print(f"logout, {args.logouts} per round, {args.rounds} rounds (medians), {machine()}")
    print(f"  redis_wait_replicas=0: {without:8.0f} us per logout  {results[0]}")
    print(f"  redis_wait_replicas=1: {with_wait:8.0f} us per logout  {results[1]}")
    print(f"  cost of waiting: +{with_wait - without:.0f} us ({with_wait / without:.2f}x)")
    record(
        "redis_wait",
        [
            Figure(
                section=SECTION,
                name="logout with redis_wait_replicas=1 (WAIT after each revocation write)",
                value=round(with_wait, 1),
                unit="us/logout",
                peer="redis_wait_replicas=0",
                peer_value=round(without, 1),
                ratio=round(without / with_wait, 3),
                note=(
                    "primary + 1 replica on loopback; a logout is two revocation writes;"
                    f" +{with_wait - without:.0f} us per logout; {args.rounds} interleaved"
                    f" rounds of {args.logouts}, medians"
                ),
            )
        ],
    )


if __name__ == "__main__":
    main()
