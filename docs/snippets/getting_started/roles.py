"""Roles with inheritance and wildcards, resolved by the engine: ``python roles.py``."""

from netrun_auth import RBACManager
from netrun_auth.types import Role, User

rbac = RBACManager()  # empty; RBACManager(DEFAULT_ROLES) starts from viewer < user < admin
rbac.add_role(Role(name="analyst", permissions=["reports:read", "dashboards:read"]))
rbac.add_role(
    Role(
        name="report_admin",
        permissions=["reports:*"],  # any action on reports
        inherits=["analyst"],
        description="Manages reports",
    )
)

alice = User(user_id="u-1001", organization_id="acme", roles=["analyst"])
bob = User(user_id="u-1002", organization_id="acme", roles=["report_admin"])

print(rbac.has_permission(alice, "reports:read"))  # True
print(rbac.has_permission(alice, "reports:delete"))  # False
# bob's role grants reports:* and inherits what analyst grants.
print(rbac.has_permission(bob, "reports:delete"))  # True
print(rbac.has_permission(bob, "dashboards:read"))  # True
granted = sorted(rbac.get_permissions(["report_admin"]))
print(granted)  # ['dashboards:read', 'reports:*', 'reports:read']
