"""Role-based access control: roles with inheritance and wildcards, resolved in Rust.

Permissions are ``resource:action`` strings (``projects:tasks:read`` works too).
A role may grant ``resource:*`` (every action on ``resource`` and its sub-resources)
or ``*`` (everything except the cross-tenant permission). Matching is exact and
case-sensitive. Unknown parents and inheritance cycles raise
:class:`~netrun_auth.exceptions.ConfigurationError` naming the roles, when a role
is added or a file is loaded. Resolution is memoised per role set and the memo is
cleared whenever a role changes.

Organization scoping: the roles and permissions a token carries apply in the
user's home organization (``User.organization_id``), as do roles assigned with
``assign_role(user_id, role)``. ``assign_role(user_id, role, organization_id=...)``
grants a role in one organization only. A check with ``organization_id=`` naming
another organization than the user's home passes only through roles assigned in
that organization, or when the user's home roles grant both the permission and,
literally, :data:`CROSS_TENANT_PERMISSION` (``organizations:cross_tenant``);
neither ``*`` nor ``organizations:*`` grants it. A plain list of roles has no home
organization, so it is foreign to every organization. Whether a user may enter an
organization at all (:func:`can_access_organization`, used by
``require_organization``) follows the same rule: home, an organization where a role
was assigned, a bypass role, or the literal cross-tenant permission.

Role names the registry does not know grant nothing (tokens may carry roles of
other systems).
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Iterator, Mapping, Sequence
from pathlib import Path
from typing import Any, Protocol

from pydantic import ValidationError

from netrun_auth import _core
from netrun_auth.exceptions import ConfigurationError
from netrun_auth.types import Role

__all__ = [
    "CROSS_TENANT_PERMISSION",
    "DEFAULT_ROLES",
    "RBACManager",
    "RoleSubject",
    "can_access_organization",
]

CROSS_TENANT_PERMISSION: str = _core.CROSS_TENANT_PERMISSION
"""Lets a user's home roles act on resources of other organizations. Never wildcard-granted."""

DEFAULT_ROLES: tuple[Role, ...] = (
    Role(
        name="viewer",
        permissions=["users:read", "projects:read"],
        description="Read-only access to users and projects.",
    ),
    Role(
        name="user",
        permissions=["profile:read", "profile:update", "projects:create"],
        description="A signed-in person: own profile, and creating projects.",
        inherits=["viewer"],
    ),
    Role(
        name="admin",
        permissions=["users:*", "projects:*", "roles:*"],
        description="Manages users, projects and roles of its own organization.",
        inherits=["user"],
    ),
    Role(
        name="superadmin",
        permissions=["*", CROSS_TENANT_PERMISSION],
        description="Everything, in every organization (operators of the service).",
    ),
)
"""A starting point: ``RBACManager(DEFAULT_ROLES)``. viewer < user < admin; superadmin apart."""

_ROLE_KEYS = frozenset({"name", "permissions", "description", "inherits"})


class RoleSubject(Protocol):
    """Anything carrying roles the way :class:`~netrun_auth.types.User` does."""

    @property
    def roles(self) -> Sequence[str]:
        """The role names the subject carries (its token's ``roles``)."""
        ...


def _role(found: _core.RoleDefinition) -> Role:
    return Role(
        name=found.name,
        permissions=found.permissions,
        description=found.description,
        inherits=found.inherits,
    )


class RBACManager:
    """A registry of roles, checked in Rust.

    ``user_or_roles`` arguments take a :class:`~netrun_auth.types.User` (or
    anything with ``roles``, and optionally ``permissions``, ``user_id`` and
    ``organization_id``, such as ``TokenClaims``), a role name, or an iterable of
    role names. A user's token permissions count as granted too. The engine reads
    them directly (no copy is made here).

    Raises:
        ConfigurationError: when ``roles`` name an unknown parent, form a cycle, or hold
            a malformed name or permission.

    Example::

        from netrun_auth import RBACManager
        from netrun_auth.types import Role

        rbac = RBACManager([
            Role(name="viewer", permissions=["projects:read"]),
            Role(name="editor", permissions=["projects:write"], inherits=["viewer"]),
        ])
        rbac.has_permission(["editor"], "projects:read")      # True
        rbac.require_permission(user, "projects:write")         # AuthorizationError if not
    """

    def __init__(self, roles: Iterable[Role] | None = None) -> None:
        self._registry = _core.RoleRegistry()
        if roles is not None:
            self.add_roles(roles)

    # -- roles -----------------------------------------------------------------

    def add_role(self, role: Role) -> None:
        """Add ``role``, or replace the role of the same name. Its parents must exist.

        Raises:
            ConfigurationError: when a parent is unknown, the role would close an
                inheritance cycle, or its name or a permission is malformed (a
                permission is ``resource:action``, ``resource:*`` or ``*``).

        Example::

            rbac.add_role(Role(name="auditor", permissions=["logs:read"], inherits=["viewer"]))
        """
        self._registry.add_role(role)

    def add_roles(self, roles: Iterable[Role]) -> None:
        """Add or replace several roles at once (parents in any order); all or nothing.

        Raises:
            ConfigurationError: as :meth:`add_role` does; no role is added then.
        """
        self._registry.add_roles(list(roles))

    def get_role(self, name: str) -> Role | None:
        """The role called ``name``, or None."""
        found = self._registry.get_role(name)
        return None if found is None else _role(found)

    def remove_role(self, name: str) -> bool:
        """Remove a role and its assignments; False if absent.

        Raises:
            ConfigurationError: while other roles inherit it.
        """
        return self._registry.remove_role(name)

    @property
    def roles(self) -> list[Role]:
        """Every role, sorted by name."""
        return [_role(r) for r in self._registry.roles()]

    def __contains__(self, name: object) -> bool:
        return isinstance(name, str) and name in self._registry

    def __len__(self) -> int:
        return len(self._registry)

    # -- checks ----------------------------------------------------------------

    def get_permissions(
        self,
        user_or_roles: RoleSubject | str | Iterable[str],
        *,
        organization_id: str | None = None,
    ) -> set[str]:
        """Every permission held, through inheritance (wildcards listed as such).

        With ``organization_id`` of another organization, only what is assigned
        there is listed (cross-tenant grants are decided by :meth:`has_permission`).
        """
        return set(self._registry.subject_permissions(user_or_roles, organization_id))

    def has_role(
        self,
        user_or_roles: RoleSubject | str | Iterable[str],
        role: str,
        *,
        organization_id: str | None = None,
    ) -> bool:
        """Whether ``role`` is held directly or inherited (an admin has the roles it inherits)."""
        return role in self._registry.subject_roles(user_or_roles, organization_id)

    def has_permission(
        self,
        user_or_roles: RoleSubject | str | Iterable[str],
        permission: str,
        *,
        organization_id: str | None = None,
    ) -> bool:
        """Whether ``permission`` is granted, on a resource of ``organization_id``.

        ``organization_id=None`` means a resource of the user's home organization
        (or one that belongs to no organization).
        """
        return self._registry.check(user_or_roles, permission, organization_id)

    def require_permission(
        self,
        user_or_roles: RoleSubject | str | Iterable[str],
        permission: str,
        *,
        organization_id: str | None = None,
    ) -> None:
        """Like :meth:`has_permission`, raising when denied.

        Raises:
            AuthorizationError: when ``permission`` is not granted (403,
                ``code="forbidden"``).

        Example::

            rbac.require_permission(user, "invoices:approve", organization_id="acme")
        """
        self._registry.authorize(user_or_roles, permission, organization_id)

    def has_permissions(
        self,
        user_or_roles: RoleSubject | str | Iterable[str],
        permissions: Iterable[str],
        *,
        require_all: bool = True,
        organization_id: str | None = None,
    ) -> bool:
        """Whether all (or, with ``require_all=False``, any) of ``permissions`` are granted."""
        if isinstance(user_or_roles, Iterator):
            user_or_roles = list(user_or_roles)  # role names, read once for every check
        results = (self._registry.check(user_or_roles, p, organization_id) for p in permissions)
        return all(results) if require_all else any(results)

    def can_access_organization(
        self, user: RoleSubject, organization_id: str, *, bypass_roles: Iterable[str] = ()
    ) -> bool:
        """Whether ``user`` may enter ``organization_id`` (see :func:`can_access_organization`)."""
        return self._registry.can_access_organization(user, organization_id, list(bypass_roles))

    # -- assignments -----------------------------------------------------------

    def assign_role(self, user_id: str, role: str, *, organization_id: str | None = None) -> None:
        """Give a user a registered role, in ``organization_id`` or (None) at home.

        Assignments live in this manager (this process), besides the roles a token carries.

        Raises:
            ConfigurationError: when ``role`` is not registered.

        Example::

            rbac.assign_role("u-1", "editor", organization_id="globex")
            rbac.has_permission(user, "projects:write", organization_id="globex")   # True
        """
        self._registry.assign_role(user_id, role, organization_id)

    def unassign_role(self, user_id: str, role: str, *, organization_id: str | None = None) -> bool:
        """Take an assignment back; False if there was none."""
        return self._registry.unassign_role(user_id, role, organization_id)

    def get_assigned_roles(self, user_id: str, *, organization_id: str | None = None) -> list[str]:
        """The roles assigned to a user in ``organization_id`` or (None) at home."""
        return self._registry.assigned_roles(user_id, organization_id)

    # -- loading ---------------------------------------------------------------

    def load_dict(self, data: Mapping[str, Any]) -> None:
        """Add the roles of ``{"roles": {name: {permissions, description, inherits}}}``.

        ``"roles"`` may also be a list of ``{"name": ..., ...}`` tables. All or nothing.

        Raises:
            ConfigurationError: when ``data`` has no ``"roles"``, a role has an unknown
                field or an invalid value, or the roles fail :meth:`add_roles`.

        Example::

            rbac.load_dict({
                "roles": {
                    "viewer": {"permissions": ["projects:read"]},
                    "editor": {"permissions": ["projects:write"], "inherits": ["viewer"]},
                }
            })
        """
        self.add_roles(_roles_from_data(data))

    def load_file(self, path: str | Path) -> None:
        """Add the roles of a JSON, TOML or YAML file, by suffix (as :meth:`load_dict`).

        YAML needs PyYAML installed; TOML on Python 3.10 needs ``tomli``.

        Raises:
            ConfigurationError: when the file cannot be read or parsed, has an unknown
                suffix, its parser is not installed, or its roles fail :meth:`load_dict`.

        Example::

            rbac.load_file("roles.yaml")
        """
        self.load_dict(_read_file(Path(path)))

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RBACManager:
        """A manager with the roles of ``data`` (see :meth:`load_dict`).

        Raises:
            ConfigurationError: as :meth:`load_dict` does.
        """
        manager = cls()
        manager.load_dict(data)
        return manager

    @classmethod
    def from_file(cls, path: str | Path) -> RBACManager:
        """A manager with the roles of a file (see :meth:`load_file`).

        Raises:
            ConfigurationError: as :meth:`load_file` does.

        Example::

            rbac = RBACManager.from_file("roles.toml")
        """
        manager = cls()
        manager.load_file(path)
        return manager

    def to_dict(self) -> dict[str, Any]:
        """The roles in the shape :meth:`load_dict` reads."""
        return {
            "roles": {r.name: r.model_dump(exclude={"name"}, exclude_none=True) for r in self.roles}
        }

    def __repr__(self) -> str:
        return f"RBACManager(roles={self._registry.role_names()!r})"


_NO_ROLES = RBACManager()


def can_access_organization(
    user: RoleSubject,
    organization_id: str,
    rbac_manager: RBACManager | None = None,
    *,
    bypass_roles: Iterable[str] = (),
) -> bool:
    """Whether ``user`` may act in ``organization_id`` at all (multi-tenant routes).

    Decided by the engine, the same rule as every organization-scoped check: yes
    for the user's home organization (``user.organization_id``); for an
    organization where ``rbac_manager`` assigned the user a role; when the user
    holds one of ``bypass_roles`` (carried, assigned or inherited); or when the
    token or the user's home roles hold, literally, :data:`CROSS_TENANT_PERMISSION`
    (``*`` and ``organizations:*`` never grant it). Without ``rbac_manager`` only
    what the token carries counts. Raises nothing: a refusal is ``False``.

    Example::

        if not can_access_organization(user, org_id, rbac, bypass_roles=["superadmin"]):
            raise AuthorizationError("Not a member of this organization")
    """
    manager = rbac_manager if rbac_manager is not None else _NO_ROLES
    return manager.can_access_organization(user, organization_id, bypass_roles=bypass_roles)


def _roles_from_data(data: Mapping[str, Any]) -> list[Role]:
    if not isinstance(data, Mapping) or "roles" not in data:
        raise ConfigurationError("roles: expected a mapping with a 'roles' key")
    raw = data["roles"]
    entries: list[tuple[str | None, Any]]
    if isinstance(raw, Mapping):
        entries = list(raw.items())
    elif isinstance(raw, list):
        entries = [(None, item) for item in raw]
    else:
        raise ConfigurationError("roles: expected a mapping of name to role, or a list of roles")
    roles: list[Role] = []
    for key, body in entries:
        label = key if key is not None else (body.get("name") if isinstance(body, Mapping) else "?")
        if not isinstance(body, Mapping):
            raise ConfigurationError(f"role {label!r}: expected a table of fields")
        unknown = set(body) - _ROLE_KEYS
        if unknown:
            raise ConfigurationError(f"role {label!r}: unknown field(s) {sorted(unknown)}")
        fields = dict(body)
        if key is not None:
            if "name" in fields and fields["name"] != key:
                raise ConfigurationError(f"role {key!r}: 'name' differs from its key")
            fields["name"] = key
        try:
            roles.append(Role(**fields))
        except ValidationError as e:
            raise ConfigurationError(f"role {label!r}: {e.errors()[0]['msg']}") from e
    return roles


def _read_file(path: Path) -> Any:
    suffix = path.suffix.lower()
    try:
        text = path.read_text(encoding="utf-8")
    except OSError as e:
        raise ConfigurationError(f"roles file {str(path)!r}: {e.strerror}") from e
    try:
        if suffix == ".json":
            return json.loads(text)
        if suffix == ".toml":
            try:
                import tomllib
            except ModuleNotFoundError:  # Python 3.10
                try:
                    import tomli as tomllib  # type: ignore[no-redef, import-not-found]
                except ModuleNotFoundError as e:
                    raise ConfigurationError(
                        "roles file: reading TOML on Python 3.10 needs 'tomli' installed"
                    ) from e
            return tomllib.loads(text)
        if suffix in (".yaml", ".yml"):
            try:
                import yaml  # type: ignore[import-untyped]
            except ModuleNotFoundError as e:
                raise ConfigurationError(
                    "roles file: reading YAML needs PyYAML installed (pip install pyyaml)"
                ) from e
            return yaml.safe_load(text)
    except ConfigurationError:
        raise
    except Exception as e:  # each parser has its own error type
        raise ConfigurationError(f"roles file {str(path)!r}: cannot be parsed ({e})") from e
    raise ConfigurationError(
        f"roles file {str(path)!r}: unknown format; use .json, .toml, .yaml or .yml"
    )
