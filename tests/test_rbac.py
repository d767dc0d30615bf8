"""RBACManager: roles, inheritance, wildcards, cycles, organizations, loading."""

from __future__ import annotations

import json
from datetime import datetime, timezone
from pathlib import Path

import pytest

from netrun_auth.exceptions import AuthorizationError, ConfigurationError
from netrun_auth.rbac import (
    CROSS_TENANT_PERMISSION,
    DEFAULT_ROLES,
    RBACManager,
    can_access_organization,
)
from netrun_auth.types import Role, TokenClaims, User


@pytest.fixture
def rbac() -> RBACManager:
    manager = RBACManager()
    manager.add_role(Role(name="viewer", permissions=["projects:read", "users:read"]))
    manager.add_role(Role(name="editor", permissions=["projects:update"], inherits=["viewer"]))
    manager.add_role(Role(name="admin", permissions=["users:*"], inherits=["editor"]))
    manager.add_role(Role(name="root", permissions=["*"]))
    return manager


def test_seed_usage_round_trips_the_role() -> None:
    rbac = RBACManager()
    role = Role(
        name="project_manager",
        permissions=["projects:read", "projects:create", "teams:manage"],
        description="Project management role",
    )
    rbac.add_role(role)
    assert rbac.get_role("project_manager") == role
    assert rbac.get_role("nope") is None
    assert "project_manager" in rbac and len(rbac) == 1
    assert rbac.has_permission(["project_manager"], "teams:manage")
    assert not rbac.has_permission(["project_manager"], "teams:delete")


def test_inheritance_resolves_transitively(rbac: RBACManager) -> None:
    assert rbac.get_permissions(["editor"]) == {"projects:read", "projects:update", "users:read"}
    assert rbac.has_permission("admin", "projects:read")
    assert rbac.has_permission(["admin"], "projects:update")
    assert not rbac.has_permission(["viewer"], "projects:update")
    assert rbac.has_role(["admin"], "viewer")
    assert not rbac.has_role(["viewer"], "admin")


def test_wildcards(rbac: RBACManager) -> None:
    assert rbac.has_permission(["admin"], "users:delete")
    assert rbac.has_permission(["admin"], "users:sessions:revoke")
    assert rbac.has_permission(["admin"], "users:*")
    assert not rbac.has_permission(["admin"], "usersx:delete")
    assert not rbac.has_permission(["editor"], "users:*")
    assert rbac.has_permission(["root"], "billing:refund")
    assert rbac.has_permission(["root"], "*")
    assert not rbac.has_permission([], "projects:read")
    assert not rbac.has_permission(["unknown-role"], "projects:read")
    assert rbac.has_permissions(["editor"], ["projects:read", "projects:update"])
    assert not rbac.has_permissions(["editor"], ["projects:read", "projects:delete"])
    assert rbac.has_permissions(["editor"], ["x:y", "projects:read"], require_all=False)


def test_cycles_and_unknown_parents_are_configuration_errors(rbac: RBACManager) -> None:
    with pytest.raises(ConfigurationError, match="ghost") as info:
        rbac.add_role(Role(name="orphan", permissions=["a:b"], inherits=["ghost"]))
    assert "orphan" in info.value.message and info.value.code == "configuration_error"
    assert "orphan" not in rbac

    with pytest.raises(ConfigurationError, match="cycle") as info:
        rbac.add_role(Role(name="viewer", permissions=["projects:read"], inherits=["admin"]))
    for name in ("viewer", "editor", "admin"):
        assert name in info.value.message
    # Unchanged after the refusal.
    assert rbac.get_role("viewer") == Role(
        name="viewer", permissions=["projects:read", "users:read"]
    )

    with pytest.raises(ConfigurationError, match="self -> self"):
        rbac.add_role(Role(name="self", permissions=["a:b"], inherits=["self"]))

    with pytest.raises(ConfigurationError, match="cycle"):
        RBACManager.from_dict(
            {
                "roles": {
                    "a": {"inherits": ["b"]},
                    "b": {"inherits": ["c"]},
                    "c": {"inherits": ["a"]},
                }
            }
        )


def test_bad_permission_strings_are_refused() -> None:
    rbac = RBACManager()
    for bad in ["read", "*:read", "a:*:b", "a: b", ""]:
        with pytest.raises(ConfigurationError):
            rbac.add_role(Role(name="r", permissions=[bad]))
    assert len(rbac) == 0


def test_replacing_a_role_invalidates_the_memo(rbac: RBACManager) -> None:
    assert not rbac.has_permission(["admin"], "reports:read")
    rbac.add_role(Role(name="viewer", permissions=["projects:read", "reports:read"]))
    assert rbac.has_permission(["admin"], "reports:read")
    assert rbac.has_permission(["admin"], "users:read")  # still covered by users:*
    assert not rbac.has_permission(["editor"], "users:read")


def test_remove_role(rbac: RBACManager) -> None:
    with pytest.raises(ConfigurationError, match="editor"):
        rbac.remove_role("viewer")
    assert rbac.remove_role("admin") is True
    assert rbac.remove_role("admin") is False
    assert not rbac.has_permission(["admin"], "users:delete")
    assert [r.name for r in rbac.roles] == ["editor", "root", "viewer"]


def _user(**kwargs: object) -> User:
    fields: dict[str, object] = {"user_id": "alice", "organization_id": "org-a", "roles": []}
    fields.update(kwargs)
    return User.model_validate(fields)


def test_user_token_permissions_and_roles_count(rbac: RBACManager) -> None:
    user = _user(roles=["editor"], permissions=["reports:export"])
    assert rbac.has_permission(user, "projects:update")
    assert rbac.has_permission(user, "reports:export")
    assert not rbac.has_permission(user, "reports:delete")
    assert rbac.get_permissions(user) == {
        "projects:read",
        "projects:update",
        "users:read",
        "reports:export",
    }
    # An unregistered role the token carries still "is held" directly.
    assert rbac.has_role(_user(roles=["external"]), "external")


def test_token_claims_work_as_subjects(rbac: RBACManager) -> None:
    claims = TokenClaims(
        user_id="u1",
        organization_id="org-a",
        roles=["viewer"],
        jti="j",
        token_type="access",
        expires_at=datetime(2100, 1, 1, tzinfo=timezone.utc),
        issuer="i",
        audience="a",
    )
    assert rbac.has_permission(claims, "projects:read")
    assert not rbac.has_permission(claims, "projects:read", organization_id="org-b")


def test_cross_organization_access_is_denied(rbac: RBACManager) -> None:
    admin = _user(roles=["admin"])
    assert rbac.has_permission(admin, "users:delete")
    assert rbac.has_permission(admin, "users:delete", organization_id="org-a")
    assert not rbac.has_permission(admin, "users:delete", organization_id="org-b")
    assert not rbac.has_permission(admin, "projects:read", organization_id="org-b")
    assert rbac.get_permissions(admin, organization_id="org-b") == set()
    # Token permissions do not travel either.
    carrier = _user(permissions=["projects:read"])
    assert not rbac.has_permission(carrier, "projects:read", organization_id="org-b")
    # A plain role list has no home: foreign everywhere.
    assert not rbac.has_permission(["admin"], "users:read", organization_id="org-a")
    # `*` is not the cross-tenant permission.
    assert not rbac.has_permission(_user(roles=["root"]), "a:b", organization_id="org-b")


def test_cross_tenant_permission_and_scoped_assignments(rbac: RBACManager) -> None:
    rbac.add_role(Role(name="support", permissions=[CROSS_TENANT_PERMISSION], inherits=["viewer"]))
    support = _user(roles=["support"])
    assert rbac.has_permission(support, "projects:read", organization_id="org-b")
    assert not rbac.has_permission(support, "projects:update", organization_id="org-b")

    alice = _user(roles=["viewer"])
    rbac.assign_role("alice", "editor", organization_id="org-b")
    assert rbac.get_assigned_roles("alice", organization_id="org-b") == ["editor"]
    assert rbac.has_permission(alice, "projects:update", organization_id="org-b")
    assert not rbac.has_permission(alice, "projects:update")  # not at home
    assert not rbac.has_permission(alice, "projects:update", organization_id="org-c")
    assert rbac.has_role(alice, "editor", organization_id="org-b")
    assert not rbac.has_role(alice, "editor")

    rbac.assign_role("alice", "admin")  # at home
    assert rbac.has_permission(alice, "users:delete")
    assert not rbac.has_permission(alice, "users:delete", organization_id="org-b")
    assert rbac.unassign_role("alice", "admin") is True
    assert not rbac.has_permission(alice, "users:delete")
    with pytest.raises(ConfigurationError):
        rbac.assign_role("alice", "ghost")


def test_default_roles() -> None:
    rbac = RBACManager(DEFAULT_ROLES)
    assert {r.name for r in rbac.roles} == {"viewer", "user", "admin", "superadmin"}
    assert all(r.description for r in rbac.roles)
    assert rbac.has_permission(["user"], "projects:read")
    assert not rbac.has_permission(["user"], "users:delete")
    assert rbac.has_permission(["admin"], "users:delete")
    assert rbac.has_role(["admin"], "viewer")
    superadmin = _user(roles=["superadmin"])
    assert rbac.has_permission(superadmin, "billing:refund", organization_id="org-z")
    assert not rbac.has_permission(_user(roles=["admin"]), "users:read", organization_id="org-z")


ROLES = {
    "roles": {
        "reader": {"permissions": ["docs:read"], "description": "Reads docs"},
        "writer": {"permissions": ["docs:write"], "inherits": ["reader"]},
    }
}


def _check_loaded(rbac: RBACManager) -> None:
    assert rbac.has_permission(["writer"], "docs:read")
    assert rbac.get_role("reader") == Role(
        name="reader", permissions=["docs:read"], description="Reads docs"
    )


def test_load_dict_and_list_forms() -> None:
    _check_loaded(RBACManager.from_dict(ROLES))
    as_list = {
        "roles": [
            {"name": "writer", "permissions": ["docs:write"], "inherits": ["reader"]},
            {"name": "reader", "permissions": ["docs:read"], "description": "Reads docs"},
        ]
    }
    _check_loaded(RBACManager.from_dict(as_list))
    rbac = RBACManager.from_dict(ROLES)
    assert RBACManager.from_dict(rbac.to_dict()).to_dict() == rbac.to_dict()


def test_load_json_toml_yaml(tmp_path: Path) -> None:
    (tmp_path / "roles.json").write_text(json.dumps(ROLES))
    (tmp_path / "roles.toml").write_text(
        '[roles.reader]\npermissions = ["docs:read"]\ndescription = "Reads docs"\n\n'
        '[roles.writer]\npermissions = ["docs:write"]\ninherits = ["reader"]\n'
    )
    (tmp_path / "roles.yaml").write_text(
        "roles:\n  reader:\n    permissions: [docs:read]\n    description: Reads docs\n"
        "  writer:\n    permissions: [docs:write]\n    inherits: [reader]\n"
    )
    for name in ("roles.json", "roles.toml", "roles.yaml"):
        _check_loaded(RBACManager.from_file(tmp_path / name))


def test_bad_role_files_are_configuration_errors(tmp_path: Path) -> None:
    bad = tmp_path / "roles.json"
    bad.write_text("{not json")
    with pytest.raises(ConfigurationError, match="cannot be parsed"):
        RBACManager.from_file(bad)
    with pytest.raises(ConfigurationError, match="unknown format"):
        (tmp_path / "roles.ini").write_text("x")
        RBACManager.from_file(tmp_path / "roles.ini")
    with pytest.raises(ConfigurationError, match="inherit"):
        RBACManager.from_dict({"roles": {"a": {"inherit": ["b"]}}})
    with pytest.raises(ConfigurationError, match="'roles' key"):
        RBACManager.from_dict({"admin": {}})
    with pytest.raises(ConfigurationError):
        RBACManager.from_file(tmp_path / "missing.json")
    # A failed load changes nothing.
    rbac = RBACManager.from_dict(ROLES)
    with pytest.raises(ConfigurationError):
        rbac.load_dict({"roles": {"x": {"permissions": ["a:b"]}, "y": {"inherits": ["nope"]}}})
    assert "x" not in rbac


def test_require_permission_raises_authorization_error(rbac: RBACManager) -> None:
    rbac.require_permission(["editor"], "projects:update")
    with pytest.raises(AuthorizationError) as info:
        rbac.require_permission(["editor"], "projects:delete")
    assert info.value.status_code == 403
    assert info.value.code == "forbidden"
    assert "projects:delete" in info.value.message
    with pytest.raises(AuthorizationError):
        rbac.require_permission(_user(roles=["admin"]), "users:read", organization_id="org-b")


# Issue 10, defect 2: wildcards and the cross-tenant permission; one organization rule.


@pytest.mark.parametrize("wildcard", ["*", "organizations:*"])
def test_wildcards_never_grant_cross_tenant(rbac: RBACManager, wildcard: str) -> None:
    rbac.add_role(Role(name="wild", permissions=[wildcard]))
    assert not rbac.has_permission(["wild"], CROSS_TENANT_PERMISSION)
    assert not rbac.has_permission(_user(roles=["wild"]), CROSS_TENANT_PERMISSION)
    assert not rbac.has_permissions(["wild"], [CROSS_TENANT_PERMISSION], require_all=False)
    with pytest.raises(AuthorizationError):
        rbac.require_permission(_user(roles=["wild"]), CROSS_TENANT_PERMISSION)
    # Nor when the token itself carries the wildcard.
    assert not rbac.has_permission(_user(permissions=[wildcard]), CROSS_TENANT_PERMISSION)
    assert not can_access_organization(_user(roles=["wild"]), "org-b", rbac)
    assert not can_access_organization(_user(permissions=[wildcard]), "org-b", rbac)
    # The wildcard still covers everything else.
    assert rbac.has_permission(["wild"], "organizations:read")


def test_can_access_organization_is_one_rule(rbac: RBACManager) -> None:
    rbac.add_role(Role(name="support", permissions=[CROSS_TENANT_PERMISSION]))
    alice = _user(roles=["viewer"])
    assert can_access_organization(alice, "org-a")
    assert not can_access_organization(alice, "org-b")
    assert not can_access_organization(alice, "org-b", rbac)
    # A role assigned in org-b: the engine's checks and the organization gate agree.
    rbac.assign_role("alice", "editor", organization_id="org-b")
    assert rbac.has_permission(alice, "projects:update", organization_id="org-b")
    assert can_access_organization(alice, "org-b", rbac)
    assert not can_access_organization(alice, "org-c", rbac)
    # Bypass roles: carried, or inherited through the manager.
    assert can_access_organization(alice, "org-c", bypass_roles=["viewer"])
    assert can_access_organization(_user(roles=["admin"]), "org-c", rbac, bypass_roles=["viewer"])
    assert not can_access_organization(_user(roles=["admin"]), "org-c", bypass_roles=["viewer"])
    # The literal permission: in the token, or through a role (global assignment too).
    assert can_access_organization(_user(permissions=[CROSS_TENANT_PERMISSION]), "org-z")
    assert can_access_organization(_user(roles=["support"]), "org-z", rbac)
    rbac.assign_role("bob", "support")
    assert can_access_organization(_user(user_id="bob"), "org-z", rbac)
    # No home organization: foreign everywhere.
    assert not can_access_organization(_user(organization_id=None), "org-a", rbac)
