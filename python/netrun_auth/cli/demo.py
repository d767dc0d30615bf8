"""``netrun-auth demo``: serve the tutorial app (``examples/tutorial``) with fresh keys.

There is one demo app, the tutorial example itself: this command generates an RSA
key pair into a temporary directory, points the ``NETRUN_AUTH_*`` settings at it
(issuer and audience ``netrun-auth-demo``; an empty ``NETRUN_AUTH_REDIS_URL``, which
the tutorial reads as "the embedded in-memory store", unless ``--redis URL``), and
serves ``main:app`` of the tutorial directory with uvicorn on 127.0.0.1:8000. It
prints curl lines that try every flow: login, ``/me``, admin-only and permission
routes, a multi-tenant route, refresh and logout.

The tutorial directory is ``examples/tutorial`` of the source checkout this package
runs from (what ``scripts/demo`` does), or ``--app-dir DIR`` (a copy of it).
Other ``NETRUN_AUTH_*`` variables and any ``.env`` are ignored, so the curl lines work.
"""

from __future__ import annotations

import argparse
import os
import shlex
import sys
import tempfile
from pathlib import Path

from .. import _core
from .command import Command
from .keys import write_private

__all__ = ["COMMANDS", "DEMO_AUDIENCE", "DEMO_ISSUER", "curl_lines", "demo_environment"]

DEMO_ISSUER = "netrun-auth-demo"
DEMO_AUDIENCE = "netrun-auth-demo"


def tutorial_dir() -> Path | None:
    """``examples/tutorial`` of the source checkout this package runs from, if there is one."""
    candidate = Path(__file__).resolve().parents[3] / "examples" / "tutorial"
    return candidate if (candidate / "main.py").is_file() else None


def demo_environment(key_dir: Path, *, redis_url: str | None = None) -> dict[str, str]:
    """The ``NETRUN_AUTH_*`` settings of the demo, with a fresh RSA key pair in ``key_dir``."""
    private_pem, public_pem = _core.generate_key("rsa2048")
    private_path = key_dir / "private_key.pem"
    public_path = key_dir / "public_key.pem"
    write_private(private_path, private_pem)
    public_path.write_bytes(public_pem)
    return {
        "NETRUN_AUTH_JWT_ISSUER": DEMO_ISSUER,
        "NETRUN_AUTH_JWT_AUDIENCE": DEMO_AUDIENCE,
        "NETRUN_AUTH_JWT_PRIVATE_KEY_PATH": str(private_path),
        "NETRUN_AUTH_JWT_PUBLIC_KEY_PATH": str(public_path),
        "NETRUN_AUTH_REDIS_URL": redis_url or "",
    }


def curl_lines(base: str) -> str:
    """Shell lines that try every flow of the tutorial app served at ``base``."""
    login = shlex.quote('{"email":"demo@example.com","password":"password"}')
    admin_login = shlex.quote('{"email":"admin@example.com","password":"admin"}')
    grab = "python3 -c 'import json,sys; print(json.load(sys.stdin)[sys.argv[1]])'"
    json_header = "-H 'Content-Type: application/json'"
    return "\n".join(
        [
            "# Log in as a plain user (demo@example.com / password) and keep both tokens:",
            f"LOGIN=$(curl -s -X POST {base}/auth/login {json_header} -d {login})",
            f'TOKEN=$(echo "$LOGIN" | {grab} access_token)',
            f'REFRESH=$(echo "$LOGIN" | {grab} refresh_token)',
            "",
            "# Who am I?",
            f'curl -s {base}/me -H "Authorization: Bearer $TOKEN"',
            "# Admin only: 403 for this user",
            f'curl -s {base}/admin -H "Authorization: Bearer $TOKEN"',
            "# Needs users:delete: 403 for this user",
            f'curl -s -X DELETE {base}/users/42 -H "Authorization: Bearer $TOKEN"',
            "# Own organization: 200; another one: 403",
            f'curl -s {base}/organizations/org456/data -H "Authorization: Bearer $TOKEN"',
            f'curl -s {base}/organizations/org789/data -H "Authorization: Bearer $TOKEN"',
            "",
            "# Refresh (rotates the refresh token; using the old one again is rejected)",
            f"curl -s -X POST {base}/auth/refresh {json_header} "
            + '-d "{\\"refresh_token\\":\\"$REFRESH\\"}"',
            "",
            "# Log out, then the same access token is rejected",
            f'curl -s -X POST {base}/auth/logout -H "Authorization: Bearer $TOKEN"',
            f'curl -s {base}/me -H "Authorization: Bearer $TOKEN"',
            "",
            "# An admin (admin@example.com / admin):",
            f"ADMIN=$(curl -s -X POST {base}/auth/login {json_header} -d {admin_login}"
            f" | {grab} access_token)",
            f'curl -s {base}/admin -H "Authorization: Bearer $ADMIN"',
            f'curl -s -X DELETE {base}/users/42 -H "Authorization: Bearer $ADMIN"',
            "",
            f"# Interactive docs (use Authorize with an access token): {base}/docs",
        ]
    )


def _arguments(parser: argparse.ArgumentParser) -> None:
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default %(default)s)")
    parser.add_argument("--port", type=int, default=8000, help="port (default %(default)s)")
    parser.add_argument(
        "--redis", metavar="URL", default=None, help="use this Redis for revocation"
    )
    parser.add_argument(
        "--app-dir",
        type=Path,
        default=None,
        help="the tutorial app's directory (default: examples/tutorial of this checkout)",
    )
    parser.add_argument(
        "--log-level",
        default="info",
        choices=["critical", "error", "warning", "info", "debug"],
        help="uvicorn log level (default %(default)s)",
    )


def run_demo(args: argparse.Namespace) -> int:
    """Serve the tutorial app until interrupted (the ``demo`` sub-command)."""
    try:
        import uvicorn
    except ImportError:  # pragma: no cover - depends on the installation
        print(
            "netrun-auth demo needs the fastapi extra: pip install 'netrun-auth[fastapi]'",
            file=sys.stderr,
        )
        return 1
    app_dir = args.app_dir or tutorial_dir()
    if app_dir is None or not (app_dir / "main.py").is_file():
        print(
            "netrun-auth demo serves examples/tutorial of a netrun-auth source checkout; "
            "pass --app-dir DIR (a copy of that directory)",
            file=sys.stderr,
        )
        return 2
    started_in = Path.cwd()
    with tempfile.TemporaryDirectory(prefix="netrun-auth-demo-") as key_dir:
        for name in [name for name in os.environ if name.startswith("NETRUN_AUTH_")]:
            del os.environ[name]
        os.environ.update(demo_environment(Path(key_dir), redis_url=args.redis))
        os.chdir(key_dir)  # no .env of the directory the command was started in
        try:
            base = f"http://{args.host}:{args.port}"
            store = f"Redis at {args.redis}" if args.redis else "the in-memory store"
            print(f"netrun-auth demo on {base} ({store}; keys in {key_dir})")
            print(f"serving the tutorial app of {app_dir.resolve()}")
            print("Try it from another terminal:\n")
            print(curl_lines(base))
            print("\nPress Ctrl+C to stop.\n", flush=True)
            uvicorn.run(
                "main:app",
                app_dir=str(app_dir.resolve()),
                host=args.host,
                port=args.port,
                log_level=args.log_level,
            )
        finally:
            os.chdir(started_in)
    return 0


COMMANDS = (
    Command(
        "demo",
        "serve the tutorial app with fresh keys and print curl lines to try it",
        run_demo,
        _arguments,
        "Serve the netrun-auth tutorial app (examples/tutorial) on 127.0.0.1 with a freshly "
        "generated RSA key pair (in a temporary directory) and the in-memory revocation store "
        "(or --redis URL).",
    ),
)
