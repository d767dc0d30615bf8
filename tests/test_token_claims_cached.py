"""The validated ``TokenClaims`` of a token is built once, kept with the engine's
verified-token entry, immutable, and revocation is still checked on every call."""

from __future__ import annotations

import copy
import json
import pickle
from datetime import datetime, timezone

import pytest

from netrun_auth import JWTManager
from netrun_auth.exceptions import TokenRevokedError
from netrun_auth.jwt import token_claims
from netrun_auth.types import FrozenDict, FrozenList, TokenClaims


@pytest.fixture
def manager(make_config):
    return JWTManager(make_config("HS256"))


async def issue(manager: JWTManager, **extra):
    return await manager.generate_token_pair(
        "user-1", "org-1", ["user", "dev"], ["projects:read"],
        extra_claims=extra or {"profile": {"tags": ["a"], "tier": "gold"}},
    )  # fmt: skip


async def test_the_same_token_again_gets_the_same_instance(manager):
    pair = await issue(manager)
    first = await manager.validate_token(pair.access_token)
    again = await manager.validate_token(pair.access_token)
    assert again is first
    # The lazy path of the middleware (engine claims -> model) shares it too.
    assert token_claims(manager.engine.verify(pair.access_token)) is first


async def test_the_model_equals_a_validated_one(manager):
    pair = await issue(manager)
    claims = await manager.validate_token(pair.access_token)
    validated = TokenClaims.model_validate(manager.engine.verify(pair.access_token).to_dict())
    assert claims == validated
    assert claims.model_dump() == validated.model_dump()
    assert claims.model_dump_json() == validated.model_dump_json()
    assert claims.model_fields_set == validated.model_fields_set
    assert claims.expires_at.tzinfo == timezone.utc
    assert isinstance(claims.issued_at, datetime)
    assert json.loads(claims.model_dump_json())["extra"] == {
        "profile": {"tags": ["a"], "tier": "gold"}
    }


async def test_the_shared_model_cannot_be_changed(manager):
    pair = await issue(manager)
    claims = await manager.validate_token(pair.access_token)
    assert isinstance(claims.roles, FrozenList) and isinstance(claims.extra, FrozenDict)
    attempts = [
        lambda: claims.roles.append("admin"),
        lambda: claims.roles.__setitem__(0, "admin"),
        lambda: claims.roles.extend(["admin"]),
        lambda: claims.permissions.insert(0, "*:*"),
        lambda: claims.extra.__setitem__("tier", "platinum"),
        lambda: claims.extra.update(tier="platinum"),
        lambda: claims.extra["profile"]["tags"].append("b"),
        lambda: claims.extra["profile"].pop("tier"),
    ]
    for attempt in attempts:
        with pytest.raises(TypeError, match="read-only"):
            attempt()
    with pytest.raises(TypeError):
        claims.roles += ["admin"]  # type: ignore[misc]
    with pytest.raises(ValueError):  # the frozen model itself
        claims.user_id = "someone-else"  # type: ignore[misc]
    again = await manager.validate_token(pair.access_token)
    assert again.roles == ["user", "dev"] and again.permissions == ["projects:read"]
    assert again.extra == {"profile": {"tags": ["a"], "tier": "gold"}}
    # Copies are ordinary, mutable containers.
    mine = list(again.roles)
    mine.append("admin")
    assert again.roles == ["user", "dev"]


async def test_copies_and_pickles_keep_the_values(manager):
    pair = await issue(manager)
    claims = await manager.validate_token(pair.access_token)
    for clone in (
        pickle.loads(pickle.dumps(claims)),
        copy.deepcopy(claims),
        copy.copy(claims),
        claims.model_copy(deep=True),
    ):
        assert clone == claims
        assert clone.extra["profile"]["tags"] == ["a"]
    fields = set(claims.model_fields_set)
    changed = claims.model_copy(update={"roles": ["x"], "custom": 1})
    assert changed.roles == ["x"] and "custom" in changed.model_fields_set
    other = await manager.validate_token((await issue(manager)).access_token)
    assert claims.model_fields_set == fields == other.model_fields_set


async def test_revocation_is_checked_on_every_call_of_a_cached_token(manager):
    pair = await issue(manager)
    assert (await manager.validate_token(pair.access_token)).user_id == "user-1"
    await manager.logout(pair.access_token)
    with pytest.raises(TokenRevokedError):
        await manager.validate_token(pair.access_token)


async def test_tokens_of_the_same_claims_shape_get_their_own_model(manager):
    one, two = await issue(manager), await issue(manager)
    first = await manager.validate_token(one.access_token)
    second = await manager.validate_token(two.access_token)
    assert first is not second and first.jti != second.jti
    refresh = await manager.validate_token(one.refresh_token, "refresh")
    assert refresh.token_type == "refresh" and refresh is not first


async def test_without_a_cache_every_call_builds_a_correct_model(make_config):
    manager = JWTManager(make_config("HS256", token_cache_size=0))
    pair = await issue(manager)
    first = await manager.validate_token(pair.access_token)
    again = await manager.validate_token(pair.access_token)
    assert first == again and first.roles == ["user", "dev"]


async def test_tokens_with_the_same_roles_share_one_read_only_list(manager):
    one, two = await issue(manager), await issue(manager)
    first = await manager.validate_token(one.access_token)
    second = await manager.validate_token(two.access_token)
    assert first.roles is second.roles and first.permissions is second.permissions
    with pytest.raises(TypeError):
        second.roles.append("admin")
    assert first.roles == ["user", "dev"]
    other = await manager.generate_token_pair("user-2", roles=["admin"])
    assert (await manager.validate_token(other.access_token)).roles == ["admin"]


def test_shared_lists_are_bounded_and_keep_their_content():
    from netrun_auth import _core

    lists = _core.SharedLists(FrozenList, 2)
    a = lists.get(["a"])
    assert lists.get(["a"]) is a and type(a) is FrozenList and a == ["a"]
    lists.get(["b"])
    assert len(lists) == 2
    lists.get(["c"])  # full: starts over
    assert len(lists) == 1
    assert lists.get(["a"]) == ["a"] and lists.get(["a"]) is not a


async def test_the_request_user_is_kept_with_the_claims_next_to_the_model(manager):
    from netrun_auth.context import AuthContext, AuthSettings
    from netrun_auth.types import User

    settings = AuthSettings(manager)

    def now(token):
        return AuthContext.now(settings, [(b"authorization", b"Bearer " + token.encode())])

    def user_of(token):
        ctx = now(token)
        assert isinstance(ctx, AuthContext) and ctx.token == token
        assert ctx.scopes[0] == "authenticated"
        return ctx.user

    pair = await issue(manager)
    user = user_of(pair.access_token)
    assert user_of(pair.access_token) is user
    assert user == User.from_claims(manager.engine.verify(pair.access_token))
    model = await manager.validate_token(pair.access_token)
    assert token_claims(manager.engine.verify(pair.access_token)) is model
    assert user_of(pair.access_token) is user
    other = await issue(manager)
    assert user_of(other.access_token) is not user
    await manager.logout(pair.access_token)
    with pytest.raises(TokenRevokedError):
        now(pair.access_token)
    with pytest.raises(TokenRevokedError):
        await manager.verify(pair.access_token)
