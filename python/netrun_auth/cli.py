"""The ``netrun-auth`` command: keys, tokens, JWKS, passwords and the demo."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import os
import sys
import tempfile
from collections.abc import Callable, Sequence
from pathlib import Path
from typing import Any

from . import _core
from .config import AuthConfig
from .exceptions import ConfigurationError, NetrunAuthError, TokenReuseError
from .jwt import JWTManager

KEY_TYPES = ("rsa2048", "rsa3072", "rsa4096", "p256", "p384", "ed25519")
ALGORITHM_OF_KEY = {
    "rsa2048": "RS256", "rsa3072": "RS256", "rsa4096": "RS256",
    "p256": "ES256", "p384": "ES384", "ed25519": "EdDSA",
}  # fmt: skip


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 rejected token, 2 bad usage/config)."""
    parser = _parser()
    args = parser.parse_args(argv)
    if not getattr(args, "handler", None):
        parser.print_help()
        return 2
    handler: Callable[[argparse.Namespace], int] = args.handler
    try:
        return handler(args)
    except ConfigurationError as exc:
        print(f"configuration error: {exc.message}", file=sys.stderr)
        return 2
    except NetrunAuthError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 1


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="netrun-auth",
        description="netrun-auth: keys, tokens and JWKS from the command line. "
        "Settings come from NETRUN_AUTH_* variables and .env, as for AuthConfig.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")

    keygen = sub.add_parser("keygen", help="generate a key pair as PEM files (mode 0600)")
    keygen.add_argument(
        "--type", choices=KEY_TYPES, default="rsa2048", help="key type (default rsa2048)"
    )
    keygen.add_argument("--out-dir", type=Path, default=Path("."), help="directory (default .)")
    keygen.add_argument("--name", default="private_key", help="private key file stem")
    keygen.add_argument("--public-name", default="public_key", help="public key file stem")
    keygen.add_argument("--force", action="store_true", help="overwrite existing files")
    keygen.set_defaults(handler=_keygen)

    token = sub.add_parser("token", help="mint a token pair with the configured keys (for testing)")
    token.add_argument("user_id")
    token.add_argument("--org", dest="organization_id")
    token.add_argument("--role", dest="roles", action="append", default=[])
    token.add_argument("--permission", dest="permissions", action="append", default=[])
    token.set_defaults(handler=_token)

    decode = sub.add_parser("decode", help="verify a token and print its claims")
    decode.add_argument("token", help="the token, or - to read it from stdin")
    decode.add_argument("--type", choices=("access", "refresh", "any"), default="any")
    decode.add_argument(
        "--insecure-no-verify",
        action="store_true",
        help="only show header and payload, WITHOUT checking anything",
    )
    decode.set_defaults(handler=_decode)

    jwks = sub.add_parser("jwks", help="print the public JWKS of the configured keys")
    jwks.set_defaults(handler=_jwks)

    walk = sub.add_parser(
        "walkthrough",
        help="create keys, mint a pair, validate, refresh, and show reuse detection",
    )
    walk.set_defaults(handler=_walkthrough)

    for register in _optional_commands():
        register(sub)
    return parser


def _optional_commands() -> list[Callable[[Any], None]]:
    commands: list[Callable[[Any], None]] = []
    try:
        from .password_cli import add_password_commands

        commands.append(add_password_commands)
    except ImportError:
        pass
    try:
        from .demo import add_demo_command

        commands.append(add_demo_command)
    except ImportError:  # the demo needs the [fastapi] extra
        pass
    return commands


def _keygen(args: argparse.Namespace) -> int:
    private_pem, public_pem = _core.generate_key(args.type)
    args.out_dir.mkdir(parents=True, exist_ok=True)
    targets = [
        (args.out_dir / f"{args.name}.pem", private_pem),
        (args.out_dir / f"{args.public_name}.pem", public_pem),
    ]
    existing = [str(path) for path, _ in targets if path.exists()]
    if existing and not args.force:
        raise ConfigurationError(f"refusing to overwrite {', '.join(existing)} (use --force)")
    for path, pem in targets:
        _write_private(path, pem)
    print(f"wrote {targets[0][0]} and {targets[1][0]} ({args.type}, mode 0600)")
    print(f"set NETRUN_AUTH_JWT_ALGORITHM={ALGORITHM_OF_KEY[args.type]}")
    return 0


def _write_private(path: Path, data: bytes) -> None:
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def _token(args: argparse.Namespace) -> int:
    manager = JWTManager(AuthConfig())
    pair = asyncio.run(
        manager.generate_token_pair(
            args.user_id, args.organization_id, args.roles, args.permissions
        )
    )
    print(json.dumps(pair.model_dump(), indent=2))
    return 0


def _decode(args: argparse.Namespace) -> int:
    token = sys.stdin.read().strip() if args.token == "-" else args.token
    if args.insecure_no_verify:
        logging.getLogger("netrun_auth").warning(
            "--insecure-no-verify: the token is decoded WITHOUT any verification"
        )
        header, payload = _core.insecure_decode_unverified(token)
        print("WARNING: nothing was verified", file=sys.stderr)
        print(json.dumps({"header": header, "payload": payload}, indent=2))
        return 0
    manager = JWTManager(AuthConfig())
    expected = None if args.type == "any" else args.type
    claims = manager.engine.verify(token, expected)
    print(json.dumps(claims.to_dict(), indent=2))
    return 0


def _jwks(_: argparse.Namespace) -> int:
    print(json.dumps(JWTManager(AuthConfig()).jwks(), indent=2))
    return 0


def _walkthrough(_: argparse.Namespace) -> int:
    asyncio.run(_walk())
    return 0


async def _walk() -> None:
    step = _stepper()
    with tempfile.TemporaryDirectory(prefix="netrun-auth-") as tmp:
        private_pem, public_pem = _core.generate_key("rsa2048")
        (Path(tmp) / "private_key.pem").write_bytes(private_pem)
        (Path(tmp) / "public_key.pem").write_bytes(public_pem)
        step(f"generated an RSA-2048 key pair in {tmp}")
        config = AuthConfig(
            jwt_issuer="walkthrough",
            jwt_audience="walkthrough-users",
            jwt_private_key_path=Path(tmp) / "private_key.pem",
            jwt_public_key_path=Path(tmp) / "public_key.pem",
            _env_file=None,
        )
        manager = JWTManager(config)
        step(
            f"JWTManager ready: {manager.engine.algorithm}, kid {manager.engine.key_id}, in-memory store"
        )
        pair = await manager.generate_token_pair("user123", "org456", ["user"], ["projects:read"])
        step(
            f"issued a token pair: access expires in {pair.expires_in} s, session {pair.session_id}"
        )
        claims = await manager.validate_token(pair.access_token)
        step(
            f"validated the access token: user {claims.user_id}, org {claims.organization_id}, roles {claims.roles}"
        )
        try:
            await manager.validate_token(pair.refresh_token)
        except NetrunAuthError as exc:
            step(f"the refresh token is refused as an access token: {exc.code}")
        new_pair = await manager.refresh_token(pair.refresh_token)
        step("refreshed: the old refresh token is now spent, a new pair was issued")
        try:
            await manager.refresh_token(pair.refresh_token)
        except TokenReuseError as exc:
            step(f"presenting the spent refresh token again is reuse: {exc.code}")
        try:
            await manager.validate_token(new_pair.access_token)
        except NetrunAuthError as exc:
            step(f"...and the whole session is revoked, the new access token too: {exc.code}")
        again = await manager.generate_token_pair("user123", "org456", ["user"])
        await manager.logout(again.access_token)
        try:
            await manager.validate_token(again.access_token)
        except NetrunAuthError as exc:
            step(f"after logout the token is refused: {exc.code}")
        print(json.dumps(manager.jwks(), indent=2))
        step("that is the public JWKS other services can verify these tokens with")


def _stepper() -> Callable[[str], None]:
    count = 0

    def step(message: str) -> None:
        nonlocal count
        count += 1
        print(f"[{count}] {message}")

    return step


if __name__ == "__main__":  # pragma: no cover
    raise SystemExit(main())
