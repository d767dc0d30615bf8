"""A system binary the tests drive (redis-server, chromium...), installed when missing."""

from __future__ import annotations

import os
import shutil
import subprocess

__all__ = ["ensure_debian_package"]


def ensure_debian_package(binary: str, package: str) -> str:
    """Path of ``binary``; installs Debian's ``package`` with apt-get when missing.

    Skips the calling test, saying why, only when it cannot be installed (pytest only).
    """
    import pytest

    found = shutil.which(binary)
    if found:
        return found
    if shutil.which("apt-get") is None or os.geteuid() != 0:
        pytest.skip(f"{binary} missing and apt-get is not usable here (install {package})")
    env = {**os.environ, "DEBIAN_FRONTEND": "noninteractive"}
    install = ["apt-get", "install", "-y", "-q", "--no-install-recommends", package]
    done = subprocess.run(install, env=env, capture_output=True, text=True)
    if done.returncode != 0:
        subprocess.run(["apt-get", "update", "-q"], env=env, capture_output=True)
        done = subprocess.run(install, env=env, capture_output=True, text=True)
    found = shutil.which(binary)
    if not found:
        pytest.skip(f"apt-get could not install {package}: {done.stderr.strip()[-300:]}")
    return found
