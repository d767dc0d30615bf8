"""OIDC benchmark: validating an Entra ID access token against validating our own token.

Both are RS256 with RSA-2048 keys, in the same run. The Entra tokens come from the
Entra-shaped IdP of the test suite, served on loopback (real HTTP for discovery and keys);
the JWKS fetch count during the timed part must stay 0.

The goal (issue 11): ``await AzureADProvider.validate_token(t)`` (to a ``User``) costs at
most 1.1x ``await JWTManager.validate_token(t)`` (to ``TokenClaims``, revocation checked on
the memory store) for distinct tokens, each seen once. Measured in interleaved batches
(own, Entra, own, ...; the order flips each round) so that load drifts hit both; the figure
is the median of the per-round ratios. Also: the same token again (verified-token cache
hits, the built ``User`` reused), and the engine alone (caches off), with our own token
padded with Entra's claims (same payload size) as a second peer.

Run with a release build:  maturin develop --release; python bench/bench_oidc.py
Prints a Markdown table and records the figures with ``_results.record("oidc", ...)``.
"""

from __future__ import annotations

import asyncio
import os
import statistics
import sys
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

import httpx
from _results import Figure, record
from _timing import machine

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netrun_auth import AuthConfig, JWTManager, _core
from netrun_auth.integrations.azure_ad import AzureADConfig, AzureADProvider
from tests.oidc.entra_idp import CLIENT_ID, TENANT, EntraIdP, Server, v2_claims

ROUNDS = 15
BATCH = 200  # distinct tokens per round and side
REPEATS = 2000  # calls per round with the same token
GOAL = 1.1
SECTION = "OIDC / Entra ID (issue 11)"


def own_config(private_pem: str, cache_size: int) -> AuthConfig:
    return AuthConfig(
        _env_file=None,
        jwt_issuer="bench-issuer",
        jwt_audience="bench-audience",
        jwt_private_key=private_pem,
        token_cache_size=cache_size,
    )


async def timed(validate: Callable[[str], Awaitable[object]], tokens: list[str]) -> float:
    """Microseconds per ``await validate(t)`` over ``tokens``."""
    start = time.perf_counter_ns()
    for token in tokens:
        await validate(token)
    return (time.perf_counter_ns() - start) / len(tokens) / 1000


def timed_sync(verify: Callable[[str], object], tokens: list[str]) -> float:
    start = time.perf_counter_ns()
    for token in tokens:
        verify(token)
    return (time.perf_counter_ns() - start) / len(tokens) / 1000


class Pairs:
    """Per-round figures of two sides measured in turns; medians and the paired ratio."""

    def __init__(self) -> None:
        self.own: list[float] = []
        self.entra: list[float] = []

    def add(self, own: float, entra: float) -> None:
        self.own.append(own)
        self.entra.append(entra)

    @property
    def ratio(self) -> float:
        """Median over rounds of Entra / own (the cost ratio)."""
        return statistics.median(e / o for o, e in zip(self.own, self.entra, strict=True))

    def medians(self) -> tuple[float, float]:
        return statistics.median(self.own), statistics.median(self.entra)


async def interleaved(
    own: Callable[[int], Awaitable[float]], entra: Callable[[int], Awaitable[float]]
) -> Pairs:
    pairs = Pairs()
    for r in range(ROUNDS):
        if r % 2 == 0:
            o = await own(r)
            e = await entra(r)
        else:
            e = await entra(r)
            o = await own(r)
        pairs.add(o, e)
    return pairs


async def run() -> tuple[dict[str, Pairs], int, float]:
    idp_server = Server(EntraIdP())
    idp = idp_server.idp
    private_pem = _core.generate_key("rsa2048")[0].decode()
    manager = JWTManager(own_config(private_pem, 50_000))
    provider = AzureADProvider(
        AzureADConfig(
            _env_file=None,
            tenant_id=TENANT,
            client_id=CLIENT_ID,
            authority_host=idp.authority,
            insecure_http_authority=True,
        )
    )
    results: dict[str, Pairs] = {}
    try:
        await provider.start()
        count = ROUNDS * BATCH
        own = [
            (await manager.generate_token_pair(f"user-{i}", roles=["user"])).access_token
            for i in range(count)
        ]
        entra = [idp.v2(uti=f"u{i}") for i in range(count)]
        # Our own tokens carrying the same extra claims as an Entra token (same payload size).
        registered = {"iss", "aud", "sub", "exp", "nbf", "iat", "roles", "tid", "oid", "scp"}
        entra_extra = {k: v for k, v in v2_claims().items() if k not in registered}
        own_big = [
            (
                await manager.generate_token_pair(
                    f"user-{i}", roles=["user"], extra_claims={**entra_extra, "uti": f"u{i}"}
                )
            ).access_token
            for i in range(BATCH)
        ]
        # Engine-only verifiers with their caches off (every call verifies), keys given
        # directly (one fetch, before the timed part).
        keys = httpx.get(f"{idp.authority}/{TENANT}/discovery/v2.0/keys").content
        own_engine = JWTManager(own_config(private_pem, 0)).engine
        v2 = provider._issuers[0].verifier  # the v2.0 issuer's engine verifier
        assert v2 is not None
        entra_engine = _core.OidcVerifier(
            issuer=v2.issuer, audiences=[CLIENT_ID], allowed_tenants=[TENANT], cache_size=0
        )
        _, ticket = entra_engine.poll(0.0)
        entra_engine.complete(ticket, keys, 0.0)
        for token in own[:20]:  # warm-up (allocator, code paths), not timed
            own_engine.verify(token)
        for token in entra[:20]:
            entra_engine.verify(token)

        fetches_before = provider.fetch_count, idp.jwks_fetches()
        load_before = os.getloadavg()[0]

        def batch(tokens: list[str], r: int) -> list[str]:
            return tokens[r * BATCH : (r + 1) * BATCH]

        async def own_full(r: int) -> float:
            return await timed(manager.validate_token, batch(own, r))

        async def entra_full(r: int) -> float:
            return await timed(provider.validate_token, batch(entra, r))

        results["distinct"] = await interleaved(own_full, entra_full)

        await manager.validate_token(own[0])
        await provider.validate_token(entra[0])
        same_own, same_entra = [own[0]] * REPEATS, [entra[0]] * REPEATS

        async def own_again(_: int) -> float:
            return await timed(manager.validate_token, same_own)

        async def entra_again(_: int) -> float:
            return await timed(provider.validate_token, same_entra)

        results["repeated"] = await interleaved(own_again, entra_again)

        async def own_verify(_: int) -> float:
            return timed_sync(own_engine.verify, own[:BATCH])

        async def big_verify(_: int) -> float:
            return timed_sync(own_engine.verify, own_big)

        async def entra_verify(_: int) -> float:
            return timed_sync(entra_engine.verify, entra[:BATCH])

        results["engine"] = await interleaved(own_verify, entra_verify)
        results["engine_same_size"] = await interleaved(big_verify, entra_verify)

        load = (load_before + os.getloadavg()[0]) / 2
        fetched = max(  # fetches the provider started, JWKS requests the IdP served
            provider.fetch_count - fetches_before[0], idp.jwks_fetches() - fetches_before[1]
        )
    finally:
        await provider.aclose()
        idp_server.close()
    return results, fetched, load


ROWS = {
    "distinct": (
        "validate_token, distinct tokens (-> User / TokenClaims)",
        "own RS256 token, JWTManager.validate_token (memory store)",
        True,
    ),
    "repeated": (
        "validate_token, the same token again (cache hits)",
        "own RS256 token, JWTManager.validate_token (memory store)",
        False,
    ),
    "engine": (
        "engine verify only, distinct tokens (caches off)",
        "own RS256 token, TokenEngine.verify",
        False,
    ),
    "engine_same_size": (
        "engine verify only, distinct tokens (caches off), same payload size",
        "own RS256 token padded with Entra's claims (same payload size)",
        False,
    ),
}


def figures(results: dict[str, Pairs], fetched: int, load: float) -> list[Figure]:
    out = []
    for key, (name, peer, goal) in ROWS.items():
        pairs = results[key]
        own, entra = pairs.medians()
        cost = pairs.ratio
        out.append(
            Figure(
                section=SECTION,
                name=f"Entra v2 token: {name}",
                value=round(entra, 2),
                unit="us/op",
                peer=peer,
                peer_value=round(own, 2),
                ratio=round(1 / cost, 3),
                goal=f"<= {GOAL}x" if goal else None,
                met=(cost <= GOAL and fetched == 0) if goal else None,
                note=(
                    f"Entra costs {cost:.2f}x our own (median of {ROUNDS} interleaved rounds; "
                    f"the goal is on this cost ratio, ratio = own / Entra); "
                    f"{fetched} JWKS fetches during the timed runs; load average {load:.1f} "
                    f"on {os.cpu_count()} cores"
                ),
                extra={"cost_ratio": round(cost, 3), "jwks_fetches": fetched, "load_avg": load},
            )
        )
    return out


def main() -> None:
    results, fetched, load = asyncio.run(run())
    print(f"Machine: {machine()}; load average {load:.1f}\n")
    print("| RS256, RSA-2048 | own token us/op | Entra token us/op | Entra / own |")
    print("|---|---|---|---|")
    for key, (name, _peer, _goal) in ROWS.items():
        own, entra = results[key].medians()
        print(f"| {name} | {own:.2f} | {entra:.2f} | {results[key].ratio:.2f}x |")
    print(f"\nJWKS fetches during the timed runs: {fetched}")
    path = record("oidc", figures(results, fetched, load))
    print(f"recorded: {path}")


if __name__ == "__main__":
    main()
