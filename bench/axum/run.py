"""axum benchmark: the netrun-auth-axum example server vs axum-jwt-auth, same route and key.

Both are release builds serving ``GET /me`` (the same JSON) behind RS256 verification with
one RSA-2048 key, on 127.0.0.1, measured with ``wrk`` (Debian package ``wrk``) one after
the other, in interleaved rounds (medians reported):

- ``/open`` of the netrun-auth server (no authentication): the ceiling;
- ``/me`` with one repeated token (netrun-auth's verified-token cache answers);
- ``/me`` with distinct tokens: ``cycle.lua`` cycles through more tokens than the cache
  holds, so every request is a full verification (signature included).

netrun-auth runs with its in-memory revocation store (the peer has no revocation at all).
Goals (issue 12): repeated ``/me`` >= 0.9x ``/open``; distinct tokens >= 1.3x the peer.

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
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from netrun_auth import AuthConfig, JWTManager, _core

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
    subprocess.run(
        ["cargo", "build", "--release", "-q", "--manifest-path", str(HERE / "peer" / "Cargo.toml")],
        cwd=ROOT, env=env, check=True,
    )  # fmt: skip
    return target / "release" / "examples" / "server", target / "release" / "axum-jwt-auth-peer"


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


def wrk(url: str, args: argparse.Namespace, extra: list[str]) -> float:
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
        peer_env = {**settings, "PEER_PUBLIC_KEY_PATH": str(work / "public.pem")}

        results: dict[str, list[float]] = {}
        for _round in range(args.rounds):
            with serving(binary, settings, work) as url:
                runs = [
                    ("netrun /open", url + "/open", []),
                    ("netrun /me, repeated token", url + "/me", one),
                    ("netrun /me, distinct tokens", url + "/me", [*cycle, url, "--", str(work / "tokens.txt")]),
                ]  # fmt: skip
                for name, target, extra in runs:
                    wrk_args = extra if "--" in extra else [*extra, target]
                    results.setdefault(name, []).append(wrk(target, args, wrk_args))
            with serving(peer, peer_env, work) as url:
                runs = [
                    ("axum-jwt-auth /open", url + "/open", []),
                    ("axum-jwt-auth /me, repeated token", url + "/me", one),
                    ("axum-jwt-auth /me, distinct tokens", url + "/me", [*cycle, url, "--", str(work / "tokens.txt")]),
                ]  # fmt: skip
                for name, target, extra in runs:
                    wrk_args = extra if "--" in extra else [*extra, target]
                    results.setdefault(name, []).append(wrk(target, args, wrk_args))

    medians = {name: statistics.median(values) for name, values in results.items()}
    print(
        f"wrk: {args.connections} connections, {args.threads} thread(s), {args.duration} s,"
        f" {args.rounds} rounds (medians), {args.tokens} distinct tokens"
    )
    for name, value in medians.items():
        print(f"  {name:40s} {value:10.0f} req/s")
    repeated = medians["netrun /me, repeated token"] / medians["netrun /open"]
    distinct = (
        medians["netrun /me, distinct tokens"] / medians["axum-jwt-auth /me, distinct tokens"]
    )
    print(f"  repeated /me vs /open: {repeated:.2f}x (goal >= 0.9x)")
    print(f"  distinct tokens vs axum-jwt-auth: {distinct:.2f}x (goal >= 1.3x)")
    if args.json:
        args.json.write_text(
            json.dumps(
                {"req_per_s": medians, "repeated_vs_open": repeated, "distinct_vs_peer": distinct},
                indent=2,
            )
        )


if __name__ == "__main__":
    main()
