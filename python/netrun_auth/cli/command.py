"""How a ``netrun-auth`` sub-command is declared: one :class:`Command` value.

A command group module (``keys``, ``tokens``, ``passwords``, ``demo``) lists its
commands in a module-level ``COMMANDS`` tuple; :func:`netrun_auth.cli.build_parser`
adds each one to the parser and binds its ``run`` in one place, so a command shown
by ``--help`` is always one that ``main`` can run.
"""

from __future__ import annotations

import argparse
from collections.abc import Callable
from dataclasses import dataclass

__all__ = ["Command", "no_arguments"]


def no_arguments(parser: argparse.ArgumentParser) -> None:
    """``add_arguments`` of a command that takes none."""


@dataclass(frozen=True)
class Command:
    """One sub-command: its name, one-line help, its arguments and what it runs.

    ``run`` gets the parsed arguments and returns the exit status (0 ok, 1 refused,
    2 bad usage or configuration).
    """

    name: str
    help: str
    run: Callable[[argparse.Namespace], int]
    add_arguments: Callable[[argparse.ArgumentParser], None] = no_arguments
    description: str | None = None
