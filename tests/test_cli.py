"""The ``netrun-auth`` command, run as the installed console script (``.venv/bin/netrun-auth``)
in a subprocess: every sub-command, its exit status, what it prints on stdout and stderr.

Passwords go in on standard input only and must never come out on either stream.
(``netrun-auth demo`` serving its app is tested in tests/http/test_http_demo.py.)
"""

from __future__ import annotations

import json
import stat
import subprocess
from pathlib import Path

import pytest

from netrun_auth.cli import COMMANDS, build_parser
from netrun_testing.servers import base_env, console_script

PASSWORD = "correct horse battery staple"
FAST_ARGON2 = ["--memory-kib", "64", "--iterations", "1"]
"""Cheap argon2id parameters for the tests that are not about the parameters."""


def run(
    *args: str, cwd: Path, stdin: str | None = None, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    """``netrun-auth ARGS`` in ``cwd`` with a clean environment (no NETRUN_AUTH_* variables)."""
    return subprocess.run(
        [console_script(), *args],
        cwd=cwd,
        env=base_env(**(env or {})),
        input=stdin if stdin is not None else "",
        capture_output=True,
        text=True,
        timeout=120,
    )


def assert_no_password(done: subprocess.CompletedProcess[str], password: str = PASSWORD) -> None:
    assert password not in done.stdout, "password echoed on stdout"
    assert password not in done.stderr, "password echoed on stderr"


@pytest.fixture
def configured(tmp_path: Path) -> Path:
    """A working directory with fresh keys and a .env, as the getting-started guide sets up."""
    done = run("keygen", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    (tmp_path / ".env").write_text(
        "NETRUN_AUTH_JWT_ISSUER=cli-test\n"
        "NETRUN_AUTH_JWT_AUDIENCE=cli-users\n"
        "NETRUN_AUTH_JWT_PRIVATE_KEY_PATH=./private_key.pem\n"
        "NETRUN_AUTH_JWT_PUBLIC_KEY_PATH=./public_key.pem\n"
    )
    return tmp_path


# ------------------------------------------------------------------ the command table


def test_help_lists_every_registered_command_and_each_one_has_help(tmp_path):
    done = run("--help", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    names = [command.name for command in COMMANDS]
    assert set(names) == {
        "keygen", "jwks", "token", "decode", "walkthrough", "hash", "verify", "demo",
    }  # fmt: skip
    for name in names:
        assert name in done.stdout
        sub = run(name, "--help", cwd=tmp_path)
        assert sub.returncode == 0, (name, sub.stderr)
        assert f"usage: netrun-auth {name}" in sub.stdout


def test_every_listed_command_dispatches_to_its_own_run():
    """The defect-9 shape: a command in --help always reaches its ``run`` (no second,
    differently named dispatch attribute a group could set)."""
    parser = build_parser()
    subparsers = next(a for a in parser._actions if a.dest == "==SUPPRESS==" and a.choices)
    assert set(subparsers.choices) == {command.name for command in COMMANDS}
    for command in COMMANDS:
        assert subparsers.choices[command.name].get_default("run") is command.run


def test_no_command_prints_help_and_exits_2(tmp_path):
    done = run(cwd=tmp_path)
    assert done.returncode == 2
    assert "commands:" in done.stdout


def test_unknown_command_exits_2(tmp_path):
    done = run("frobnicate", cwd=tmp_path)
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_python_dash_m_is_the_same_command(tmp_path):
    import sys

    done = subprocess.run(
        [sys.executable, "-m", "netrun_auth.cli", "--help"],
        cwd=tmp_path,
        env=base_env(),
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert done.returncode == 0
    assert "walkthrough" in done.stdout


# ------------------------------------------------------------------ keys


def test_keygen_writes_private_files_and_refuses_to_overwrite(configured):
    for name in ("private_key.pem", "public_key.pem"):
        mode = stat.S_IMODE((configured / name).stat().st_mode)
        assert mode == 0o600, name
    assert "BEGIN PRIVATE KEY" in (configured / "private_key.pem").read_text()
    again = run("keygen", cwd=configured)
    assert again.returncode == 2
    assert "refusing to overwrite" in again.stderr
    assert again.stdout == ""
    forced = run("keygen", "--force", cwd=configured)
    assert forced.returncode == 0, forced.stderr


@pytest.mark.parametrize(
    ("kind", "algorithm"), [("p256", "ES256"), ("ed25519", "EdDSA"), ("rsa3072", "RS256")]
)
def test_keygen_types(tmp_path, kind, algorithm):
    done = run("keygen", "--type", kind, "--out-dir", str(tmp_path / "k"), cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert f"NETRUN_AUTH_JWT_ALGORITHM={algorithm}" in done.stdout
    pem = (tmp_path / "k" / "private_key.pem").read_text()
    assert pem.startswith("-----BEGIN PRIVATE KEY-----")
    assert pem not in done.stdout


def test_keygen_bad_type_is_usage_error(tmp_path):
    done = run("keygen", "--type", "rsa1024", cwd=tmp_path)
    assert done.returncode == 2
    assert "invalid choice" in done.stderr


def test_jwks(configured):
    done = run("jwks", cwd=configured)
    assert done.returncode == 0, done.stderr
    key = json.loads(done.stdout)["keys"][0]
    assert key["kty"] == "RSA" and "d" not in key


def test_configuration_errors_exit_2(tmp_path):
    done = run("jwks", cwd=tmp_path)
    assert done.returncode == 2
    assert "configuration error" in done.stderr and "jwt_issuer" in done.stderr
    assert done.stdout == ""


# ------------------------------------------------------------------ tokens


def test_token_decode(configured):
    minted = run("token", "user123", "--org", "org456", "--role", "admin", cwd=configured)
    assert minted.returncode == 0, minted.stderr
    pair = json.loads(minted.stdout)
    assert pair["token_type"] == "Bearer"

    decoded = run("decode", pair["access_token"], cwd=configured)
    assert decoded.returncode == 0, decoded.stderr
    claims = json.loads(decoded.stdout)
    assert (claims["user_id"], claims["organization_id"], claims["roles"]) == (
        "user123",
        "org456",
        ["admin"],
    )
    from_stdin = run("decode", "-", cwd=configured, stdin=pair["access_token"] + "\n")
    assert from_stdin.returncode == 0, from_stdin.stderr
    assert json.loads(from_stdin.stdout)["user_id"] == "user123"

    wrong_type = run("decode", "--type", "access", pair["refresh_token"], cwd=configured)
    assert wrong_type.returncode == 1
    assert "wrong_token_type" in wrong_type.stderr
    assert pair["refresh_token"] not in wrong_type.stderr


def test_decode_rejects_tampering_and_insecure_mode_only_shows(configured):
    token = json.loads(run("token", "user123", cwd=configured).stdout)["access_token"]
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    refused = run("decode", tampered, cwd=configured)
    assert refused.returncode == 1
    assert "invalid_signature" in refused.stderr
    assert tampered not in refused.stderr and refused.stdout == ""
    shown = run("decode", "--insecure-no-verify", tampered, cwd=configured)
    assert shown.returncode == 0, shown.stderr
    assert json.loads(shown.stdout)["payload"]["sub"] == "user123"
    assert "nothing was verified" in shown.stderr


def test_walkthrough_runs(tmp_path):
    done = run("walkthrough", cwd=tmp_path)
    assert done.returncode == 0, done.stderr
    assert "token_reuse" in done.stdout
    assert "token_revoked" in done.stdout


# ------------------------------------------------------------------ passwords (defect 9)


def test_hash_prints_an_argon2id_hash_with_the_default_parameters(tmp_path):
    done = run("hash", cwd=tmp_path, stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    (phc,) = done.stdout.split()
    assert phc.startswith("$argon2id$v=19$m=19456,t=2,p=1$")
    assert_no_password(done)


def test_hash_then_verify_roundtrip(tmp_path):
    hashed = run("hash", *FAST_ARGON2, cwd=tmp_path, stdin=PASSWORD + "\n")
    assert hashed.returncode == 0, hashed.stderr
    phc = hashed.stdout.strip()
    assert phc.startswith("$argon2id$v=19$m=64,t=1,p=1$")
    assert_no_password(hashed)

    valid = run("verify", phc, *FAST_ARGON2, cwd=tmp_path, stdin=PASSWORD + "\n")
    assert (valid.returncode, valid.stdout) == (0, "valid\n"), valid.stderr
    assert "rehash" not in valid.stderr
    assert_no_password(valid)

    invalid = run("verify", phc, *FAST_ARGON2, cwd=tmp_path, stdin="wrong password\n")
    assert (invalid.returncode, invalid.stdout) == (1, "invalid\n"), invalid.stderr
    assert_no_password(invalid, "wrong password")

    quiet = run("verify", "-q", phc, *FAST_ARGON2, cwd=tmp_path, stdin=PASSWORD + "\n")
    assert (quiet.returncode, quiet.stdout) == (0, "")


def test_verify_says_when_the_hash_needs_an_upgrade(tmp_path):
    phc = run("hash", *FAST_ARGON2, cwd=tmp_path, stdin=PASSWORD + "\n").stdout.strip()
    done = run("verify", phc, cwd=tmp_path, stdin=PASSWORD + "\n")  # configured: defaults
    assert done.returncode == 0
    assert done.stdout == "valid\n"
    assert "rehash it" in done.stderr
    assert_no_password(done)


def test_verify_a_bcrypt_hash(tmp_path):
    import bcrypt

    stored = bcrypt.hashpw(PASSWORD.encode(), bcrypt.gensalt(rounds=4)).decode()
    done = run("verify", stored, cwd=tmp_path, stdin=PASSWORD + "\n")
    assert done.returncode == 0, done.stderr
    assert done.stdout == "valid\n"
    assert "rehash it" in done.stderr  # bcrypt -> argon2id
    assert_no_password(done)


@pytest.mark.parametrize("stored", ["not-a-hash", "$1$saltsalt$md5cryptisnotsupported"])
def test_verify_an_unusable_hash_exits_2_without_echoing_it(tmp_path, stored):
    done = run("verify", stored, cwd=tmp_path, stdin=PASSWORD + "\n")
    assert done.returncode == 2
    assert done.stdout == ""
    assert "netrun-auth verify:" in done.stderr
    assert stored not in done.stderr
    assert_no_password(done)


def test_hash_without_a_password_exits_2(tmp_path):
    done = run("hash", cwd=tmp_path, stdin="")
    assert done.returncode == 2
    assert "no password on standard input" in done.stderr
    assert done.stdout == ""


def test_hash_check_policy_refuses_a_short_password(tmp_path):
    done = run("hash", "--check-policy", *FAST_ARGON2, cwd=tmp_path, stdin="short\n")
    assert done.returncode == 1
    assert done.stdout == ""
    assert "netrun-auth hash: the password" in done.stderr
    assert_no_password(done, "short")
    ok = run("hash", "--check-policy", *FAST_ARGON2, cwd=tmp_path, stdin=PASSWORD + "\n")
    assert ok.returncode == 0, ok.stderr


def test_hash_reads_the_policy_and_parameters_from_the_configuration(tmp_path):
    env = {"NETRUN_AUTH_PASSWORD_MIN_LENGTH": "40", "NETRUN_AUTH_PASSWORD_ARGON2_ITERATIONS": "3"}
    refused = run("hash", "--check-policy", cwd=tmp_path, stdin=PASSWORD + "\n", env=env)
    assert refused.returncode == 1
    done = run("hash", "--memory-kib", "64", cwd=tmp_path, stdin=PASSWORD + "\n", env=env)
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("$argon2id$v=19$m=64,t=3,p=1$")


def test_hash_with_a_broken_configuration_uses_the_defaults_and_says_so(tmp_path):
    env = {"NETRUN_AUTH_PASSWORD_ARGON2_ITERATIONS": "many"}
    done = run("hash", *FAST_ARGON2, cwd=tmp_path, stdin=PASSWORD + "\n", env=env)
    assert done.returncode == 0, done.stderr
    assert "configuration not loaded" in done.stderr
    assert_no_password(done)


def test_hash_bad_parameters_exit_2(tmp_path):
    done = run("hash", "--memory-kib", "1", cwd=tmp_path, stdin=PASSWORD + "\n")
    assert done.returncode == 2
    assert done.stdout == ""
    assert_no_password(done)


def test_verify_without_the_hash_argument_is_usage_error(tmp_path):
    done = run("verify", cwd=tmp_path, stdin=PASSWORD + "\n")
    assert done.returncode == 2
    assert "the following arguments are required: hash" in done.stderr


# ------------------------------------------------------------------ demo


def test_demo_help(tmp_path):
    done = run("demo", "--help", cwd=tmp_path)
    assert done.returncode == 0
    assert "--port" in done.stdout and "--redis" in done.stdout and "--app-dir" in done.stdout


def test_demo_without_the_tutorial_directory_exits_2(tmp_path):
    done = run("demo", "--app-dir", str(tmp_path / "nowhere"), cwd=tmp_path)
    assert done.returncode == 2
    assert "examples/tutorial" in done.stderr
