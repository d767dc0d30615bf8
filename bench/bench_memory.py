"""Memory benchmark: what a cached token, a revocation entry and a login cost, and that
both stay bounded (issues 13 and 16).

Each part runs in its own Python process (``--part``), so that one part's freed memory
cannot hide another's growth; memory is the process's resident set (``/proc/self/statm``,
what the operating system charges), the Python heap share by ``tracemalloc``.

- ``cache``: bytes per cached token through the seed's API (``validate_token``: the
  engine's verified-token entry and the ``TokenClaims`` kept with it), then 1,000,000
  tokens issued and validated: the cache holds at most ``token_cache_size`` and the
  resident set stops growing once it is full.
- ``revocations``: bytes per token revocation (``revoke_token``) and per session
  revocation (``revoke_session``) in the in-memory store.
- ``logins``: a million logins (session registrations, one in ten logging out) on the
  in-memory store, with the store's clock driven forward (0.5 s a login, about six days
  in all, sessions of one day) so that sessions and revocations expire during the run; the store sweeps on
  its own clock, and its size and resident set go flat.

HS256 tokens (signing is not what is measured here). Run: ``python bench/bench_memory.py``
(``--quick`` for a smoke run). Writes ``bench/results/memory.json``.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import subprocess
import sys
import time
import tracemalloc
from pathlib import Path
from typing import Any

from _results import Figure, record

from netrun_auth import AuthConfig, JWTManager, _core

SECTION = "Memory (in-memory store and verified-token cache)"
PAGE = os.sysconf("SC_PAGE_SIZE")
SIMULATED_SECONDS = 500_000  # store clock advance over the logins part (5.8 days)
SESSION_DAYS = 1  # refresh lifetime of the logins part


def rss() -> int:
    """Resident set of this process, in bytes."""
    return int(Path("/proc/self/statm").read_text().split()[1]) * PAGE


def manager(cache_size: int = _core.DEFAULT_TOKEN_CACHE_SIZE, **settings: Any) -> JWTManager:
    config = AuthConfig(
        _env_file=None,
        jwt_issuer="bench-issuer",
        jwt_audience="bench-audience",
        jwt_algorithm="HS256",
        jwt_secret="a-benchmark-secret-of-at-least-32-bytes!",
        token_cache_size=cache_size,
        **settings,
    )
    return JWTManager(config)


def part_cache(tokens: int) -> dict[str, Any]:
    """Bytes per cached token, then ``tokens`` tokens through a default-size cache."""
    sample = 20_000
    m = manager(cache_size=sample)
    pairs = [m.engine.issue_pair(f"user-{i}", None, ["user"]) for i in range(sample)]
    access = [p.access_token for p in pairs]

    async def validate_all(mgr: JWTManager, batch: list[str], kind: str = "access") -> None:
        for token in batch:
            await mgr.validate_token(token, kind)

    before = rss()
    asyncio.run(validate_all(m, access))
    per_token = (rss() - before) / sample
    del m
    # The Python heap's share, apart (tracemalloc's own records would count in the RSS).
    m = manager(cache_size=sample)
    tracemalloc.start()
    asyncio.run(validate_all(m, access))
    per_token_python = tracemalloc.get_traced_memory()[0] / sample
    tracemalloc.stop()
    del m, pairs, access

    m = manager()  # the default cache size
    size = _core.DEFAULT_TOKEN_CACHE_SIZE
    samples: list[tuple[int, int, int]] = []
    issued = 0
    batch_pairs = 5_000

    async def run() -> None:
        nonlocal issued
        while issued < tokens:
            batch = [
                m.engine.issue_pair(f"u{issued + i}", None, ["user"]) for i in range(batch_pairs)
            ]
            await validate_all(m, [p.access_token for p in batch])
            await validate_all(m, [p.refresh_token for p in batch], "refresh")
            issued += 2 * batch_pairs
            if issued % (tokens // 10) == 0:
                samples.append((issued, m.engine.cache_len(), rss()))

    asyncio.run(run())
    return {
        "per_token": per_token,
        "per_token_python": per_token_python,
        "cache_size": size,
        "samples": samples,
    }


def part_revocations(n: int) -> dict[str, Any]:
    """Bytes per token revocation and per session revocation (entries kept, not expired)."""
    m = manager(cache_size=0)
    claims = [m.engine.issue_pair(f"user-{i}", None, ["user"]).access for i in range(n)]
    store = _core.MemoryStore()
    before = rss()
    for c in claims:
        store.revoke_token(c)
    per_token = (rss() - before) / n
    until = int(time.time()) + 30 * 86400
    sessions = [c.session_id or "" for c in claims]
    before = rss()
    for i, sid in enumerate(sessions):
        store.revoke_session(f"user-{i}", sid, until)
    per_session = (rss() - before) / n
    return {"per_token_revocation": per_token, "per_session_revocation": per_session}


def part_logins(logins: int) -> dict[str, Any]:
    """A million logins with the store's clock driven on: sessions and revocations expire."""
    store = _core.MemoryStore()
    lifetime = SESSION_DAYS * 86400
    users = 50_000
    # Bytes per login, before anything can expire: a fresh registry of `sample` sessions.
    sample = min(200_000, logins // 5)
    base = time.time()
    before = rss()
    for i in range(sample):
        store.register_session(f"user-{i % users}", f"s{i:012d}", int(base) + lifetime)
    per_login = (rss() - before) / sample
    del store

    store = _core.MemoryStore()
    step_seconds = SIMULATED_SECONDS / logins
    offset = 0.0
    samples: list[tuple[int, int, int]] = []
    start = time.time()
    for i in range(logins):
        now = int(start + offset)
        user, sid = f"user-{i % users}", f"s{i:012d}"
        store.register_session(user, sid, now + lifetime)
        if i % 10 == 9:  # a logout: the session is revoked until its refresh would expire
            store.revoke_session(user, sid, now + lifetime)
        step = int(offset + step_seconds) - int(offset)
        if step:
            store._insecure_advance_clock(step)
        offset += step_seconds
        if (i + 1) % (logins // 20) == 0:
            samples.append((i + 1, len(store), rss()))
    return {
        "per_login": per_login,
        "samples": samples,
        "simulated_days": offset / 86400,
        "lifetime_days": SESSION_DAYS,
    }


def run_part(part: str, quick: bool) -> dict[str, Any]:
    out = subprocess.run(
        [sys.executable, __file__, "--part", part, *(["--quick"] if quick else [])],
        capture_output=True,
        text=True,
        check=True,
    )
    return json.loads(out.stdout.strip().splitlines()[-1])


def growth(samples: list[list[int]], column: int) -> float:
    """Relative growth of ``column`` over the second half of the run."""
    half = samples[len(samples) // 2][column]
    return (samples[-1][column] - half) / half if half else 0.0


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--part", choices=("cache", "revocations", "logins"))
    parser.add_argument("--quick", action="store_true", help="a tenth of the work (smoke run)")
    args = parser.parse_args()
    scale = 10 if args.quick else 1
    if args.part:
        result = {
            "cache": lambda: part_cache(1_000_000 // scale),
            "revocations": lambda: part_revocations(200_000 // scale),
            "logins": lambda: part_logins(1_000_000 // scale),
        }[args.part]()
        print(json.dumps(result))
        return

    load = os.getloadavg()[0]
    started = time.time()
    cache = run_part("cache", args.quick)
    revocations = run_part("revocations", args.quick)
    logins = run_part("logins", args.quick)
    load = max(load, os.getloadavg()[0])
    extra: dict[str, float | str] = {"load_average": round(load, 2)}
    c_samples, l_samples = cache["samples"], logins["samples"]
    cache_max = max(s[1] for s in c_samples)
    c_growth, l_growth = growth(c_samples, 2), growth(l_samples, 2)
    entries_growth = growth(l_samples, 1)
    issued = c_samples[-1][0]
    figures = [
        Figure(SECTION, "bytes per cached token (validate_token: engine entry + TokenClaims)",
               cache["per_token"], "bytes", note="resident set",
               extra={**extra, "python_heap_bytes": round(cache["per_token_python"])}),
        Figure(SECTION, f"cached tokens after {issued:,} tokens issued and validated",
               cache_max, "tokens", peer="token_cache_size", peer_value=cache["cache_size"],
               goal="<= cache size", met=cache_max <= cache["cache_size"], extra=extra),
        Figure(SECTION, f"resident set growth over the second half of {issued:,} tokens",
               100 * c_growth, "%", goal="<= 10 %", met=c_growth <= 0.10,
               extra={**extra, "rss_end_mib": round(c_samples[-1][2] / 2**20, 1)}),
        Figure(SECTION, "bytes per token revocation (revoke_token)",
               revocations["per_token_revocation"], "bytes", note="resident set", extra=extra),
        Figure(SECTION, "bytes per session revocation (revoke_session / logout)",
               revocations["per_session_revocation"], "bytes", note="resident set", extra=extra),
        Figure(SECTION, "bytes per login (session registered)", logins["per_login"], "bytes",
               note="resident set", extra=extra),
        Figure(SECTION, f"store entries, growth over the second half of {l_samples[-1][0]:,} "
               f"logins ({logins['simulated_days']:.1f} days on the store's clock, sessions "
               f"of {logins['lifetime_days']} day)", 100 * entries_growth, "%",
               goal="<= 10 % (flat)", met=abs(entries_growth) <= 0.10,
               extra={**extra, "entries_end": l_samples[-1][1]}),
        Figure(SECTION, f"resident set growth over the second half of {l_samples[-1][0]:,} logins",
               100 * l_growth, "%", goal="<= 10 % (flat)", met=l_growth <= 0.10,
               extra={**extra, "rss_end_mib": round(l_samples[-1][2] / 2**20, 1)}),
    ]  # fmt: skip
    path = record("memory", figures)
    print(f"load average up to {load:.1f}; {time.time() - started:.0f} s")
    print("tokens issued, cached, RSS MiB:")
    for n, cached, r in c_samples:
        print(f"  {n:>9,} {cached:>7,} {r / 2**20:8.1f}")
    print("logins, store entries, RSS MiB:")
    for n, entries, r in l_samples:
        print(f"  {n:>9,} {entries:>8,} {r / 2**20:8.1f}")
    for f in figures:
        met = "" if f.met is None else (" (met)" if f.met else " (NOT met)")
        print(f"{f.name}: {f.value:.1f} {f.unit}{met}")
    print(f"wrote {path}")


if __name__ == "__main__":
    main()
