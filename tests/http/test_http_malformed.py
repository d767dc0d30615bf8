"""Malformed credentials are a 401, never a 500: with the middleware and without it."""

from __future__ import annotations

import pytest

from .support import raw_get

CASES = {
    "bearer-without-token": [(b"Authorization", b"Bearer")],
    "bearer-space-only": [(b"Authorization", b"Bearer ")],
    "empty": [(b"Authorization", b"")],
    "basic-scheme": [(b"Authorization", b"Basic dXNlcjpwYXNz")],
    "token-scheme": [(b"Authorization", b"Token abc")],
    "two-authorization-headers": [
        (b"Authorization", b"Bearer a.b.c"),
        (b"Authorization", b"Bearer d.e.f"),
    ],
    "huge": [(b"Authorization", b"Bearer " + b"a" * 12_000)],
    "huge-three-parts": [(b"Authorization", b"Bearer " + b"a" * 4000 + b"." + b"b" * 4000 + b".c")],
    "non-ascii": [(b"Authorization", "Bearer tökén".encode())],
    "latin1-bytes": [(b"Authorization", b"Bearer \xff\xfe\xfd")],
    "two-words": [(b"Authorization", b"Bearer a.b.c extra")],
    "garbage-token": [(b"Authorization", b"Bearer !!!")],
    "three-dots": [(b"Authorization", b"Bearer ...")],
    "not-json-segments": [(b"Authorization", b"Bearer e30.e30.e30")],
    "alg-none": [
        (
            b"Authorization",
            b"Bearer eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJ4In0.",
        )
    ],
}


@pytest.mark.parametrize("test_app_server", ["default_app", "configured_app"], indirect=True)
@pytest.mark.parametrize("case", sorted(CASES))
def test_malformed_authorization_is_401(test_app_server, case):
    status, headers, body = raw_get(test_app_server.port, "/me", CASES[case])
    assert status == 401, body
    assert headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert b"status_code" in body
    # the token never comes back in the answer
    for _, value in CASES[case]:
        token = value.partition(b" ")[2]
        if len(token) > 3:
            assert token not in body
            assert token not in headers["www-authenticate"].encode("latin-1")


@pytest.mark.parametrize("test_app_server", ["default_app"], indirect=True)
@pytest.mark.parametrize("case", ["basic-scheme", "huge", "non-ascii", "two-authorization-headers"])
def test_malformed_on_public_path_is_anonymous(test_app_server, case):
    status, _, _ = raw_get(test_app_server.port, "/health", CASES[case])
    assert status == 200
