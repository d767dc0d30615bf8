"""``LoginGuard``: slows brute force on a login route down, per username and per client IP.

A login route asks the guard before checking the password and tells it the outcome::

    guard = LoginGuard(config, redis_client)           # or LoginGuard(config): one process
    await guard.check(form.username, client_ip)        # counts the attempt, or 429
    if not password_ok:
        await guard.failed(form.username, client_ip)
        raise AuthenticationError(...)                 # the same 401 for unknown usernames
    await guard.succeeded(form.username, client_ip, user_id=user.id)

``check`` counts the attempt before its outcome is known, in one atomic step with the
refusal, so concurrent attempts cannot slip past the threshold together: at most
``login_max_failures_per_username`` attempts on a username (and
``login_max_failures_per_ip`` from an IP) reach the password check until a lockout
ends. ``failed`` confirms the attempt ``check`` counted (no I/O); ``succeeded`` clears
the username and gives the IP its attempt back. An attempt that never reports its
outcome (an exception, a cancelled request) stays counted, as a failure.

The rule lives in the Rust engine (``netrun_auth._core.LoginGuardCore``): the policy
from ``AuthConfig`` (``NETRUN_AUTH_LOGIN_*``), username normalisation (NFKC, case
folding), the keyed hashes that stand for usernames and IPs (they are never stored in
clear), the Redis key names, the Lua scripts and the verdict of an attempt. This module
does only I/O:

- without a Redis client, counters live in this process (``_core.MemoryLoginGuard``,
  each step atomic under its lock);
- with a ``redis.asyncio`` client (single node or Cluster), they are shared by every
  worker: ``check`` runs the engine's ``count_attempt`` script for the username and for
  the IP in one pipeline (one round trip; each subject's keys share one slot; on a
  Cluster the two are sent at once, each to its node);
  ``failed`` after ``check`` sends nothing; ``succeeded`` is one pipeline (``DEL`` of
  the username's keys, ``give_back`` of the IP's attempt). A refused attempt that one
  subject had counted is given back (a second round trip, refusals only). Every key
  has a TTL.
- Redis down or slower than ``redis_timeout_seconds``: fail closed with
  :class:`~netrun_auth.exceptions.StoreUnavailableError` (503).

``check`` and its ``failed``/``succeeded`` are paired through the request's context
(the asyncio task): call them from the same request. A ``failed`` without a ``check``
before it counts the failure itself (as the guard always did); a ``succeeded`` without
one clears the username only.

The guard never learns whether a username exists, so unknown usernames are counted
exactly like known ones. Events go to :mod:`netrun_auth.audit`: ``login_locked``
(an attempt refused), ``login_failed`` (``lockout_started`` when its attempt started
one), ``login_succeeded``, ``store_unavailable``.
"""

from __future__ import annotations

import contextvars
from collections.abc import Awaitable
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeVar

from . import _core, audit
from .config import AuthConfig
from .exceptions import ConfigurationError, StoreUnavailableError, TooManyAttemptsError

if TYPE_CHECKING:
    from ._redis import ScriptCall

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

        await guard.check(username, client_ip)          # counts the attempt; 429 if locked
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

    def _take(self, subjects: _core.LoginSubjects) -> _core.LoginVerdict | None:
        """The verdict of the attempt this request's ``check`` counted for these
        subjects, taken (a second ``failed``/``succeeded`` finds nothing)."""
        counted = _COUNTED.get()
        if counted is None:
            return None
        _COUNTED.set(None)
        guard, username_id, ip_id, verdict = counted
        if guard is not self or (username_id, ip_id) != (subjects.username, subjects.ip):
            return None
        return verdict

    async def check(self, username: str, ip: str | None) -> None:
        """Count a login attempt by ``username`` from ``ip``, or refuse it while either
        is locked out.

        Call it before checking the password, then ``failed`` or ``succeeded`` from the
        same request. Counting and refusing are one atomic step (in Redis: the engine's
        script), so of concurrent attempts at most the threshold's number get through;
        the attempt that reaches a threshold is admitted and starts the lockout. A
        refused attempt counts against neither the username nor the IP. ``ip`` may be
        ``None`` (every such client is one subject).

        Raises:
            TooManyAttemptsError: while locked out (429, ``code="too_many_attempts"``);
                its ``retry_after`` (seconds) becomes the ``Retry-After`` header.
            StoreUnavailableError: when Redis does not answer (503).
            TypeError: when ``username`` is not a ``str`` or ``ip`` neither ``str`` nor None.
        """
        subjects = self._subjects(username, ip)
        _COUNTED.set(None)
        verdict = await self._call(self._store.attempt(subjects))
        if verdict.admitted:
            _COUNTED.set((self, subjects.username, subjects.ip, verdict))
            return
        retry_after = verdict.retry_after or 1
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
        IP is now locked out (this failure's attempt started the lockout, or, for a
        failure no ``check`` counted, the subject was already locked), else ``None``.

        After this request's ``check`` the attempt is already counted: nothing is sent.
        Without one, the failure is counted here, against each subject not locked out.

        Raises:
            StoreUnavailableError: when Redis does not answer (503).
            TypeError: as :meth:`check` does.
        """
        subjects = self._subjects(username, ip)
        verdict = self._take(subjects)
        if verdict is not None:
            retry_after = verdict.retry_after
            started = retry_after is not None
        else:
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
        """Record a successful login: the username's failures, lockout and lockout
        history are cleared; the IP gets back the attempt this request's ``check``
        counted, and nothing more (so a valid account cannot reset an attacker's IP).

        ``user_id``/``organization_id`` go into the ``login_succeeded`` audit event.

        Raises:
            StoreUnavailableError: when Redis does not answer (503).
            TypeError: as :meth:`check` does.
        """
        subjects = self._subjects(username, ip)
        verdict = self._take(subjects)
        ip_strike = verdict.ip_strike if verdict is not None else None
        await self._call(self._store.succeeded(subjects, ip_strike))
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


_COUNTED: contextvars.ContextVar[tuple[LoginGuard, str, str, _core.LoginVerdict] | None] = (
    contextvars.ContextVar("netrun_auth_login_counted", default=None)
)
"""The attempt this request (context) counted: ``(guard, username id, ip id, verdict)``.
Set by an admitting ``check``, taken by the ``failed`` or ``succeeded`` of the same
guard and subjects."""


class _MemoryCounters:
    """Counters of this process (the engine's memory guard)."""

    kind = "memory"

    def __init__(self, core: _core.LoginGuardCore) -> None:
        self._guard = _core.MemoryLoginGuard(core)

    async def attempt(self, subjects: _core.LoginSubjects) -> _core.LoginVerdict:
        return self._guard.attempt(subjects)

    async def failed(self, subjects: _core.LoginSubjects) -> tuple[bool, int | None]:
        return self._guard.failed(subjects)

    async def succeeded(self, subjects: _core.LoginSubjects, ip_strike: int | None) -> None:
        self._guard.succeeded(subjects, ip_strike)


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
        scripts = _redis.scripts(_core.login_guard_scripts())
        self._count = scripts["count_attempt"]
        self._give_back = scripts["give_back"]

    async def _io(self, operation: Awaitable[_T]) -> _T:
        try:
            return await self._redis.bounded(operation, self.timeout)
        except Exception as exc:
            raise StoreUnavailableError() from exc

    async def _counts(
        self, subjects: _core.LoginSubjects
    ) -> tuple[list[int], list[int], list[str], list[str]]:
        """``count_attempt`` of the username and of the IP, in one pipeline."""
        user_keys, ip_keys = self._core.keys(subjects)
        user, ip = await self._io(
            self._redis.pipelined(
                self.client,
                [(self._count, user_keys, self._args[0]), (self._count, ip_keys, self._args[1])],
                cluster=self._cluster,
            )
        )
        return [int(v) for v in user], [int(v) for v in ip], user_keys, ip_keys

    async def attempt(self, subjects: _core.LoginSubjects) -> _core.LoginVerdict:
        user, ip, user_keys, ip_keys = await self._counts(subjects)
        verdict = self._core.verdict(user, ip)
        if not verdict.admitted:
            # Refused by one subject: the other gives its count back (refusals only).
            user_strike, ip_strike = verdict.give_back
            calls: list[ScriptCall] = []
            if user_strike is not None:
                calls.append(
                    (self._give_back, user_keys, self._core.give_back_args(False, user_strike))
                )
            if ip_strike is not None:
                calls.append((self._give_back, ip_keys, self._core.give_back_args(True, ip_strike)))
            if calls:
                await self._io(self._redis.pipelined(self.client, calls, cluster=self._cluster))
        return verdict

    async def failed(self, subjects: _core.LoginSubjects) -> tuple[bool, int | None]:
        user, ip, _, _ = await self._counts(subjects)
        return self._core.failure(user, ip)

    async def succeeded(self, subjects: _core.LoginSubjects, ip_strike: int | None) -> None:
        user_keys, ip_keys = self._core.keys(subjects)
        calls: list[ScriptCall] = []
        if ip_strike is not None:
            calls.append((self._give_back, ip_keys, self._core.give_back_args(True, ip_strike)))
        # The username's three keys share its slot: one DEL, in the same round trip.
        await self._io(
            self._redis.pipelined(
                self.client,
                calls,
                cluster=self._cluster,
                commands=[("DEL", *user_keys)],
            )
        )
