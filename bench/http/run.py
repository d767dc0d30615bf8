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
import platform
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
ISSUER = "bench-issuer"
AUDIENCE = "bench-audience"
VARIANTS = [
    ("open", "unprotected"),
    ("netrun", "netrun-auth (middleware + get_current_user)"),
    ("pyjwt", "hand-written PyJWT dependency (typical)"),
    ("pyjwt-parsed-key", "hand-written PyJWT, key parsed once"),
]


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_ready(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            raise SystemExit(f"uvicorn exited with {proc.returncode}")
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return
        except OSError:
            time.sleep(0.1)
    raise SystemExit("uvicorn did not start")


def make_keys_and_token(key_dir: Path) -> str:
    from netrun_auth import AuthConfig, JWTManager, _core

    private_pem, public_pem = _core.generate_key("rsa2048")
    (key_dir / "private.pem").write_bytes(private_pem)
    (key_dir / "public.pem").write_bytes(public_pem)
    config = AuthConfig(
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_private_key_path=str(key_dir / "private.pem"),
        jwt_public_key_path=str(key_dir / "public.pem"),
        access_token_expire_minutes=60,
        _env_file=None,
    )
    pair = asyncio.run(
        JWTManager(config).generate_token_pair(
            "bench-user", organization_id="bench-org", roles=["user"], permissions=["r:read"]
        )
    )
    return pair.access_token


def parse_wrk(output: str) -> tuple[float, float]:
    """(requests per second, p99 latency in ms) from ``wrk --latency`` output."""
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))
    value, unit = re.search(r"^\s*99%\s+([\d.]+)(us|ms|s)\s*$", output, re.M).groups()
    p99_ms = float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    if re.search(r"Non-2xx or 3xx responses", output):
        raise SystemExit("wrk saw error responses:\n" + output)
    return rps, p99_ms


def run_variant(variant: str, env: dict[str, str], token: str, args) -> tuple[float, float]:
    port = free_port()
    cmd = [
        sys.executable, "-m", "uvicorn", "app:create_app", "--factory",
        "--host", "127.0.0.1", "--port", str(port), "--workers", "1",
        "--no-access-log", "--log-level", "warning",
    ]  # fmt: skip
    proc = subprocess.Popen(cmd, cwd=HERE, env={**env, "BENCH_VARIANT": variant})
    try:
        wait_ready(port, proc)
        url = f"http://127.0.0.1:{port}/r"
        header = ["-H", f"Authorization: Bearer {token}"] if variant != "open" else []
        base = ["wrk", "-t", str(args.threads), "-c", str(args.connections), "--latency", *header]
        subprocess.run([*base, "-d", f"{args.warmup}s", url], check=True, capture_output=True)
        out = subprocess.run(
            [*base, "-d", f"{args.duration}s", url], check=True, capture_output=True, text=True
        ).stdout
        return parse_wrk(out)
    finally:
        proc.terminate()
        proc.wait(timeout=10)


def machine() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return f"{cpu}, {os.cpu_count()} cores, Python {platform.python_version()}, {platform.system()}"


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

    with tempfile.TemporaryDirectory(prefix="netrun-bench-") as tmp:
        token = make_keys_and_token(Path(tmp))
        env = {
            **os.environ,
            "BENCH_ISSUER": ISSUER,
            "BENCH_AUDIENCE": AUDIENCE,
            "BENCH_PRIVATE_KEY": str(Path(tmp) / "private.pem"),
            "BENCH_PUBLIC_KEY": str(Path(tmp) / "public.pem"),
        }
        runs: dict[str, list[tuple[float, float]]] = {variant: [] for variant, _ in VARIANTS}
        for round_ in range(args.rounds):
            for variant, _label in VARIANTS:
                rps, p99 = run_variant(variant, env, token, args)
                runs[variant].append((rps, p99))
                print(f"round {round_ + 1}: {variant:<18} {rps:8.0f} req/s  p99 {p99:7.2f} ms")
        results = {}
        for variant, label in VARIANTS:
            results[variant] = {
                "label": label,
                "requests_per_second": statistics.median(r for r, _ in runs[variant]),
                "p99_ms": statistics.median(p for _, p in runs[variant]),
                "runs": runs[variant],
            }

    print(f"\nmachine: {machine()}")
    print(
        f"wrk: {args.connections} connections, {args.threads} thread(s), {args.duration} s/route,"
        f" median of {args.rounds} interleaved rounds"
    )
    print(f"{'route':<46} {'req/s':>10} {'p99 ms':>9}")
    for r in results.values():
        print(f"{r['label']:<46} {r['requests_per_second']:>10.0f} {r['p99_ms']:>9.2f}")
    base = results["open"]["requests_per_second"]
    ours = results["netrun"]["requests_per_second"]
    pyjwt = results["pyjwt"]["requests_per_second"]
    parsed = results["pyjwt-parsed-key"]["requests_per_second"]
    ratios = {
        "netrun_vs_unprotected": ours / base,
        "netrun_vs_pyjwt": ours / pyjwt,
        "netrun_vs_pyjwt_parsed_key": ours / parsed,
    }
    print(f"\nnetrun-auth / unprotected:          {ours / base:.1%}  (goal >= 90%)")
    print(f"netrun-auth / PyJWT (typical):      {ours / pyjwt:.2f}x  (goal >= 1.6x)")
    print(f"netrun-auth / PyJWT (parsed key):   {ours / parsed:.2f}x")
    if args.json:
        args.json.write_text(
            json.dumps({"machine": machine(), "results": results, "ratios": ratios}, indent=2)
        )
    return 0


if __name__ == "__main__":
    sys.exit(main())
