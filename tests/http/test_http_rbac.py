"""require_permissions with an RBACManager: role permissions and wildcards count."""

from __future__ import annotations

import pytest

from netrun_auth import RBACManager

pytestmark = pytest.mark.skipif(
    not hasattr(RBACManager, "has_permission"), reason="RBACManager.has_permission not merged yet"
)


@pytest.mark.parametrize(
    "test_app_server", ["rbac_middleware_app", "rbac_registered_app"], indirect=True
)
def test_role_permissions_through_rbac(test_app_server, token_factory):
    editor = token_factory("ed", roles=["editor"]).access_token
    viewer = token_factory("vi", roles=["viewer"]).access_token
    listed = token_factory("li", permissions=["projects:delete"]).access_token
    with test_app_server.client() as c:
        for token, status in [(editor, 200), (viewer, 403), (listed, 200)]:
            response = c.delete("/projects/p1", headers={"Authorization": f"Bearer {token}"})
            assert response.status_code == status, response.text
        assert c.delete("/projects/p1").status_code == 401


@pytest.mark.parametrize(
    "test_app_server", ["rbac_middleware_app", "rbac_registered_app"], indirect=True
)
def test_cross_tenant_access_needs_the_documented_permission(test_app_server, token_factory):
    def token(roles=(), permissions=()):
        return token_factory(
            "u", organization_id="acme", roles=list(roles), permissions=list(permissions)
        )

    cases = [
        (token(), 403),
        (token(roles=["org-admin"]), 403),  # '*' stays inside its own organization
        (token(roles=["support"]), 200),
        (token(permissions=["organizations:cross_tenant"]), 200),
    ]
    with test_app_server.client() as c:
        assert (
            c.get(
                "/orgs/acme", headers={"Authorization": f"Bearer {token().access_token}"}
            ).status_code
            == 200
        )
        for pair, status in cases:
            response = c.get(
                "/orgs/globex", headers={"Authorization": f"Bearer {pair.access_token}"}
            )
            assert response.status_code == status, response.text


@pytest.mark.parametrize(
    "test_app_server", ["rbac_middleware_app", "rbac_registered_app"], indirect=True
)
def test_wildcards_never_grant_cross_tenant_over_http(test_app_server, token_factory):
    # Issue 10, defect 2: `*` and `organizations:*` granted organizations:cross_tenant
    # through require_permissions.
    def status(path, **claims):
        token = token_factory("u", organization_id="acme", **claims).access_token
        with test_app_server.client() as c:
            return c.get(path, headers={"Authorization": f"Bearer {token}"}).status_code

    for claims in (
        {"roles": ["org-admin"]},
        {"roles": ["org-wild"]},
        {"permissions": ["*"]},
        {"permissions": ["organizations:*"]},
    ):
        assert status("/cross-tenant", **claims) == 403, claims
        assert status("/orgs/globex", **claims) == 403, claims
    assert status("/cross-tenant", roles=["support"]) == 200
    assert status("/cross-tenant", permissions=["organizations:cross_tenant"]) == 200


@pytest.mark.parametrize(
    "test_app_server", ["rbac_middleware_app", "rbac_registered_app"], indirect=True
)
def test_require_organization_honours_roles_assigned_in_that_organization(
    test_app_server, token_factory
):
    # Issue 10, defect 2: the engine let a role assigned in globex act there, while
    # require_organization refused the same user at globex's door.
    guest = token_factory("guest", organization_id="acme").access_token
    stranger = token_factory("stranger", organization_id="acme").access_token
    with test_app_server.client() as c:

        def get(path, token):
            return c.get(path, headers={"Authorization": f"Bearer {token}"}).status_code

        assert get("/orgs/acme", guest) == 200
        assert get("/orgs/globex", guest) == 200
        assert get("/orgs/initech", guest) == 403
        assert get("/orgs/globex", stranger) == 403
