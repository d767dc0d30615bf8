"""``LoginGuard``: slows brute force on a login route down, per username and per client IP.

A login route asks the guard before checking the password and tells it the outcome::

    guard = LoginGuard(config, redis_client)           # or LoginGuard(config): one process
    await guard.check(form.username, client_ip)        # TooManyAttemptsError (429) if locked
    if not password_ok:
        await guard.failed(form.username, client_ip)
        raise AuthenticationError(...)                 # the same 401 for unknown usernames
    await guard.succeeded(form.username, client_ip, user_id=user.id)

The rule lives in the Rust engine (``netrun_auth._core.LoginGuardCore``): the policy
from ``AuthConfig`` (``NETRUN_AUTH_LOGIN_*``), username normalisation (NFKC, case
folding), the keyed hashes that stand for usernames and IPs (they are never stored in
clear), the Redis key names and the Lua script. This module does only I/O:

- without a Redis client, counters live in this process (``_core.MemoryLoginGuard``);
- with a ``redis.asyncio`` client (single node or Cluster), they are shared by every
  worker: ``check`` is one round trip (``PTTL`` of two lock keys, ``EXISTS`` of the
  username's counters), ``failed`` runs the engine's script once per subject (in
  parallel; each subject's keys share one slot), ``succeeded`` is one ``DEL``, or
  nothing when this request's ``check`` saw no counters to clear. Every key has a TTL.
- Redis down or slower than ``redis_timeout_seconds``: fail closed with
  :class:`~netrun_auth.exceptions.StoreUnavailableError` (503).

The guard never learns whether a username exists, so unknown usernames are counted
exactly like known ones. Events go to :mod:`netrun_auth.audit`: ``login_locked``
(an attempt refused), ``login_failed`` (``lockout_started`` when it started one),
``login_succeeded``, ``store_unavailable``.
"""

from __future__ import annotations

import asyncio
import contextvars
from collections.abc import Awaitable, Sequence
from pathlib import Path
from typing import Any, TypeVar

from . import _core, audit
from .config import AuthConfig
from .exceptions import ConfigurationError, StoreUnavailableError, TooManyAttemptsError

__all__ = ["LoginGuard"]

_T = TypeVar("_T")


class LoginGuard:
    """Lockout of usernames and client IPs after repeated login failures.

    ``config`` supplies the policy (``login_*`` settings), the key prefix and the Redis
    timeout; ``redis_client`` (a ``redis.asyncio`` ``Redis`` or ``RedisCluster``, owned
    by the application) shares the counters across processes. ``on_event`` receives
    this guard's audit events (see :mod:`netrun_auth.audit`).

    The usernames' hashing key is ``login_hash_key`` when set, else derived from the
    token signing key (``jwt_private_key``/``jwt_private_key_path``/``jwt_secret``), so
    every worker of a deployment agrees; without either, a Redis guard refuses to start
    and a memory guard uses a random key.

    Raises:
        ConfigurationError: when a ``login_*`` setting is out of range, or a Redis guard
            has neither ``login_hash_key`` nor a signing key to derive it from.

    Example::

        from netrun_auth.protection import LoginGuard

        guard = LoginGuard(config, redis_client)        # LoginGuard(config): this process only

        await guard.check(username, client_ip)          # 429 while locked out
        if not passwords.verify_password(attempt, stored_hash):
            await guard.failed(username, client_ip)
            raise AuthenticationError("Invalid username or password")
        await guard.succeeded(username, client_ip, user_id=user_id)
    """

    def __init__(
        self,
        config: AuthConfig | None = None,
        redis_client: Any = None,
        *,
        on_event: audit.AuditHandler | None = None,
    ) -> None:
        self.config = config if config is not None else AuthConfig()
        key, material = _hash_key(self.config, shared=redis_client is not None)
        self._core = _core.LoginGuardCore(
            window_seconds=self.config.login_window_seconds,
            max_failures_per_username=self.config.login_max_failures_per_username,
            max_failures_per_ip=self.config.login_max_failures_per_ip,
            lockout_base_seconds=self.config.login_lockout_base_seconds,
            lockout_max_seconds=self.config.login_lockout_max_seconds,
            prefix=self.config.redis_key_prefix,
            key=key,
            key_material=material,
        )
        self.on_event = on_event
        self._store: _MemoryCounters | _RedisCounters
        if redis_client is None:
            self._store = _MemoryCounters(self._core)
        else:
            self._store = _RedisCounters(
                redis_client, self._core, self.config.redis_timeout_seconds
            )

    def __repr__(self) -> str:
        return f"LoginGuard({self._store.kind})"

    def _subjects(self, username: str, ip: str | None) -> _core.LoginSubjects:
        if not isinstance(username, str) or not (ip is None or isinstance(ip, str)):
            raise TypeError("LoginGuard: username must be a str, ip a str or None")
        return self._core.subjects(username, ip)

    async def _call(self, operation: Awaitable[_T]) -> _T:
        try:
            return await operation
        except StoreUnavailableError:
            audit.emit(
                "store_unavailable",
                on_event=self.on_event,
                component="login_guard",
                error_code="store_unavailable",
                status_code=503,
            )
            raise

    async def check(self, username: str, ip: str | None) -> None:
        """Refuse a login attempt while ``username`` or ``ip`` is locked out.

        Call it before checking the password. ``ip`` may be ``None`` (then only the
        username counts).

        Raises:
            TooManyAttemptsError: while locked out (429, ``code="too_many_attempts"``);
                its ``retry_after`` (seconds) becomes the ``Retry-After`` header.
            StoreUnavailableError: when Redis does not answer (503).
            TypeError: when ``username`` is not a ``str`` or ``ip`` neither ``str`` nor None.
        """
        subjects = self._subjects(username, ip)
        retry_after = await self._call(self._store.check(subjects))
        if retry_after is not None:
            audit.emit(
                "login_locked",
                on_event=self.on_event,
                username_id=subjects.username,
                client_ip=ip,
                retry_after=retry_after,
                error_code=TooManyAttemptsError.default_code,
                status_code=TooManyAttemptsError.status_code,
            )
            raise TooManyAttemptsError(retry_after=retry_after)

    async def failed(self, username: str, ip: str | None) -> int | None:
        """Record a failed login. Returns the seconds to wait when the username or the
        IP is now locked out (this failure may have started the lockout), else ``None``.

        Raises:
            StoreUnavailableError: when Redis does not answer (503).
            TypeError: as :meth:`check` does.
        """
        subjects = self._subjects(username, ip)
        started, retry_after = await self._call(self._store.failed(subjects))
        audit.emit(
            "login_failed",
            on_event=self.on_event,
            username_id=subjects.username,
            client_ip=ip,
            lockout_started=True if started else None,
            retry_after=retry_after,
        )
        return retry_after

    async def succeeded(
        self,
        username: str,
        ip: str | None,
        *,
        user_id: str | None = None,
        organization_id: str | None = None,
    ) -> None:
        """Record a successful login: the username's failures and lockout history are
        cleared (the IP's are not, so a valid account cannot reset an attacker's IP).

        ``user_id``/``organization_id`` go into the ``login_succeeded`` audit event.

        Raises:
            StoreUnavailableError: when Redis does not answer (503).
            TypeError: as :meth:`check` does.
        """
        subjects = self._subjects(username, ip)
        await self._call(self._store.succeeded(subjects))
        audit.emit(
            "login_succeeded",
            on_event=self.on_event,
            user_id=user_id,
            organization_id=organization_id,
            username_id=subjects.username,
            client_ip=ip,
        )


def _hash_key(config: AuthConfig, *, shared: bool) -> tuple[bytes | None, bytes | None]:
    """``(key, key_material)`` for ``LoginGuardCore``: the explicit key, else the signing
    key's bytes to derive one from, else neither (a random key; one process only)."""
    if config.login_hash_key is not None:
        return config.login_hash_key.get_secret_value().encode(), None
    material: bytes | None = None
    if config.jwt_private_key is not None:
        material = config.jwt_private_key.get_secret_value().encode()
    elif config.jwt_private_key_path is not None:
        try:
            material = Path(config.jwt_private_key_path).expanduser().read_bytes()
        except OSError as exc:
            raise ConfigurationError(
                f"jwt_private_key_path: cannot read {config.jwt_private_key_path}: {exc.strerror}"
            ) from None
    elif config.jwt_secret is not None:
        material = config.jwt_secret.get_secret_value().encode()
    if material is None and shared:
        raise ConfigurationError(
            "login_hash_key: must be set (NETRUN_AUTH_LOGIN_HASH_KEY) to share login "
            "counters through Redis when no signing key is configured"
        )
    return None, material


class _MemoryCounters:
    """Counters of this process (the engine's memory guard)."""

    kind = "memory"

    def __init__(self, core: _core.LoginGuardCore) -> None:
        self._guard = _core.MemoryLoginGuard(core)

    async def check(self, subjects: _core.LoginSubjects) -> int | None:
        return self._guard.check(subjects)

    async def failed(self, subjects: _core.LoginSubjects) -> tuple[bool, int | None]:
        return self._guard.failed(subjects)

    async def succeeded(self, subjects: _core.LoginSubjects) -> None:
        self._guard.succeeded(subjects)


_NOTHING_TO_CLEAR: contextvars.ContextVar[str | None] = contextvars.ContextVar(
    "netrun_auth_login_nothing_to_clear", default=None
)
"""The failures key of the username whose ``check``, in this request (context), found
no failures nor strikes to clear, so that its ``succeeded`` needs no ``DEL``. Set by
``check``, reset by ``failed``; a ``succeeded`` in another context (or for another
username) does the ``DEL`` as ever."""


class _RedisCounters:
    """Counters in Redis or Redis Cluster, shared by every process of the keyspace."""

    def __init__(self, client: Any, core: _core.LoginGuardCore, timeout: float) -> None:
        import redis
        import redis.asyncio.cluster
        import redis.cluster

        if isinstance(client, (redis.Redis, redis.cluster.RedisCluster)):
            raise ConfigurationError(
                "redis_client: pass an asyncio client (redis.asyncio.from_url(...)), "
                "not a synchronous redis.Redis"
            )
        self.client = client
        self.timeout = float(timeout)
        self._core = core
        self._cluster = isinstance(client, redis.asyncio.cluster.RedisCluster)
        self.kind = "redis cluster" if self._cluster else "redis"
        self._args = (core.script_args(False), core.script_args(True))
        from . import _redis

        self._redis = _redis
        self._script = _redis.scripts(_core.login_guard_scripts())["record_failure"]

    async def _io(self, operation: Awaitable[_T]) -> _T:
        try:
            return await self._redis.bounded(operation, self.timeout)
        except Exception as exc:
            raise StoreUnavailableError() from exc

    async def check(self, subjects: _core.LoginSubjects) -> int | None:
        user_keys, ip_keys = self._core.keys(subjects)
        pipe = self.client.pipeline(transaction=False)
        pipe.pttl(user_keys[2])
        pipe.pttl(ip_keys[2])
        pipe.exists(user_keys[0], user_keys[1])  # anything for ``succeeded`` to clear?
        user_ms, ip_ms, dirty = await self._io(pipe.execute())
        _NOTHING_TO_CLEAR.set(None if int(dirty) else user_keys[0])
        return _core.login_retry_after(max(int(user_ms), int(ip_ms)))

    async def failed(self, subjects: _core.LoginSubjects) -> tuple[bool, int | None]:
        _NOTHING_TO_CLEAR.set(None)
        user_keys, ip_keys = self._core.keys(subjects)
        user, ip = await self._io(
            asyncio.gather(
                self._record(user_keys, self._args[0]), self._record(ip_keys, self._args[1])
            )
        )
        started = bool(int(user[0]) or int(ip[0]))
        return started, _core.login_retry_after(max(int(user[1]), int(ip[1])))

    async def succeeded(self, subjects: _core.LoginSubjects) -> None:
        user_keys, _ = self._core.keys(subjects)
        if _NOTHING_TO_CLEAR.get() == user_keys[0]:
            # This request's ``check`` saw no failures nor strikes of this username (the
            # usual good login): no second round trip.
            _NOTHING_TO_CLEAR.set(None)
            return
        # Failures and strikes share the username's slot: one command.
        await self._io(self.client.delete(user_keys[0], user_keys[1]))

    async def _record(self, keys: Sequence[str], args: Sequence[int]) -> Any:
        return await self._script.run(self.client, keys, args, cluster=self._cluster)
