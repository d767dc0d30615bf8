"""The ``netrun-auth`` command: keys, tokens, JWKS, passwords and the demo.

One ``main``; each command group is a module of this package with a ``COMMANDS``
tuple of :class:`~netrun_auth.cli.command.Command` values, and :func:`build_parser`
is the one place that turns them into sub-parsers. To add a command, add a
``Command`` to a group's ``COMMANDS`` (or a new group to ``GROUPS``).

Exit status: 0 ok, 1 a refused token / password / policy, 2 bad usage or configuration.
"""

from __future__ import annotations

import argparse
import sys
from collections.abc import Sequence

from ..exceptions import ConfigurationError, NetrunAuthError
from . import demo, keys, passwords, tokens
from .command import Command

__all__ = ["COMMANDS", "Command", "build_parser", "main"]

GROUPS = (keys, tokens, passwords, demo)
"""The command group modules, in the order ``--help`` lists their commands."""

COMMANDS: tuple[Command, ...] = tuple(command for group in GROUPS for command in group.COMMANDS)


def build_parser() -> argparse.ArgumentParser:
    """The argument parser of every command in :data:`COMMANDS`."""
    parser = argparse.ArgumentParser(
        prog="netrun-auth",
        description="netrun-auth: keys, tokens, JWKS, passwords and a demo app from the "
        "command line. Settings come from NETRUN_AUTH_* variables and .env, as for AuthConfig.",
    )
    sub = parser.add_subparsers(title="commands", metavar="COMMAND")
    for command in COMMANDS:
        command_parser = sub.add_parser(
            command.name, help=command.help, description=command.description or command.help
        )
        command.add_arguments(command_parser)
        command_parser.set_defaults(run=command.run)
    return parser


_parser = build_parser  # the name tests/security/test_limits.py walks


def main(argv: Sequence[str] | None = None) -> int:
    """Run the command line; returns the exit status (0 ok, 1 refused, 2 bad usage/config)."""
    parser = build_parser()
    args = parser.parse_args(argv)
    run = getattr(args, "run", None)
    if run is None:
        parser.print_help()
        return 2
    try:
        status: int = run(args)
    except ConfigurationError as exc:
        print(f"configuration error: {exc.message}", file=sys.stderr)
        return 2
    except NetrunAuthError as exc:
        print(f"{exc.code}: {exc.message}", file=sys.stderr)
        return 1
    return status
