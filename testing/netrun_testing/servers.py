"""Processes serving on free loopback ports: uvicorn apps, the ``netrun-auth`` command."""

from __future__ import annotations

import http.client
import os
import subprocess
import sys
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .ports import free_port, wait_for_port

if TYPE_CHECKING:
    import httpx

__all__ = [
    "EXAMPLES",
    "ROOT",
    "Server",
    "base_env",
    "console_script",
    "raw_get",
    "start_server",
    "uvicorn_args",
]

ROOT = Path(__file__).resolve().parents[2]
"""The repository checkout."""
EXAMPLES = ROOT / "examples"


@dataclass
class Server:
    """A running uvicorn (or other) process serving HTTP on 127.0.0.1:``port``."""

    proc: subprocess.Popen[bytes]
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def client(self, **kwargs: Any) -> httpx.Client:
        """An httpx client for this server (use it as a context manager)."""
        import httpx

        return httpx.Client(base_url=self.url, timeout=10.0, **kwargs)

    def async_client(self, **kwargs: Any) -> httpx.AsyncClient:
        """An async httpx client for this server (use it with ``async with``)."""
        import httpx

        return httpx.AsyncClient(base_url=self.url, timeout=10.0, **kwargs)

    def output(self) -> str:
        """What the process printed so far (stdout and stderr)."""
        return self.log.read_text(errors="replace")

    def stop(self) -> None:
        if self.proc.poll() is None:
            self.proc.terminate()
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()


def start_server(
    args: list[str],
    *,
    cwd: Path,
    env: dict[str, str],
    log: Path,
    port_arg: str = "--port",
    timeout: float = 30.0,
) -> Server:
    """Start ``args + [port_arg, PORT]`` on a free port and wait until it accepts.

    Output goes to ``log``; raises ``RuntimeError`` with its tail if the process does not
    start listening (after three tries, each on a new port).
    """
    for _attempt in range(3):
        port = free_port()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*args, port_arg, str(port)], cwd=cwd, env=env, stdout=out, stderr=subprocess.STDOUT
            )
        if wait_for_port(port, proc, timeout):
            return Server(proc, port, log)
        Server(proc, port, log).stop()
    raise RuntimeError(f"server did not start: {' '.join(args)}\n{log.read_text()[-3000:]}")


def uvicorn_args(app: str, *extra: str, factory: bool = False) -> list[str]:
    """``python -m uvicorn APP`` on 127.0.0.1 (the port is added by :func:`start_server`)."""
    args = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--log-level", "warning"]
    return [*args, *(["--factory"] if factory else []), *extra]


def console_script(name: str = "netrun-auth") -> str:
    """The installed console script ``name`` of the running virtualenv."""
    path = Path(sys.executable).parent / name
    if not path.exists():
        raise RuntimeError(f"{path} is not installed (run scripts/setup)")
    return str(path)


def base_env(**extra: str) -> dict[str, str]:
    """This process's environment without any ``NETRUN_AUTH_*`` variable, plus ``extra``."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETRUN_AUTH_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env


def raw_get(
    port: int, path: str, headers: list[tuple[bytes, bytes]], timeout: float = 10.0
) -> tuple[int, dict[str, str], bytes]:
    """GET with headers exactly as given (httpx would normalise or refuse some)."""
    conn = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
    try:
        conn.putrequest("GET", path)
        for name, value in headers:
            conn.putheader(name, value)
        conn.endheaders()
        response = conn.getresponse()
        return response.status, {k.lower(): v for k, v in response.getheaders()}, response.read()
    finally:
        conn.close()
