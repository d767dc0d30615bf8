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
