"""``LoginGuard``: slows brute force on a login route down, per username and per client IP.

A login route asks the guard before checking the password and records the outcome
before answering it (before issuing tokens, for a success)::

    guard = LoginGuard(config, redis_client)           # or LoginGuard(config): one process
    await guard.check(form.username, client_ip)        # no I/O: 429 for a known lockout
    if not password_ok:
        await guard.failed(form.username, client_ip)   # 429 if locked meanwhile
        raise AuthenticationError(...)                 # the same 401 for unknown usernames
    await guard.succeeded(form.username, client_ip, user_id=user.id)   # 429 if locked
    return await jwt_manager.generate_token_pair(...)

``failed`` and ``succeeded`` are each ONE atomic step per subject (the username and
the IP): refused (``TooManyAttemptsError``, 429) when the subject is already locked
out, else the outcome is recorded (a failure counted, the lockout started at the
threshold; a success clears the username). So a login costs one Redis round trip, and
of N concurrent guesses at most the threshold's number learn their outcome: every
outcome that arrives after the lockout started, a correct password included, is
answered 429. ``check`` does no I/O: it refuses only an attempt on a subject this
process already knows to be locked (from earlier replies), which saves hashing the
password of a flood; it is an optimisation, not the boundary.

The rule lives in the Rust engine (``netrun_auth._core.LoginGuardCore``): the policy
from ``AuthConfig`` (``NETRUN_AUTH_LOGIN_*``), username normalisation (NFKC, case
folding), the keyed hashes that stand for usernames and IPs (they are never stored in
clear), the Redis key names, the Lua scripts, the verdict combining the username's and
the IP's replies, and the bounded cache of known lockouts. This module does only I/O:

- without a Redis client, counters live in this process (``_core.MemoryLoginGuard``,
  each step atomic under its lock);
- with a ``redis.asyncio`` client (single node or Cluster), they are shared by every
  worker: ``failed``/``succeeded`` run the engine's script of that outcome for the
  username and for the IP in one pipeline (one round trip; each subject's keys share
  one slot; on a Cluster the two are sent at once, each to its node). Every key has a
  TTL.
- Redis down or slower than ``redis_timeout_seconds``: fail closed with
  :class:`~netrun_auth.exceptions.StoreUnavailableError` (503).

The guard never learns whether a username exists, so unknown usernames are counted
exactly like known ones. Events go to :mod:`netrun_auth.audit`: ``login_locked``
(an attempt or an outcome refused), ``login_failed`` (``lockout_started`` when it
started one), ``login_succeeded``, ``store_unavailable``.
"""

from __future__ import annotations

from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import _core, audit
from .config import AuthConfig
from .exceptions import ConfigurationError, StoreUnavailableError, TooManyAttemptsError

if TYPE_CHECKING:
    from ._redis import Script

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

        await guard.check(username, client_ip)          # no I/O; 429 for a known lockout
        if not passwords.verify_password(attempt, stored_hash):
            await guard.failed(username, client_ip)     # 429 if locked meanwhile
            raise AuthenticationError("Invalid username or password")
        await guard.succeeded(username, client_ip, user_id=user_id)   # before any token
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

    def _refuse(self, subjects: _core.LoginSubjects, ip: str | None, retry_after: int) -> None:
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

    async def check(self, username: str, ip: str | None) -> None:
        """Refuse, before its password is checked, an attempt by ``username`` from ``ip``
        while either is known to be locked out. No I/O: with Redis, it knows the
        lockouts this process learned from earlier replies (bounded); the memory guard
        knows them all. It saves the password hashing of a flood; the boundary is
        :meth:`failed`/:meth:`succeeded`, which refuse atomically. ``ip`` may be
        ``None`` (every such client is one subject).

        Raises:
            TooManyAttemptsError: while locked out (429, ``code="too_many_attempts"``);
                its ``retry_after`` (seconds) becomes the ``Retry-After`` header.
            TypeError: when ``username`` is not a ``str`` or ``ip`` neither ``str`` nor None.
        """
        subjects = self._subjects(username, ip)
        retry_after = self._store.known_lockout(subjects)
        if retry_after is not None:
            self._refuse(subjects, ip, retry_after)

    async def failed(self, username: str, ip: str | None) -> int | None:
        """Record a failed login, in one atomic step per subject: counted against the
        username and the IP, each unless locked out. Returns the seconds of the lockout
        this failure started (it reached a threshold: still a normal failure, answer
        401), else ``None``.

        Raises:
            TooManyAttemptsError: when the username or the IP was already locked out
                when this outcome arrived: answer 429, not 401 (the outcome is not
                revealed). The subject that was not locked still counted the failure.
            StoreUnavailableError: when Redis does not answer (503).
            TypeError: as :meth:`check` does.
        """
        subjects = self._subjects(username, ip)
        verdict = await self._call(self._store.failed(subjects))
        if verdict.refused:
            self._refuse(subjects, ip, verdict.retry_after or 1)
        retry_after = verdict.retry_after
        audit.emit(
            "login_failed",
            on_event=self.on_event,
            username_id=subjects.username,
            client_ip=ip,
            lockout_started=True if retry_after is not None else None,
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
        """Record a successful login, in one atomic step per subject: refused while the
        username or the IP is locked out; else the username's failures, lockout and
        lockout history are cleared (the IP's counters are not: a valid account must
        not reset an attacker's IP). Call it before issuing tokens: a correct password
        guessed in parallel after the lockout started is then answered 429, like a
        wrong one.

        ``user_id``/``organization_id`` go into the ``login_succeeded`` audit event.

        Raises:
            TooManyAttemptsError: when the username or the IP is locked out (429).
            StoreUnavailableError: when Redis does not answer (503).
            TypeError: as :meth:`check` does.
        """
        subjects = self._subjects(username, ip)
        verdict = await self._call(self._store.succeeded(subjects))
        if verdict.refused:
            self._refuse(subjects, ip, verdict.retry_after or 1)
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

    def known_lockout(self, subjects: _core.LoginSubjects) -> int | None:
        return self._guard.check(subjects)

    async def failed(self, subjects: _core.LoginSubjects) -> _core.LoginVerdict:
        return self._guard.failed(subjects)

    async def succeeded(self, subjects: _core.LoginSubjects) -> _core.LoginVerdict:
        return self._guard.succeeded(subjects)


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
        self._failed_args = (core.failed_args(False), core.failed_args(True))
        self._succeeded_args = (core.succeeded_args(False), core.succeeded_args(True))
        from . import _redis

        self._redis = _redis
        scripts = _redis.scripts(_core.login_guard_scripts())
        self._failed = scripts["failed"]
        self._succeeded = scripts["succeeded"]

    async def _io(self, operation: Awaitable[_T]) -> _T:
        try:
            return await self._redis.bounded(operation, self.timeout)
        except Exception as exc:
            raise StoreUnavailableError() from exc

    def known_lockout(self, subjects: _core.LoginSubjects) -> int | None:
        return self._core.known_lockout(subjects)

    async def _record(
        self,
        subjects: _core.LoginSubjects,
        script: Script,
        args: tuple[list[int], list[int]],
    ) -> _core.LoginVerdict:
        """``script`` for the username and for the IP, in one pipeline (one round trip);
        the engine's verdict of the two replies."""
        user_keys, ip_keys = self._core.keys(subjects)
        user, ip = await self._io(
            self._redis.pipelined(
                self.client,
                [(script, user_keys, args[0]), (script, ip_keys, args[1])],
                cluster=self._cluster,
            )
        )
        return self._core.verdict(subjects, [int(v) for v in user], [int(v) for v in ip])

    async def failed(self, subjects: _core.LoginSubjects) -> _core.LoginVerdict:
        return await self._record(subjects, self._failed, self._failed_args)

    async def succeeded(self, subjects: _core.LoginSubjects) -> _core.LoginVerdict:
        return await self._record(subjects, self._succeeded, self._succeeded_args)
