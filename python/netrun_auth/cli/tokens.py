"""``netrun-auth token``, ``decode`` and ``walkthrough``: mint, inspect and tour tokens."""

from __future__ import annotations

import argparse
import asyncio
import json
import logging
import sys
import tempfile
from collections.abc import Callable
from pathlib import Path

from .. import _core
from ..config import AuthConfig
from ..exceptions import NetrunAuthError, TokenReuseError
from ..jwt import JWTManager
from .command import Command

__all__ = ["COMMANDS"]


def _token_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("user_id")
    parser.add_argument("--org", dest="organization_id")
    parser.add_argument("--role", dest="roles", action="append", default=[])
    parser.add_argument("--permission", dest="permissions", action="append", default=[])


def token(args: argparse.Namespace) -> int:
    """Print a token pair for ``args.user_id`` issued with the configured keys."""
    manager = JWTManager(AuthConfig())
    pair = asyncio.run(
        manager.generate_token_pair(
            args.user_id, args.organization_id, args.roles, args.permissions
        )
    )
    print(json.dumps(pair.model_dump(), indent=2))
    return 0


def _decode_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("token", help="the token, or - to read it from stdin")
    parser.add_argument("--type", choices=("access", "refresh", "any"), default="any")
    parser.add_argument(
        "--insecure-no-verify",
        action="store_true",
        help="only show header and payload, WITHOUT checking anything",
    )


def decode(args: argparse.Namespace) -> int:
    """Verify a token with the configured keys and print its claims (exit 1 if refused)."""
    text = sys.stdin.read().strip() if args.token == "-" else args.token
    if args.insecure_no_verify:
        logging.getLogger("netrun_auth").warning(
            "--insecure-no-verify: the token is decoded WITHOUT any verification"
        )
        header, payload = _core.insecure_decode_unverified(text)
        print("WARNING: nothing was verified", file=sys.stderr)
        print(json.dumps({"header": header, "payload": payload}, indent=2))
        return 0
    manager = JWTManager(AuthConfig())
    expected = None if args.type == "any" else args.type
    claims = manager.engine.verify(text, expected)
    print(json.dumps(claims.to_dict(), indent=2))
    return 0


def walkthrough(_: argparse.Namespace) -> int:
    """Create keys, mint a pair, validate, refresh, show reuse detection and logout."""
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


COMMANDS = (
    Command(
        "token",
        "mint a token pair with the configured keys (for testing)",
        token,
        _token_arguments,
    ),
    Command("decode", "verify a token and print its claims", decode, _decode_arguments),
    Command(
        "walkthrough",
        "create keys, mint a pair, validate, refresh, and show reuse detection",
        walkthrough,
    ),
)
