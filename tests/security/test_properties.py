"""Properties (hypothesis): what the engine signs it verifies with every claim intact,
any single-character change of a token is refused, and no input escapes the exception tree."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from netrun_auth import AuthConfig, JWTManager, _core
from netrun_auth.exceptions import AuthenticationError, TokenInvalidError

REGISTERED = {
    "iss", "aud", "sub", "exp", "nbf", "iat", "jti", "typ", "sid", "org", "roles", "permissions",
}  # fmt: skip
INVALID_CODES = {
    "token_malformed",
    "algorithm_not_allowed",
    "unknown_key",
    "invalid_signature",
    "invalid_claim",
    "missing_claim",
    "token_too_large",
}
B64URL = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"

# Text as JSON and Rust strings carry it: no lone surrogates.
text = st.text(st.characters(exclude_categories=("Cs",)), max_size=24)
json_values = st.recursive(
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**63), max_value=2**63 - 1)
    | st.floats(allow_nan=False, allow_infinity=False)
    | text,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(text, inner, max_size=4),
    max_leaves=12,
)
extra_claims = st.dictionaries(text.filter(lambda k: k not in REGISTERED), json_values, max_size=5)
profile = settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)


def _manager(algorithm: str, kind: str | None) -> JWTManager:
    values: dict[str, Any] = {"jwt_issuer": "prop", "jwt_audience": "prop-api"}
    if kind is None:
        values["jwt_secret"] = "p" * 64
    else:
        values["jwt_private_key"] = _core.generate_key(kind)[0].decode()
    return JWTManager(AuthConfig(_env_file=None, jwt_algorithm=algorithm, **values))


@pytest.fixture(scope="module")
def managers() -> list[JWTManager]:
    return [
        _manager("RS256", "rsa2048"),
        _manager("PS384", "rsa2048"),
        _manager("ES256", "p256"),
        _manager("ES384", "p384"),
        _manager("EdDSA", "ed25519"),
        _manager("HS512", None),
    ]


@profile
@given(
    which=st.integers(0, 5),
    user_id=text.filter(bool),
    org=st.none() | text.filter(bool),
    roles=st.lists(text, max_size=4),
    permissions=st.lists(text, max_size=4),
    extra=extra_claims,
)
def test_round_trip_keeps_every_claim(managers, which, user_id, org, roles, permissions, extra):
    manager = managers[which]

    async def run() -> None:
        pair = await manager.generate_token_pair(
            user_id, org, roles, permissions, extra_claims=extra
        )
        claims = await manager.validate_token(pair.access_token)
        assert claims.user_id == user_id
        assert claims.organization_id == org
        assert claims.roles == roles
        assert claims.permissions == permissions
        assert claims.extra == extra
        assert claims.session_id == pair.session_id
        refresh = await manager.validate_token(pair.refresh_token, expected_type="refresh")
        assert refresh.extra == extra

    asyncio.run(run())


@pytest.fixture(scope="module")
def tokens(managers) -> list[str]:
    return [
        asyncio.run(m.generate_token_pair("user-1", "org-1", ["admin"])).access_token
        for m in managers
    ]


@profile
@given(
    which=st.integers(0, 5),
    position=st.integers(min_value=0),
    replacement=st.sampled_from(B64URL + ".=+/ \n\x00é"),
)
def test_any_single_character_change_is_refused(managers, tokens, which, position, replacement):
    manager, token = managers[which], tokens[which]
    at = position % len(token)
    if token[at] == replacement:
        replacement = "A" if replacement != "A" else "B"
    forged = token[:at] + replacement + token[at + 1 :]
    with pytest.raises(TokenInvalidError) as info:
        manager.engine.verify(forged, "access")
    assert info.value.code in INVALID_CODES
    assert info.value.status_code == 401
    assert forged not in info.value.message


@profile
@given(which=st.integers(0, 5), position=st.integers(min_value=0))
def test_dropping_or_doubling_a_character_is_refused(managers, tokens, which, position):
    manager, token = managers[which], tokens[which]
    at = position % len(token)
    for forged in (token[:at] + token[at + 1 :], token[:at] + token[at] + token[at:]):
        with pytest.raises(TokenInvalidError):
            manager.engine.verify(forged, "access")


@profile
@given(which=st.integers(0, 5), junk=st.text(max_size=400) | st.binary(max_size=400).map(str))
def test_arbitrary_input_stays_in_the_exception_tree(managers, which, junk):
    try:
        asyncio.run(managers[which].validate_token(junk))
    except AuthenticationError as exc:
        assert exc.status_code == 401
        assert exc.code in INVALID_CODES
    else:  # pragma: no cover - would be a forgery
        pytest.fail("arbitrary input was accepted")
