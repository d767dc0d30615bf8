"""The token of a request (``netrun_auth.credentials.extract_token``): the engine's rules
(``netrun_auth::credentials``, shared with the axum layer), read from raw ASGI headers."""

from __future__ import annotations

import pytest

from netrun_auth.credentials import MAX_TOKEN_BYTES, extract_token
from netrun_auth.exceptions import TokenInvalidError


def scope(*headers: tuple[bytes, bytes]) -> dict[str, object]:
    return {"type": "http", "headers": list(headers)}


def code(sc: dict[str, object], cookie: str | None = None, max_bytes: int = 100) -> str:
    with pytest.raises(TokenInvalidError) as caught:
        extract_token(sc, cookie, max_bytes)
    assert caught.value.status_code == 401
    return caught.value.code


def test_the_bearer_header_and_its_refusals():
    assert extract_token(scope((b"authorization", b"bearer  abc.def-_ ")), None, 100) == "abc.def-_"
    assert extract_token(scope((b"host", b"x")), None, 100) is None
    for bad in [b"Basic abc", b"Bearer", b"Bearer ", b'Bearer a"b', b"Bearer a\xffb", b"Bearerabc"]:
        assert code(scope((b"authorization", bad))) == "token_malformed", bad
    twice = scope((b"authorization", b"Bearer a"), (b"authorization", b"Bearer b"))
    assert code(twice) == "token_malformed"
    assert code(scope((b"authorization", b"Bearer " + b"a" * 200))) == "token_too_large"
    # Within the header's slack for "Bearer " and spaces, but over the token cap (fuzzing
    # found the header check alone let such a token through to the engine).
    assert code(scope((b"authorization", b"Bearer " + b"a" * 101))) == "token_too_large"
    assert extract_token(scope((b"authorization", b"Bearer " + b"a" * 100)), None, 100) == "a" * 100
    assert MAX_TOKEN_BYTES == 8192


def test_the_cookie_is_read_only_without_a_header():
    cookies = (b"cookie", b"x=1; session=abc.def")
    assert extract_token(scope(cookies), None, 100) is None
    assert extract_token(scope(cookies), "session", 100) == "abc.def"
    assert extract_token(scope(cookies), "other", 100) is None
    both = scope(cookies, (b"authorization", b"Bearer hdr"))
    assert extract_token(both, "session", 100) == "hdr"
    assert code(scope((b"cookie", b"session=a b")), "session") == "token_malformed"
    assert code(scope((b"cookie", b"session=" + b"a" * 101)), "session") == "token_too_large"


def test_a_quoted_cookie_and_an_unrelated_undecodable_cookie():
    # RFC 6265 allows a value in double quotes; bytes that are not UTF-8 in another
    # cookie do not make the request's own cookie unreadable.
    assert extract_token(scope((b"cookie", b'session="abc"')), "session", 100) == "abc"
    mixed = scope((b"cookie", b"junk=\xff\xfe; session=abc"))
    assert extract_token(mixed, "session", 100) == "abc"
    assert code(scope((b"cookie", b"session=a\xffb")), "session") == "token_malformed"


def test_headers_as_any_asgi_iterable_and_odd_pairs_are_skipped():
    lists = {"headers": [[b"authorization", b"Bearer abc"]]}
    assert extract_token(lists, None, 100) == "abc"
    generated = {"headers": iter([(b"authorization", b"Bearer abc")])}
    assert extract_token(generated, None, 100) == "abc"
    odd = {"headers": [("authorization", "Bearer abc"), (b"authorization",), 7]}
    assert extract_token(odd, None, 100) is None
