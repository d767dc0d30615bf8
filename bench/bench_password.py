"""Benchmark: password hashing, /health under a login burst, RBAC check cost.

Run after ``maturin develop --release``::

    python bench/bench_password.py            # everything
    python bench/bench_password.py --quick    # fewer rounds

1. argon2id hash and verify at the default parameters (m=19456 KiB, t=2, p=1):
   netrun-auth vs argon2-cffi with the same parameters, in the same run.
2. A Starlette app under uvicorn on 127.0.0.1 (a free port, in a child process)
   answers ``/health`` while 50 logins verify passwords concurrently; the
   ``/health`` latencies during the burst are reported (p50, p99, max). The same
   burst against a handler that verifies on the event loop is shown for contrast.
3. RBAC: cost of ``has_permission`` with 100 roles (memo hit and memo miss).

Only loopback traffic; every loop is bounded and the server is stopped at the end.
"""

from __future__ import annotations

import argparse
import asyncio
import itertools
import os
import platform
import statistics
import subprocess
import sys
import time
from collections.abc import Callable

from _results import Figure, record

from netrun_testing.ports import free_port, wait_for_port

PASSWORD = "correct horse battery staple"
M, T, P = 19456, 2, 1


def _timed(fn: Callable[[], object], rounds: int) -> list[float]:
    out = []
    for _ in range(rounds):
        t0 = time.perf_counter()
        fn()
        out.append(time.perf_counter() - t0)
    return out


def _ms(xs: list[float]) -> str:
    return f"median {statistics.median(xs) * 1e3:6.2f} ms  min {min(xs) * 1e3:6.2f} ms"


FIGURES: list[Figure] = []


def bench_hashing(rounds: int) -> None:
    import argon2

    from netrun_auth.password import PasswordManager

    ours = PasswordManager()
    theirs = argon2.PasswordHasher(memory_cost=M, time_cost=T, parallelism=P)
    our_hash, their_hash = ours.hash_password(PASSWORD), theirs.hash(PASSWORD)
    for _ in range(3):  # warm up both
        ours.verify_password(PASSWORD, our_hash)
        theirs.verify(their_hash, PASSWORD)

    # Interleave the two libraries so machine noise hits both alike.
    results: dict[str, list[float]] = {k: [] for k in ("oh", "th", "ov", "tv")}
    for _ in range(rounds):
        results["oh"] += _timed(lambda: ours.hash_password(PASSWORD), 1)
        results["th"] += _timed(lambda: theirs.hash(PASSWORD), 1)
        results["ov"] += _timed(lambda: ours.verify_password(PASSWORD, our_hash), 1)
        results["tv"] += _timed(lambda: theirs.verify(their_hash, PASSWORD), 1)

    print(f"\n## argon2id m={M} KiB t={T} p={P}, {rounds} rounds each, interleaved")
    for op, o, t in (("hash", "oh", "th"), ("verify", "ov", "tv")):
        ratio = statistics.median(results[t]) / statistics.median(results[o])
        print(f"{op:6}  netrun-auth  {_ms(results[o])}")
        print(f"{op:6}  argon2-cffi  {_ms(results[t])}")
        print(f"{op:6}  argon2-cffi / netrun-auth (median) = {ratio:.2f}x")
        FIGURES.append(
            Figure(
                section="Passwords (argon2id)",
                name=f"argon2id {op} (m={M} KiB, t={T}, p={P})",
                value=round(statistics.median(results[o]) * 1e3, 2),
                unit="ms",
                peer="argon2-cffi",
                peer_value=round(statistics.median(results[t]) * 1e3, 2),
                ratio=round(ratio, 2),
                goal="not slower",
                met=ratio >= 0.95,
                note=f"median of {rounds} interleaved rounds{_load()}",
            )
        )


# -- server --------------------------------------------------------------------


def serve(port: int) -> None:
    """The child process: a tiny Starlette app under uvicorn."""
    import uvicorn
    from starlette.applications import Starlette
    from starlette.requests import Request
    from starlette.responses import JSONResponse
    from starlette.routing import Route

    from netrun_auth.password import PasswordManager

    pm = PasswordManager()
    stored = pm.hash_password(PASSWORD)

    async def health(_: Request) -> JSONResponse:
        return JSONResponse({"status": "ok"})

    async def login(_: Request) -> JSONResponse:
        return JSONResponse({"ok": await pm.verify_password_async(PASSWORD, stored)})

    async def login_blocking(_: Request) -> JSONResponse:
        return JSONResponse({"ok": pm.verify_password(PASSWORD, stored)})

    app = Starlette(
        routes=[
            Route("/health", health),
            Route("/login", login, methods=["POST"]),
            Route("/login-blocking", login_blocking, methods=["POST"]),
        ]
    )
    uvicorn.run(app, host="127.0.0.1", port=port, log_level="warning", access_log=False)


async def _burst(base: str, path: str, logins: int) -> tuple[list[float], float]:
    import httpx

    limits = httpx.Limits(max_connections=logins + 5)
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=60) as client:
        await client.get("/health")
        latencies: list[float] = []
        done = asyncio.Event()

        async def prober() -> None:
            # Bounded: stops when the burst ends, or after 2000 probes.
            for _ in range(2000):
                if done.is_set():
                    return
                t0 = time.perf_counter()
                r = await client.get("/health")
                latencies.append(time.perf_counter() - t0)
                assert r.status_code == 200
                await asyncio.sleep(0.002)

        probe = asyncio.create_task(prober())
        await asyncio.sleep(0.05)
        t0 = time.perf_counter()
        responses = await asyncio.gather(*(client.post(path) for _ in range(logins)))
        elapsed = time.perf_counter() - t0
        done.set()
        await probe
        assert all(r.status_code == 200 and r.json()["ok"] for r in responses)
        return latencies, elapsed


def _pct(xs: list[float], q: float) -> float:
    xs = sorted(xs)
    return xs[min(len(xs) - 1, round(q * (len(xs) - 1)))]


def bench_server(logins: int) -> None:

    port = free_port()
    child = subprocess.Popen(
        [sys.executable, __file__, "--serve", str(port)],
        stdout=subprocess.DEVNULL,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        if not wait_for_port(port, child):
            raise RuntimeError("server did not start")
        print(f"\n## /health while {logins} logins verify concurrently (uvicorn, 1 worker)")
        for label, path in (
            ("verify_password_async (GIL released, off the loop)", "/login"),
            ("verify_password on the loop (what not to do)", "/login-blocking"),
        ):
            lat, elapsed = asyncio.run(_burst(base, path, logins))
            print(
                f"{label}:\n  {logins} logins in {elapsed * 1e3:.0f} ms; /health n={len(lat)} "
                f"p50 {_pct(lat, 0.5) * 1e3:.1f} ms  p99 {_pct(lat, 0.99) * 1e3:.1f} ms  "
                f"max {max(lat) * 1e3:.1f} ms"
            )
    finally:
        child.terminate()
        child.wait(timeout=10)


# -- RBAC ----------------------------------------------------------------------


def bench_rbac(n: int) -> None:
    from netrun_auth.rbac import RBACManager
    from netrun_auth.types import Role, User

    # 100 roles: ten chains of ten (each inherits the previous), 5 permissions each,
    # one wildcard per chain head.
    roles = []
    for chain, depth in itertools.product(range(10), range(10)):
        name = f"r{chain}_{depth}"
        perms = [f"res{chain}_{depth}:{a}" for a in ("read", "create", "update", "delete")]
        perms.append(f"area{chain}:*" if depth == 9 else f"res{chain}_{depth}:list")
        inherits = [f"r{chain}_{depth - 1}"] if depth else []
        roles.append(Role(name=name, permissions=perms, inherits=inherits))
    rbac = RBACManager(roles)
    user = User(user_id="u", organization_id="org", roles=["r0_9", "r5_9", "r9_4"])
    names = list(user.roles)
    assert rbac.has_permission(names, "res0_0:read") and rbac.has_permission(names, "area5:x")
    assert not rbac.has_permission(names, "res9_5:read")

    print(f"\n## RBAC with {len(rbac)} roles (10 chains of 10), a user with 3 roles")
    print(f"   resolved permission set: {len(rbac.get_permissions(names))} permissions")
    raw = rbac._registry

    def per_call(fn: Callable[[], object], count: int) -> float:
        t0 = time.perf_counter()
        for _ in range(count):
            fn()
        return (time.perf_counter() - t0) / count * 1e6

    hp = rbac.has_permission
    cases: list[tuple[str, Callable[[], object]]] = [
        ("RBACManager.has_permission(list, p) memo hit", lambda: hp(names, "res0_3:update")),
        ("RBACManager.has_permission(User, p) memo hit", lambda: hp(user, "area5:x:y")),
        (
            "RBACManager.has_permission(User, p, org=B)",
            lambda: hp(user, "x:y", organization_id="b"),
        ),
        ("_core RoleRegistry.check memo hit", lambda: raw.check(names, "x:y")),
    ]
    for label, fn in cases:
        print(f"{label:48} {per_call(fn, n):6.2f} µs/check")

    # Memo misses: every check a role set not seen before (3 chain heads of 100 roles).
    combos = itertools.cycle(itertools.combinations([r.name for r in roles], 3))
    miss = per_call(lambda: raw.check(list(next(combos)), "res0_0:read"), n)
    print(f"{'_core RoleRegistry.check memo miss':48} {miss:6.2f} µs/check")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--serve", type=int, help=argparse.SUPPRESS)
    parser.add_argument("--quick", action="store_true", help="fewer rounds")
    args = parser.parse_args()
    if args.serve:
        serve(args.serve)
        return
    load = _load()
    print(
        f"# {platform.python_implementation()} {platform.python_version()}, "
        f"{os.cpu_count()} CPUs, {platform.machine()}{load}"
    )
    bench_hashing(rounds=10 if args.quick else 40)
    bench_server(logins=50)
    bench_rbac(n=20_000 if args.quick else 200_000)
    print(f"figures: {record('password', FIGURES)}")


def _load() -> str:
    return ", load average {:.2f} {:.2f} {:.2f}".format(*os.getloadavg())


if __name__ == "__main__":
    main()
