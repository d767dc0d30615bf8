"""``netrun-auth hash`` and ``netrun-auth verify``: argon2id hashes from the command line.

The password is read from standard input when it is not a terminal (one line, the
newline removed), else from a prompt that does not echo. It is never taken from the
command line, where other users and shell history could see it, and never printed.

``hash`` prints an argon2id PHC string (exit 1 with ``--check-policy`` when the
password fails the policy, 2 when no password was given). ``verify HASH`` exits 0 when
the password matches, 1 when it does not, 2 when the hash is malformed or unsupported;
it notes on standard error when the hash should be upgraded.

Settings come from ``AuthConfig`` (``NETRUN_AUTH_PASSWORD_*``) when it can be loaded,
then from the ``--memory-kib`` / ``--iterations`` / ``--parallelism`` flags.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from types import SimpleNamespace
from typing import Any

from ..config import AuthConfig
from ..exceptions import NetrunAuthError
from ..password import PasswordManager
from .command import Command

__all__ = ["COMMANDS"]

_ARGON2_FLAGS = {
    "memory_kib": "password_argon2_memory_kib",
    "iterations": "password_argon2_iterations",
    "parallelism": "password_argon2_parallelism",
}


class _PasswordInputError(Exception):
    """No usable password was given."""


def _read_password(*, confirm: bool) -> str:
    if not sys.stdin.isatty():
        line = sys.stdin.readline()
        password = line.removesuffix("\n").removesuffix("\r")
        if not password:
            raise _PasswordInputError("no password on standard input")
        return password
    password = getpass.getpass("Password: ")
    if confirm and getpass.getpass("Repeat password: ") != password:
        raise _PasswordInputError("the passwords differ")
    if not password:
        raise _PasswordInputError("empty password")
    return password


def _settings(args: argparse.Namespace) -> dict[str, Any]:
    """The password settings of ``AuthConfig`` (defaults if it cannot load), then the flags."""
    settings: dict[str, Any] = {}
    try:
        config = AuthConfig()
    except Exception as exc:  # a half-configured app should still hash with defaults
        print(
            f"netrun-auth: configuration not loaded ({type(exc).__name__}); "
            "using default password settings",
            file=sys.stderr,
        )
    else:
        settings = {
            name: getattr(config, name)
            for name in type(config).model_fields
            if name.startswith("password_")
        }
    for flag, name in _ARGON2_FLAGS.items():
        value = getattr(args, flag, None)
        if value is not None:
            settings[name] = value
    return settings


def _manager(args: argparse.Namespace) -> PasswordManager:
    return PasswordManager(SimpleNamespace(**_settings(args)))


def hash_command(args: argparse.Namespace) -> int:
    """Print an argon2id hash of the password read from stdin or a prompt."""
    try:
        manager = _manager(args)
        password = _read_password(confirm=True)
    except (NetrunAuthError, _PasswordInputError) as exc:
        print(f"netrun-auth hash: {exc}", file=sys.stderr)
        return 2
    if args.check_policy:
        reasons = manager.validate_password(password)
        if reasons:
            for reason in reasons:
                print(f"netrun-auth hash: the password {reason}", file=sys.stderr)
            return 1
    print(manager.hash_password(password))
    return 0


def verify_command(args: argparse.Namespace) -> int:
    """Check the password read from stdin or a prompt against ``args.hash``."""
    try:
        manager = _manager(args)
        password = _read_password(confirm=False)
        valid = manager.verify_password(password, args.hash)
        upgrade = valid and manager.needs_rehash(args.hash)
    except (NetrunAuthError, _PasswordInputError) as exc:
        print(f"netrun-auth verify: {exc}", file=sys.stderr)
        return 2
    if not args.quiet:
        print("valid" if valid else "invalid")
    if upgrade:
        print(
            "netrun-auth verify: the hash uses other parameters than configured; rehash it",
            file=sys.stderr,
        )
    return 0 if valid else 1


def _argon2_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("argon2id parameters (default: from AuthConfig, or OWASP)")
    group.add_argument("--memory-kib", type=int, metavar="KIB", help="memory cost (19456)")
    group.add_argument("--iterations", type=int, metavar="N", help="passes (2)")
    group.add_argument("--parallelism", type=int, metavar="N", help="lanes (1)")


def _hash_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument(
        "--check-policy",
        action="store_true",
        help="refuse (exit 1) a password that fails the configured policy",
    )
    _argon2_flags(parser)


def _verify_arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("hash", help="the stored hash")
    parser.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    _argon2_flags(parser)


COMMANDS = (
    Command(
        "hash",
        "hash a password with argon2id",
        hash_command,
        _hash_arguments,
        "Read a password from stdin or a prompt and print its argon2id hash.",
    ),
    Command(
        "verify",
        "check a password against a stored hash",
        verify_command,
        _verify_arguments,
        "Read a password from stdin or a prompt and check it against HASH "
        "(argon2 PHC string or bcrypt $2a$/$2b$/$2y$). "
        "Exit 0 if it matches, 1 if not, 2 if the hash is unusable.",
    ),
)
