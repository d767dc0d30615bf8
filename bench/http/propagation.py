"""How soon a revocation made through one worker is enforced by another (seed's Redis wiring).

Two uvicorn processes (one worker each, the ``netrun-redis`` app of ``app.py``: the seed's
wiring, default settings) share one redis-server. For each sample a fresh token is issued,
accepted by worker B, logged out through worker A (``POST /logout``, which answers once
Redis has the revocation), and then B is polled (``GET /r``, one keep-alive connection,
back to back) until it answers 401. The figure is the time from A's answer to B's first
401, so it includes the duration of that last poll (about a request's latency: the
floor, which the strict variant shows). Optionally B serves a ``wrk`` load meanwhile.

Run by ``run.py`` (``--propagation-samples``), or on its own::

    python bench/http/propagation.py --samples 300
"""

from __future__ import annotations

import asyncio
import contextlib
import http.client
import json
import statistics
import subprocess
import time
from collections.abc import Iterator
from dataclasses import dataclass

ISSUED_TTL_MINUTES = 60


@dataclass
class Propagation:
    """Milliseconds from the logout's answer (worker A) to worker B's first 401."""

    samples_ms: list[float]
    polls: list[int]

    @property
    def p50(self) -> float:
        return statistics.median(self.samples_ms)

    @property
    def p99(self) -> float:
        return percentile(self.samples_ms, 0.99)

    @property
    def max(self) -> float:
        return max(self.samples_ms)


def percentile(values: list[float], q: float) -> float:
    """The ``q`` quantile of ``values`` (nearest rank, so p99 of 300 is the 3rd largest)."""
    ordered = sorted(values)
    rank = max(1, round(q * len(ordered) + 0.5))
    return ordered[min(rank, len(ordered)) - 1]


def issue_tokens(env: dict[str, str], count: int, *, revoked: bool = False) -> list[str]:
    """``count`` access tokens of distinct users, their sessions registered in Redis
    (with ``revoked``: each logged out, so Redis holds what a live service has)."""
    import redis.asyncio

    from netrun_auth import AuthConfig, JWTManager

    config = AuthConfig(
        jwt_issuer=env["BENCH_ISSUER"],
        jwt_audience=env["BENCH_AUDIENCE"],
        jwt_private_key_path=env["BENCH_PRIVATE_KEY"],
        jwt_public_key_path=env["BENCH_PUBLIC_KEY"],
        access_token_expire_minutes=ISSUED_TTL_MINUTES,
        redis_local_mirror=False,  # the issuer only writes
        _env_file=None,
    )

    async def issue() -> list[str]:
        client = redis.asyncio.from_url(env["BENCH_REDIS_URL"])
        try:
            manager = JWTManager(config, client)
            stamp = time.time_ns()
            tokens = []
            for i in range(count):
                token = (await manager.generate_token_pair(f"prop-{stamp}-{i}")).access_token
                if revoked:
                    await manager.logout(token)
                tokens.append(token)
            return tokens
        finally:
            await client.aclose()

    return asyncio.run(issue())


class Worker:
    """One keep-alive HTTP/1.1 connection to a worker."""

    def __init__(self, port: int) -> None:
        self.conn = http.client.HTTPConnection("127.0.0.1", port, timeout=10)

    def request(self, method: str, path: str, token: str | None = None) -> tuple[int, bytes]:
        headers = {"Authorization": f"Bearer {token}"} if token else {}
        self.conn.request(method, path, headers=headers)
        response = self.conn.getresponse()
        return response.status, response.read()

    def close(self) -> None:
        self.conn.close()


def wait_mirror_live(worker: Worker, token: str, seconds: float = 30.0) -> bool:
    """Validate once (starts the mirror), then wait until the worker says it is live."""
    status, _ = worker.request("GET", "/r", token)
    if status != 200:
        raise SystemExit(f"worker refused a fresh token: {status}")
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        _, body = worker.request("GET", "/mirror")
        if json.loads(body)["live"]:
            return True
        time.sleep(0.05)
    return False


def measure(port_a: int, port_b: int, tokens: list[str], *, expect_mirror: bool) -> Propagation:
    """One sample per token (see the module docs)."""
    a, b = Worker(port_a), Worker(port_b)
    try:
        warm, *tokens = tokens
        if expect_mirror:
            for worker in (a, b):
                if not wait_mirror_live(worker, warm):
                    raise SystemExit("the revocation mirror did not go live")
        samples: list[float] = []
        polls: list[int] = []
        for token in tokens:
            status, _ = b.request("GET", "/r", token)
            if status != 200:
                raise SystemExit(f"worker B refused a fresh token: {status}")
            status, _ = a.request("POST", "/logout", token)
            if status != 200:
                raise SystemExit(f"logout through worker A failed: {status}")
            done = time.perf_counter()
            count = 0
            while True:
                status, _ = b.request("GET", "/r", token)
                count += 1
                if status == 401:
                    break
                if status != 200 or time.perf_counter() - done > 10:
                    raise SystemExit(f"worker B never refused the revoked token ({status})")
            samples.append((time.perf_counter() - done) * 1000)
            polls.append(count)
        return Propagation(samples, polls)
    finally:
        a.close()
        b.close()


@contextlib.contextmanager
def wrk_load(port: int, token: str, connections: int) -> Iterator[None]:
    """``wrk`` against worker B's ``/r`` for as long as the block runs (nothing if 0)."""
    if connections <= 0:
        yield
        return
    proc = subprocess.Popen(
        [
            "wrk", "-t", "1", "-c", str(connections), "-d", "600s",
            "-H", f"Authorization: Bearer {token}", f"http://127.0.0.1:{port}/r",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )  # fmt: skip
    try:
        time.sleep(1.0)  # let it ramp up
        yield
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> int:  # standalone: python bench/http/propagation.py
    import run

    return run.main(["--only-propagation", *__import__("sys").argv[1:]])


if __name__ == "__main__":
    raise SystemExit(main())
