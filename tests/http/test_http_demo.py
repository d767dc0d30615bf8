"""``netrun-auth demo`` (the installed console script): serves the tutorial app and prints
curl lines that work."""

from __future__ import annotations

import shutil
import subprocess

import pytest

from .support import EXAMPLES, base_env, console_script, start_server


@pytest.fixture(scope="module")
def demo(tmp_path_factory):
    log = tmp_path_factory.mktemp("demo") / "demo.log"
    args = [console_script(), "demo", "--log-level", "warning"]
    server = start_server(args, cwd=log.parent, env=base_env(), log=log)
    yield server
    server.stop()


def test_demo_prints_curl_lines_that_work(demo):
    output = demo.output()
    assert f"netrun-auth demo on http://127.0.0.1:{demo.port}" in output
    assert f"serving the tutorial app of {EXAMPLES / 'tutorial'}" in output
    lines = output.split("Try it from another terminal:", 1)[1].split("Press Ctrl+C")[0]
    assert "curl" in lines
    if shutil.which("curl") is None:
        pytest.skip("curl is not installed; the lines were printed")
    script = "set -e\n" + lines
    done = subprocess.run(["bash", "-c", script], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    out = done.stdout
    assert '"user_id":"user123"' in out
    assert '"error":"insufficient_role"' in out
    assert '"error":"insufficient_permissions"' in out
    assert '"org_id":"org456"' in out and '"error":"organization_forbidden"' in out
    assert '"error":"token_revoked"' in out  # /me after logout
    assert "Admin access for admin1" in out and "Deleted user 42" in out


def test_demo_port_option_and_help():
    done = subprocess.run(
        [console_script(), "demo", "--help"],
        capture_output=True,
        text=True,
        env=base_env(),
    )
    assert done.returncode == 0
    assert "--port" in done.stdout and "--redis" in done.stdout


def test_demo_with_redis(redis_url, tmp_path):
    log = tmp_path / "demo.log"
    args = [console_script(), "demo", "--redis", redis_url, "--log-level", "warning"]
    server = start_server(args, cwd=tmp_path, env=base_env(), log=log)
    try:
        assert f"Redis at {redis_url}" in server.output()
        with server.client() as c:
            pair = c.post("/auth/login", json={"email": "demo@example.com", "password": "password"})
            headers = {"Authorization": f"Bearer {pair.json()['access_token']}"}
            assert c.get("/me", headers=headers).status_code == 200
            assert c.post("/auth/logout", headers=headers).status_code == 200
            assert c.get("/me", headers=headers).status_code == 401
    finally:
        server.stop()
