"""Soak benchmark (issue 16): minutes of wrk with tens of thousands of distinct tokens
against uvicorn serving the seed's Redis wiring; the server's memory must stay flat.

``soak_app.py`` (``JWTManager(config)`` + ``redis_client=`` on the middleware, library
defaults) runs in one uvicorn worker against a redis-server started here; ``wrk`` (Debian
package ``wrk``) sends ``GET /me`` for ``--minutes``, each request with the next of
``--tokens`` distinct RS256 access tokens (``axum/cycle.lua``), more than the
verified-token cache holds, so every cache and per-token structure is filled and
cycled. The server's RSS (``/proc/<pid>/status``) is sampled every ``--sample-seconds``.

Goal: after the warm-up (the first quarter of the run, at least 30 s), RSS stays within
10 % (largest sample / smallest sample <= 1.10). Every answer must be a 200.

    python bench/soak.py                 # 4 minutes
    python bench/soak.py --minutes 1     # quicker
"""

from __future__ import annotations

import argparse
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

from _results import Figure, record

from netrun_auth import AuthConfig, JWTManager
from netrun_testing.keys import write_key_files
from netrun_testing.machine import machine
from netrun_testing.ports import free_port, wait_for_port
from netrun_testing.redis_servers import RedisServer
from netrun_testing.servers import base_env

HERE = Path(__file__).resolve().parent
ISSUER, AUDIENCE = "soak-issuer", "soak-audience"
SECTION = "Soak: memory under minutes of distinct tokens (issue 16)"


def rss_kib(pid: int) -> int:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1])
    raise RuntimeError("no VmRSS")


def sample(
    pid: int, every: float, start: float, out: list[tuple[float, int]], stop: threading.Event
) -> None:
    while not stop.wait(every):
        try:
            out.append((time.monotonic() - start, rss_kib(pid)))
        except (OSError, RuntimeError):
            return


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--minutes", type=float, default=4.0)
    parser.add_argument("--tokens", type=int, default=30_000, help="distinct tokens")
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--sample-seconds", type=float, default=5.0)
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    seconds = int(args.minutes * 60)

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        keys = write_key_files(work, issuer=ISSUER, audience=AUDIENCE)
        config = AuthConfig(**keys.settings(), access_token_expire_minutes=24 * 60, _env_file=None)
        engine = JWTManager(config).engine
        started = time.monotonic()
        tokens = [
            engine.issue_pair(f"user-{i}", "org-1", ["user"], ["r:read"], None, None).access_token
            for i in range(args.tokens)
        ]
        print(f"{args.tokens} tokens issued in {time.monotonic() - started:.1f} s")
        (work / "tokens.txt").write_text("\n".join(tokens) + "\n")

        with RedisServer(work / "redis") as redis_server:
            port = free_port()
            env = base_env(**keys.env(), SOAK_REDIS_URL=redis_server.url)
            command = [
                sys.executable, "-m", "uvicorn", "soak_app:create", "--factory",
                "--host", "127.0.0.1", "--port", str(port), "--log-level", "warning",
                "--no-access-log",
            ]  # fmt: skip
            with (work / "uvicorn.log").open("wb") as log:
                server = subprocess.Popen(command, cwd=HERE, env=env, stdout=log, stderr=log)
            try:
                if not wait_for_port(port, server):
                    raise SystemExit((work / "uvicorn.log").read_text())
                samples: list[tuple[float, int]] = []
                stop = threading.Event()
                start = time.monotonic()
                samples.append((0.0, rss_kib(server.pid)))
                sampler = threading.Thread(
                    target=sample, args=(server.pid, args.sample_seconds, start, samples, stop)
                )
                sampler.start()
                wrk = subprocess.run(
                    [
                        "wrk", "-t", "1", "-c", str(args.connections), "-d", f"{seconds}s",
                        "--latency", "-s", str(HERE / "axum" / "cycle.lua"),
                        f"http://127.0.0.1:{port}", "--", str(work / "tokens.txt"),
                    ],
                    capture_output=True, text=True, check=True,
                )  # fmt: skip
                stop.set()
                sampler.join()
                samples.append((time.monotonic() - start, rss_kib(server.pid)))
            finally:
                server.terminate()
                server.wait(10)

    output = wrk.stdout
    requests = int(re.search(r"(\d+) requests in", output).group(1))  # type: ignore[union-attr]
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", output).group(1))  # type: ignore[union-attr]
    non_2xx_match = re.search(r"Non-2xx or 3xx responses:\s+(\d+)", output)
    non_2xx = int(non_2xx_match.group(1)) if non_2xx_match else 0
    errors = re.search(r"Socket errors:.*", output)

    warmup = max(30.0, seconds / 4)
    after = [kib for at, kib in samples if at >= warmup]
    if len(after) < 2:
        raise SystemExit("too few samples after the warm-up: run longer")
    low, high = min(after), max(after)
    spread = high / low
    first, last = after[0], after[-1]
    flat = spread <= 1.10

    print(f"wrk: {args.connections} connections, {seconds} s, {args.tokens} distinct tokens")
    print(f"  {requests} requests, {rps:.0f} req/s, non-2xx: {non_2xx}")
    if errors:
        print("  " + errors.group(0))
    print("  RSS over time (s: MiB):")
    for at, kib in samples:
        marker = "" if at >= warmup else "  (warm-up)"
        print(f"    {at:7.1f}: {kib / 1024:7.1f}{marker}")
    print(
        f"  after warm-up ({warmup:.0f} s): {low / 1024:.1f}-{high / 1024:.1f} MiB,"
        f" largest/smallest {spread:.3f} (goal <= 1.10: {'met' if flat else 'NOT met'})"
    )

    note = (
        f"{args.minutes:g} min of wrk ({args.connections} connections) on GET /me cycling"
        f" {args.tokens} distinct RS256 tokens; uvicorn, 1 worker, seed's Redis wiring;"
        f" {requests} requests, non-2xx {non_2xx}; {machine()}"
    )
    record(
        "soak",
        [
            Figure(
                section=SECTION,
                name="server RSS after warm-up, largest / smallest sample",
                value=round(spread, 4),
                unit="x",
                goal="<= 1.10",
                met=flat and non_2xx == 0,
                note=note,
                extra={
                    "rss_first_after_warmup_mib": round(first / 1024, 1),
                    "rss_last_mib": round(last / 1024, 1),
                    "rss_samples_mib": " ".join(
                        f"{at:.0f}:{kib / 1024:.1f}" for at, kib in samples
                    ),
                    "warmup_seconds": warmup,
                    "median_rss_after_warmup_mib": round(statistics.median(after) / 1024, 1),
                },
            ),
            Figure(
                section=SECTION,
                name="req/s over the soak (distinct tokens, Redis wiring)",
                value=round(rps, 1),
                unit="req/s",
                note=f"non-2xx {non_2xx} of {requests}",
            ),
        ],
    )
    if non_2xx:
        raise SystemExit(f"{non_2xx} answers were not 200")


if __name__ == "__main__":
    main()
