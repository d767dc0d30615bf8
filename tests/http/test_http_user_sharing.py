"""Defect 8 of issue 10: one ``User`` serves every request of a token, so an in-place
edit in one request must not reach the next (the edit is refused)."""

from __future__ import annotations

import pytest


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.mark.parametrize("test_app_server", ["default_app"], indirect=True)
def test_an_in_place_edit_in_one_request_does_not_reach_the_next(test_app_server, token_factory):
    token = token_factory(
        "ivy",
        roles=["user"],
        permissions=["projects:read"],
        extra_claims={"groups": ["staff"], "scp": "files.read"},
    ).access_token
    with test_app_server.client() as c:
        before = c.get("/user-fields", headers=bearer(token)).json()
        edit = c.post("/edit-user", headers=bearer(token))
        after = c.get("/user-fields", headers=bearer(token)).json()
    assert edit.status_code == 200
    assert edit.json()["refused"] == [
        "roles",
        "permissions",
        "scopes",
        "extra",
        "extra_nested",
        "field",
    ]
    assert after == before
    # Still JSON lists on the wire.
    assert before["roles"] == ["user"]
    assert before["permissions"] == ["projects:read"]
    assert before["scopes"] == ["files.read"]
    assert before["extra"] == {"groups": ["staff"], "scp": "files.read"}


@pytest.mark.parametrize("test_app_server", ["default_app"], indirect=True)
def test_retry_after_of_a_429(test_app_server):
    """Interface 5: an error with an int ``retry_after`` is answered with ``Retry-After``."""
    with test_app_server.client() as c:
        response = c.get("/too-many")
    assert response.status_code == 429
    assert response.headers["retry-after"] == "42"
    assert response.json()["error"] == "too_many_attempts"
    assert "www-authenticate" not in response.headers
