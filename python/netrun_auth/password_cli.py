"""``netrun-auth hash`` and ``netrun-auth verify``.

The password is read from standard input when it is not a terminal (one line,
the newline removed), else from a prompt that does not echo. It is never taken
from the command line, where other users and shell history could see it.

``hash`` prints an argon2id PHC string. ``verify HASH`` exits 0 when the
password matches, 1 when it does not, 2 when the hash is malformed or
unsupported; it notes on standard error when the hash should be upgraded.

Settings come from ``AuthConfig`` (``NETRUN_AUTH_PASSWORD_*``) when it can be
loaded, and from the ``--memory-kib``/``--iterations``/``--parallelism`` flags.
"""

from __future__ import annotations

import argparse
import getpass
import sys
from types import SimpleNamespace
from typing import Any

from netrun_auth.exceptions import NetrunAuthError
from netrun_auth.password import PasswordManager

__all__ = ["add_password_commands", "hash_command", "main", "verify_command"]


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


def _load_config() -> Any | None:
    try:
        from netrun_auth.config import AuthConfig  # type: ignore[import-not-found]
    except ImportError:
        return None
    try:
        return AuthConfig()
    except Exception as e:  # a half-configured app should still hash with defaults
        print(
            f"netrun-auth: configuration not loaded ({type(e).__name__}); "
            "using default password settings",
            file=sys.stderr,
        )
        return None


def _manager(args: argparse.Namespace) -> PasswordManager:
    config = _load_config()
    overrides = {
        "password_argon2_memory_kib": getattr(args, "memory_kib", None),
        "password_argon2_iterations": getattr(args, "iterations", None),
        "password_argon2_parallelism": getattr(args, "parallelism", None),
    }
    if any(v is not None for v in overrides.values()):
        base = {k: getattr(config, k, None) for k in dir(config) if k.startswith("password_")}
        base.update({k: v for k, v in overrides.items() if v is not None})
        config = SimpleNamespace(**base)
    return PasswordManager(config)


def hash_command(args: argparse.Namespace) -> int:
    """Print an argon2id hash of the password read from stdin or a prompt."""
    try:
        manager = _manager(args)
        password = _read_password(confirm=True)
    except (NetrunAuthError, _PasswordInputError) as e:
        print(f"netrun-auth hash: {e}", file=sys.stderr)
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
    except (NetrunAuthError, _PasswordInputError) as e:
        print(f"netrun-auth verify: {e}", file=sys.stderr)
        return 2
    if not args.quiet:
        print("valid" if valid else "invalid")
    if upgrade:
        print(
            "netrun-auth verify: the hash uses other parameters than configured; rehash it",
            file=sys.stderr,
        )
    return 0 if valid else 1


def _add_argon2_flags(parser: argparse.ArgumentParser) -> None:
    group = parser.add_argument_group("argon2id parameters (default: from AuthConfig, or OWASP)")
    group.add_argument("--memory-kib", type=int, metavar="KIB", help="memory cost (19456)")
    group.add_argument("--iterations", type=int, metavar="N", help="passes (2)")
    group.add_argument("--parallelism", type=int, metavar="N", help="lanes (1)")


def add_password_commands(subparsers: Any) -> None:
    """Add ``hash`` and ``verify`` to an argparse sub-parser set (``set_defaults(func=...)``)."""
    hash_parser = subparsers.add_parser(
        "hash",
        help="hash a password with argon2id",
        description="Read a password from stdin or a prompt and print its argon2id hash.",
    )
    hash_parser.add_argument(
        "--check-policy",
        action="store_true",
        help="refuse (exit 1) a password that fails the configured policy",
    )
    _add_argon2_flags(hash_parser)
    hash_parser.set_defaults(func=hash_command)

    verify_parser = subparsers.add_parser(
        "verify",
        help="check a password against a stored hash",
        description=(
            "Read a password from stdin or a prompt and check it against HASH "
            "(argon2 PHC string or bcrypt $2a$/$2b$/$2y$). "
            "Exit 0 if it matches, 1 if not, 2 if the hash is unusable."
        ),
    )
    verify_parser.add_argument("hash", help="the stored hash")
    verify_parser.add_argument("-q", "--quiet", action="store_true", help="print nothing")
    _add_argon2_flags(verify_parser)
    verify_parser.set_defaults(func=verify_command)


def main(argv: list[str] | None = None) -> int:
    """``python -m netrun_auth.password_cli {hash,verify}``: the two commands on their own."""
    parser = argparse.ArgumentParser(prog="netrun-auth")
    subparsers = parser.add_subparsers(dest="command", required=True)
    add_password_commands(subparsers)
    args = parser.parse_args(argv)
    return int(args.func(args))


if __name__ == "__main__":
    sys.exit(main())
