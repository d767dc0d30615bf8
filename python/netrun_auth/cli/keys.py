"""``netrun-auth keygen`` and ``netrun-auth jwks``: key pairs on disk, the public JWKS."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from .. import _core
from ..config import AuthConfig
from ..exceptions import ConfigurationError
from ..jwt import JWTManager
from .command import Command

__all__ = ["ALGORITHM_OF_KEY", "COMMANDS", "KEY_TYPES"]

KEY_TYPES = ("rsa2048", "rsa3072", "rsa4096", "p256", "p384", "ed25519")
ALGORITHM_OF_KEY = {
    "rsa2048": "RS256", "rsa3072": "RS256", "rsa4096": "RS256",
    "p256": "ES256", "p384": "ES384", "ed25519": "EdDSA",
}  # fmt: skip


def _keygen_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--type", choices=KEY_TYPES, default="rsa2048", help="key type (default rsa2048)"
    )
    parser.add_argument("--out-dir", type=Path, default=Path("."), help="directory (default .)")
    parser.add_argument("--name", default="private_key", help="private key file stem")
    parser.add_argument("--public-name", default="public_key", help="public key file stem")
    parser.add_argument("--force", action="store_true", help="overwrite existing files")


def keygen(args: argparse.Namespace) -> int:
    """Write a fresh key pair as PEM files (mode 0600) and name the algorithm to set."""
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
        write_private(path, pem)
    print(f"wrote {targets[0][0]} and {targets[1][0]} ({args.type}, mode 0600)")
    print(f"set NETRUN_AUTH_JWT_ALGORITHM={ALGORITHM_OF_KEY[args.type]}")
    return 0


def write_private(path: Path, data: bytes) -> None:
    """Write ``data`` to ``path`` readable by its owner only (also when it existed)."""
    flags = os.O_WRONLY | os.O_CREAT | os.O_TRUNC
    fd = os.open(path, flags, 0o600)
    with os.fdopen(fd, "wb") as handle:
        handle.write(data)
    os.chmod(path, 0o600)


def jwks(_: argparse.Namespace) -> int:
    """Print the public JWKS of the configured keys."""
    print(json.dumps(JWTManager(AuthConfig()).jwks(), indent=2))
    return 0


COMMANDS = (
    Command(
        "keygen",
        "generate a key pair as PEM files (mode 0600)",
        keygen,
        _keygen_arguments,
    ),
    Command("jwks", "print the public JWKS of the configured keys", jwks),
)
