"""LoginGuard in one process (the engine's memory guard): policy, normalisation, odd
usernames, settings, the 429 error and its audit events."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest

from netrun_auth import AuthConfig, _core
from netrun_auth.exceptions import (
    AuthenticationError,
    ConfigurationError,
    TooManyAttemptsError,
)
from netrun_auth.protection import LoginGuard


def make_guard(events: list[dict[str, Any]] | None = None, **overrides: Any) -> LoginGuard:
    values: dict[str, Any] = {
        "login_max_failures_per_username": 3,
        "login_max_failures_per_ip": 5,
        "login_lockout_base_seconds": 1,
        "login_lockout_max_seconds": 4,
    }
    values.update(overrides)
    handler = events.append if events is not None else None
    return LoginGuard(AuthConfig(_env_file=None, **values), on_event=handler)


def test_defaults_follow_the_documented_policy() -> None:
    config = AuthConfig(_env_file=None)
    assert (
        config.login_window_seconds,
        config.login_max_failures_per_username,
        config.login_max_failures_per_ip,
        config.login_lockout_base_seconds,
        config.login_lockout_max_seconds,
    ) == (900, 5, 50, 60, 3600)
    assert config.login_hash_key is None


def test_settings_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NETRUN_AUTH_LOGIN_MAX_FAILURES_PER_USERNAME", "7")
    monkeypatch.setenv("NETRUN_AUTH_LOGIN_HASH_KEY", "x" * 20)
    config = AuthConfig(_env_file=None)
    assert config.login_max_failures_per_username == 7
    assert "x" * 20 not in repr(config)


@pytest.mark.parametrize(
    ("overrides", "setting"),
    [
        ({"login_max_failures_per_username": 0}, "login_max_failures_per_username"),
        (
            {"login_lockout_base_seconds": 10, "login_lockout_max_seconds": 5},
            "login_lockout_max_seconds",
        ),
        ({"login_hash_key": "short"}, "login_hash_key"),
    ],
)
def test_bad_settings_name_themselves(overrides: dict[str, Any], setting: str) -> None:
    with pytest.raises(ConfigurationError, match=setting):
        make_guard(**overrides)


async def test_lockout_then_unlock_and_growth() -> None:
    guard = make_guard()
    for _ in range(2):
        assert await guard.failed("alice", "192.0.2.1") is None
    assert await guard.failed("ALICE", "192.0.2.2") == 1
    with pytest.raises(TooManyAttemptsError) as locked:
        await guard.check("Alice", "198.51.100.1")
    error = locked.value
    assert isinstance(error, AuthenticationError)
    assert (error.status_code, error.code, error.retry_after) == (429, "too_many_attempts", 1)
    assert error.to_dict() == {
        "error": "too_many_attempts",
        "message": "Too many failed login attempts; try again later",
        "status_code": 429,
        "details": {"retry_after": 1},
    }
    await asyncio.sleep(1.05)
    await guard.check("alice", "192.0.2.1")
    for _ in range(2):
        await guard.failed("alice", "192.0.2.9")
    assert await guard.failed("alice", "192.0.2.9") == 2  # second lockout doubles


@pytest.mark.parametrize(
    "variant", ["bob", "BOB", " Bob ", "\uff42\uff4f\uff42", "\uff22\uff2f\uff22", "bob\u00a0"]
)
async def test_normalised_variants_share_one_counter(variant: str) -> None:
    guard = make_guard()
    for _ in range(3):
        await guard.failed(variant, "192.0.2.1")
    with pytest.raises(TooManyAttemptsError):
        await guard.check("bob", "192.0.2.77")


@pytest.mark.parametrize(
    "username",
    ["\udc80", "a\ud800b", "", "\x00", "💥" * 5000, "x" * 100_000, "e\u0301" * 300],
)
async def test_any_unicode_is_counted_never_raises(username: str) -> None:
    guard = make_guard(login_max_failures_per_ip=100)
    for _ in range(2):
        assert await guard.failed(username, "192.0.2.3") is None
    await guard.succeeded(username, "192.0.2.3")  # clears the username
    for _ in range(2):
        assert await guard.failed(username, "192.0.2.3") is None
    assert await guard.failed(username, "192.0.2.3") == 1
    with pytest.raises(TooManyAttemptsError):
        await guard.check(username, None)
    with pytest.raises(TooManyAttemptsError):
        await guard.succeeded(username, "192.0.2.3")


def test_odd_usernames_have_a_typed_form() -> None:
    core = _core.LoginGuardCore(
        window_seconds=1,
        max_failures_per_username=1,
        max_failures_per_ip=1,
        lockout_base_seconds=1,
        lockout_max_seconds=1,
    )
    assert core.subjects("alice", None).form == "well_formed"
    assert core.subjects("a\udc80", None).form == "ill_formed"
    assert core.subjects("a" * 5000, None).form == "too_long"
    assert core.subjects("a\udc80", None).username != core.subjects("a", None).username
    assert "alice" not in repr(core.subjects("alice", "192.0.2.1"))


async def test_unknown_and_known_usernames_are_indistinguishable() -> None:
    guard = make_guard(login_max_failures_per_ip=100)
    outcomes = []
    for name in ("registered-user", "nobody-by-this-name"):
        outcomes.append([await guard.failed(name, "192.0.2.4") for _ in range(3)])
        with pytest.raises(TooManyAttemptsError) as locked:
            await guard.check(name, "192.0.2.4")
        outcomes.append(locked.value.to_dict())
    assert outcomes[0] == outcomes[2] and outcomes[1] == outcomes[3]


async def test_events_once_each_with_hashed_username() -> None:
    events: list[dict[str, Any]] = []
    guard = make_guard(events)
    await guard.failed("Grace", "192.0.2.5")
    await guard.failed("grace", "192.0.2.5")
    await guard.failed("grace", "192.0.2.5")
    with pytest.raises(TooManyAttemptsError):
        await guard.check("grace", "192.0.2.5")
    await guard.succeeded("heidi", "192.0.2.6", user_id="u-heidi", organization_id="org-1")
    names = [e["event"] for e in events]
    assert names == ["login_failed"] * 3 + ["login_locked", "login_succeeded"]
    ids = {e["username_id"] for e in events[:4]}
    assert len(ids) == 1 and next(iter(ids)).startswith("u")
    assert "lockout_started" not in events[0] and events[2]["lockout_started"] is True
    assert events[2]["retry_after"] == 1
    assert events[3] | {"time": None} == {
        "time": None,
        "event": "login_locked",
        "username_id": events[0]["username_id"],
        "client_ip": "192.0.2.5",
        "retry_after": 1,
        "error_code": "too_many_attempts",
        "status_code": 429,
    }
    assert events[4]["user_id"] == "u-heidi" and events[4]["organization_id"] == "org-1"
    assert all("grace" not in str(e).lower() and "heidi" not in str(e) for e in events[:4])
    assert all(e["time"].endswith("Z") for e in events)


async def test_wrong_types_are_a_type_error() -> None:
    guard = make_guard()
    with pytest.raises(TypeError):
        await guard.check(None, "192.0.2.1")  # type: ignore[arg-type]


def test_exception_clamps_retry_after() -> None:
    assert TooManyAttemptsError(retry_after=0).retry_after == 1
    error = TooManyAttemptsError(retry_after=30, details={"hint": "wait"})
    assert error.details == {"hint": "wait", "retry_after": 30}


LONG = {"login_lockout_base_seconds": 60, "login_lockout_max_seconds": 120}
"""Lockouts that outlast any test."""


async def _attempt(
    guard: LoginGuard, username: str, ip: str, *, ok: bool = False, pause: float = 0.01
) -> int:
    """One login as a route does it: check, a pause (the password check: every other
    attempt may run), then the outcome, recorded before answering. Returns the status
    the route would answer."""
    try:
        await guard.check(username, ip)
        await asyncio.sleep(pause)
        if ok:
            await guard.succeeded(username, ip)
            return 200
        await guard.failed(username, ip)
    except TooManyAttemptsError as locked:
        assert locked.retry_after >= 1
        return 429
    return 401


async def test_concurrent_guesses_reveal_exactly_the_threshold() -> None:
    # The race of issue 14: 20 guesses whose passwords are all checked before any of
    # them reports its failure. Only 3 (the threshold) learn their outcome.
    events: list[dict[str, Any]] = []
    guard = make_guard(events, login_max_failures_per_ip=100, **LONG)
    statuses = await asyncio.gather(*(_attempt(guard, "ivan", "192.0.2.20") for _ in range(20)))
    assert sorted(statuses) == [401] * 3 + [429] * 17
    names = [e["event"] for e in events]
    assert names.count("login_failed") == 3 and names.count("login_locked") == 17
    assert [e.get("lockout_started") for e in events if e["event"] == "login_failed"].count(
        True
    ) == 1


async def test_concurrent_guesses_from_one_ip_reveal_exactly_its_threshold() -> None:
    guard = make_guard(login_max_failures_per_username=100, **LONG)
    statuses = await asyncio.gather(
        *(_attempt(guard, f"user-{i}", "192.0.2.21") for i in range(20))
    )
    assert sorted(statuses) == [401] * 5 + [429] * 15


async def test_a_correct_password_found_after_the_lockout_started_is_refused() -> None:
    guard = make_guard(login_max_failures_per_ip=100, **LONG)
    # The correct guess passes check first, then its password check takes longer than
    # the three wrong ones that lock the username meanwhile.
    right = asyncio.ensure_future(_attempt(guard, "olga", "192.0.2.25", ok=True, pause=0.2))
    await asyncio.sleep(0)
    wrong = await asyncio.gather(*(_attempt(guard, "olga", "192.0.2.25") for _ in range(3)))
    assert wrong == [401] * 3
    assert await right == 429
    # The refused success cleared nothing: the lockout holds.
    with pytest.raises(TooManyAttemptsError):
        await guard.check("olga", "192.0.2.99")


async def test_attempts_refused_by_check_count_against_neither_subject() -> None:
    guard = make_guard(**LONG)
    for _ in range(3):
        await _attempt(guard, "judy", "192.0.2.30")
    # judy is locked: 10 more attempts from another IP are refused by check, and that
    # IP (threshold 5) has counted none of them.
    for _ in range(10):
        assert await _attempt(guard, "judy", "192.0.2.31") == 429
    assert [await _attempt(guard, f"other-{i}", "192.0.2.31") for i in range(5)] == [401] * 5
    assert await _attempt(guard, "other-5", "192.0.2.31") == 429


async def test_a_success_never_clears_the_ip_and_is_refused_while_it_is_locked() -> None:
    guard = make_guard(**LONG)
    ip = "192.0.2.40"
    for i in range(4):
        assert await _attempt(guard, f"f-{i}", ip) == 401
    assert await _attempt(guard, "karl", ip, ok=True) == 200
    assert await _attempt(guard, "f-4", ip) == 401  # the IP's 5th failure: now locked
    assert await _attempt(guard, "f-5", ip) == 429
    with pytest.raises(TooManyAttemptsError):
        await guard.succeeded("karl", ip)  # a right password from a locked IP: 429
    assert await _attempt(guard, "karl", "192.0.2.41", ok=True) == 200


async def test_a_good_login_clears_the_username() -> None:
    guard = make_guard(login_max_failures_per_ip=100)
    for _ in range(2):
        assert await _attempt(guard, "lena", "192.0.2.50") == 401
    assert await _attempt(guard, "lena", "192.0.2.50", ok=True) == 200
    assert [await _attempt(guard, "lena", "192.0.2.50") for _ in range(4)] == [401] * 3 + [429]


async def test_check_counts_nothing() -> None:
    guard = make_guard(login_max_failures_per_ip=100)
    for _ in range(10):
        await guard.check("mike", "192.0.2.60")
    assert await guard.failed("mike", "192.0.2.60") is None
    assert await guard.failed("mike", "192.0.2.60") is None
    assert await guard.failed("mike", "192.0.2.60") == 1  # the 3rd: lockout, still a 401
    with pytest.raises(TooManyAttemptsError):
        await guard.check("mike", "192.0.2.60")
    with pytest.raises(TooManyAttemptsError):
        await guard.failed("mike", "192.0.2.60")
