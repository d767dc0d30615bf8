"""Defect 7 of issue 10: a role, permission or scope check with nothing to require
would admit every user; it is refused when the dependency is declared."""

from __future__ import annotations

import pytest

from netrun_auth.dependencies import require_permissions, require_roles, require_scopes
from netrun_auth.exceptions import ConfigurationError


@pytest.mark.parametrize("dependency", [require_roles, require_permissions, require_scopes])
def test_nothing_to_require_is_refused(dependency):
    with pytest.raises(ConfigurationError, match="at least one"):
        dependency()
    with pytest.raises(ConfigurationError, match="non-empty string"):
        dependency("")
    with pytest.raises(ConfigurationError, match="non-empty string"):
        dependency("ok", None)  # type: ignore[arg-type]


@pytest.mark.parametrize("dependency", [require_roles, require_permissions, require_scopes])
def test_something_to_require_is_a_dependency(dependency):
    assert repr(dependency("a", "b")) == f"<netrun_auth dependency {dependency.__name__}(a, b)>"


def test_refused_when_the_route_is_declared():
    from fastapi import Depends, FastAPI

    app = FastAPI()
    with pytest.raises(ConfigurationError):

        @app.get("/admin")
        async def admin(user=Depends(require_roles())):  # noqa: B008
            return {}
