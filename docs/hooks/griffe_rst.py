"""Griffe extension: the reStructuredText inline markup of our docstrings, as Markdown.

The package's docstrings use Sphinx conventions (``:class:`~a.B```, double backticks,
``::`` literal blocks); mkdocstrings renders Markdown. This rewrites, in each docstring:

- a role (``:class:``, ``:func:``, ``:meth:``, ``:attr:``, ``:exc:``, ``:mod:``, ``:data:``,
  ``:obj:``) as inline code: ``:class:`~netrun_auth.types.User``` becomes `` `User` ``
  (``~`` keeps the last component, as in Sphinx);
- double backticks as single ones;
- a paragraph ending in ``::`` followed by an indented block as a fenced Python block.

Plain code, never links: a link to a name that no page documents would fail the strict
build. Enabled in ``mkdocs.yml`` (mkdocstrings ``extensions``).
"""

from __future__ import annotations

import re
import textwrap
from typing import Any

import griffe

ROLE = re.compile(r":(?:py:)?(?:class|func|meth|attr|exc|mod|data|obj):`(~?)([^`]+)`")
DOUBLE = re.compile(r"``(.+?)``")


def _role(match: re.Match[str]) -> str:
    short, target = match.group(1), match.group(2).strip()
    if short:
        target = target.rsplit(".", 1)[-1]
    return f"`{target}`"


def _inline(text: str) -> str:
    return DOUBLE.sub(r"`\1`", ROLE.sub(_role, text))


def _indent(line: str) -> int:
    return len(line) - len(line.lstrip())


def convert(text: str) -> str:
    """``text`` (a docstring) with its reST inline markup and literal blocks as Markdown."""
    lines = text.splitlines()
    out: list[str] = []
    i = 0
    while i < len(lines):
        line = lines[i]
        if line.rstrip().endswith("::") and not line.strip().startswith(".."):
            base = _indent(line)
            j = i + 1
            while j < len(lines) and not lines[j].strip():
                j += 1
            block_start = j
            while j < len(lines) and (not lines[j].strip() or _indent(lines[j]) > base):
                j += 1
            block = lines[block_start:j]
            if block:
                head = line.rstrip()[:-2].rstrip()
                if head.strip():
                    out.append(_inline(head) + ":")
                    out.append("")
                while block and not block[-1].strip():
                    block.pop()
                out.append(" " * base + "```python")
                out.extend(
                    " " * base + code if code else ""
                    for code in textwrap.dedent("\n".join(block)).splitlines()
                )
                out.append(" " * base + "```")
                out.append("")
                i = j
                continue
        out.append(_inline(line))
        i += 1
    return "\n".join(out)


class RstInline(griffe.Extension):
    """Rewrite every docstring of the loaded package (see the module docstring)."""

    def on_instance(self, *, obj: griffe.Object, **kwargs: Any) -> None:
        if obj.docstring is not None:
            obj.docstring.value = convert(obj.docstring.value)
