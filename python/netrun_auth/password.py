"""Password hashing (argon2id), verification (argon2 and bcrypt) and password policy.

The work is done by the Rust engine with the GIL released; the ``*_async`` methods
run it in a worker thread, so the event loop keeps serving other requests. Those
threads are a small pool of the manager's own (one per CPU by default): hashing is
CPU-bound, so more threads than cores only add memory (19 MiB each) and steal
time from the event loop.

Settings are read from an ``AuthConfig`` (or any object) when present, else defaulted:

==================================  =======  ===========================================
attribute                           default  meaning
==================================  =======  ===========================================
``password_argon2_memory_kib``      19456    argon2id memory cost in KiB (OWASP)
``password_argon2_iterations``      2        argon2id passes (OWASP)
``password_argon2_parallelism``     1        argon2id lanes (OWASP)
``password_min_length``             8        fewest characters (code points)
``password_max_length``             128      most characters
``password_require_uppercase``      False    character classes: off, as NIST SP 800-63B
``password_require_lowercase``      False    advises
``password_require_digit``          False
``password_require_special``        False    a character neither a letter nor a digit
==================================  =======  ===========================================
"""

from __future__ import annotations

import asyncio
import os
import threading
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import Any, TypeVar

from netrun_auth import _core
from netrun_auth.exceptions import ConfigurationError

__all__ = ["PasswordManager"]

_T = TypeVar("_T")


def _setting(config: Any, name: str, default: _T) -> _T:
    value = getattr(config, name, None) if config is not None else None
    return default if value is None else value


class PasswordManager:
    """Hash, verify and upgrade passwords; check new ones against the policy.

    ``verify_password`` returns False for a wrong password and raises
    :class:`~netrun_auth.exceptions.PasswordHashError` for a stored hash that is
    malformed or of an unsupported scheme. Passwords and hashes never appear in
    exception messages.

    A password that is not valid Unicode text (a lone surrogate such as
    ``"\\ud800"``, which JSON allows) never verifies: ``verify_password`` returns
    False after the same work as for a wrong password, ``validate_password``
    reports it, and ``hash_password`` raises
    :class:`~netrun_auth.exceptions.InvalidInputError` (a ``ValueError``).

    ``config`` is an :class:`~netrun_auth.config.AuthConfig` (or anything with its
    ``password_*`` attributes); without it the defaults apply.

    Raises:
        ConfigurationError: when an argon2 parameter or a policy length is out of range,
            or ``max_workers`` is below 1.

    Example::

        from netrun_auth import PasswordManager

        passwords = PasswordManager(config)
        problems = passwords.validate_password(new_password)     # [] when it passes
        stored = passwords.hash_password(new_password)
        ok, upgraded = passwords.verify_and_update(attempt, stored)
        if ok and upgraded is not None:
            save_hash(user_id, upgraded)
    """

    def __init__(self, config: Any | None = None, *, max_workers: int | None = None) -> None:
        """``max_workers``: threads for the ``*_async`` methods (default: one per CPU but one,
        so the event loop keeps a core to answer other requests while logins hash)."""
        if max_workers is not None and max_workers < 1:
            raise ConfigurationError("max_workers: must be at least 1")
        self._max_workers = max_workers or max(1, (os.cpu_count() or 1) - 1)
        self._executor: ThreadPoolExecutor | None = None
        self._executor_lock = threading.Lock()
        self._hasher = _core.PasswordHasher(
            memory_kib=_setting(
                config, "password_argon2_memory_kib", _core.DEFAULT_ARGON2_MEMORY_KIB
            ),
            iterations=_setting(
                config, "password_argon2_iterations", _core.DEFAULT_ARGON2_ITERATIONS
            ),
            parallelism=_setting(
                config, "password_argon2_parallelism", _core.DEFAULT_ARGON2_PARALLELISM
            ),
        )
        self._policy = _core.PasswordPolicy(
            min_length=_setting(config, "password_min_length", _core.DEFAULT_PASSWORD_MIN_LENGTH),
            max_length=_setting(config, "password_max_length", _core.DEFAULT_PASSWORD_MAX_LENGTH),
            require_uppercase=_setting(config, "password_require_uppercase", False),
            require_lowercase=_setting(config, "password_require_lowercase", False),
            require_digit=_setting(config, "password_require_digit", False),
            require_special=_setting(config, "password_require_special", False),
        )

    @property
    def argon2_parameters(self) -> dict[str, int]:
        """The argon2id parameters new hashes are made with."""
        return {
            "memory_kib": self._hasher.memory_kib,
            "iterations": self._hasher.iterations,
            "parallelism": self._hasher.parallelism,
        }

    def hash_password(self, password: str) -> str:
        """An argon2id PHC string of ``password`` with a fresh random salt.

        Raises:
            InvalidInputError: when ``password`` is not valid Unicode text (400).
        """
        return self._hasher.hash(password)

    def verify_password(self, password: str, hashed_password: str) -> bool:
        """Whether ``password`` matches ``hashed_password`` (argon2 or bcrypt $2a/$2b/$2y).

        False too for a password that is not valid Unicode text (same cost as a wrong one).
        Runs on the calling thread; in a coroutine use :meth:`verify_password_async`.

        Raises:
            PasswordHashError: when ``hashed_password`` is malformed or of an unsupported
                scheme (neither the password nor the hash is in the message).

        Example::

            if not passwords.verify_password(attempt, user.password_hash):
                raise AuthenticationError("Invalid username or password")
        """
        return self._hasher.verify(password, hashed_password)

    def needs_rehash(self, hashed_password: str) -> bool:
        """Whether the hash is bcrypt, or argon2 with parameters other than the configured ones.

        Raises:
            PasswordHashError: when ``hashed_password`` is malformed or of an unsupported
                scheme.
        """
        return self._hasher.needs_rehash(hashed_password)

    def verify_and_update(self, password: str, hashed_password: str) -> tuple[bool, str | None]:
        """Verify, and on success return a fresh hash if the stored one needs upgrading.

        Returns ``(valid, new_hash_or_None)``: store ``new_hash`` when it is not None.
        This is how bcrypt hashes (and argon2 hashes of older parameters) move to the
        configured argon2id, one login at a time.

        Raises:
            PasswordHashError: when ``hashed_password`` is malformed or of an unsupported
                scheme.

        Example::

            ok, new_hash = passwords.verify_and_update(attempt, user.password_hash)
            if ok and new_hash is not None:
                user.password_hash = new_hash
        """
        if not self.verify_password(password, hashed_password):
            return False, None
        if self.needs_rehash(hashed_password):
            return True, self.hash_password(password)
        return True, None

    def dummy_verify(self, password: str | None = None) -> None:
        """Spend one verification's time: an unknown user costs as much as a wrong password."""
        self._hasher.dummy_verify(password)

    async def _off_loop(self, fn: Callable[..., _T], *args: Any) -> _T:
        if self._executor is None:
            with self._executor_lock:
                if self._executor is None:
                    self._executor = ThreadPoolExecutor(
                        self._max_workers, thread_name_prefix="netrun-auth-password"
                    )
        return await asyncio.get_running_loop().run_in_executor(self._executor, fn, *args)

    async def hash_password_async(self, password: str) -> str:
        """:meth:`hash_password` in a worker thread, off the event loop.

        Raises:
            InvalidInputError: as :meth:`hash_password` does.
        """
        return await self._off_loop(self._hasher.hash, password)

    async def verify_password_async(self, password: str, hashed_password: str) -> bool:
        """:meth:`verify_password` in a worker thread, off the event loop.

        Raises:
            PasswordHashError: as :meth:`verify_password` does.

        Example::

            ok = await passwords.verify_password_async(attempt, user.password_hash)
        """
        return await self._off_loop(self._hasher.verify, password, hashed_password)

    async def verify_and_update_async(
        self, password: str, hashed_password: str
    ) -> tuple[bool, str | None]:
        """:meth:`verify_and_update` in a worker thread, off the event loop.

        Raises:
            PasswordHashError: as :meth:`verify_and_update` does.
        """
        return await self._off_loop(self.verify_and_update, password, hashed_password)

    async def dummy_verify_async(self, password: str | None = None) -> None:
        """:meth:`dummy_verify` in a worker thread, off the event loop."""
        await self._off_loop(self._hasher.dummy_verify, password)

    def close(self) -> None:
        """Stop the worker threads of the ``*_async`` methods (they restart on next use)."""
        with self._executor_lock:
            executor, self._executor = self._executor, None
        if executor is not None:
            executor.shutdown(wait=True)

    def validate_password(self, password: str) -> list[str]:
        """The reasons ``password`` fails the policy; an empty list when it passes.

        Raises nothing: a password that is not valid Unicode text is one of the reasons.

        Example::

            problems = passwords.validate_password("short")
            # ["must be at least 8 characters long"] with the default policy
        """
        return self._policy.validate(password)

    def __repr__(self) -> str:
        p = self.argon2_parameters
        return (
            f"PasswordManager(argon2id m={p['memory_kib']} t={p['iterations']} "
            f"p={p['parallelism']})"
        )
