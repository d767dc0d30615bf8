"""Defect 8 of issue 10 (model level): a ``User`` is deeply immutable, so one instance
can be shared by every request of a token; it still dumps to plain JSON lists/dicts."""

from __future__ import annotations

import json

import pytest

from netrun_auth.types import User, scopes_of


def make() -> User:
    return User(
        user_id="u",
        roles=["user"],
        permissions=["a:read"],
        scopes=["s1"],
        extra={"groups": ["staff"], "profile": {"tags": ["x"]}},
    )


def test_list_fields_are_tuples_and_cannot_be_edited():
    user = make()
    assert user.roles == ("user",) and user.permissions == ("a:read",)
    assert user.scopes == ("s1",)
    for edit in (
        lambda: user.roles.append("admin"),  # type: ignore[attr-defined]
        lambda: user.permissions.append("*"),  # type: ignore[attr-defined]
        lambda: setattr(user, "roles", ("admin",)),
    ):
        with pytest.raises((AttributeError, TypeError, ValueError)):
            edit()


def test_extra_is_read_only_all_the_way_down():
    user = make()
    with pytest.raises(TypeError):
        user.extra["tier"] = "gold"  # type: ignore[index]
    with pytest.raises(AttributeError):
        user.extra["groups"].append("admins")
    with pytest.raises(TypeError):
        user.extra["profile"]["tags"] = []
    assert user.extra["profile"]["tags"] == ("x",)


def test_the_input_is_copied_not_shared():
    groups = ["staff"]
    user = User(user_id="u", extra={"groups": groups})
    groups.append("admins")
    assert user.extra["groups"] == ("staff",)


def test_dumps_as_plain_json_and_dicts():
    user = make()
    assert json.loads(user.model_dump_json())["roles"] == ["user"]
    dumped = user.model_dump()
    assert dumped["extra"] == {"groups": ["staff"], "profile": {"tags": ["x"]}}
    dumped["extra"]["groups"].append("admins")  # a copy: the user is unchanged
    assert user.extra["groups"] == ("staff",)
    assert User.model_validate(user.model_dump()) == user


def test_seed_style_reads_still_work():
    user = make()
    assert "user" in user.roles and user.has_role("user") and user.has_any_role("x", "user")
    assert list(user.permissions) == ["a:read"]
    assert user.extra.get("missing") is None


@pytest.mark.parametrize(
    ("claim", "scopes"),
    [
        ("a b  c", ("a", "b", "c")),
        (["a", "b"], ("a", "b")),
        (None, ()),
        (42, ()),
        (["a", 3, ""], ("a",)),
    ],
)
def test_scopes_of(claim, scopes):
    assert scopes_of(claim) == scopes
