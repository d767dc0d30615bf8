"""What the login guard and audit logging cost: Redis round trips, commands, CPU.

    python bench/bench_guard.py                  # starts its own redis-server
    python bench/bench_guard.py --logins 2000 --requests 20000

1. Logins against a real redis-server (started with the shared support package
   ``netrun_testing``), with a ``JWTManager`` on Redis: round trips counted on the client
   (one per packed write: a pipeline is one) and commands counted by the server
   (``INFO stats`` ``total_commands_processed`` deltas, less the ``INFO`` calls), for a
   login without the guard, a successful login with it (``check`` + ``succeeded`` +
   pair), a failed one (``check`` + ``failed``), one refused by Redis (``failed`` on a
   locked username this process did not know about: 429) and one refused by ``check``
   (a lockout this process knows: 429, no I/O); without the guard a failed login sends
   nothing. ``check`` never does I/O; each outcome is one pipeline.
2. Token validation with a ``LoginGuard`` on Redis alive in the process and a manager on
   the memory store: Redis commands during N ``validate_token`` calls (expected: 0).
3. Audit logging off (the default: a ``NullHandler``) vs on (``INFO`` to a file through
   ``JsonFormatter``) on the HTTP path: middleware + ``Depends(get_current_user)``, ASGI
   called in process (CPU us/request, best of interleaved rounds), for valid tokens
   (``validate_token`` only, no event) and for refused ones (one ``access_denied`` each).

Prints the figures and records them with ``bench/_results.py`` (``bench/results/
bench_guard.json``); nothing is asserted (timing is for reading, not for tests).
"""

from __future__ import annotations

import argparse
import asyncio
import logging
import statistics
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

import redis.asyncio
from _results import Figure, record
from _setup import bench_config, load, redis_url
from fastapi import FastAPI
from redis.asyncio.connection import Connection, ConnectionPool

from netrun_auth import AuthConfig, JWTManager, audit
from netrun_auth.dependencies import CurrentUser
from netrun_auth.exceptions import TooManyAttemptsError
from netrun_auth.middleware import AuthenticationMiddleware
from netrun_auth.protection import LoginGuard

ROUND_TRIPS = 0
STATUSES: set[int] = set()


class CountingConnection(Connection):
    """A redis-py connection that counts its packed writes: one per round trip."""

    async def send_packed_command(self, command: Any, check_health: bool = True) -> None:
        global ROUND_TRIPS
        ROUND_TRIPS += 1
        await super().send_packed_command(command, check_health)


SECTION = "Login guard and audit"
FIGURES: list[Figure] = []


def config(**extra: Any) -> AuthConfig:
    values: dict[str, Any] = {
        "login_max_failures_per_username": 1_000_000,
        "login_max_failures_per_ip": 1_000_000,
    }
    values.update(extra)
    return bench_config("netrun-bench-guard:", **values)


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
    # One username locked for an hour: every outcome on it is refused.
    locked = config(login_max_failures_per_username=1, login_lockout_base_seconds=3600)
    knowing = LoginGuard(locked, client)
    counter = Counter(url)
    await manager.generate_token_pair("warm-up")  # scripts loaded, connections open
    await guard.succeeded("warm-up", "198.51.100.1")
    await guard.failed("warm-up", "198.51.100.1")
    await knowing.failed("locked@example.com", "198.51.100.9")  # starts the lockout
    # Fresh guards (as in workers that have not seen the lockout yet), built beforehand.
    unaware = [LoginGuard(locked, client) for _ in range(n)]

    async def plain() -> None:
        for i in range(n):
            await manager.generate_token_pair(f"user-{i}", organization_id="org")

    async def guarded_success() -> None:
        for i in range(n):
            await guard.check(f"user-{i}@example.com", "198.51.100.7")
            await guard.succeeded(f"user-{i}@example.com", "198.51.100.7", user_id=f"user-{i}")
            await manager.generate_token_pair(f"user-{i}", organization_id="org")

    async def guarded_failure() -> None:
        for i in range(n):
            await guard.check(f"nobody-{i}@example.com", "198.51.100.8")
            await guard.failed(f"nobody-{i}@example.com", "198.51.100.8")

    async def refused_by_redis() -> None:
        for fresh in unaware:
            try:
                await fresh.check("locked@example.com", "198.51.100.9")
                await fresh.failed("locked@example.com", "198.51.100.9")
            except TooManyAttemptsError:
                continue
            raise SystemExit("refused login: the outcome was recorded")

    async def refused_by_check() -> None:
        for _ in range(n):
            try:
                await knowing.check("locked@example.com", "198.51.100.9")
            except TooManyAttemptsError:
                continue
            raise SystemExit("refused login: check let it through")

    rows = [
        ("login without the guard (generate_token_pair)", plain),
        ("successful login with the guard (check + succeeded + pair)", guarded_success),
        ("failed login with the guard (check + failed)", guarded_failure),
        ("refused login, lockout unknown here (check + failed: 429)", refused_by_redis),
        ("refused login, lockout known here (check: 429)", refused_by_check),
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
    added = {
        "a successful login": measured[rows[1][0]][1] - base[1],
        "a failed login": measured[rows[2][0]][1],
        "a login refused by Redis (lockout not known to the process)": measured[rows[3][0]][1],
        "a login refused by check (lockout known to the process)": measured[rows[4][0]][1],
    }
    print(
        "\nround trips the guard adds: "
        + ", ".join(f"{kind} +{value:.2f}" for kind, value in added.items())
        + " (a login without the guard sends nothing for a failure)"
    )
    notes = {
        "a successful login": "check: no I/O; succeeded: the engine's succeeded script for the "
        "username and the IP in one pipeline (refused while locked, else clears the username)",
        "a failed login": "check: no I/O; failed: the engine's failed script for the username and "
        "the IP in one pipeline (refused while locked, else counts; lockout at the threshold)",
        "a login refused by Redis (lockout not known to the process)": "check: no I/O (nothing known); failed: "
        "one pipeline, refused by Redis (429); the reply teaches the process the lockout",
        "a login refused by check (lockout known to the process)": "check refuses from the lockouts learned "
        "from earlier replies: no I/O, no password hashing",
    }
    for kind, value in added.items():
        FIGURES.append(
            Figure(
                section=SECTION,
                name=f"Redis round trips the guard adds to {kind}",
                value=round(value, 2),
                unit="round trips",
                goal="<= 1",
                met=value <= 1.0 + 1e-9,
                note=notes[kind],
            )
        )
    await client.aclose()
    await pool.disconnect()
    await counter.client.aclose()


async def validations(url: str, n: int) -> None:
    cfg = config()
    client = redis.asyncio.from_url(url)
    guard = LoginGuard(cfg, client)  # alive, as in an app; must not touch validation
    await guard.failed("someone", "198.51.100.9")
    manager = JWTManager(cfg)  # memory store
    tokens = [(await manager.generate_token_pair(f"u{i}")).access_token for i in range(100)]
    counter = Counter(url)

    async def validate() -> None:
        for i in range(n):
            await manager.validate_token(tokens[i % len(tokens)])

    commands, _ = await counter.commands_during(validate)
    print(f"\n## Token validation with a Redis LoginGuard in the process ({n} validations)\n")
    print(f"Redis commands during the validations (memory store): {commands}")
    FIGURES.append(
        Figure(
            section=SECTION,
            name="Redis commands the guard adds to token validation",
            value=commands,
            unit="commands",
            goal="= 0",
            met=commands == 0,
            note=f"{n} validate_token calls, a Redis LoginGuard alive in the process",
        )
    )
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
    costs: dict[tuple[str, bool], list[float]] = {}
    for _ in range(rounds):
        for name, headers in (("valid token", good), ("refused token", bad)):
            for on in (False, True):
                audit_on(on)
                STATUSES.clear()
                cost = await requests_cpu(app, headers, n // rounds)
                expected = {200 if headers is good else 401}
                if expected != STATUSES:
                    raise SystemExit(f"{name}: unexpected statuses {sorted(STATUSES)}")
                costs.setdefault((name, on), []).append(cost)
    audit_on(False)
    handler.close()
    lines = sum(1 for _ in (log_dir / "audit.jsonl").open())
    machine_load = load()
    print(f"\n## Audit logging off vs on, HTTP path in process ({n} requests per case)\n")
    print(f"Medians of {rounds} interleaved rounds; {machine_load}.\n")
    print("| requests | audit off CPU µs/req | audit on CPU µs/req | on / off |")
    print("|---|---:|---:|---:|")
    for name in ("valid token", "refused token"):
        off = statistics.median(costs[(name, False)])
        on = statistics.median(costs[(name, True)])
        print(f"| {name} | {off:.1f} | {on:.1f} | {on / off:.3f} |")
        valid = name == "valid token"
        what = (
            "the HTTP benchmark's case (valid tokens): no event per request"
            if valid
            else "informational, the per-event cost: one access_denied record "
            f"(JSON to a file) per request costs {on - off:.1f} CPU us"
        )
        FIGURES.append(
            Figure(
                section=SECTION,
                name=f"HTTP request with audit logging on, {name}",
                value=round(on, 1),
                unit="CPU us/request",
                peer="audit logging off (default)",
                peer_value=round(off, 1),
                ratio=round(off / on, 3),
                goal=">= 0.95x" if valid else None,
                met=off / on >= 0.95 if valid else None,
                note=(
                    f"middleware + Depends(get_current_user), ASGI in process; {what}"
                    f"; medians of {rounds} interleaved rounds; {machine_load}"
                ),
            )
        )
    print(f"\n(audit records written while on: {lines})")


async def main_async(args: argparse.Namespace, url: str) -> None:
    with tempfile.TemporaryDirectory(prefix="netrun-bench-guard-") as tmp:
        await logins(url, args.logins)
        await validations(url, args.validations)
        await audit_cost(args.requests, args.rounds, Path(tmp))


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--redis", default=None, help="an existing Redis URL (default: start one)")
    parser.add_argument("--logins", type=int, default=1000)
    parser.add_argument("--validations", type=int, default=10000)
    parser.add_argument("--requests", type=int, default=20000, help="per case, audit part")
    parser.add_argument("--rounds", type=int, default=10)
    args = parser.parse_args()
    with redis_url(args.redis) as url:
        asyncio.run(main_async(args, url))
    print(f"\nfigures: {record('guard', FIGURES)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
