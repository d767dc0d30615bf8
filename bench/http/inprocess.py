"""CPU cost of one request through each benchmark app, without a network or a server.

Calls the ASGI app of every variant of ``app.py`` directly (same request as
``run.py``: ``GET /r`` with the bearer token) and reports CPU microseconds per
request (process time, best of interleaved rounds). Not affected by other load on the
machine the way req/s are, and isolates what the app stack itself costs.

    python bench/http/inprocess.py [--requests 20000]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from run import AUDIENCE, ISSUER, VARIANTS, make_keys_and_token  # noqa: E402

from netrun_testing.redis_servers import RedisServer  # noqa: E402


def build(variant: str):
    os.environ["BENCH_VARIANT"] = variant
    import app as bench_app

    return bench_app.create_app()


HEADERS: list[tuple[bytes, bytes]] = []
STATUSES: set[int] = set()


async def receive():
    return {"type": "http.request", "body": b"", "more_body": False}


async def send(message):
    if message["type"] == "http.response.start":
        STATUSES.add(message["status"])


def scope():
    return {
        "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
        "method": "GET", "scheme": "http", "path": "/r", "raw_path": b"/r",
        "root_path": "", "query_string": b"", "headers": HEADERS,
        "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000), "state": {},
    }  # fmt: skip


async def measure(apps: dict, requests: int, rounds: int) -> dict[str, float]:
    """Best CPU us/request per app, the apps interleaved round after round."""
    for asgi in apps.values():
        for _ in range(500):  # warm-up (the first request builds the middleware stack)
            await asgi(scope(), receive, send)
    best = dict.fromkeys(apps, float("inf"))
    per_round = requests // rounds
    for _ in range(rounds):
        for variant, asgi in apps.items():
            start = time.process_time()
            for _ in range(per_round):
                await asgi(scope(), receive, send)
            best[variant] = min(best[variant], (time.process_time() - start) / per_round * 1e6)
    if {200} != STATUSES:
        raise SystemExit(f"unexpected statuses {sorted(STATUSES)}")
    return best


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--requests", type=int, default=20000, help="per variant")
    parser.add_argument("--rounds", type=int, default=10)
    parser.add_argument("--variants", help="comma-separated subset (open is always measured)")
    args = parser.parse_args()
    with (
        tempfile.TemporaryDirectory(prefix="netrun-bench-") as tmp,
        RedisServer(Path(tmp) / "redis") as redis,
    ):
        token = make_keys_and_token(Path(tmp))
        os.environ.update(
            BENCH_REDIS_URL=redis.url,
            BENCH_ISSUER=ISSUER,
            BENCH_AUDIENCE=AUDIENCE,
            BENCH_PRIVATE_KEY=str(Path(tmp) / "private.pem"),
            BENCH_PUBLIC_KEY=str(Path(tmp) / "public.pem"),
        )
        HEADERS[:] = [
            (b"host", b"127.0.0.1:8000"),
            (b"user-agent", b"bench"),
            (b"accept", b"*/*"),
            (b"authorization", b"Bearer " + token.encode()),
        ]
        only = set(args.variants.split(",")) if args.variants else None
        apps = {v: build(v) for v, _ in VARIANTS if only is None or v in only or v == "open"}
        results = asyncio.run(measure(apps, args.requests, args.rounds))
    base = results["open"]
    print(f"{'app (in process, no network)':<44} {'CPU us/req':>10} {'over unprotected':>17}")
    for variant, label in VARIANTS:
        if variant not in results:
            continue
        extra = results[variant] - base
        print(f"{label:<44} {results[variant]:>10.1f} {extra:>+16.1f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
