"""PasswordManager: argon2id, interop with argon2-cffi and bcrypt, policy, async, CLI."""

from __future__ import annotations

import asyncio
import itertools
import statistics
import subprocess
import sys
import time
from types import SimpleNamespace

import argon2
import bcrypt
import pytest

from netrun_auth.exceptions import ConfigurationError, PasswordHashError
from netrun_auth.password import PasswordManager

PASSWORD = "correct horse battery staple"
FAST = SimpleNamespace(
    password_argon2_memory_kib=64,
    password_argon2_iterations=1,
    password_argon2_parallelism=1,
)


@pytest.fixture(scope="module")
def pm() -> PasswordManager:
    return PasswordManager()


@pytest.fixture(scope="module")
def default_hash(pm: PasswordManager) -> str:
    return pm.hash_password(PASSWORD)


def test_default_is_argon2id_owasp(pm: PasswordManager, default_hash: str) -> None:
    assert default_hash.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert pm.argon2_parameters == {"memory_kib": 19456, "iterations": 2, "parallelism": 1}
    assert pm.verify_password(PASSWORD, default_hash) is True
    assert pm.verify_password(PASSWORD + " ", default_hash) is False
    assert pm.verify_password("", default_hash) is False
    assert pm.needs_rehash(default_hash) is False
    assert pm.hash_password(PASSWORD) != default_hash  # fresh salt


def test_ours_verify_in_argon2_cffi(default_hash: str) -> None:
    ph = argon2.PasswordHasher(memory_cost=19456, time_cost=2, parallelism=1)
    assert ph.verify(default_hash, PASSWORD) is True
    assert ph.check_needs_rehash(default_hash) is False
    with pytest.raises(argon2.exceptions.VerifyMismatchError):
        ph.verify(default_hash, "wrong")


def test_argon2_cffi_hashes_verify_in_ours(pm: PasswordManager) -> None:
    same = argon2.PasswordHasher(memory_cost=19456, time_cost=2, parallelism=1)
    h = same.hash(PASSWORD)
    assert pm.verify_password(PASSWORD, h) is True
    assert pm.verify_password("wrong", h) is False
    assert pm.needs_rehash(h) is False

    # Other parameters, other types: verify, and ask to be upgraded.
    for hasher in (
        argon2.PasswordHasher(),  # the library's own defaults (m=65536, t=3, p=4)
        argon2.PasswordHasher(memory_cost=8192, time_cost=1, parallelism=1),  # weaker
        argon2.PasswordHasher(memory_cost=256, time_cost=1, parallelism=1, type=argon2.Type.I),
        argon2.PasswordHasher(memory_cost=256, time_cost=1, parallelism=1, type=argon2.Type.D),
        argon2.PasswordHasher(memory_cost=256, time_cost=1, parallelism=1, hash_len=16),
    ):
        h = hasher.hash(PASSWORD)
        assert pm.verify_password(PASSWORD, h) is True, h
        assert pm.verify_password("wrong", h) is False, h
        assert pm.needs_rehash(h) is True, h


@pytest.mark.parametrize("prefix", [b"2a", b"2b"])
def test_bcrypt_hashes_verify_and_need_rehash(pm: PasswordManager, prefix: bytes) -> None:
    h = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4, prefix=prefix)).decode()
    assert h.startswith(f"${prefix.decode()}$04$")
    assert pm.verify_password(PASSWORD, h) is True
    assert pm.verify_password("wrong", h) is False
    assert pm.needs_rehash(h) is True


def test_bcrypt_2y_as_written_by_php(pm: PasswordManager) -> None:
    h = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    as_2y = "$2y$" + h[4:]
    assert bcrypt.checkpw(PASSWORD.encode(), as_2y.encode())  # the same hash to bcrypt itself
    assert pm.verify_password(PASSWORD, as_2y) is True
    assert pm.verify_password("wrong", as_2y) is False


def test_non_ascii_passwords_interoperate(pm: PasswordManager) -> None:
    pw = "pässwörd \u2013 密码 🔑"
    assert argon2.PasswordHasher().verify(pm.hash_password(pw), pw)
    h = bcrypt.hashpw(pw.encode(), bcrypt.gensalt(rounds=4)).decode()
    assert pm.verify_password(pw, h)


@pytest.mark.parametrize(
    "bad",
    [
        "",
        "plaintext-password",
        "$argon2id$v=19$m=19456,t=2,p=1$",
        "$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0c2FsdA$!!!notbase64!!!",
        "$argon2id$v=19$m=4194304,t=1,p=1$c2FsdHNhbHRzYWx0c2FsdA$"
        "wGGIq0dcN0UowSXMemcnx/dNWoNB5ywzYASX88xNtTc",
        "$2b$04$tooshort",
        "$2b$99$" + "a" * 53,
        "$2x$04$" + "a" * 53,
        "$1$saltsalt$md5cryptisnotsupported",
        "pbkdf2_sha256$600000$salt$hash",
    ],
)
def test_malformed_hash_is_a_clear_error(pm: PasswordManager, bad: str) -> None:
    with pytest.raises(PasswordHashError) as info:
        pm.verify_password(PASSWORD, bad)
    assert info.value.code == "invalid_password_hash"
    assert PASSWORD not in str(info.value)
    if len(bad) >= 24:
        assert bad[-16:] not in str(info.value)
    with pytest.raises(PasswordHashError):
        pm.needs_rehash(bad)


def test_weaker_own_hash_needs_rehash(pm: PasswordManager) -> None:
    weak = PasswordManager(FAST)
    h = weak.hash_password(PASSWORD)
    assert h.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    assert weak.needs_rehash(h) is False
    assert pm.needs_rehash(h) is True
    assert pm.verify_password(PASSWORD, h) is True


def test_verify_and_update_migrates(pm: PasswordManager) -> None:
    old = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    assert pm.verify_and_update("wrong", old) == (False, None)
    ok, new = pm.verify_and_update(PASSWORD, old)
    assert ok and new is not None and new.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert pm.verify_and_update(PASSWORD, new) == (True, None)


def test_configuration_is_read_and_checked() -> None:
    cfg = SimpleNamespace(
        password_argon2_memory_kib=1024,
        password_argon2_iterations=3,
        password_argon2_parallelism=2,
        password_min_length=12,
        password_require_digit=True,
    )
    pm = PasswordManager(cfg)
    assert pm.hash_password(PASSWORD).startswith("$argon2id$v=19$m=1024,t=3,p=2$")
    assert pm.validate_password("short1") == ["must be at least 12 characters long"]
    assert pm.validate_password("long enough but no digit") == ["must contain a digit"]
    with pytest.raises(ConfigurationError, match="password_argon2_memory_kib"):
        PasswordManager(SimpleNamespace(password_argon2_memory_kib=1))
    with pytest.raises(ConfigurationError, match="password_argon2_iterations"):
        PasswordManager(SimpleNamespace(password_argon2_iterations=0))
    with pytest.raises(ConfigurationError, match="password_max_length"):
        PasswordManager(SimpleNamespace(password_min_length=20, password_max_length=10))


def test_policy_defaults_follow_nist(pm: PasswordManager) -> None:
    assert pm.validate_password("alllowercaseletters") == []  # no class rules by default
    assert pm.validate_password("1234567") == ["must be at least 8 characters long"]
    assert pm.validate_password("x" * 129) == ["must be at most 128 characters long"]
    assert pm.validate_password("ñandúñandú") == []  # code points, not bytes
    strict = PasswordManager(
        SimpleNamespace(
            password_require_uppercase=True,
            password_require_lowercase=True,
            password_require_digit=True,
            password_require_special=True,
        )
    )
    assert len(strict.validate_password("abcdefgh")) == 3
    assert strict.validate_password("Abcdefg1!") == []


def _median_seconds(fn: object, n: int = 5) -> float:
    times = []
    for _ in range(n):
        t0 = time.perf_counter()
        fn()  # type: ignore[operator]
        times.append(time.perf_counter() - t0)
    return statistics.median(times)


def test_dummy_verify_costs_about_a_verification(pm: PasswordManager, default_hash: str) -> None:
    pm.dummy_verify()  # first call makes the dummy hash
    real, dummy = [], []
    for _ in range(7):  # interleaved, and the fastest of each: robust to a busy machine
        real.append(_median_seconds(lambda: pm.verify_password("wrong", default_hash), n=1))
        dummy.append(_median_seconds(lambda: pm.dummy_verify("wrong"), n=1))
    assert 0.5 * min(real) < min(dummy) < 2.0 * min(real), (real, dummy)


async def test_async_methods(pm: PasswordManager) -> None:
    h = await pm.hash_password_async(PASSWORD)
    assert await pm.verify_password_async(PASSWORD, h) is True
    assert await pm.verify_password_async("wrong", h) is False
    await pm.dummy_verify_async()
    with pytest.raises(PasswordHashError):
        await pm.verify_password_async(PASSWORD, "garbage")


async def test_event_loop_keeps_running_while_20_hashes_run() -> None:
    # Heavier than the default so that a hash holding the GIL would stall the loop visibly.
    pm = PasswordManager(SimpleNamespace(password_argon2_memory_kib=65536))
    one_hash = _median_seconds(lambda: pm.hash_password(PASSWORD), n=3)

    ticks: list[float] = []
    done = asyncio.Event()

    async def ticker() -> None:
        while not done.is_set():
            ticks.append(time.perf_counter())
            await asyncio.sleep(0.002)

    ticking = asyncio.create_task(ticker())
    await asyncio.sleep(0.01)
    start = time.perf_counter()
    hashes = await asyncio.gather(*(pm.hash_password_async(f"pw{i}") for i in range(20)))
    end = time.perf_counter()
    done.set()
    await ticking

    assert len(set(hashes)) == 20
    during = [t for t in ticks if start <= t <= end]
    gaps = [b - a for a, b in itertools.pairwise(during)]
    # 20 hashes on a couple of cores take several single-hash times...
    assert end - start > 3 * one_hash, (end - start, one_hash)
    # ...and meanwhile the loop ran all along: many ticks, and no gap near one hash
    # (a hash holding the GIL would stall the loop that long).
    assert len(during) > 20, len(during)
    assert max(gaps) < 0.75 * one_hash, (max(gaps), one_hash)
    print(
        f"one hash {one_hash * 1e3:.0f} ms, 20 in {(end - start) * 1e3:.0f} ms, "
        f"{len(during)} ticks, max gap {max(gaps) * 1e3:.1f} ms"
    )


def _cli(*args: str, stdin: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "netrun_auth.cli", *args],
        input=stdin,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


def test_cli_hash_and_verify() -> None:
    fast = ["--memory-kib", "64", "--iterations", "1"]
    out = _cli("hash", *fast, stdin=PASSWORD + "\n")
    assert out.returncode == 0, out.stderr
    h = out.stdout.strip()
    assert h.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    assert PASSWORD not in out.stdout + out.stderr

    ok = _cli("verify", h, *fast, stdin=PASSWORD + "\n")
    assert (ok.returncode, ok.stdout.strip()) == (0, "valid")
    assert ok.stderr == ""
    upgrade = _cli("verify", h, stdin=PASSWORD + "\n")
    assert upgrade.returncode == 0 and "rehash" in upgrade.stderr
    bad = _cli("verify", h, stdin="wrong\n")
    assert (bad.returncode, bad.stdout.strip()) == (1, "invalid")
    malformed = _cli("verify", "not-a-hash", stdin=PASSWORD + "\n")
    assert malformed.returncode == 2 and "malformed" in malformed.stderr
    weak = _cli("hash", "--check-policy", stdin="short\n")
    assert weak.returncode == 1 and "at least 8" in weak.stderr and weak.stdout == ""


def test_cli_does_not_take_the_password_from_argv() -> None:
    out = _cli("hash", PASSWORD, stdin="")
    assert out.returncode == 2  # argparse refuses the stray argument
    empty = _cli("hash", stdin="")
    assert empty.returncode == 2 and "no password" in empty.stderr


async def test_worker_pool_is_bounded_and_restartable() -> None:
    with pytest.raises(ConfigurationError, match="max_workers"):
        PasswordManager(max_workers=0)
    pm = PasswordManager(FAST, max_workers=1)
    h = await pm.hash_password_async(PASSWORD)
    pm.close()
    assert await pm.verify_password_async(PASSWORD, h) is True
    pm.close()
