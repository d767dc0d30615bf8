"""Text that is not Unicode (a lone UTF-16 surrogate, legal in JSON) never reaches
the engine as an encoding error: a token is malformed, a password fails, any other
argument is an ``InvalidInputError``. Regression tests for issue 10, defect 1."""

from __future__ import annotations

import json
from types import SimpleNamespace

import pytest

from netrun_auth import _core
from netrun_auth.exceptions import InvalidInputError, TokenInvalidError
from netrun_auth.jwt import JWTManager
from netrun_auth.password import PasswordManager
from netrun_auth.rbac import RBACManager, can_access_organization
from netrun_auth.types import Role, User

SURROGATE = json.loads('"\\ud800"')
FAST = SimpleNamespace(
    password_argon2_memory_kib=64,
    password_argon2_iterations=1,
    password_argon2_parallelism=1,
)


def test_the_fixture_really_is_a_lone_surrogate() -> None:
    with pytest.raises(UnicodeEncodeError):
        SURROGATE.encode()


@pytest.mark.parametrize(
    "token",
    [SURROGATE, "eyJhbGciOiJIUzI1NiJ9." + SURROGATE + ".sig", "a.b.c" + SURROGATE],
)
async def test_a_surrogate_token_is_malformed(manager: JWTManager, token: str) -> None:
    for call in (
        lambda: manager.validate_token(token),
        lambda: manager.validate_token(token, "refresh"),
        lambda: manager.refresh_token(token),
        lambda: manager.logout(token),
        lambda: manager.revoke_token(token),
    ):
        with pytest.raises(TokenInvalidError) as info:
            await call()
        assert info.value.code == "token_malformed"
        assert info.value.status_code == 401
    with pytest.raises(TokenInvalidError):
        _core.insecure_decode_unverified(token)


async def test_a_good_token_still_verifies_after_a_bad_one(manager: JWTManager) -> None:
    pair = await manager.generate_token_pair("user123")
    with pytest.raises(TokenInvalidError):
        await manager.validate_token(pair.access_token + SURROGATE)
    assert (await manager.validate_token(pair.access_token)).user_id == "user123"


def test_a_surrogate_password_fails_verification() -> None:
    pm = PasswordManager(FAST)
    stored = pm.hash_password("correct horse" + "\ue000")
    for password in (SURROGATE, "correct horse" + SURROGATE, SURROGATE * 80):
        assert pm.verify_password(password, stored) is False
        assert pm.verify_and_update(password, stored) == (False, None)
        pm.dummy_verify(password)  # the unknown-user path takes it too
    assert pm.verify_password("correct horse" + "\ue000", stored) is True


async def test_a_surrogate_password_fails_verification_async() -> None:
    pm = PasswordManager(FAST)
    stored = await pm.hash_password_async("pw")
    assert await pm.verify_password_async(SURROGATE, stored) is False
    assert await pm.verify_and_update_async(SURROGATE, stored) == (False, None)
    await pm.dummy_verify_async(SURROGATE)
    pm.close()


def test_a_surrogate_password_fails_bcrypt_verification_too() -> None:
    import bcrypt

    stored = bcrypt.hashpw(b"x" * 72, bcrypt.gensalt(4)).decode()
    pm = PasswordManager(FAST)
    assert pm.verify_password("x" * 72, stored)
    # bcrypt reads 72 bytes; the engine still refuses what is not text.
    assert pm.verify_password("x" * 72 + SURROGATE, stored) is False


def test_a_surrogate_password_cannot_be_hashed_and_fails_the_policy() -> None:
    pm = PasswordManager(FAST)
    with pytest.raises(InvalidInputError) as info:
        pm.hash_password("long enough " + SURROGATE)
    assert isinstance(info.value, ValueError)
    assert info.value.code == "invalid_input"
    assert SURROGATE not in info.value.message
    assert pm.validate_password("long enough " + SURROGATE) == ["must be valid Unicode text"]
    assert pm.validate_password("long enough") == []


async def test_other_text_arguments_are_invalid_input(manager: JWTManager) -> None:
    with pytest.raises(InvalidInputError):
        await manager.generate_token_pair("user" + SURROGATE)
    with pytest.raises(InvalidInputError):
        await manager.generate_token_pair("u", roles=["a" + SURROGATE])
    rbac = RBACManager()
    with pytest.raises(InvalidInputError):
        # (pydantic refuses it in Role(); an object built otherwise still reaches us)
        rbac.add_role(Role.model_construct(name="r" + SURROGATE, permissions=["a:b"]))
    rbac.add_role(Role(name="viewer", permissions=["a:b"]))
    user = User(user_id="u", organization_id="org-a", roles=["viewer"])
    with pytest.raises(InvalidInputError):
        rbac.has_permission(user, "a:" + SURROGATE)
    with pytest.raises(InvalidInputError):
        rbac.has_permission(user, "a:b", organization_id=SURROGATE)
    with pytest.raises(InvalidInputError):
        can_access_organization(user, SURROGATE, rbac)
    with pytest.raises(InvalidInputError):
        rbac.assign_role(SURROGATE, "viewer")


async def test_a_surrogate_user_id_in_logout_all_is_invalid_input(manager: JWTManager) -> None:
    # The store's bindings convert text at the same one place as the engine's.
    with pytest.raises(InvalidInputError):
        await manager.logout_all("user" + SURROGATE)
    with pytest.raises(InvalidInputError):
        _core.Keyspace("netrun:" + SURROGATE)
    with pytest.raises(InvalidInputError):
        _core.Keyspace().user("u" + SURROGATE)
