"""Role-based access control (being completed in the RBAC work)."""

from __future__ import annotations

from .types import Role


class RBACManager:
    def __init__(self) -> None:
        self._roles: dict[str, Role] = {}

    def add_role(self, role: Role) -> None:
        self._roles[role.name] = role
