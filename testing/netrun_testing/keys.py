"""Key pairs and settings for ``AuthConfig`` in tests and benchmarks.

Keys come from the engine (``netrun_auth._core.generate_key``), so a test or benchmark
uses exactly the kinds of keys an application would load.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from netrun_auth import _core

__all__ = [
    "HS_SECRET",
    "HTTP_AUDIENCE",
    "HTTP_ISSUER",
    "KEY_KIND_OF",
    "KeyFiles",
    "KeyPair",
    "generate_key_pair",
    "write_key_files",
]

KEY_KIND_OF = {
    "RS256": "rsa2048", "RS384": "rsa2048", "RS512": "rsa2048",
    "PS256": "rsa2048", "PS384": "rsa2048", "PS512": "rsa2048",
    "ES256": "p256", "ES384": "p384", "EdDSA": "ed25519",
}  # fmt: skip
"""The key kind (``generate_key`` argument) each asymmetric algorithm signs with."""

HS_SECRET = "s" * 64
"""An HMAC secret long enough for HS256, HS384 and HS512."""

HTTP_ISSUER = "http-tests"
HTTP_AUDIENCE = "http-tests-api"
"""Issuer and audience of the apps the HTTP tests serve (see :meth:`KeyFiles.env`)."""


@dataclass(frozen=True)
class KeyPair:
    """A private and a public key, PEM text."""

    private_pem: str
    public_pem: str


def generate_key_pair(kind: str = "rsa2048") -> KeyPair:
    """A fresh key pair of ``kind`` (rsa2048, rsa3072, rsa4096, p256, p384, ed25519)."""
    private, public = _core.generate_key(kind)
    return KeyPair(private.decode(), public.decode())


@dataclass(frozen=True)
class KeyFiles:
    """A key pair on disk, and the ``NETRUN_AUTH_*`` settings that load it."""

    private_path: Path
    public_path: Path
    issuer: str = HTTP_ISSUER
    audience: str = HTTP_AUDIENCE

    def env(self) -> dict[str, str]:
        """Issuer, audience and key paths as ``NETRUN_AUTH_*`` environment variables."""
        return {
            "NETRUN_AUTH_JWT_ISSUER": self.issuer,
            "NETRUN_AUTH_JWT_AUDIENCE": self.audience,
            "NETRUN_AUTH_JWT_PRIVATE_KEY_PATH": str(self.private_path),
            "NETRUN_AUTH_JWT_PUBLIC_KEY_PATH": str(self.public_path),
        }

    def settings(self) -> dict[str, str]:
        """The same as ``AuthConfig`` keyword arguments."""
        return {k.removeprefix("NETRUN_AUTH_").lower(): v for k, v in self.env().items()}


def write_key_files(
    directory: Path,
    kind: str = "rsa2048",
    *,
    issuer: str = HTTP_ISSUER,
    audience: str = HTTP_AUDIENCE,
) -> KeyFiles:
    """Write a fresh key pair of ``kind`` as ``private.pem`` (mode 0600) and ``public.pem``."""
    pair = generate_key_pair(kind)
    private_path, public_path = directory / "private.pem", directory / "public.pem"
    private_path.write_text(pair.private_pem)
    private_path.chmod(0o600)
    public_path.write_text(pair.public_pem)
    return KeyFiles(private_path, public_path, issuer, audience)
