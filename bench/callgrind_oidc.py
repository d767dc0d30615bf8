"""Instruction counts of validating an Entra v2 token against our own (load-independent).

Wall-clock ratios on a loaded 2-core machine are noisy; instruction counts are not. This
driver validates ``N`` distinct tokens of one kind (``own`` or ``entra``) inside
``functools.reduce`` (each coroutine driven by hand: the hot path awaits nothing), so that
``valgrind --tool=callgrind --toggle-collect=functools_reduce`` counts only the
validations, not the setup::

    python bench/callgrind_oidc.py prepare /tmp/oidc-tokens.json   # tokens, keys (not counted)
    valgrind --tool=callgrind --toggle-collect=functools_reduce \\
        --callgrind-out-file=/tmp/cg.entra python bench/callgrind_oidc.py entra /tmp/oidc-tokens.json
    callgrind_annotate /tmp/cg.entra | head -40

The Entra/own ratio of the two totals is the benchmark's cost ratio without the noise
(``python bench/callgrind_oidc.py ratio /tmp/cg.own /tmp/cg.entra``).
"""

from __future__ import annotations

import asyncio
import functools
import json
import re
import sys
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from cryptography.hazmat.primitives import serialization

from netrun_auth import AuthConfig, JWTManager, _core
from netrun_auth.integrations.azure_ad import AzureADConfig, AzureADProvider
from tests.oidc.entra_idp import CLIENT_ID, TENANT, EntraIdP, Server, SigningKey

COUNT = 200


def own_config(private_pem: str) -> AuthConfig:
    return AuthConfig(
        _env_file=None,
        jwt_issuer="bench-issuer",
        jwt_audience="bench-audience",
        jwt_private_key=private_pem,
    )


async def prepare(path: str) -> None:
    private_pem = _core.generate_key("rsa2048")[0].decode()
    manager = JWTManager(own_config(private_pem))
    idp = EntraIdP()
    own = [
        (await manager.generate_token_pair(f"user-{i}", roles=["user"])).access_token
        for i in range(COUNT)
    ]
    key = idp.signing
    pem = key.private.private_bytes(
        serialization.Encoding.PEM,
        serialization.PrivateFormat.PKCS8,
        serialization.NoEncryption(),
    ).decode()
    entra = [idp.v2(uti=f"u{i}") for i in range(COUNT)]
    data = {"own_pem": private_pem, "idp_kid": key.kid, "idp_pem": pem}
    Path(path).write_text(json.dumps({**data, "own": own, "entra": entra}))


def drive(validate: Callable[[str], Coroutine[Any, Any, object]]) -> Callable[[None, str], None]:
    def step(_: None, token: str) -> None:
        try:
            validate(token).send(None)
        except StopIteration:
            return
        raise RuntimeError("the hot path awaited something")

    return step


async def setup(kind: str, data: dict[str, Any]) -> tuple[Callable[[None, str], None], Any]:
    if kind == "own":
        manager = JWTManager(own_config(data["own_pem"]))
        return drive(manager.validate_token), None
    private = serialization.load_pem_private_key(data["idp_pem"].encode(), None)
    idp = EntraIdP(keys=[SigningKey(kid=data["idp_kid"], private=private)])  # type: ignore[arg-type]
    server = Server(idp)
    provider = AzureADProvider(
        AzureADConfig(
            _env_file=None,
            tenant_id=TENANT,
            client_id=CLIENT_ID,
            authority_host=idp.authority,
            insecure_http_authority=True,
        )
    )
    await provider.start()
    await provider.validate_token(data["entra"][0])  # any lazy setup, not counted
    return drive(provider.validate_token), (provider, server)


def measure(kind: str, path: str) -> None:
    data = json.loads(Path(path).read_text())
    step, keep = asyncio.run(setup(kind, data))
    tokens = data[kind][1:]
    functools.reduce(step, tokens, None)  # the only part counted
    print(f"{kind}: {len(tokens)} tokens validated", keep is not None)


def total(path: str) -> int:
    text = Path(path).read_text()
    match = re.search(r"^(?:summary|totals):\s*(\d+)", text, re.M)
    assert match, path
    return int(match.group(1))


def main() -> None:
    command = sys.argv[1]
    if command == "prepare":
        asyncio.run(prepare(sys.argv[2]))
    elif command in ("own", "entra"):
        measure(command, sys.argv[2])
    elif command == "ratio":
        own, entra = total(sys.argv[2]), total(sys.argv[3])
        n = COUNT - 1
        print(f"own {own / n:,.0f} instr/token, entra {entra / n:,.0f}: {entra / own:.3f}x")
    else:
        raise SystemExit(__doc__)


if __name__ == "__main__":
    main()
