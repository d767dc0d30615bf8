"""Token benchmark through the seed's API: ``await jwt_manager.validate_token(t)``.

Times are CPU time of the measuring thread (``time.thread_time_ns``; the engine releases
the GIL but runs on the calling thread, so its work is counted), as ``openssl speed``
counts CPU user time: on a shared, loaded machine wall-clock figures mostly measure the
other tenants. Peers measured in the same run, interleaved round by round: PyJWT (``jwt.decode`` with
the public key object loaded once, ``iss``/``aud``/``exp`` required, as a careful user
writes it) on the very same tokens, and the raw RSA-2048 verify of ``openssl speed``.
The engine's own figures (``TokenEngine.verify``, signing) are recorded beside them.

Run with a release build:  scripts/bench   (or: maturin develop --release; python bench/bench_tokens.py)
Options: ``--rounds N`` (default 5), ``--quick`` (fewer tokens, for a smoke run).
Writes ``bench/results/tokens.json`` (see ``bench/_results.py``) and prints a table.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import re
import statistics
import subprocess
import time
from collections.abc import Callable
from typing import Any

import jwt as pyjwt
from _results import Figure, record
from _timing import machine
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from netrun_auth import AuthConfig, JWTManager, _core

ISSUER, AUDIENCE = "bench-issuer", "bench-audience"
KINDS = {"RS256": "rsa2048", "ES256": "p256", "EdDSA": "ed25519"}
SECTION = "Tokens (seed API: await jwt_manager.validate_token)"
ENGINE = "Tokens: engine and signing"


def setup(algorithm: str) -> tuple[AuthConfig, Any, Any]:
    private_pem, public_pem = _core.generate_key(KINDS[algorithm])
    config = AuthConfig(
        _env_file=None,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_algorithm=algorithm,
        jwt_private_key=private_pem.decode(),
    )
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    public_key = serialization.load_pem_public_key(public_pem)
    return config, private_key, public_key


def mint(manager: JWTManager, n: int) -> list[str]:
    async def run() -> list[str]:
        return [
            (await manager.generate_token_pair(f"user-{i}", roles=["user"])).access_token
            for i in range(n)
        ]

    return asyncio.run(run())


def pyjwt_verifier(public_key: Any, algorithm: str) -> Callable[[str], dict[str, Any]]:
    options = {"require": ["exp", "iss", "aud", "sub"]}

    def verify(token: str) -> dict[str, Any]:
        return pyjwt.decode(
            token,
            public_key,
            algorithms=[algorithm],
            audience=AUDIENCE,
            issuer=ISSUER,
            options=options,  # type: ignore[arg-type]
        )

    return verify


def seed_api_us(manager: JWTManager, tokens: list[str]) -> float:
    """Microseconds per ``await manager.validate_token(t)`` over ``tokens``, in order."""

    async def run() -> float:
        validate = manager.validate_token
        start = time.thread_time_ns()
        for token in tokens:
            await validate(token)
        return (time.thread_time_ns() - start) / len(tokens) / 1000

    return asyncio.run(run())


def sync_us(fn: Callable[[str], object], tokens: list[str]) -> float:
    start = time.thread_time_ns()
    for token in tokens:
        fn(token)
    return (time.thread_time_ns() - start) / len(tokens) / 1000


def openssl_verify_us(seconds: int) -> float | None:
    """Microseconds per raw RSA-2048 verify, from ``openssl speed`` (None without openssl)."""
    try:
        out = subprocess.run(
            ["openssl", "speed", "-seconds", str(seconds), "rsa2048"],
            capture_output=True,
            text=True,
            check=True,
        ).stdout
    except (OSError, subprocess.CalledProcessError):
        return None
    match = re.search(r"^rsa\s+2048 bits\s+\S+\s+\S+\s+([\d.]+)\s+([\d.]+)", out, re.M)
    return 1e6 / float(match.group(2)) if match else None


def openssl_version() -> str:
    try:
        return subprocess.run(
            ["openssl", "version"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "openssl not found"


def per_op_us(fn: Callable[[], object], ops: int, _repeat: int = 1) -> float:
    """CPU microseconds per call of ``fn`` (this thread's CPU time, as ``sync_us``)."""
    start = time.thread_time_ns()
    for _ in range(ops):
        fn()
    return (time.thread_time_ns() - start) / ops / 1000


def median(values: list[float]) -> float:
    return statistics.median(values)


def bench_rs256(rounds: int, distinct: int, same: int, openssl_seconds: int) -> list[Figure]:
    config, _, public_key = setup("RS256")
    issuer = JWTManager(config)
    tokens = mint(issuer, distinct)
    peer = pyjwt_verifier(public_key, "RS256")
    one = tokens[0]
    rows: dict[str, list[float]] = {k: [] for k in ("ours", "peer", "raw", "same", "peer_same")}
    rows |= {"engine": [], "engine_same": []}
    for _ in range(rounds):
        raw = openssl_verify_us(openssl_seconds)
        if raw is not None:
            rows["raw"].append(raw)
        fresh = JWTManager(config)  # an empty verified-token cache: every token is new
        rows["ours"].append(seed_api_us(fresh, tokens))
        rows["peer"].append(sync_us(peer, tokens))
        engine = JWTManager(config).engine
        rows["engine"].append(sync_us(engine.verify, tokens))
        rows["same"].append(seed_api_us(fresh, [one] * same))
        rows["peer_same"].append(sync_us(peer, [one] * (same // 10)))
        rows["engine_same"].append(sync_us(engine.verify, [one] * same))
    m = {k: median(v) for k, v in rows.items() if v}
    figures = [
        Figure(SECTION, "RS256, distinct tokens", m["ours"], "CPU µs/op", "PyJWT", m["peer"],
               m["peer"] / m["ours"], ">= 3x", m["peer"] / m["ours"] >= 3, chart=True,
               extra={"rounds": rounds, "tokens": distinct}),
        Figure(SECTION, "RS256, the same token again (TokenClaims cached)", m["same"],
               "CPU µs/op", "PyJWT", m["peer_same"], m["peer_same"] / m["same"], ">= 20x",
               m["peer_same"] / m["same"] >= 20, chart=True),
    ]  # fmt: skip
    if "raw" in m:
        cost = m["ours"] / m["raw"]
        figures.insert(1, Figure(
            SECTION, "RS256, distinct tokens, against the raw RSA-2048 verify", m["ours"],
            "CPU µs/op", "openssl speed rsa2048 (verify)", m["raw"], m["raw"] / m["ours"],
            "cost <= 1.5x", cost <= 1.5, chart=True,
            note=f"costs {cost:.2f}x the raw verify", extra={"cost": round(cost, 3)},
        ))  # fmt: skip
    figures += [
        Figure(ENGINE, "RS256 TokenEngine.verify, distinct tokens", m["engine"], "CPU µs/op",
               "PyJWT", m["peer"], m["peer"] / m["engine"]),
        Figure(ENGINE, "RS256 TokenEngine.verify, same token (verified-token cache)",
               m["engine_same"], "CPU µs/op", "PyJWT", m["peer_same"],
               m["peer_same"] / m["engine_same"]),
    ]  # fmt: skip
    return figures


def bench_other(algorithm: str, rounds: int, distinct: int) -> Figure:
    config, _, public_key = setup(algorithm)
    tokens = mint(JWTManager(config), distinct)
    peer = pyjwt_verifier(public_key, algorithm)
    ours, theirs = [], []
    for _ in range(rounds):
        ours.append(seed_api_us(JWTManager(config), tokens))
        theirs.append(sync_us(peer, tokens))
    o, p = median(ours), median(theirs)
    return Figure(SECTION, f"{algorithm}, distinct tokens", o, "CPU µs/op", "PyJWT", p, p / o)


def bench_sign(ops: int) -> list[Figure]:
    config, private_key, _ = setup("RS256")
    engine = JWTManager(config).engine
    now = int(time.time())
    claims = {"iss": ISSUER, "aud": AUDIENCE, "sub": "user-0", "exp": now + 900, "iat": now,
              "nbf": now, "jti": "j0", "typ": "access", "sid": "s", "roles": ["user"]}  # fmt: skip
    message = pyjwt.encode(claims, private_key, algorithm="RS256").rsplit(".", 1)[0].encode()
    ours, peer, raw = [], [], []
    for _ in range(3):
        ours.append(per_op_us(lambda: engine.issue_pair("user-0", None, ["user"]), ops, 1) / 2)
        peer.append(per_op_us(lambda: pyjwt.encode(claims, private_key, "RS256"), ops, 1))
        raw.append(
            per_op_us(
                lambda: private_key.sign(message, padding.PKCS1v15(), hashes.SHA256()), ops, 1
            )
        )
    o, p, r = median(ours), median(peer), median(raw)
    return [
        Figure(ENGINE, "RS256 sign, per token (issue_pair / 2)", o, "CPU µs/op", "PyJWT", p, p / o,
               "not slower", p / o >= 1.0),
        Figure(ENGINE, "RS256 sign, against the raw RSA-2048 sign", o, "CPU µs/op",
               "cryptography RSA-2048 sign", r, r / o, "cost <= 1.1x", o / r <= 1.1),
    ]  # fmt: skip


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--quick", action="store_true", help="fewer tokens (smoke run)")
    args = parser.parse_args()
    distinct, same = (200, 2000) if args.quick else (2000, 20_000)
    load = os.getloadavg()[0]
    figures = bench_rs256(args.rounds, distinct, same, 1 if args.quick else 2)
    figures += [
        bench_other(alg, max(1, args.rounds // 2), distinct // 2) for alg in ("ES256", "EdDSA")
    ]
    figures += bench_sign(50 if args.quick else 200)
    load = max(load, os.getloadavg()[0])
    versions = f"PyJWT {pyjwt.__version__}, netrun-auth {_core.__version__}, {openssl_version()}"
    figures = [
        Figure(**{**f.__dict__, "extra": {**f.extra, "load_average": round(load, 2)}})
        for f in figures
    ]
    path = record("tokens", figures)
    print(f"Machine: {machine()}; load average up to {load:.1f}\n{versions}\n")
    print("| figure | µs/op | peer | peer µs/op | ratio | goal | met |")
    print("|---|---:|---|---:|---:|---|---|")
    for f in figures:
        met = "" if f.met is None else ("yes" if f.met else "NO")
        print(f"| {f.name} | {f.value:.2f} | {f.peer} | {f.peer_value:.2f} | "
              f"{f.ratio:.2f}x | {f.goal or ''} | {met} |")  # fmt: skip
    print(f"\nwrote {path}")


if __name__ == "__main__":
    main()
