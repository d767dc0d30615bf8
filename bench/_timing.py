"""Timing helpers shared by the benchmarks: best-of-N wall clock per operation.

(``machine`` comes from the support package shared with the tests, ``netrun_testing``.)
"""

from __future__ import annotations

import time
from collections.abc import Awaitable, Callable

from netrun_testing.machine import machine

__all__ = ["machine", "per_op_us", "per_op_us_async", "row"]


def per_op_us(fn: Callable[[], object], ops: int, repeat: int = 5) -> float:
    """Best (lowest) microseconds per call of ``fn`` over ``repeat`` runs of ``ops`` calls."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for _ in range(ops):
            fn()
        best = min(best, (time.perf_counter_ns() - start) / ops / 1000)
    return best


async def per_op_us_async(fn: Callable[[], Awaitable[object]], ops: int, repeat: int = 5) -> float:
    """``per_op_us`` for coroutines, awaited one after another."""
    best = float("inf")
    for _ in range(repeat):
        start = time.perf_counter_ns()
        for _ in range(ops):
            await fn()
        best = min(best, (time.perf_counter_ns() - start) / ops / 1000)
    return best


def row(name: str, ours: float, peer: float, peer_name: str) -> str:
    return f"| {name} | {ours:.2f} | {peer:.2f} | {peer / ours:.1f}x faster than {peer_name} |"
