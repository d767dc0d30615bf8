"""Real Redis servers for the store tests: ``redis-server`` processes on free loopback ports,
without persistence; single nodes and 3-node Clusters joined by ``redis-cli --cluster create``."""

from __future__ import annotations

import contextlib
import random
import shutil
import socket
import subprocess
import time
from pathlib import Path

import redis.asyncio
import redis.asyncio.cluster

from netrun_auth import AuthConfig, JWTManager

REDIS_SERVER = shutil.which("redis-server")
REDIS_CLI = shutil.which("redis-cli")


def _port_free(port: int) -> bool:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        try:
            sock.bind(("127.0.0.1", port))
        except OSError:
            return False
    return True


def free_port(*, cluster: bool = False) -> int:
    """A free loopback port (and, for a Cluster node, its bus port +10000)."""
    for _ in range(200):
        port = random.randint(20000, 55000 if cluster else 60000)
        if _port_free(port) and (not cluster or _port_free(port + 10000)):
            return port
    raise RuntimeError("no free port")


class RedisServer:
    """One ``redis-server`` process on 127.0.0.1; can be killed and restarted on its port."""

    def __init__(self, workdir: Path, port: int, *extra: str) -> None:
        self.workdir = workdir
        self.port = port
        self.extra = extra
        self.process: subprocess.Popen[bytes] | None = None

    @property
    def url(self) -> str:
        return f"redis://127.0.0.1:{self.port}/0"

    def start(self) -> None:
        self.workdir.mkdir(parents=True, exist_ok=True)
        self.process = subprocess.Popen(
            [
                REDIS_SERVER,
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
            [REDIS_CLI, "-h", "127.0.0.1", "-p", str(self.port), *args],
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
                REDIS_CLI,
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


def make_client(deployment: RedisServer | RedisClusterNodes) -> redis.asyncio.Redis:
    """A new client of the application's kind: what ``redis.from_url(url)`` gives."""
    if isinstance(deployment, RedisClusterNodes):
        return redis.asyncio.cluster.RedisCluster.from_url(deployment.url)
    return redis.asyncio.from_url(deployment.url)


class Clients:
    """Creates clients (one per simulated worker) and closes them all at the end."""

    def __init__(self, deployment: RedisServer | RedisClusterNodes) -> None:
        self.deployment = deployment
        self.opened: list[redis.asyncio.Redis] = []

    def new(self) -> redis.asyncio.Redis:
        client = make_client(self.deployment)
        self.opened.append(client)
        return client

    async def aclose(self) -> None:
        for client in self.opened:
            with contextlib.suppress(Exception):
                await client.aclose()


def manager(config: AuthConfig, client: redis.asyncio.Redis) -> JWTManager:
    """A 'worker': its own manager (own engine and cache) on its own client."""
    return JWTManager(config, client)
