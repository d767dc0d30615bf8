"""axum benchmark: the netrun-auth-axum example server vs axum-jwt-auth, same route and key.

Both are release builds serving ``GET /me`` (the same JSON) behind RS256 verification with
one RSA-2048 key, on 127.0.0.1, measured with ``wrk`` (Debian package ``wrk``), the same
wrk settings for every case. Both servers run throughout; each round measures every case
once, in the reverse order of the round before (medians reported):

- ``/open`` of the netrun-auth server (no authentication): the ceiling;
- ``/me`` with one repeated token (netrun-auth's verified-token cache answers);
- ``/open`` with that token's ``Authorization`` header (an extra figure, for understanding:
  the layer verifies the token there too, so against ``/open`` it is the cost of a ~800-byte
  header plus authentication, and against ``/me`` the cost of the extractor and handler);
- ``/me`` with distinct tokens: ``cycle.lua`` cycles through more tokens than the cache
  holds, so every request is a full verification (signature included).

netrun-auth runs with its in-memory revocation store (the peer has no revocation at all).
Goals (issue 12): repeated ``/me`` >= 0.9x ``/open``; distinct tokens >= 1.3x the peer.
The figures go to ``bench/results/axum.json`` (``bench/_results.py``), with the load
average before and after the run.

    python bench/axum/run.py                 # builds both (release), ~4 min
    python bench/axum/run.py --duration 5 --rounds 2
"""

from __future__ import annotations

import argparse
import json
import os
import re
import shutil
import socket
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from netrun_auth import AuthConfig, JWTManager, _core

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from _results import Figure, record

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[1]
ISSUER = "bench-issuer"
AUDIENCE = "bench-audience"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def build(target: Path) -> tuple[Path, Path]:
    env = {**os.environ, "CARGO_TARGET_DIR": str(target)}
    subprocess.run(
        ["cargo", "build", "--release", "-q", "-p", "netrun-auth-axum", "--example", "server"],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    # The peer is its own workspace, with its own target directory (peer/target).
    peer_target = HERE / "peer" / "target"
    subprocess.run(
        ["cargo", "build", "--release", "-q", "--manifest-path", str(HERE / "peer" / "Cargo.toml"),
         "--target-dir", str(peer_target)],
        cwd=ROOT, check=True,
    )  # fmt: skip
    return (
        target / "release" / "examples" / "server",
        peer_target / "release" / "axum-jwt-auth-peer",
    )


@contextmanager
def serving(binary: Path, env: dict[str, str], workdir: Path) -> Iterator[str]:
    port = free_port()
    proc = subprocess.Popen(
        [str(binary)],
        cwd=workdir,
        env={"PATH": os.environ["PATH"], **env, "PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    try:
        deadline = time.monotonic() + 30
        while True:
            if proc.poll() is not None:
                raise SystemExit(f"{binary.name} exited with {proc.returncode}")
            try:
                with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                    break
            except OSError:
                if time.monotonic() > deadline:
                    raise SystemExit(f"{binary.name} did not start") from None
                time.sleep(0.05)
        yield f"http://127.0.0.1:{port}"
    finally:
        proc.terminate()
        proc.wait(10)


def wrk(args: argparse.Namespace, extra: list[str]) -> float:
    command = ["wrk", "-t", str(args.threads), "-c", str(args.connections)]
    command += ["-d", f"{args.duration}s", *extra]
    output = subprocess.run(command, capture_output=True, text=True, check=True).stdout
    if "Non-2xx" in output or "Socket errors" in output:
        raise SystemExit("wrk saw errors:\n" + output)
    match = re.search(r"Requests/sec:\s+([\d.]+)", output)
    if match is None:
        raise SystemExit("unexpected wrk output:\n" + output)
    return float(match.group(1))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--duration", type=int, default=10, help="seconds per measurement")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--connections", type=int, default=32)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--tokens", type=int, default=12_000, help="distinct tokens (> cache)")
    parser.add_argument("--json", type=Path, help="also write the figures here")
    args = parser.parse_args()
    if shutil.which("wrk") is None:
        raise SystemExit("wrk not found: apt-get install wrk")
    binary, peer = build(Path(os.environ.get("CARGO_TARGET_DIR", ROOT / "target")))

    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp)
        private, public = _core.generate_key("rsa2048")
        (work / "public.pem").write_bytes(public)
        settings = {
            "NETRUN_AUTH_JWT_ISSUER": ISSUER,
            "NETRUN_AUTH_JWT_AUDIENCE": AUDIENCE,
            "NETRUN_AUTH_JWT_ALGORITHM": "RS256",
            "NETRUN_AUTH_JWT_PUBLIC_KEY": public.decode(),
        }
        manager = JWTManager(
            AuthConfig(
                _env_file=None, jwt_issuer=ISSUER, jwt_audience=AUDIENCE,
                jwt_private_key=private.decode(), jwt_public_key=public.decode(),
            )
        )  # fmt: skip
        engine = manager.engine
        tokens = [
            engine.issue_pair(
                f"user-{i}", "org-1", ["viewer"], ["items:read"], None, None
            ).access_token
            for i in range(args.tokens)
        ]
        (work / "tokens.txt").write_text("\n".join(tokens) + "\n")
        one = ["-H", f"Authorization: Bearer {tokens[0]}"]
        cycle = ["-s", str(HERE / "cycle.lua")]
        tokens_file = str(work / "tokens.txt")
        peer_env = {**settings, "PEER_PUBLIC_KEY_PATH": str(work / "public.pem")}

        cases = [
            ("axum-jwt-auth /open", "peer", "/open", []),
            ("axum-jwt-auth /me, repeated token", "peer", "/me", one),
            ("netrun /open", "netrun", "/open", []),
            ("netrun /me, repeated token", "netrun", "/me", one),
            ("netrun /open, repeated token", "netrun", "/open", one),
            ("netrun /me, distinct tokens", "netrun", "/me", cycle),
            ("axum-jwt-auth /me, distinct tokens", "peer", "/me", cycle),
        ]
        results: dict[str, list[float]] = {name: [] for name, *_ in cases}
        load_before = os.getloadavg()
        # Both servers run for the whole measurement (an idle one costs nothing), and the
        # cases are interleaved: every round measures each once, in the reverse order of
        # the round before, so a drift of the machine's load hits every case alike.
        with serving(binary, settings, work) as ours, serving(peer, peer_env, work) as theirs:
            urls = {"netrun": ours, "peer": theirs}
            for round_ in range(args.rounds):
                order = cases if round_ % 2 == 0 else cases[::-1]
                for name, server, path, extra in order:
                    url = urls[server] + path
                    wrk_args = [*extra, url, "--", tokens_file] if extra is cycle else [*extra, url]
                    results[name].append(wrk(args, wrk_args))
        load_after = os.getloadavg()

    medians = {name: statistics.median(values) for name, values in results.items()}
    setup = (
        f"wrk -t{args.threads} -c{args.connections} -d{args.duration}s, {args.rounds} interleaved"
        f" rounds (medians; ratios: median of per-round ratios), {args.tokens} distinct tokens, RS256 (RSA-2048), memory store;"
        f" load average {load_before[0]:.1f} before, {load_after[0]:.1f} after"
        f" ({os.cpu_count()} cores, wrk takes one)"
    )
    print(setup)
    for name, value in medians.items():
        spread = ", ".join(f"{v:.0f}" for v in results[name])
        print(f"  {name:40s} {value:10.0f} req/s   ({spread})")

    # The ratios are medians of the per-round ratios: the two cases of a ratio are
    # measured next to each other in every round, so a drift of the load cancels out.
    def paired(ours: str, theirs: str) -> float:
        return statistics.median(a / b for a, b in zip(results[ours], results[theirs], strict=True))

    repeated = paired("netrun /me, repeated token", "netrun /open")
    distinct = paired("netrun /me, distinct tokens", "axum-jwt-auth /me, distinct tokens")
    open_authenticated = paired("netrun /open, repeated token", "netrun /open")
    print(f"  repeated /me vs /open: {repeated:.2f}x (goal >= 0.9x)")
    print(f"  /open with the token vs /open: {open_authenticated:.2f}x (header + authentication)")
    print(f"  distinct tokens vs axum-jwt-auth: {distinct:.2f}x (goal >= 1.3x)")
    extra: dict[str, float | str] = {name: round(v) for name, v in medians.items()}
    extra["open_with_token_vs_open"] = round(open_authenticated, 3)
    extra["load_before"] = round(load_before[0], 2)
    extra["load_after"] = round(load_after[0], 2)
    figures = [
        Figure(
            section="HTTP (Rust, axum)",
            name="axum /me, repeated token, vs /open (no auth)",
            value=round(medians["netrun /me, repeated token"]),
            unit="req/s",
            peer="/open of the same server",
            peer_value=round(medians["netrun /open"]),
            ratio=round(repeated, 3),
            goal=">= 0.9x",
            met=repeated >= 0.9,
            chart=True,
            note=setup,
            extra=extra,
        ),
        Figure(
            section="HTTP (Rust, axum)",
            name="axum /me, distinct tokens, vs axum-jwt-auth",
            value=round(medians["netrun /me, distinct tokens"]),
            unit="req/s",
            peer="axum-jwt-auth",
            peer_value=round(medians["axum-jwt-auth /me, distinct tokens"]),
            ratio=round(distinct, 3),
            goal=">= 1.3x",
            met=distinct >= 1.3,
            chart=True,
            note=setup,
        ),
    ]
    print(f"  figures written to {record('axum', figures)}")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"req_per_s": medians, "repeated_vs_open": repeated, "distinct_vs_peer": distinct},
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
