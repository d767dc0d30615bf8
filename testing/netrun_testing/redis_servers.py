"""Real Redis servers: ``redis-server`` processes on free loopback ports, without
persistence; single nodes and Clusters (3 primaries, optionally each with replicas) joined
by ``redis-cli --cluster create`` (node ports at most 55535, so every bus port +10000 is
valid)."""

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
    """A Redis Cluster of ``size`` primaries (``--cluster-enabled``), each with ``replicas``
    replicas, joined by ``redis-cli --cluster create``.

    With replicas, ``node_timeout_ms`` (``cluster-node-timeout``) is how long a primary may
    stay silent before the others mark it failed and its replica takes over: 1 s here, so
    a failover completes in about two seconds (the Redis default, 15 s, is for real
    networks). ``nodes`` lists every process, primaries first as created; which node is a
    primary *now* is :meth:`primaries` (a failover changes it).
    """

    def __init__(
        self, workdir: Path, size: int = 3, *, replicas: int = 0, node_timeout_ms: int = 1000
    ) -> None:
        self.replicas = replicas
        ports: list[int] = []
        while len(ports) < size * (1 + replicas):
            port = free_port(cluster=True)
            if port not in ports:
                ports.append(port)
        extra: tuple[str, ...] = ()
        if replicas:
            extra = ("--cluster-node-timeout", str(node_timeout_ms))
        self.nodes = [
            RedisServer(
                workdir,
                port,
                "--cluster-enabled",
                "yes",
                "--cluster-config-file",
                str(workdir / f"nodes-{port}.conf"),
                *extra,
            )
            for port in ports
        ]

    @property
    def url(self) -> str:
        """A node to start from (``RedisCluster.from_url``); the client learns the rest."""
        return f"redis://127.0.0.1:{self.nodes[0].port}/0"

    @property
    def startup_urls(self) -> list[str]:
        """Every node, for a client that must start even when one of them is down."""
        return [f"redis://127.0.0.1:{node.port}/0" for node in self.nodes]

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
                str(self.replicas),
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

    def live(self) -> list[RedisServer]:
        """The nodes whose process runs."""
        return [n for n in self.nodes if n.process is not None and n.process.poll() is None]

    def wait_ok(self, seconds: float = 30) -> None:
        """Wait until every running node says ``cluster_state:ok`` and, with replicas, every
        replica's link to its primary is up."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            live = self.live()
            if all("cluster_state:ok" in n.cli("CLUSTER", "INFO", check=False) for n in live):
                roles = self._roles(live)
                if all(
                    role != "slave" or "master_link_status:up" in n.cli("INFO", "replication")
                    for n, role in zip(live, roles, strict=True)
                ):
                    return
            time.sleep(0.1)
        raise RuntimeError("cluster did not reach cluster_state:ok")

    def _roles(self, nodes: list[RedisServer]) -> list[str]:
        """Each node's ``ROLE`` (``master``, ``slave``; empty when it does not answer)."""
        return [(node.cli("ROLE", check=False).split() or [""])[0] for node in nodes]

    def primaries(self) -> list[RedisServer]:
        """The running nodes that are primaries now (``ROLE``)."""
        live = self.live()
        return [n for n, r in zip(live, self._roles(live), strict=True) if r == "master"]

    def _table(self) -> list[list[str]]:
        """``CLUSTER NODES`` rows (split) as a running node sees them."""
        node = self.live()[0]
        return [row.split() for row in node.cli("CLUSTER", "NODES").splitlines() if row]

    def _by_port(self, port: int) -> RedisServer:
        return next(node for node in self.nodes if node.port == port)

    @staticmethod
    def _port(row: list[str]) -> int:
        return int(row[1].split("@")[0].rsplit(":", 1)[1])

    def _slots(self) -> dict[int, set[int]]:
        """Port -> the slots that primary serves, as a running node sees it."""
        served: dict[int, set[int]] = {}
        for fields in self._table():
            if "fail" in fields[2].split(",") or "master" not in fields[2]:
                continue
            slots = served.setdefault(self._port(fields), set())
            for span in fields[8:]:
                low, _, high = span.partition("-")
                if low.isdigit():
                    slots.update(range(int(low), int(high or low) + 1))
        return served

    def slots_of(self, primary: RedisServer) -> set[int]:
        """The slots ``primary`` serves."""
        return self._slots().get(primary.port, set())

    def node_for_key(self, key: str) -> RedisServer:
        """The primary serving ``key``'s slot."""
        slot = int(self.live()[0].cli("CLUSTER", "KEYSLOT", key).strip())
        for port, slots in self._slots().items():
            if slot in slots:
                return self._by_port(port)
        raise LookupError(f"no node serves slot {slot}")

    def replica_of(self, primary: RedisServer) -> RedisServer:
        """A replica of ``primary`` (the one that takes over when it fails)."""
        table = self._table()
        primary_id = next(f[0] for f in table if self._port(f) == primary.port)
        for fields in table:
            if fields[3] == primary_id and "fail" not in fields[2]:
                return self._by_port(self._port(fields))
        raise LookupError(f"node {primary.port} has no replica")

    def wait_promoted(self, replica: RedisServer, seconds: float = 30) -> float:
        """Wait until ``replica`` answers ``ROLE`` as a primary; the ``time.monotonic()``
        at which it was first seen so (polled every 10 ms)."""
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if replica.cli("ROLE", check=False).split()[:1] == ["master"]:
                return time.monotonic()
            time.sleep(0.01)
        raise RuntimeError(f"replica {replica.port} was not promoted")

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
