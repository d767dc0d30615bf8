"""Free loopback ports, and waiting for a process to listen on one."""

from __future__ import annotations

import random
import socket
import subprocess
import time

__all__ = ["CLUSTER_MAX_PORT", "free_port", "port_free", "wait_for_port"]

CLUSTER_MAX_PORT = 55535
"""Highest port for a Redis Cluster node: its bus port (+10000) must stay a valid port."""


def port_free(port: int) -> bool:
    """Whether nothing listens on 127.0.0.1:``port`` (it can be bound now)."""
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(*, cluster: bool = False) -> int:
    """A free loopback port; for a Redis Cluster node, one whose bus port (+10000) is free too
    and at most :data:`CLUSTER_MAX_PORT`."""
    if not cluster:
        with socket.socket() as sock:
            sock.bind(("127.0.0.1", 0))
            port: int = sock.getsockname()[1]
            return port
    for _ in range(200):
        port = random.randint(20000, CLUSTER_MAX_PORT)
        if port_free(port) and port_free(port + 10000):
            return port
    raise RuntimeError("no free port")


def wait_for_port(port: int, proc: subprocess.Popen[bytes], timeout: float = 30.0) -> bool:
    """Wait until 127.0.0.1:``port`` accepts connections; False if ``proc`` exits or time is up."""
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
