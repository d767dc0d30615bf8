"""The netrun-auth command line."""

from __future__ import annotations

import json
import stat

import pytest

from netrun_auth.cli import main


@pytest.fixture
def configured(monkeypatch, tmp_path):
    """A working directory with fresh keys and a .env, as the getting-started guide sets up."""
    monkeypatch.chdir(tmp_path)
    assert main(["keygen"]) == 0
    (tmp_path / ".env").write_text(
        "NETRUN_AUTH_JWT_ISSUER=cli-test\n"
        "NETRUN_AUTH_JWT_AUDIENCE=cli-users\n"
        "NETRUN_AUTH_JWT_PRIVATE_KEY_PATH=./private_key.pem\n"
        "NETRUN_AUTH_JWT_PUBLIC_KEY_PATH=./public_key.pem\n"
    )
    return tmp_path


def test_keygen_writes_private_files(configured, capsys):
    for name in ("private_key.pem", "public_key.pem"):
        mode = stat.S_IMODE((configured / name).stat().st_mode)
        assert mode == 0o600, name
    assert "BEGIN PRIVATE KEY" in (configured / "private_key.pem").read_text()
    assert main(["keygen"]) == 2, "refuses to overwrite"
    assert "refusing to overwrite" in capsys.readouterr().err


@pytest.mark.parametrize("kind", ["p256", "ed25519", "rsa3072"])
def test_keygen_types(tmp_path, kind):
    assert main(["keygen", "--type", kind, "--out-dir", str(tmp_path)]) == 0
    assert (tmp_path / "private_key.pem").read_text().startswith("-----BEGIN PRIVATE KEY-----")


def test_token_decode_and_jwks(configured, capsys):
    capsys.readouterr()
    assert main(["token", "user123", "--org", "org456", "--role", "admin"]) == 0
    pair = json.loads(capsys.readouterr().out)
    assert pair["token_type"] == "Bearer"
    assert main(["decode", pair["access_token"]]) == 0
    claims = json.loads(capsys.readouterr().out)
    assert (claims["user_id"], claims["organization_id"], claims["roles"]) == (
        "user123",
        "org456",
        ["admin"],
    )
    assert main(["decode", "--type", "access", pair["refresh_token"]]) == 1
    assert "wrong_token_type" in capsys.readouterr().err
    assert main(["jwks"]) == 0
    assert json.loads(capsys.readouterr().out)["keys"][0]["kty"] == "RSA"


def test_decode_rejects_tampering_and_insecure_mode_only_shows(configured, capsys):
    assert main(["token", "user123"]) == 0
    token = json.loads(capsys.readouterr().out)["access_token"]
    tampered = token[:-4] + ("AAAA" if not token.endswith("AAAA") else "BBBB")
    assert main(["decode", tampered]) == 1
    err = capsys.readouterr().err
    assert "invalid_signature" in err
    assert tampered not in err
    assert main(["decode", "--insecure-no-verify", tampered]) == 0
    captured = capsys.readouterr()
    assert json.loads(captured.out)["payload"]["sub"] == "user123"
    assert "nothing was verified" in captured.err


def test_configuration_errors_exit_2(monkeypatch, tmp_path, capsys):
    monkeypatch.chdir(tmp_path)
    assert main(["jwks"]) == 2
    assert "jwt_issuer" in capsys.readouterr().err


def test_walkthrough_runs(capsys):
    assert main(["walkthrough"]) == 0
    out = capsys.readouterr().out
    assert "token_reuse" in out
    assert "token_revoked" in out
