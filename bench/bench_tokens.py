"""Token benchmark: netrun-auth against PyJWT (and raw `cryptography` signing), same run.

Run with a release build:  scripts/bench   (or: maturin develop --release; python bench/bench_tokens.py)
Prints microseconds per operation and ratios as a Markdown table.
"""

from __future__ import annotations

import asyncio
import time

import jwt as pyjwt
from _timing import machine, per_op_us, per_op_us_async, row
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import padding

from netrun_auth import AuthConfig, JWTManager, _core

ISSUER, AUDIENCE = "bench-issuer", "bench-audience"
KINDS = {"RS256": "rsa2048", "ES256": "p256", "EdDSA": "ed25519"}
DISTINCT = 2000


def setup(algorithm: str):
    private_pem, public_pem = _core.generate_key(KINDS[algorithm])
    config = AuthConfig(
        _env_file=None,
        jwt_issuer=ISSUER,
        jwt_audience=AUDIENCE,
        jwt_algorithm=algorithm,
        jwt_private_key=private_pem.decode(),
        token_cache_size=50_000,
    )
    manager = JWTManager(config)
    private_key = serialization.load_pem_private_key(private_pem, password=None)
    public_key = serialization.load_pem_public_key(public_pem)
    return manager, private_key, public_key


def pyjwt_claims(i: int) -> dict:
    now = int(time.time())
    return {
        "iss": ISSUER, "aud": AUDIENCE, "sub": f"user-{i}", "exp": now + 900, "iat": now,
        "nbf": now, "jti": f"j{i}", "typ": "access", "sid": "s", "roles": ["user"],
        "permissions": ["a:b"],
    }  # fmt: skip


def pyjwt_verify(token: str, public_key, algorithm: str) -> dict:
    return pyjwt.decode(token, public_key, algorithms=[algorithm], audience=AUDIENCE, issuer=ISSUER)


def distinct_tokens(manager: JWTManager, n: int) -> list[str]:
    async def mint() -> list[str]:
        return [
            (await manager.generate_token_pair(f"user-{i}", roles=["user"])).access_token
            for i in range(n)
        ]

    return asyncio.run(mint())


def bench_verify(algorithm: str) -> list[str]:
    manager, private_key, public_key = setup(algorithm)
    engine = manager.engine
    ours_tokens = distinct_tokens(manager, DISTINCT)
    peer_tokens = [
        pyjwt.encode(pyjwt_claims(i), private_key, algorithm=algorithm) for i in range(DISTINCT)
    ]

    def ours_distinct():
        it = iter(ours_tokens)
        fresh = JWTManager(manager.config, engine=None).engine  # empty cache each run
        return lambda: fresh.verify(next(it))

    def peer_distinct():
        it = iter(peer_tokens)
        return lambda: pyjwt_verify(next(it), public_key, algorithm)

    ours = min(per_op_us(ours_distinct(), DISTINCT, repeat=1) for _ in range(3))
    peer = min(per_op_us(peer_distinct(), DISTINCT, repeat=1) for _ in range(3))
    lines = [row(f"{algorithm} verify, distinct tokens (engine)", ours, peer, "PyJWT")]

    if algorithm == "RS256":
        one = ours_tokens[0]
        engine.verify(one)
        cached = per_op_us(lambda: engine.verify(one), 50_000)
        peer_same = per_op_us(lambda: pyjwt_verify(peer_tokens[0], public_key, algorithm), 2000)
        lines.append(
            row("RS256 verify, same token again (engine cache)", cached, peer_same, "PyJWT")
        )

        async def full() -> float:
            await manager.validate_token(one)
            return await per_op_us_async(lambda: manager.validate_token(one), 50_000)

        full_us = asyncio.run(full())
        lines.append(
            row(
                "RS256 validate_token, cached, with revocation check + TokenClaims",
                full_us,
                peer_same,
                "PyJWT",
            )
        )
    return lines


def bench_sign() -> list[str]:
    manager, private_key, _ = setup("RS256")
    engine = manager.engine
    claims = pyjwt_claims(0)
    ours = per_op_us(lambda: engine.issue_pair("user-0", None, ["user"], ["a:b"]), 300) / 2
    peer = per_op_us(lambda: pyjwt.encode(claims, private_key, algorithm="RS256"), 300)
    message = pyjwt.encode(claims, private_key, algorithm="RS256").rsplit(".", 1)[0].encode()
    raw = per_op_us(lambda: private_key.sign(message, padding.PKCS1v15(), hashes.SHA256()), 300)
    return [
        row("RS256 sign, per token (issue_pair / 2)", ours, peer, "PyJWT"),
        f"| raw RSA-2048 sign (`cryptography`) | {raw:.2f} | | ours = {ours / raw:.2f}x the raw sign |",
    ]


def main() -> None:
    print(f"Machine: {machine()}")
    print(f"PyJWT {pyjwt.__version__}, netrun-auth {_core.__version__}\n")
    print("| operation | netrun-auth us/op | PyJWT us/op | ratio |")
    print("|---|---|---|---|")
    for line in [
        *bench_verify("RS256"),
        *bench_verify("ES256"),
        *bench_verify("EdDSA"),
        *bench_sign(),
    ]:
        print(line)


if __name__ == "__main__":
    main()
