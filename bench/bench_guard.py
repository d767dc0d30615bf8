"""What the login guard and audit logging cost: Redis round trips, commands, CPU.

    python bench/bench_guard.py                  # starts its own redis-server
    python bench/bench_guard.py --logins 2000 --requests 20000

1. Logins against a real redis-server (started with the shared support package
   ``netrun_testing``), with a ``JWTManager`` on Redis: round trips counted on the client
   (one per packed write: a pipeline is one) and commands counted by the server
   (``INFO stats`` ``total_commands_processed`` deltas, less the ``INFO`` calls), for a
   login without the guard, a successful login with it (``check`` + ``succeeded``) and a
   failed one (``check`` + ``failed``; nothing without the guard).
2. Token validation with a ``LoginGuard`` on Redis alive in the process and a manager on
   the memory store: Redis commands during N ``validate_token`` calls (expected: 0).
3. Audit logging off (the default: a ``NullHandler``) vs on (``INFO`` to a file through
   ``JsonFormatter``) on the HTTP path: middleware + ``Depends(get_current_user)``, ASGI
   called in process (CPU us/request, best of interleaved rounds), for valid tokens
   (``validate_token`` only, no event) and for refused ones (one ``access_denied`` each).

Prints figures only; nothing is asserted (timing is for reading, not for tests).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis.asyncio
from fastapi import FastAPI
from redis.asyncio.connection import Connection, ConnectionPool

from netrun_auth import AuthConfig, JWTManager, audit
from netrun_auth.dependencies import CurrentUser
from netrun_auth.middleware import AuthenticationMiddleware
from netrun_auth.protection import LoginGuard
from netrun_testing.keys import generate_key_pair
from netrun_testing.redis_servers import RedisServer

ROUND_TRIPS = 0
STATUSES: set[int] = set()


class CountingConnection(Connection):
    """A redis-py connection that counts its packed writes: one per round trip."""

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        global ROUND_TRIPS
        ROUND_TRIPS += 1
        await super().send_packed_command(command, check_health)


def config(**extra: Any) -> AuthConfig:
    pair = generate_key_pair("ed25519")
    return AuthConfig(
        _env_file=None,
        jwt_issuer="bench",
        jwt_audience="bench-api",
        jwt_algorithm="EdDSA",
        jwt_private_key=pair.private_pem,
        jwt_public_key=pair.public_pem,
        redis_timeout_seconds=2.0,
        redis_key_prefix="netrun-bench-guard:",
        login_max_failures_per_username=1_000_000,
        login_max_failures_per_ip=1_000_000,
        **extra,
    )


class Counter:
    """Server-side command counts from ``INFO stats`` (each ``INFO`` call counts one)."""

    def __init__(self, url: str) -> None:
        self.client = redis.asyncio.from_url(url)

    async def total(self) -> int:
        info = await self.client.info("stats")
        return int(info["total_commands_processed"])

    async def commands_during(self, work: Any) -> tuple[int, int]:
        """(server commands, client round trips) while ``await work()`` ran."""
        global ROUND_TRIPS
        before = await self.total()
        trips = ROUND_TRIPS
        await work()
        trips = ROUND_TRIPS - trips
        after = await self.total()
        return after - before - 1, trips  # the second INFO is counted before it answers


async def logins(url: str, n: int) -> None:
    cfg = config()
    pool = ConnectionPool.from_url(url, connection_class=CountingConnection)
    client = redis.asyncio.Redis(connection_pool=pool)
    manager = JWTManager(cfg, client)
    guard = LoginGuard(cfg, client)
    counter = Counter(url)
    await manager.generate_token_pair("warm-up")  # scripts loaded, connections open
    await guard.check("warm-up", "198.51.100.1")
    await guard.failed("warm-up", "198.51.100.1")

    async def plain() -> None:
        for i in range(n):
            await manager.generate_token_pair(f"user-{i}", organization_id="org")

    async def guarded_success() -> None:
        for i in range(n):
            await guard.check(f"user-{i}@example.com", "198.51.100.7")
            await manager.generate_token_pair(f"user-{i}", organization_id="org")
            await guard.succeeded(f"user-{i}@example.com", "198.51.100.7", user_id=f"user-{i}")

    async def guarded_failure() -> None:
        for i in range(n):
            await guard.check(f"nobody-{i}@example.com", "198.51.100.8")
            await guard.failed(f"nobody-{i}@example.com", "198.51.100.8")

    async def check_only() -> None:
        for i in range(n):
            await guard.check(f"user-{i}@example.com", "198.51.100.7")

    rows = [
        ("login without the guard (generate_token_pair)", plain),
        ("successful login with the guard (check + pair + succeeded)", guarded_success),
        ("guard.check alone", check_only),
        ("failed login with the guard (check + failed)", guarded_failure),
    ]
    print(f"\n## Logins against redis-server ({n} each)\n")
    print("| login | Redis commands / login | round trips / login |")
    print("|---|---:|---:|")
    measured = {}
    for label, work in rows:
        commands, trips = await counter.commands_during(work)
        measured[label] = (commands / n, trips / n)
        print(f"| {label} | {commands / n:.2f} | {trips / n:.2f} |")
    base = measured[rows[0][0]]
    with_guard = measured[rows[1][0]]
    print(
        f"\nguard on a successful login: +{with_guard[1] - base[1]:.2f} round trips, "
        f"+{with_guard[0] - base[0]:.2f} commands; on a failed login: "
        f"{measured[rows[3][0]][1]:.2f} round trips (none without the guard)"
    )
    await client.aclose()
    await pool.disconnect()
    await counter.client.aclose()


async def validations(url: str, n: int) -> None:
    cfg = config()
    client = redis.asyncio.from_url(url)
    guard = LoginGuard(cfg, client)  # alive, as in an app; must not touch validation
    await guard.check("someone", "198.51.100.9")
    manager = JWTManager(cfg)  # memory store
    tokens = [(await manager.generate_token_pair(f"u{i}")).access_token for i in range(100)]
    counter = Counter(url)

    async def validate() -> None:
        for i in range(n):
            await manager.validate_token(tokens[i % len(tokens)])

    commands, _ = await counter.commands_during(validate)
    print(f"\n## Token validation with a Redis LoginGuard in the process ({n} validations)\n")
    print(f"Redis commands during the validations (memory store): {commands}")
    await client.aclose()
    await counter.client.aclose()


def http_app(cfg: AuthConfig) -> Any:
    app = FastAPI()
    app.add_middleware(AuthenticationMiddleware, jwt_manager=JWTManager(cfg), config=cfg)

    @app.get("/r")
    async def route(user: CurrentUser) -> dict[str, str]:
        return {"user_id": user.user_id}

    return app


async def requests_cpu(app: Any, headers: list[tuple[bytes, bytes]], n: int) -> float:
    async def receive() -> dict[str, Any]:
        return {"type": "http.request", "body": b"", "more_body": False}

    async def send(message: dict[str, Any]) -> None:
        if message["type"] == "http.response.start":
            STATUSES.add(message["status"])

    start = time.process_time()
    for _ in range(n):
        scope = {
            "type": "http", "asgi": {"version": "3.0"}, "http_version": "1.1",
            "method": "GET", "scheme": "http", "path": "/r", "raw_path": b"/r",
            "root_path": "", "query_string": b"", "headers": headers,
            "server": ("127.0.0.1", 8000), "client": ("127.0.0.1", 50000), "state": {},
        }  # fmt: skip
        await app(scope, receive, send)
    return (time.process_time() - start) / n * 1e6


async def audit_cost(n: int, rounds: int, log_dir: Path) -> None:
    cfg = config()
    app = http_app(cfg)
    token = (await JWTManager(cfg).generate_token_pair("bench-user")).access_token
    good = [(b"host", b"x"), (b"authorization", f"Bearer {token}".encode())]
    bad = [(b"host", b"x"), (b"authorization", b"Bearer not.a.token")]
    logger = logging.getLogger(audit.LOGGER_NAME)
    handler = logging.FileHandler(log_dir / "audit.jsonl")
    handler.setFormatter(audit.JsonFormatter())

    def audit_on(on: bool) -> None:
        if on:
            logger.addHandler(handler)
            logger.setLevel(logging.INFO)
        else:
            logger.removeHandler(handler)
            logger.setLevel(logging.NOTSET)  # root's WARNING: INFO events are off

    for headers in (good, bad):
        await requests_cpu(app, headers, 500)  # warm-up
    best: dict[tuple[str, bool], float] = {}
    for _ in range(rounds):
        for name, headers in (("valid token", good), ("refused token", bad)):
            for on in (False, True):
                audit_on(on)
                STATUSES.clear()
                cost = await requests_cpu(app, headers, n // rounds)
                expected = {200 if headers is good else 401}
                if expected != STATUSES:
                    raise SystemExit(f"{name}: unexpected statuses {sorted(STATUSES)}")
                key = (name, on)
                best[key] = min(best.get(key, float("inf")), cost)
    audit_on(False)
    handler.close()
    lines = sum(1 for _ in (log_dir / "audit.jsonl").open())
    print(f"\n## Audit logging off vs on, HTTP path in process ({n} requests per case)\n")
    print("| requests | audit off CPU µs/req | audit on CPU µs/req | on / off |")
    print("|---|---:|---:|---:|")
    for name in ("valid token", "refused token"):
        off, on = best[(name, False)], best[(name, True)]
        print(f"| {name} | {off:.1f} | {on:.1f} | {on / off:.3f} |")
    print(f"\n(audit records written while on: {lines})")


async def main_async(args: argparse.Namespace) -> None:
    with tempfile.TemporaryDirectory(prefix="netrun-bench-guard-") as tmp:
        if args.redis:
            await logins(args.redis, args.logins)
            await validations(args.redis, args.validations)
        else:
            with RedisServer(Path(tmp) / "redis") as server:
                await logins(server.url, args.logins)
                await validations(server.url, args.validations)
        await audit_cost(args.requests, args.rounds, Path(tmp))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis", default=None, help="an existing Redis URL (default: start one)")
    parser.add_argument("--logins", type=int, default=1000)
    parser.add_argument("--validations", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=20000, help="per case, audit part")
    parser.add_argument("--rounds", type=int, default=10)
    asyncio.run(main_async(parser.parse_args()))
    return 0


if __name__ == "__main__":
    sys.exit(main())
