"""Figures of a benchmark run, written where `bench/report.py` finds them.

Every benchmark ends with ``record(bench, figures)``: one JSON file per benchmark under
``bench/results/``. ``scripts/bench`` runs them all and then ``bench/report.py``, which turns
every file into the one table (and the chart) of ``docs/performance.md``. A figure is one
measured value with the peer it is compared with in the same run and the goal it answers to.
"""

from __future__ import annotations

import json
import platform
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

from netrun_testing.machine import machine

__all__ = ["RESULTS", "Figure", "record"]

RESULTS = Path(__file__).resolve().parent / "results"


@dataclass(frozen=True)
class Figure:
    """One measured figure.

    ``ratio`` is how many times better ours is than the peer (> 1 is better: faster, more
    req/s, less memory), computed by the benchmark because only it knows which way is
    better. ``goal`` is the issue's target as text (``">= 3x"``, ``"<= 1.1x"``), ``met``
    whether this run reached it (``None`` when the figure has no goal). ``chart`` puts the
    figure on the README's chart.
    """

    section: str
    name: str
    value: float
    unit: str
    peer: str | None = None
    peer_value: float | None = None
    ratio: float | None = None
    goal: str | None = None
    met: bool | None = None
    chart: bool = False
    note: str | None = None
    extra: dict[str, float | str] = field(default_factory=dict)


def record(bench: str, figures: list[Figure]) -> Path:
    """Write ``figures`` as ``bench/results/<bench>.json`` and return its path."""
    RESULTS.mkdir(exist_ok=True)
    path = RESULTS / f"{bench}.json"
    document = {
        "bench": bench,
        "when": time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()),
        "machine": machine(),
        "python": platform.python_version(),
        "figures": [asdict(f) for f in figures],
    }
    path.write_text(json.dumps(document, indent=1) + "\n")
    return path
