"""Names the HTTP tests import as ``from .support import ...``: the shared support package
(``netrun_testing``, also used by the benchmarks) under the names these tests use."""

from __future__ import annotations

from pathlib import Path

from netrun_testing.debian import ensure_debian_package
from netrun_testing.keys import HTTP_AUDIENCE as AUDIENCE
from netrun_testing.keys import HTTP_ISSUER as ISSUER
from netrun_testing.keys import KeyFiles as Keys
from netrun_testing.ports import free_port, wait_for_port
from netrun_testing.servers import (
    EXAMPLES,
    ROOT,
    Server,
    base_env,
    console_script,
    raw_get,
    start_server,
    uvicorn_args,
)

HERE = Path(__file__).resolve().parent
"""``tests/http``, where ``apps.py`` (the uvicorn factories of the tests) lives."""

__all__ = [
    "AUDIENCE",
    "EXAMPLES",
    "HERE",
    "ISSUER",
    "ROOT",
    "Keys",
    "Server",
    "base_env",
    "console_script",
    "ensure_debian_package",
    "free_port",
    "raw_get",
    "start_server",
    "uvicorn_args",
    "wait_for_port",
]
