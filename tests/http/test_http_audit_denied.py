"""``access_denied`` over real HTTP: one record per refused request, whether the
middleware or the app's own exception handler answers a dependency's error."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from .support import HERE, Keys, base_env, start_server, uvicorn_args


@pytest.mark.parametrize("factory", ["without_handler", "with_handler"])
def test_each_denial_recorded_once(factory, key_files: Keys, token_factory, tmp_path: Path):
    audit_log = tmp_path / "audit.jsonl"
    server = start_server(
        uvicorn_args(f"audit_apps:{factory}", factory=True),
        cwd=HERE,
        env=base_env(**key_files.env(), AUDIT_LOG=str(audit_log)),
        log=tmp_path / "uvicorn.log",
    )
    token = token_factory("u-7", organization_id="org-1", roles=["user"]).access_token
    try:
        with server.client() as client:
            anonymous = client.get("/me")
            forbidden = client.get("/admin", headers={"Authorization": f"Bearer {token}"})
            bad = client.get("/me", headers={"Authorization": "Bearer not.a.token"})
            assert client.get("/me", headers={"Authorization": f"Bearer {token}"}).is_success
    finally:
        server.stop()
    assert (anonymous.status_code, forbidden.status_code, bad.status_code) == (401, 403, 401)
    if factory == "with_handler":  # the dependencies' errors went to the app's handler
        assert anonymous.headers["X-App"] == forbidden.headers["X-App"] == "1"
    events = [json.loads(line) for line in audit_log.read_text().splitlines()]
    denials = [e for e in events if e["event"] == "access_denied"]
    assert [(e["path"], e["status_code"], e["error_code"]) for e in denials] == [
        ("/me", 401, "not_authenticated"),
        ("/admin", 403, "insufficient_role"),
        ("/me", 401, denials[2]["error_code"]),
    ]
    assert denials[2]["error_code"].startswith("token_")
    assert all(e["method"] == "GET" and e["client_ip"] == "127.0.0.1" for e in denials)
    assert denials[1]["user_id"] == "u-7" and denials[1]["organization_id"] == "org-1"
    assert "user_id" not in denials[0]
    assert token not in audit_log.read_text()
