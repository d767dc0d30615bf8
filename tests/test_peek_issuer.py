"""``_core.peek_issuer``: the unverified ``iss``, only to choose a verifier; never raises."""

from __future__ import annotations

import asyncio

from netrun_auth import _core


def test_reads_the_issuer_of_a_token(manager):
    pair = asyncio.run(manager.generate_token_pair("u"))
    assert _core.peek_issuer(pair.access_token) == "test-issuer"
    assert _core.peek_issuer(pair.access_token, 512) is None or len(pair.access_token) <= 512


def test_none_for_what_is_not_a_token():
    for value in ("", "a.b", "a.b.c", "a.b.c.d", "\ud800.\udfff.x", 42, None, b"a.b.c"):
        assert _core.peek_issuer(value) is None


def test_none_over_the_size_cap():
    import base64
    import json

    payload = base64.urlsafe_b64encode(json.dumps({"iss": "x", "p": "y" * 9000}).encode())
    token = "e30." + payload.decode().rstrip("=") + ".sig"
    assert _core.peek_issuer(token) is None  # the engine's default cap
    assert _core.peek_issuer(token, 65536) == "x"
