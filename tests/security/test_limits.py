"""Limits and defaults (docs/security.md, "Limits"): each one enforced, at its documented value."""

from __future__ import annotations

import json
import logging

import pytest

from netrun_auth import AuthConfig, JWTManager, _core
from netrun_auth.cli import main
from netrun_auth.exceptions import ConfigurationError, TokenInvalidError

from .conftest import claims_for, forge


def test_documented_defaults():
    config = AuthConfig(_env_file=None)
    assert config.jwt_algorithm == "RS256"
    assert config.jwt_allowed_algorithms == []  # i.e. only jwt_algorithm
    assert config.max_token_bytes == 8192
    assert config.leeway_seconds == 30
    assert config.access_token_expire_minutes == 15
    assert config.refresh_token_expire_days == 30


@pytest.mark.parametrize("size", [511, 65537, 0, -1])
def test_token_size_cap_range(make_config, size):
    with pytest.raises(ConfigurationError, match="max_token_bytes"):
        make_config(max_token_bytes=size)


@pytest.mark.parametrize("size", [512, 65536])
async def test_token_size_cap_is_exact(make_config, size):
    manager = JWTManager(make_config(max_token_bytes=size))
    with pytest.raises(TokenInvalidError) as info:
        await manager.validate_token("a" * (size + 1))
    assert info.value.code == "token_too_large"
    with pytest.raises(TokenInvalidError) as info:
        await manager.validate_token("a" * size)
    assert info.value.code == "token_malformed"


async def test_header_cap_is_2048_characters(manager, keys):
    private = keys("rsa2048").private_pem
    for pad, code in ((1400, "invalid_claim"), (1600, "token_malformed")):
        token = forge({"alg": "RS256", "pad": "p" * pad}, claims_for(iss="x"), key=private)
        header_len = len(token.split(".")[0])
        assert (header_len <= 2048) == (code == "invalid_claim"), header_len
        with pytest.raises(TokenInvalidError) as info:
            await manager.validate_token(token)
        assert info.value.code == code


def test_leeway_maximum():
    # One cap, the engine's, for AuthConfig and the engine alike (they used to say 60 and 300).
    assert _core.MAX_LEEWAY_SECONDS == 60
    assert AuthConfig(_env_file=None, leeway_seconds=60).leeway_seconds == 60
    with pytest.raises(ConfigurationError, match="leeway_seconds"):
        AuthConfig(_env_file=None, leeway_seconds=61)
    secret = ("jwt_secret", b"s" * 32)
    _core.TokenEngine(issuer="i", audience="a", algorithm="HS256", secret=secret, leeway_seconds=60)
    with pytest.raises(ConfigurationError, match="leeway_seconds"):
        _core.TokenEngine(
            issuer="i", audience="a", algorithm="HS256", secret=secret, leeway_seconds=61
        )


FAMILIES = {
    "rsa2048": {"RS256", "RS384", "RS512", "PS256", "PS384", "PS512"},
    "p256": {"ES256"},
    "p384": {"ES384"},
    "ed25519": {"EdDSA"},
}
SIGNATURE_ALGORITHMS = sorted(set().union(*FAMILIES.values()))


@pytest.mark.parametrize("kind", sorted(FAMILIES))
@pytest.mark.parametrize("algorithm", SIGNATURE_ALGORITHMS)
def test_allowed_algorithms_per_key_type(make_config, keys, kind, algorithm):
    pair = keys(kind)
    build = lambda **extra: JWTManager(  # noqa: E731
        make_config(
            algorithm, jwt_private_key=pair.private_pem, jwt_public_key=pair.public_pem, **extra
        )
    )
    if algorithm in FAMILIES[kind]:
        assert build().engine.algorithm == algorithm
    else:
        with pytest.raises(ConfigurationError):
            build()
    # Verifying only: an algorithm allowed with no key able to verify it is refused.
    other = next(a for a in SIGNATURE_ALGORITHMS if a not in FAMILIES[kind])
    with pytest.raises(ConfigurationError, match="jwt_allowed_algorithms"):
        JWTManager(
            make_config(
                sorted(FAMILIES[kind])[0],
                jwt_private_key=pair.private_pem,
                jwt_public_key=pair.public_pem,
                jwt_allowed_algorithms=[sorted(FAMILIES[kind])[0], other],
            )
        )


@pytest.mark.parametrize("name", ["none", "None", "HS1", "RS1", "ES512", "PS256K"])
def test_unsupported_algorithms_cannot_be_configured(make_config, name):
    with pytest.raises(ConfigurationError):
        JWTManager(make_config(jwt_algorithm=name))
    with pytest.raises(ConfigurationError):
        JWTManager(make_config(jwt_allowed_algorithms=["RS256", name]))


def test_hmac_secrets_are_never_published(make_config):
    manager = JWTManager(
        make_config("RS256", jwt_allowed_algorithms=["RS256", "HS256"], jwt_secret="s" * 32)
    )
    assert [k["kty"] for k in manager.jwks()["keys"]] == ["RSA"]
    assert "s" * 32 not in json.dumps(manager.jwks())


def test_insecure_switch_is_named_so_and_logs_a_warning(monkeypatch, tmp_path, capsys, caplog):
    monkeypatch.chdir(tmp_path)
    token = forge({"alg": "none"}, claims_for())
    with caplog.at_level(logging.WARNING, logger="netrun_auth"):
        assert main(["decode", "--insecure-no-verify", token]) == 0
    warnings = [r for r in caplog.records if r.name == "netrun_auth"]
    assert len(warnings) == 1 and warnings[0].levelno == logging.WARNING
    assert "insecure" in warnings[0].getMessage()
    assert token not in warnings[0].getMessage()
    capsys.readouterr()
    caplog.clear()
    # Without the switch nothing is logged (and the unsigned token is refused).
    (tmp_path / ".env").write_text("")
    monkeypatch.setenv("NETRUN_AUTH_JWT_ISSUER", "i")
    monkeypatch.setenv("NETRUN_AUTH_JWT_AUDIENCE", "a")
    monkeypatch.setenv("NETRUN_AUTH_JWT_ALGORITHM", "HS256")
    monkeypatch.setenv("NETRUN_AUTH_JWT_SECRET", "s" * 32)
    with caplog.at_level(logging.WARNING, logger="netrun_auth"):
        assert main(["decode", token]) == 1
    assert not [r for r in caplog.records if r.name == "netrun_auth"]


def test_every_cli_switch_that_skips_a_check_says_insecure():
    from netrun_auth.cli import _parser

    risky = ("verify", "unverified", "unsafe", "skip", "no-check", "allow-none")
    for action in _walk_actions(_parser()):
        for option in action.option_strings:
            if any(word in option for word in risky):
                assert "insecure" in option, option


def _walk_actions(parser):
    import argparse

    for action in parser._actions:
        yield action
        if isinstance(action, argparse._SubParsersAction):
            for sub in action.choices.values():
                yield from _walk_actions(sub)
