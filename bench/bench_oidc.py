"""OIDC benchmark: validating an Entra ID access token against validating our own token.

Both are RS256 with RSA-2048 keys, in the same run. The Entra tokens come from the
Entra-shaped IdP of the test suite, served on loopback (real HTTP for discovery and keys);
the JWKS fetch count during the timed part must stay 0.

Run with a release build:  maturin develop --release; python bench/bench_oidc.py
Prints microseconds per operation as a Markdown table; the issue's target is Entra <= 1.1x ours.
"""

from __future__ import annotations

import asyncio
import sys
from pathlib import Path

import httpx
from _timing import machine, per_op_us, per_op_us_async

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from netrun_auth import AuthConfig, JWTManager, _core
from netrun_auth.integrations.azure_ad import AzureADConfig, AzureADProvider
from tests.oidc.entra_idp import CLIENT_ID, TENANT, EntraIdP, Server, v2_claims

DISTINCT = 2000


def own_manager() -> JWTManager:
    private_pem, _ = _core.generate_key("rsa2048")
    return JWTManager(
        AuthConfig(
            _env_file=None,
            jwt_issuer="bench-issuer",
            jwt_audience="bench-audience",
            jwt_private_key=private_pem.decode(),
            token_cache_size=50_000,
        )
    )


async def run() -> list[str]:
    idp_server = Server(EntraIdP())
    idp = idp_server.idp
    manager = own_manager()
    config = AzureADConfig(
        _env_file=None,
        tenant_id=TENANT,
        client_id=CLIENT_ID,
        authority_host=idp.authority,
        insecure_http_authority=True,
    )
    provider = AzureADProvider(config)
    try:
        await provider.start()
        own = [
            (await manager.generate_token_pair(f"user-{i}", roles=["user"])).access_token
            for i in range(DISTINCT)
        ]
        entra = [idp.v2(uti=f"u{i}") for i in range(DISTINCT)]
        # Our own tokens carrying the same extra claims as an Entra token (same payload size).
        registered = {"iss", "aud", "sub", "exp", "nbf", "iat", "roles", "tid", "oid", "scp"}
        entra_extra = {k: v for k, v in v2_claims().items() if k not in registered}
        own_big = [
            (
                await manager.generate_token_pair(
                    f"user-{i}", roles=["user"], extra_claims={**entra_extra, "uti": f"u{i}"}
                )
            ).access_token
            for i in range(DISTINCT)
        ]
        verifier = provider._issuers[0].verifier  # the v2.0 issuer's engine verifier
        assert verifier is not None
        fetches = idp.jwks_fetches()

        # Signature work: distinct tokens, fresh caches, best of 5 runs (each its own caches).
        keys = httpx.get(f"{idp.authority}/{TENANT}/discovery/v2.0/keys").content

        def own_run(tokens: list[str]) -> float:
            engine = JWTManager(manager.config).engine
            it = iter(tokens)
            return per_op_us(lambda: engine.verify(next(it)), DISTINCT, repeat=1)

        def entra_run() -> float:
            fresh = _core.OidcVerifier(
                issuer=verifier.issuer, audiences=[CLIENT_ID], allowed_tenants=[TENANT]
            )
            _, ticket = fresh.poll(0.0)
            fresh.complete(ticket, keys, 0.0)
            it = iter(entra)
            return per_op_us(lambda: fresh.verify(next(it)), DISTINCT, repeat=1)

        own_distinct = min(own_run(own) for _ in range(5))
        own_big_distinct = min(own_run(own_big) for _ in range(5))
        entra_distinct = min(entra_run() for _ in range(5))

        # The request path: the same token again (verified-token cache), full User out.
        await manager.validate_token(own[0])
        await provider.validate_token(entra[0])
        own_full = await per_op_us_async(lambda: manager.validate_token(own[0]), 20_000)
        entra_full = await per_op_us_async(lambda: provider.validate_token(entra[0]), 20_000)
        fetched = idp.jwks_fetches() - fetches - 1  # minus the one direct fetch above
    finally:
        await provider.aclose()
        idp_server.close()
    return [
        f"| verify, distinct tokens (engine) | {own_distinct:.2f} | {entra_distinct:.2f} "
        f"| {entra_distinct / own_distinct:.2f}x |",
        f"| verify, distinct tokens, own token with Entra's claims (same payload size) "
        f"| {own_big_distinct:.2f} | {entra_distinct:.2f} | {entra_distinct / own_big_distinct:.2f}x |",
        f"| validate_token, cached, to TokenClaims / User | {own_full:.2f} | {entra_full:.2f} "
        f"| {entra_full / own_full:.2f}x |",
        f"\nJWKS fetches during the timed runs: {fetched}",
    ]


def main() -> None:
    print(f"Machine: {machine()}\n")
    print("| RS256, RSA-2048 | own token us/op | Entra token us/op | Entra / own |")
    print("|---|---|---|---|")
    for line in asyncio.run(run()):
        print(line)


if __name__ == "__main__":
    main()
