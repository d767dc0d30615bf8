"""Real Redis servers: ``redis-server`` processes on free loopback ports, without
persistence; single nodes and 3-node Clusters joined by ``redis-cli --cluster create``
(node ports at most 55535, so every bus port +10000 is valid)."""

from __future__ import annotations

import contextlib
import shutil
import subprocess
import time
from pathlib import Path
from types import TracebackType

import redis.asyncio
import redis.asyncio.cluster

from .ports import free_port

__all__ = ["Client", "Clients", "RedisClusterNodes", "RedisServer", "make_client"]


def _binary(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise RuntimeError(f"{name} not found (apt-get install -y redis-server redis-tools)")
    return found


class RedisServer:
    """One ``redis-server`` process on 127.0.0.1; can be killed and restarted on its port."""

    def __init__(self, workdir: Path, port: int | None = None, *extra: str) -> None:
        self.workdir = workdir
        self.port = free_port() if port is None else port
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def __enter__(self) -> RedisServer:
        self.start()
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        value: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    def start(self) -> None:
        """Start the server and wait until it answers PING."""
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                _binary("redis-server"),
                "--port", str(self.port),
                "--bind", "127.0.0.1",
                "--save", "",
                "--appendonly", "no",
                "--dir", str(self.workdir),
                "--logfile", str(self.workdir / f"redis-{self.port}.log"),
                *self.extra,
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )  # fmt: skip
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise RuntimeError(f"redis-server on port {self.port} exited")
            if self.cli("PING", check=False).strip() == "PONG":
                return
            time.sleep(0.05)
        raise RuntimeError(f"redis-server on port {self.port} did not start")

    def kill(self) -> None:
        """SIGKILL: what a crash looks like to clients."""
        if self.process is not None and self.process.poll() is None:
            self.process.kill()
            self.process.wait(10)
        self.process = None

    def stop(self) -> None:
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait(10)
        self.process = None

    def cli(self, *args: str, check: bool = True) -> str:
        result = subprocess.run(
            [_binary("redis-cli"), "-h", "127.0.0.1", "-p", str(self.port), *args],
            capture_output=True,
            text=True,
            timeout=30,
            check=False,
        )
        if check and result.returncode != 0:
            raise RuntimeError(f"redis-cli {args[0]} failed: {result.stderr.strip()}")
        return result.stdout


class RedisClusterNodes:
    """Three ``--cluster-enabled`` primaries joined by ``redis-cli --cluster create``."""

    def __init__(self, workdir: Path, size: int = 3) -> None:
        ports: list[int] = []
        while len(ports) < size:
            port = free_port(cluster=True)
            if port not in ports:
                ports.append(port)
        self.nodes = [
            RedisServer(
                workdir,
                port,
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                str(workdir / f"nodes-{port}.conf"),
            )
            for port in ports
        ]

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.nodes[0].port}/0"

    def start(self) -> None:
        for node in self.nodes:
            node.start()
        addresses = [f"127.0.0.1:{node.port}" for node in self.nodes]
        result = subprocess.run(
            [
                _binary("redis-cli"),
                "--cluster",
                "create",
                *addresses,
                "--cluster-replicas",
                "0",
                "--cluster-yes",
            ],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        if result.returncode != 0:
            raise RuntimeError(f"redis-cli --cluster create failed: {result.stdout}{result.stderr}")
        self.wait_ok()

    def wait_ok(self, seconds: float = 30) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if all(
                "cluster_state:ok" in node.cli("CLUSTER", "INFO", check=False)
                for node in self.nodes
            ):
                return
            time.sleep(0.1)
        raise RuntimeError("cluster did not reach cluster_state:ok")

    def node_for_key(self, key: str) -> RedisServer:
        """The primary serving ``key``'s slot."""
        slot = int(self.nodes[0].cli("CLUSTER", "KEYSLOT", key).strip())
        for row in self.nodes[0].cli("CLUSTER", "NODES").splitlines():
            fields = row.split()
            port = int(fields[1].split("@")[0].rsplit(":", 1)[1])
            for span in fields[8:]:
                low, _, high = span.partition("-")
                if low.isdigit() and int(low) <= slot <= int(high or low):
                    return next(node for node in self.nodes if node.port == port)
        raise LookupError(f"no node serves slot {slot}")

    def stop(self) -> None:
        for node in self.nodes:
            node.stop()


Client = redis.asyncio.Redis | redis.asyncio.cluster.RedisCluster
"""What an application's ``redis.from_url`` / ``RedisCluster.from_url`` gives."""


def make_client(deployment: RedisServer | RedisClusterNodes) -> Client:
    """A new client of the application's kind: what ``redis.from_url(url)`` gives."""
    if isinstance(deployment, RedisClusterNodes):
        return redis.asyncio.cluster.RedisCluster.from_url(deployment.url)
    return redis.asyncio.from_url(deployment.url)


class Clients:
    """Creates clients (one per simulated worker) and closes them all at the end."""

    def __init__(self, deployment: RedisServer | RedisClusterNodes) -> None:
        self.deployment = deployment
        self.opened: list[Client] = []

    def new(self) -> Client:
        client = make_client(self.deployment)
        self.opened.append(client)
        return client

    async def aclose(self) -> None:
        for client in self.opened:
            with contextlib.suppress(Exception):
                await client.aclose()
