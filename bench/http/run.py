"""HTTP benchmark: unprotected vs netrun-auth vs a hand-written PyJWT dependency.

Runs, one after the other on 127.0.0.1, uvicorn (1 worker, no access log) serving
one variant of ``app.py`` and ``wrk`` (Debian package ``wrk``) against it: 32
connections, 10 s per route after a short warm-up, in interleaved rounds (default 3;
the medians are reported, so that a burst of load from elsewhere on the machine
skews one run, not the result). Prints req/s, p99 latency and the ratios, and with
``--json FILE`` writes them as JSON.

    python bench/http/run.py              # needs: wrk, uvicorn[standard], pyjwt
    python bench/http/run.py --duration 3 # quicker, noisier

Build the extension in release mode first (``maturin develop --release``): a debug
build measures the debug build.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

from netrun_testing.keys import write_key_files
from netrun_testing.machine import machine
from netrun_testing.ports import free_port, wait_for_port
from netrun_testing.redis_servers import RedisServer

HERE = Path(__file__).resolve().parent
ISSUER = "bench-issuer"
AUDIENCE = "bench-audience"
VARIANTS = [
    ("open", "unprotected"),
    ("noop-dependency", "unprotected + a no-op Depends()"),
    ("netrun", "netrun-auth (middleware + get_current_user)"),
    ("netrun-middleware-only", "netrun-auth middleware, request.state.user"),
    ("netrun-redis", "netrun-auth, revocation checked in Redis"),
    ("netrun-redis-mirror", "netrun-auth, Redis with the local revocation mirror"),
    ("pyjwt", "hand-written PyJWT dependency (typical)"),
    ("pyjwt-parsed-key", "hand-written PyJWT, key parsed once"),
]


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


def run_variant(variant: str, env: dict[str, str], token: str, args) -> Run:
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
        url = f"http://127.0.0.1:{port}/r"
        # Every variant gets the same request (the unprotected app ignores the header),
        # so the difference is what checking the token costs.
        header = ["-H", f"Authorization: Bearer {token}"]
        base = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "--latency", *header]
        subprocess.run([*base, "-d", f"{args.warmup}s", url], check=True, capture_output=True)
        cpu_before = cpu_seconds(proc.pid)
        out = subprocess.run(
            [*base, "-d", f"{args.duration}s", url], check=True, capture_output=True, text=True
        ).stdout
        cpu = cpu_seconds(proc.pid) - cpu_before
        rps, p99, requests = parse_wrk(out)
        return Run(rps, p99, cpu / requests * 1e6)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per route")
    parser.add_argument("--warmup", type=int, default=2, help="warm-up seconds per route")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1, help="wrk threads")
    parser.add_argument(
        "--rounds", type=int, default=3, help="runs per route, interleaved; medians reported"
    )
    parser.add_argument("--json", type=Path, help="also write the results here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    if shutil.which("redis-server") is None:
        raise SystemExit("redis-server not found: apt-get install redis-server")

    with (
        tempfile.TemporaryDirectory(prefix="netrun-bench-") as tmp,
        RedisServer(Path(tmp) / "redis") as redis,
    ):
        redis_url = redis.url
        token = make_keys_and_token(Path(tmp))
        env = {
            **os.environ,
            "BENCH_ISSUER": ISSUER,
            "BENCH_AUDIENCE": AUDIENCE,
            "BENCH_PRIVATE_KEY": str(Path(tmp) / "private.pem"),
            "BENCH_PUBLIC_KEY": str(Path(tmp) / "public.pem"),
            "BENCH_REDIS_URL": redis_url,
        }
        runs: dict[str, list[Run]] = {variant: [] for variant, _ in VARIANTS}
        for round_ in range(args.rounds):
            for variant, _label in VARIANTS:
                run = run_variant(variant, env, token, args)
                runs[variant].append(run)
                print(
                    f"round {round_ + 1}: {variant:<18} {run.requests_per_second:8.0f} req/s"
                    f"  p99 {run.p99_ms:7.2f} ms  {run.cpu_us_per_request:6.1f} CPU us/req",
                    flush=True,
                )
    results = {}
    for variant, label in VARIANTS:
        results[variant] = {
            "label": label,
            "requests_per_second": statistics.median(r.requests_per_second for r in runs[variant]),
            "p99_ms": statistics.median(r.p99_ms for r in runs[variant]),
            "cpu_us_per_request": statistics.median(r.cpu_us_per_request for r in runs[variant]),
            "runs": [vars(r) for r in runs[variant]],
        }

    print(f"\nmachine: {machine()}, load average {os.getloadavg()[0]:.2f}")
    print(
        f"wrk: {args.connections} connections, {args.threads} thread(s), {args.duration} s/route,"
        f" median of {args.rounds} interleaved rounds"
    )
    print(f"{'route':<44} {'req/s':>7} {'p99 ms':>8} {'CPU us/req':>11} {'req/CPU-s':>10}")
    for r in results.values():
        print(
            f"{r['label']:<44} {r['requests_per_second']:>7.0f} {r['p99_ms']:>8.2f}"
            f" {r['cpu_us_per_request']:>11.1f} {1e6 / r['cpu_us_per_request']:>10.0f}"
        )

    def ratio(a: str, b: str, key: str) -> float:
        x, y = results[a][key], results[b][key]
        return x / y if key == "requests_per_second" else y / x  # CPU: less is faster

    ratios = {}
    for name, (a, b) in {
        "netrun_vs_unprotected": ("netrun", "open"),
        "netrun_redis_vs_unprotected": ("netrun-redis", "open"),
        "netrun_redis_mirror_vs_unprotected": ("netrun-redis-mirror", "open"),
        "netrun_vs_noop_dependency": ("netrun", "noop-dependency"),
        "netrun_vs_pyjwt": ("netrun", "pyjwt"),
        "netrun_vs_pyjwt_parsed_key": ("netrun", "pyjwt-parsed-key"),
    }.items():
        ratios[name] = {
            "by_req_per_s": ratio(a, b, "requests_per_second"),
            "by_cpu_per_request": ratio(a, b, "cpu_us_per_request"),
        }
    print("\nratios                              by req/s   by CPU/request")
    for name, goal in [
        ("netrun_vs_unprotected", "goal >= 90%"),
        ("netrun_redis_vs_unprotected", "goal >= 80%"),
        ("netrun_redis_mirror_vs_unprotected", "goal >= 80%"),
        ("netrun_vs_noop_dependency", ""),
        ("netrun_vs_pyjwt", "goal >= 1.6x"),
        ("netrun_vs_pyjwt_parsed_key", ""),
    ]:
        r = ratios[name]
        print(f"{name:<34} {r['by_req_per_s']:>8.2f}x {r['by_cpu_per_request']:>10.2f}x   {goal}")
    if args.json:
        args.json.write_text(
            json.dumps({"machine": machine(), "results": results, "ratios": ratios}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
