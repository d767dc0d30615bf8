"""Helpers of the HTTP tests: real servers (uvicorn, redis-server) on free loopback ports."""

from __future__ import annotations

import http.client
import os
import shutil
import socket
import subprocess
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

ROOT = Path(__file__).resolve().parents[2]
HERE = Path(__file__).resolve().parent
EXAMPLES = ROOT / "examples"
ISSUER = "http-tests"
AUDIENCE = "http-tests-api"


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def wait_for_port(port: int, proc: subprocess.Popen, timeout: float = 30.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if proc.poll() is not None:
            return False
        try:
            with socket.create_connection(("127.0.0.1", port), timeout=0.2):
                return True
        except OSError:
            time.sleep(0.05)
    return False


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


def ensure_debian_package(binary: str, package: str) -> str:
    """Path of ``binary``; installs Debian's ``package`` with apt-get when missing.

    Skips the test, saying why, only when it cannot be installed.
    """
    found = shutil.which(binary)
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip(f"{binary} missing and apt-get is not usable here (install {package})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    done = subprocess.run(install, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        done = subprocess.run(install, env=env, capture_output=True, text=True)
    found = shutil.which(binary)
    if not found:
        pytest.skip(f"apt-get could not install {package}: {done.stderr.strip()[-300:]}")
    return found


@dataclass
class Server:
    """A running uvicorn (or other) process serving HTTP on 127.0.0.1:``port``."""

    proc: subprocess.Popen
    port: int
    log: Path

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def ws_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}"

    def client(self, **kwargs) -> httpx.Client:
        return httpx.Client(base_url=self.url, timeout=10.0, **kwargs)

    def output(self) -> str:
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
    args: list[str], *, cwd: Path, env: dict[str, str], log: Path, port_arg: str = "--port"
) -> Server:
    """Start ``args + [port_arg, PORT]`` on a free port and wait until it accepts."""
    for _attempt in range(3):
        port = free_port()
        with log.open("wb") as out:
            proc = subprocess.Popen(
                [*args, port_arg, str(port)],
                cwd=cwd,
                env=env,
                stdout=out,
                stderr=subprocess.STDOUT,
            )
        if wait_for_port(port, proc):
            return Server(proc, port, log)
        Server(proc, port, log).stop()
    raise RuntimeError(f"server did not start: {' '.join(args)}\n{log.read_text()[-3000:]}")


def uvicorn_args(app: str, *, factory: bool = False) -> list[str]:
    args = [sys.executable, "-m", "uvicorn", app, "--host", "127.0.0.1", "--log-level", "warning"]
    return [*args, "--factory"] if factory else args


@dataclass(frozen=True)
class Keys:
    private_path: Path
    public_path: Path

    def env(self) -> dict[str, str]:
        return {
            "NETRUN_AUTH_JWT_ISSUER": ISSUER,
            "NETRUN_AUTH_JWT_AUDIENCE": AUDIENCE,
            "NETRUN_AUTH_JWT_PRIVATE_KEY_PATH": str(self.private_path),
            "NETRUN_AUTH_JWT_PUBLIC_KEY_PATH": str(self.public_path),
        }


def base_env(**extra: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETRUN_AUTH_")}
    env["PYTHONUNBUFFERED"] = "1"
    env.update(extra)
    return env
