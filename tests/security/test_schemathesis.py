"""schemathesis against the demo app's OpenAPI, served by real uvicorn: whatever request
it generates, with or without a valid bearer token, the answer is never a 5xx.

Bounded and reproducible: a fixed ``max_examples`` per operation, generation mode and
authentication, derandomized, no example database, every request bounded by a client
timeout. Positive cases are valid for the schema; negative ones break it (wrong types,
missing fields, missing credentials).

The strategy API (``operation.as_strategy()`` under ``@given``) is used rather than
``schemathesis.pytest.from_fixture``: the latter (schemathesis 4.32) sets
``request.node._nodeid``, which pytest 9 no longer has.
"""

from __future__ import annotations

from collections.abc import Callable, Iterator

import httpx
import pytest
import schemathesis
import schemathesis.specs.openapi.schemas  # imported at collection: see below
from hypothesis import HealthCheck, given, settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error

from ..http.support import HERE, Server, base_env, start_server, uvicorn_args
from .conftest import BOUND_SECONDS

# schemathesis imports its OpenAPI loader lazily, at the first ``from_url``: in the middle
# of a test, where pytest compiles (rewrites) the module while the garbage collector may run
# finalizers. A finalizer that fails then (a ResourceWarning made an error) leaves CPython
# 3.11.7's AST builder with "SystemError: AST constructor recursion depth mismatch"
# (python/cpython#106905, fixed in 3.11.8). Imported above, it is compiled at collection.

pytestmark = pytest.mark.parametrize("test_app_server", ["demo_app"], indirect=True)

# Thousands of generated logins from one IP would lock the demo user out (the login guard
# works): the demo app under fuzzing gets limits it never reaches.
UNREACHED_LOGIN_LIMITS = {
    "NETRUN_AUTH_LOGIN_MAX_FAILURES_PER_USERNAME": "1000000",
    "NETRUN_AUTH_LOGIN_MAX_FAILURES_PER_IP": "1000000",
}


@pytest.fixture(scope="module")
def test_app_server(request, key_files, tmp_path_factory) -> Iterator[Server]:
    """The demo app as ``tests/conftest.py`` serves it, with unreached login limits."""
    log = tmp_path_factory.mktemp("app") / f"{request.param}.log"
    server = start_server(
        uvicorn_args(f"apps:{request.param}", factory=True),
        cwd=HERE,
        env=base_env(**key_files.env(), **UNREACHED_LOGIN_LIMITS),
        log=log,
    )
    yield server
    server.stop()


MAX_EXAMPLES = 50
"""Examples per operation, generation mode and authentication (fixed: the run is bounded)."""

USER = {"email": "demo@example.com", "password": "password"}

# Every operation of the demo app: a route added to it shows up here as a failure until
# it is listed (and so fuzzed knowingly).
DEMO_OPERATIONS = {
    "GET /health",
    "POST /auth/login",
    "POST /auth/refresh",
    "POST /auth/logout",
    "GET /me",
    "GET /admin",
    "DELETE /users/{user_id}",
    "GET /organizations/{org_id}/data",
}


@pytest.fixture
def demo_openapi(test_app_server: Server) -> schemathesis.BaseSchema:
    """The demo app's schema as served at ``/openapi.json`` (requests go to that server)."""
    return schemathesis.openapi.from_url(
        f"{test_app_server.url}/openapi.json", timeout=BOUND_SECONDS
    )


@pytest.fixture
def auth_headers(auth: str, test_app_server: Server) -> Iterator[Callable[[], dict[str, str]]]:
    """Headers added to one generated request.

    ``generated``: none; schemathesis sends what it makes of the ``BearerAuth`` scheme (a
    random bearer token, or none in negative mode). ``valid-token``: a fresh access token
    of the demo user (fresh per request, since a generated ``POST /auth/logout`` revokes
    the token it carries); negative mode still drops it in some cases (missing
    credentials).
    """
    if auth == "generated":
        yield dict
        return
    with httpx.Client(base_url=test_app_server.url, timeout=BOUND_SECONDS) as client:

        def fresh() -> dict[str, str]:
            response = client.post("/auth/login", json=USER)
            response.raise_for_status()
            return {"Authorization": f"Bearer {response.json()['access_token']}"}

        yield fresh


def test_the_schema_lists_every_demo_operation(demo_openapi):
    labels = {result.ok().label for result in demo_openapi.get_all_operations()}
    assert labels == DEMO_OPERATIONS


@pytest.mark.parametrize("mode", [GenerationMode.POSITIVE, GenerationMode.NEGATIVE], ids=str)
@pytest.mark.parametrize("auth", ["generated", "valid-token"])
def test_generated_requests_never_get_a_5xx(demo_openapi, auth_headers, mode):
    headers = auth_headers
    for result in demo_openapi.get_all_operations():
        operation = result.ok()
        has_inputs = (
            any(operation.iter_parameters()) or operation.get_request_payload_content_types()
        )
        if mode == GenerationMode.NEGATIVE and not has_inputs:
            continue  # nothing to make invalid (e.g. GET /me): the positive run covers it

        @settings(
            max_examples=MAX_EXAMPLES,
            derandomize=True,
            database=None,
            deadline=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy(generation_mode=mode))
        def generated(case: schemathesis.Case) -> None:
            response = case.call(headers=headers(), timeout=BOUND_SECONDS)
            case.validate_response(response, checks=[not_a_server_error])

        generated()
