"""HTTP benchmark: the seed's wiring against an open route, a no-op dependency and PyJWT.

Runs, one after the other on 127.0.0.1, uvicorn (1 worker, no access log) serving one
variant of ``app.py`` and ``wrk`` (Debian package ``wrk``) against it: 32 connections,
10 s per route after a short warm-up, in interleaved rounds (default 5; the medians are
reported, so that a burst of load from elsewhere on the machine skews one run, not the
result). Then ``propagation.py``: how soon a revocation made through one worker is
enforced by another (two uvicorn processes on one redis-server).

Prints req/s, p99 latency, server CPU per request and the ratios (of server CPU time
per request: steadier than req/s on a shared machine; each the median of the per-round
ratios; req/s ratios beside them), and records the
figures with ``bench/_results.py`` (``bench/results/http.json``, read by
``bench/report.py``); ``--json FILE`` also writes the raw runs.

    python bench/http/run.py              # needs: wrk, redis-server, uvicorn, pyjwt
    python bench/http/run.py --duration 3 # quicker, noisier
    python bench/http/run.py --only-propagation

Build the extension in release mode first (``maturin develop --release``): a debug
build measures the debug build.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))  # bench/_results.py
sys.path.insert(0, str(HERE))  # propagation.py

import propagation  # noqa: E402
from _results import Figure, record  # noqa: E402

from netrun_testing.keys import write_key_files  # noqa: E402
from netrun_testing.machine import machine  # noqa: E402
from netrun_testing.ports import free_port, wait_for_port  # noqa: E402
from netrun_testing.redis_servers import RedisServer  # noqa: E402

ISSUER = "bench-issuer"
AUDIENCE = "bench-audience"
VARIANTS = [
    ("open", "open route (no authentication)"),
    ("noop-dependency", "open route + a no-op Depends()"),
    ("netrun", "seed quick start (middleware + get_current_user), memory store"),
    ("netrun-redis", "seed Redis wiring, default settings (local mirror)"),
    ("netrun-redis-strict", "seed Redis wiring, redis_local_mirror=False (MGET/request)"),
    ("pyjwt", "hand-written PyJWT dependency (typical)"),
    ("pyjwt-parsed-key", "hand-written PyJWT, key parsed once"),
]
SECTION = "HTTP: FastAPI, uvicorn 1 worker, wrk -c32"
PROPAGATION = "Redis: revocation seen by another worker (two uvicorn workers)"


def make_keys_and_token(key_dir: Path) -> str:
    """Write the server's key pair into ``key_dir``; return a long-lived access token."""
    from netrun_auth import AuthConfig, JWTManager

    keys = write_key_files(key_dir, issuer=ISSUER, audience=AUDIENCE)
    config = AuthConfig(**keys.settings(), access_token_expire_minutes=60, _env_file=None)
    pair = asyncio.run(
        JWTManager(config).generate_token_pair(
            "bench-user", organization_id="bench-org", roles=["user"], permissions=["r:read"]
        )
    )
    return pair.access_token


@dataclass
class Run:
    requests_per_second: float
    p99_ms: float
    cpu_us_per_request: float  # server process CPU time (user + system) per request


def parse_wrk(output: str) -> tuple[float, float, int]:
    """(requests per second, p99 latency in ms, requests) from ``wrk --latency`` output."""
    if re.search(r"Non-2xx or 3xx responses", output):
        raise SystemExit("wrk saw error responses:\n" + output)
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
    p99_ms = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    requests = int(re.search(r"(\d+) requests in", output).group(1))
    return rps, p99_ms, requests


def cpu_seconds(pid: int) -> float:
    """User + system CPU time consumed so far by process ``pid`` (Linux /proc)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


@contextlib.contextmanager
def serve(variant: str, env: dict[str, str]) -> Iterator[tuple[int, int]]:
    """uvicorn (1 worker) serving ``variant``: yields (port, pid)."""
    port = free_port()
    cmd = [
        sys.executable, "-m", "uvicorn", "app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=HERE, env={**env, "BENCH_VARIANT": variant})
    try:
        if not wait_for_port(port, proc):
            raise SystemExit(f"uvicorn did not start (exit status {proc.poll()})")
        yield port, proc.pid
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def run_variant(variant: str, env: dict[str, str], token: str, args: argparse.Namespace) -> Run:
    with serve(variant, env) as (port, pid):
        url = f"http://127.0.0.1:{port}/r"
        # Every variant gets the same request (the unprotected app ignores the header),
        # so the difference is what checking the token costs.
        header = ["-H", f"Authorization: Bearer {token}"]
        base = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "--latency", *header]
        subprocess.run([*base, "-d", f"{args.warmup}s", url], check=True, capture_output=True)
        cpu_before = cpu_seconds(pid)
        out = subprocess.run(
            [*base, "-d", f"{args.duration}s", url], check=True, capture_output=True, text=True
        ).stdout
        cpu = cpu_seconds(pid) - cpu_before
        rps, p99, requests = parse_wrk(out)
        return Run(rps, p99, cpu / requests * 1e6)


def load() -> float:
    return round(os.getloadavg()[0], 2)


def http_figures(args: argparse.Namespace, env: dict[str, str], token: str) -> list[Figure]:
    """The interleaved wrk rounds, printed, as figures."""
    load_start = load()
    runs: dict[str, list[Run]] = {variant: [] for variant, _ in VARIANTS}
    for round_ in range(args.rounds):
        for variant, _label in VARIANTS:
            run = run_variant(variant, env, token, args)
            runs[variant].append(run)
            print(
                f"round {round_ + 1}: {variant:<20} {run.requests_per_second:8.0f} req/s"
                f"  p99 {run.p99_ms:7.2f} ms  {run.cpu_us_per_request:6.1f} CPU us/req"
                f"  (load {load()})",
                flush=True,
            )
    med = {
        v: {
            "rps": statistics.median(r.requests_per_second for r in rs),
            "p99_ms": statistics.median(r.p99_ms for r in rs),
            "cpu_us": statistics.median(r.cpu_us_per_request for r in rs),
        }
        for v, rs in runs.items()
    }
    labels = dict(VARIANTS)
    print(f"\nmachine: {machine()}, load average {load_start} -> {load()}")
    print(
        f"wrk: {args.connections} connections, {args.threads} thread(s), {args.duration} s/route,"
        f" median of {args.rounds} interleaved rounds"
    )
    print(f"{'route':<62} {'req/s':>7} {'p99 ms':>8} {'CPU us/req':>11}")
    for v, m in med.items():
        print(f"{labels[v]:<62} {m['rps']:>7.0f} {m['p99_ms']:>8.2f} {m['cpu_us']:>11.1f}")
    if args.json:
        raw = {v: [vars(r) for r in rs] for v, rs in runs.items()}
        args.json.write_text(json.dumps({"machine": machine(), "runs": raw}, indent=2))

    note = (
        f"median of {args.rounds} interleaved rounds of {args.duration} s (ratio: median of "
        f"the per-round ratios); {args.revoked} "
        "sessions logged out in Redis beforehand; "
        f"load average {load_start} at start, {load()} at end (2-core machine shared)"
    )
    comparisons = [
        # (ours, peer, name, goal, chart)
        ("netrun", "noop-dependency", "seed quick start (memory store) vs no-op dependency",
         ">= 0.95x", True),
        ("netrun", "open", "seed quick start (memory store) vs open route", None, True),
        ("netrun", "pyjwt", "seed quick start (memory store) vs hand-written PyJWT", None, True),
        ("netrun", "pyjwt-parsed-key", "seed quick start vs PyJWT, key parsed once", None, False),
        ("netrun-redis", "noop-dependency", "seed Redis wiring (defaults) vs no-op dependency",
         ">= 0.85x", True),
        ("netrun-redis", "pyjwt", "seed Redis wiring (defaults) vs hand-written PyJWT", None, True),
        ("netrun-redis-strict", "noop-dependency",
         "seed Redis wiring, strict per-request check vs no-op dependency", None, False),
    ]  # fmt: skip
    figures = []
    # The ratio is of server CPU time per request (peer / ours): what a request costs,
    # and on a shared machine far steadier than req/s, which also measures how much CPU
    # the server was given; the req/s ratio is kept beside it (extra).
    print("\nratios by server CPU per request (by req/s in brackets)")
    for ours, peer, name, goal, chart in comparisons:
        # The ratio of each round's two runs (a few seconds apart, so the machine's load
        # drifts hit both); the figure is their median, as in the other benchmarks, and
        # their range shows how far one run can land from it on this machine.
        rounds = [
            p.cpu_us_per_request / o.cpu_us_per_request
            for o, p in zip(runs[ours], runs[peer], strict=True)
        ]
        ratio = statistics.median(rounds)
        rps_ratio = med[ours]["rps"] / med[peer]["rps"]
        met = None if goal is None else ratio >= float(goal.split()[1].rstrip("x"))
        spread = f"per-round ratios {min(rounds):.2f}x to {max(rounds):.2f}x"
        print(f"  {name:<66} {ratio:5.2f}x ({rps_ratio:4.2f}x)  {goal or '':<9} {spread}")
        figures.append(
            Figure(
                section=SECTION,
                name=name,
                value=round(med[ours]["cpu_us"], 1),
                unit="CPU µs/request",
                peer=labels[peer],
                peer_value=round(med[peer]["cpu_us"], 1),
                ratio=round(ratio, 3),
                goal=goal,
                met=met,
                chart=chart,
                note=f"{note}; {spread}",
                extra={
                    "per_round_ratios": [round(r, 3) for r in rounds],
                    "requests_per_second": round(med[ours]["rps"]),
                    "peer_requests_per_second": round(med[peer]["rps"]),
                    "ratio_by_requests_per_second": round(rps_ratio, 3),
                    "p99_ms": med[ours]["p99_ms"],
                    "peer_p99_ms": med[peer]["p99_ms"],
                },
            )
        )
    return figures


def propagation_figures(args: argparse.Namespace, env: dict[str, str], token: str) -> list[Figure]:
    """Two workers on one Redis: revoke through A, poll B (see ``propagation.py``)."""
    load_start = load()
    n = args.propagation_samples
    results: dict[str, propagation.Propagation] = {}
    runs = [("idle", "netrun-redis", 0), ("strict", "netrun-redis-strict", 0)]
    if args.propagation_load > 0:
        runs.append(("loaded", "netrun-redis", args.propagation_load))
    for key, variant, under_load in runs:
        tokens = propagation.issue_tokens(env, n + 1)
        with (
            serve(variant, env) as (port_a, _),
            serve(variant, env) as (port_b, _),
            propagation.wrk_load(port_b, token, under_load),
        ):
            result = propagation.measure(
                port_a, port_b, tokens, expect_mirror=variant == "netrun-redis"
            )
        results[key] = result
        print(
            f"propagation {key:<7} p50 {result.p50:6.2f} ms  p99 {result.p99:6.2f} ms"
            f"  max {result.max:6.2f} ms  polls/sample median "
            f"{statistics.median(result.polls)}  (load {load()})",
            flush=True,
        )
    note = (
        f"{n} samples each: logout through worker A, then worker B polled back to back until "
        f"401; time from A's answer to B's first 401 (includes that last request); "
        f"load average {load_start} at start, {load()} at end (2-core machine shared)"
    )
    strict = results["strict"]
    idle = results["idle"]
    figures = [
        Figure(PROPAGATION, "local mirror (default), p50", round(idle.p50, 2), "ms",
               peer="strict per-request check (the floor: one request)",
               peer_value=round(strict.p50, 2), note=note),
        Figure(PROPAGATION, "local mirror (default), p99", round(idle.p99, 2), "ms",
               peer="strict per-request check (the floor: one request)",
               peer_value=round(strict.p99, 2), goal="<= 50 ms", met=idle.p99 <= 50,
               note=note, extra={"max_ms": round(idle.max, 2), "samples": n}),
    ]  # fmt: skip
    if "loaded" in results:
        loaded = results["loaded"]
        figures.append(
            Figure(PROPAGATION,
                   f"local mirror (default), p99, worker B under wrk -c{args.propagation_load}",
                   round(loaded.p99, 2), "ms", note=note,
                   extra={"p50_ms": round(loaded.p50, 2), "max_ms": round(loaded.max, 2)})
        )  # fmt: skip
    return figures


def previous_figures() -> list[Figure]:
    """The figures of ``bench/results/http.json`` from an earlier run (none if absent)."""
    from _results import RESULTS

    path = RESULTS / "http.json"
    if not path.exists():
        return []
    return [Figure(**f) for f in json.loads(path.read_text())["figures"]]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per route")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per route")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--rounds", type=int, default=5, help="runs per route, interleaved; medians reported"
    )
    parser.add_argument("--propagation-samples", type=int, default=300)
    parser.add_argument(
        "--propagation-load", type=int, default=16, help="wrk connections on worker B (0: none)"
    )
    parser.add_argument(
        "--revoked", type=int, default=1000, help="sessions logged out in Redis beforehand"
    )
    parser.add_argument("--only-propagation", action="store_true")
    parser.add_argument("--no-propagation", action="store_true")
    parser.add_argument("--json", type=Path, help="also write the raw runs here")
    args = parser.parse_args(argv)
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server not found: apt-get install redis-server")

    with (
        tempfile.TemporaryDirectory(prefix="netrun-bench-") as tmp,
        RedisServer(Path(tmp) / "redis") as redis,
    ):
        token = make_keys_and_token(Path(tmp))
        env = {
            **os.environ,
            "BENCH_ISSUER": ISSUER,
            "BENCH_AUDIENCE": AUDIENCE,
            "BENCH_PRIVATE_KEY": str(Path(tmp) / "private.pem"),
            "BENCH_PUBLIC_KEY": str(Path(tmp) / "public.pem"),
            "BENCH_REDIS_URL": redis.url,
        }
        # Redis holds what a live service has: logged-out sessions of other users (the
        # mirror keeps them; the strict check looks each request's keys up among them).
        propagation.issue_tokens(env, args.revoked, revoked=True)
        figures: list[Figure] = []
        if not args.only_propagation:
            figures += http_figures(args, env, token)
        if not args.no_propagation:
            figures += propagation_figures(args, env, token)
    sections = {f.section for f in figures}
    kept = [f for f in previous_figures() if f.section not in sections]  # a partial run
    print(f"\nfigures recorded in {record('http', kept + figures)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
