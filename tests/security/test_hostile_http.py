"""Hostile tokens over real HTTP: the attack families of ``test_hostile_tokens.py`` sent
to the demo app (the tutorial example, as ``netrun-auth demo`` serves it) under uvicorn, with httpx.

Every refusal must be a clean 401 JSON body with the family's stable ``code``, an RFC
6750 ``WWW-Authenticate: Bearer error="invalid_token"`` challenge and ``Cache-Control:
no-store``; never a 200, a 500 or a hang (each request is bounded by a client timeout),
and the token never comes back in the body or the headers. Plus the attacks that only
exist at the HTTP layer: odd ``Authorization`` headers, tokens in the query string,
replay after logout, refresh/access confusion on ``/auth/refresh``, cross-tenant use
(403) and WebSocket handshakes (closed with 1008).
"""

from __future__ import annotations

import json
import secrets
import time
from collections.abc import Callable, Iterator
from typing import Any

import httpx
import pytest
from cryptography.hazmat.primitives import serialization
from websockets.exceptions import ConnectionClosed
from websockets.sync.client import connect

from netrun_auth import AuthConfig, JWTManager

from ..http.support import AUDIENCE, ISSUER, Keys, Server, raw_get
from .conftest import (
    ALG_NONE_SPELLINGS,
    BOUND_SECONDS,
    CLAIM_ODDITIES,
    CLAIM_TYP_ATTACKS,
    CRIT_AND_B64_HEADERS,
    DUPLICATE_KEY_HEADERS,
    HEADER_TYP_ATTACKS,
    KID_ATTACKS,
    KID_WRONG_TYPES,
    NON_JSON_PAYLOADS,
    ODD_ALG_HEADERS,
    REQUIRED_CLAIMS,
    KeyURLRecorder,
    b64,
    claims_for,
    duplicate_key_payloads,
    ec_key,
    ed_key,
    embedded_key_headers,
    encode_part,
    forge,
    pem_of,
    public_key_encodings,
    raw_sign,
    rsa_key,
    segment_count_cases,
    segments_of,
    sibling,
    stripped_signature_cases,
    unb64,
    unicode_lookalikes,
    wrong_issuer_or_audience,
)

pytestmark = pytest.mark.parametrize("test_app_server", ["demo_app"], indirect=True)

USER = {"email": "demo@example.com", "password": "password"}  # user123, org456
MAX_TOKEN_BYTES = 8192

# RFC 6750 b64token characters: what the middleware lets through to the engine.
_B64TOKEN = set("ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-._~+/=")

Cases = list[tuple[str, str]]


# ------------------------------------------------------------------ tools


def claims(**overrides: Any) -> dict[str, Any]:
    """``claims_for`` with the demo app's issuer and audience."""
    return claims_for(**{"iss": ISSUER, "aud": AUDIENCE, **overrides})


@pytest.fixture(scope="module")
def server_pem(key_files: Keys) -> str:
    return key_files.private_path.read_text()


@pytest.fixture
def sign(server_pem: str) -> Callable[..., str]:
    """sign(header_extra=None, claims=None, header=None) -> RS256 with the server's key."""

    def make(header_extra: dict[str, Any] | None = None, body: Any = None, header: Any = None):
        head = (
            header if header is not None else {"alg": "RS256", "typ": "JWT", **(header_extra or {})}
        )
        return forge(head, claims() if body is None else body, alg="RS256", key=server_pem)

    return make


@pytest.fixture
def client(test_app_server: Server) -> Iterator[httpx.Client]:
    with httpx.Client(base_url=test_app_server.url, timeout=BOUND_SECONDS) as c:
        yield c


@pytest.fixture
def genuine(client: httpx.Client) -> dict[str, str]:
    """A fresh token pair from the demo's login route."""
    response = client.post("/auth/login", json=USER)
    assert response.status_code == 200, response.text
    return response.json()


def over_http(token: str, code: str) -> str:
    """The code the middleware answers for ``token`` in ``Authorization: Bearer``: the
    engine's, unless the header parser refuses the token first."""
    if not token or not set(token) <= _B64TOKEN:
        return "token_malformed"
    return code


def assert_not_echoed(response: httpx.Response, token: str | bytes) -> None:
    raw = token.encode() if isinstance(token, str) else token
    if len(raw) < 8:
        return
    headers = "\n".join(f"{k}: {v}" for k, v in response.headers.multi_items()).encode()
    for where in (response.content, headers):
        assert raw not in where, "token echoed"
        for part in segments_of(raw.decode("latin-1")):
            assert part.encode("latin-1") not in where, f"token segment echoed: {part[:20]}"


def assert_refused(
    response: httpx.Response, code: str, token: str | bytes = b"", status: int = 401
) -> None:
    assert response.status_code == status, (code, response.status_code, response.text[:300])
    assert response.headers["content-type"] == "application/json", response.headers
    body = response.json()
    assert body["error"] == code, (code, body)
    assert body["status_code"] == status
    challenge = response.headers["www-authenticate"]
    scheme = "invalid_token" if status == 401 else "insufficient_scope"
    assert challenge.startswith(f'Bearer error="{scheme}"'), challenge
    assert response.headers["cache-control"] == "no-store"
    assert_not_echoed(response, token)


def timed(call: Callable[[], httpx.Response]) -> httpx.Response:
    started = time.perf_counter()
    response = call()
    elapsed = time.perf_counter() - started
    assert elapsed < BOUND_SECONDS, f"request took {elapsed:.1f}s"
    return response


def me(client: httpx.Client, token: str) -> httpx.Response:
    return timed(lambda: client.get("/me", headers={"Authorization": f"Bearer {token}"}))


def refresh(client: httpx.Client, token: Any) -> httpx.Response:
    return timed(lambda: client.post("/auth/refresh", json={"refresh_token": token}))


def refuse_all(client: httpx.Client, cases: Cases) -> None:
    """Send every ``(token, code)`` to ``/me``; report every case that was not refused."""
    failures = []
    for token, code in cases:
        response = me(client, token)
        try:
            assert_refused(response, over_http(token, code), token)
        except AssertionError as exc:
            failures.append(f"{token[:60]!r}: {exc}")
    assert not failures, "\n".join(failures)


INVALID_HTTP = b"Invalid HTTP request received."


def assert_raw_refused(
    server: Server, headers: list[tuple[bytes, bytes]], token: bytes, code: str = "token_malformed"
) -> None:
    """GET /me with ``headers`` as given: a 401 with ``code`` from the middleware, or a 400
    from uvicorn itself for bytes HTTP forbids (NUL, control characters)."""
    started = time.perf_counter()
    status, response_headers, body = raw_get(server.port, "/me", headers, BOUND_SECONDS)
    assert time.perf_counter() - started < BOUND_SECONDS
    everything = body + json.dumps(response_headers).encode()
    for part in token.split(b"."):
        assert len(part) < 8 or part not in everything, "token echoed"
    if status == 400 and body == INVALID_HTTP:
        return
    assert status == 401, body
    assert json.loads(body)["error"] == code
    assert response_headers["www-authenticate"].startswith('Bearer error="invalid_token"')
    assert response_headers["cache-control"] == "no-store"


# ------------------------------------------------------------------ the families


def test_baseline_genuine_and_forged_tokens_are_accepted(client, genuine, sign):
    """The crafting tools are right: without an attack, tokens pass over HTTP too."""
    for token in (genuine["access_token"], sign(), sign(body=claims(aud=[AUDIENCE]))):
        response = me(client, token)
        assert response.status_code == 200, response.text
        assert_not_echoed(response, token)


def test_alg_none_spellings(client):
    refuse_all(
        client,
        [
            (
                f"{encode_part({'alg': alg, 'typ': 'JWT'})}.{encode_part(claims())}.{sig}",
                "algorithm_not_allowed",
            )
            for alg in ALG_NONE_SPELLINGS
            for sig in ("", "c2ln", "AAAA")
        ],
    )


def test_missing_or_odd_alg(client, server_pem):
    refuse_all(
        client,
        [
            (forge(header, claims(), alg="RS256", key=server_pem), code)
            for header, code in ODD_ALG_HEADERS
        ],
    )


def test_signature_stripped_truncated_or_transplanted(client, genuine, server_pem):
    token = genuine["access_token"]
    other = forge({"alg": "RS256", "typ": "JWT"}, claims(sub="admin1"), key=server_pem)
    a, b = token.split("."), other.split(".")
    head, body, sig = a
    public = serialization.load_pem_private_key(server_pem.encode(), None).public_key()
    bumped = int.from_bytes(unb64(sig), "big") + public.public_numbers().n
    refuse_all(
        client,
        [
            *stripped_signature_cases(token),
            (f"{a[0]}.{b[1]}.{a[2]}", "invalid_signature"),
            (f"{b[0]}.{a[1]}.{b[2]}", "invalid_signature"),
            (f"{head}.{body}.{b64(bumped.to_bytes(257, 'big'))}", "invalid_signature"),
        ],
    )


def test_algorithm_confusion_and_guessable_hmac_secrets(client, server_pem):
    cases: Cases = []
    for hs_alg in ("HS256", "HS384", "HS512"):
        for secret in public_key_encodings(server_pem):
            token = forge({"alg": hs_alg, "typ": "JWT"}, claims(), key=secret)
            cases.append((token, "algorithm_not_allowed"))
    for secret in (b"", b"\x00", b"secret", b"x" * 31):
        cases.append((forge({"alg": "HS256"}, claims(), key=secret), "algorithm_not_allowed"))
    refuse_all(client, cases)


def test_header_keys_and_key_urls_are_never_used_or_fetched(client, key_server):
    attacker = rsa_key()
    cases = [
        (
            forge({"alg": "RS256", "typ": "JWT", **extra}, claims(), key=attacker),
            "unknown_key" if "kid" in extra else "invalid_signature",
        )
        for extra in embedded_key_headers(attacker, key_server)
    ]
    refuse_all(client, cases)
    time.sleep(0.2)
    assert KeyURLRecorder.hits == [], "a key URL from a token was fetched"


def test_kid_injection(client, sign):
    cases: Cases = [(sign({"kid": kid}), "unknown_key") for kid in KID_ATTACKS]
    cases += [(sign({"kid": kid}), "token_malformed") for kid in KID_WRONG_TYPES]
    cases.append((sign({"kid": "k" * 3000}), "token_malformed"))
    refuse_all(client, cases)


def test_unknown_kid_flood_stays_fast(client, sign):
    base = sign().split(".")
    started = time.perf_counter()
    for _ in range(300):
        head = encode_part({"alg": "RS256", "typ": "JWT", "kid": secrets.token_urlsafe(24)})
        token = f"{head}.{base[1]}.{base[2]}"
        response = me(client, token)
        assert response.status_code == 401
        assert response.json()["error"] == "unknown_key"
    assert time.perf_counter() - started < 30
    assert me(client, ".".join(base)).status_code == 200


def test_keys_of_another_family_or_too_weak(client):
    refuse_all(
        client,
        [
            (forge({"alg": "ES256"}, claims(), key=ec_key()), "algorithm_not_allowed"),
            (forge({"alg": "EdDSA"}, claims(), key=ed_key()), "algorithm_not_allowed"),
            (forge({"alg": "PS256"}, claims(), key=pem_of(rsa_key())), "algorithm_not_allowed"),
            (forge({"alg": "RS256"}, claims(), key=rsa_key(1024)), "invalid_signature"),
            (forge({"alg": "RS256"}, claims(), key=rsa_key()), "invalid_signature"),
        ],
    )


def test_crit_b64_typ_and_cty_headers(client, sign, server_pem):
    head = encode_part({"alg": "RS256", "b64": False, "crit": ["b64"]})
    payload = json.dumps(claims())
    unencoded_sig = b64(raw_sign("RS256", server_pem, f"{head}.{payload}".encode()))
    cases: Cases = [(sign(extra), "token_malformed") for extra in CRIT_AND_B64_HEADERS]
    cases += [
        (f"{head}.{payload}.{unencoded_sig}", "token_malformed"),
        (f"{head}..{unencoded_sig}", "token_malformed"),
        (sign({"cty": "JWT"}), "token_malformed"),
    ]
    cases += [(sign({"typ": typ}), "token_malformed") for typ in HEADER_TYP_ATTACKS]
    cases += [(sign(body=claims(typ=typ)), "invalid_claim") for typ in CLAIM_TYP_ATTACKS]
    refuse_all(client, cases)


def test_segment_counts_and_json_serialization(client, sign):
    refuse_all(client, [(token, "token_malformed") for token in segment_count_cases(sign())])


def test_non_canonical_base64url(client, sign, server_pem):
    token = sign()
    head, body, sig = token.split(".")
    cases: Cases = [(f"{head}.{body}.{sig[:-1] + sibling(sig[-1])}", "token_malformed")]
    for variant in (claims(), claims(sub="user-12"), claims(sub="user-123")):
        segment = encode_part(variant)
        if len(segment) % 4 in (2, 3):
            signing_input = f"{head}.{segment[:-1] + sibling(segment[-1])}"
            signature = b64(raw_sign("RS256", server_pem, signing_input.encode()))
            cases.append((f"{signing_input}.{signature}", "token_malformed"))
    padded_input = f"{head}.{body}=="
    cases += [
        (f"{head}==.{body}.{sig}", "token_malformed"),
        (
            f"{padded_input}.{b64(raw_sign('RS256', server_pem, padded_input.encode()))}",
            "token_malformed",
        ),
        (f"{head}.{body}.{sig}==", "token_malformed"),
        (f"{head}.{body}.{sig}+", "token_malformed"),
        (f"{head}.{body}.{sig.replace('-', '+').replace('_', '/')}", "token_malformed")
        if ("-" in sig or "_" in sig)
        else (f"{head}.{body}.{sig}/", "token_malformed"),
    ]
    refuse_all(client, cases)


@pytest.mark.parametrize(
    "wrap",
    [
        lambda t: b"\t" + t,
        lambda t: t[:20] + b" " + t[20:],
        lambda t: t[:20] + b"\t" + t[20:],
        lambda t: t[:20] + b"\xa0" + t[20:],  # NBSP as latin-1
        lambda t: t[:20] + "\u00a0".encode() + t[20:],
        lambda t: t[:20] + "\u200b".encode() + t[20:],
        lambda t: t + b"\x00",
        lambda t: t.replace(b".", b" .", 1),
    ],
)
def test_whitespace_and_invisible_characters(test_app_server, sign, wrap):
    token = sign().encode()
    assert_raw_refused(test_app_server, [(b"Authorization", b"Bearer " + wrap(token))], token)


def test_duplicate_json_keys(client, sign):
    body = json.dumps(claims())
    cases: Cases = [
        (sign(header=header, body=body.encode()), "token_malformed")
        for header in DUPLICATE_KEY_HEADERS
    ]
    cases += [
        (sign(body=payload.encode()), "token_malformed") for payload in duplicate_key_payloads(body)
    ]
    refuse_all(client, cases)


def test_non_json_and_nested_bomb_payloads(client, sign):
    cases: Cases = [(sign(body=payload), "token_malformed") for payload in NON_JSON_PAYLOADS]
    bomb = b'{"alg":"RS256","x":' + b"[" * 600 + b"]" * 600 + b"}"
    cases.append((sign(header=bomb), "token_malformed"))
    refuse_all(client, cases)


def test_oversized_tokens(client, sign):
    big = sign(body=claims(pad="x" * 9000))
    assert len(big) > MAX_TOKEN_BYTES + 16
    refuse_all(
        client,
        [
            ("a" * (MAX_TOKEN_BYTES + 1), "token_too_large"),
            ("a." * 4000 + "a" * 193, "token_too_large"),
            (big, "token_too_large"),
            ("a" * 60_000, "token_too_large"),
            (sign({"pad": "p" * 1540}), "token_malformed"),  # header segment over 2048
        ],
    )


def test_claim_types_values_and_missing_claims(client, sign):
    cases: Cases = [(sign(body=claims(**{k: v})), "invalid_claim") for k, v in CLAIM_ODDITIES]
    for claim in REQUIRED_CLAIMS:
        nulled = claims()
        nulled[claim] = None
        cases.append((sign(body=nulled), "invalid_claim"))
        cases.append((sign(body=claims(**{claim: None})), "missing_claim"))
    cases.append((sign(body={}), "missing_claim"))
    refuse_all(client, cases)


def test_wrong_or_look_alike_issuer_and_audience(client, sign):
    pairs = unicode_lookalikes(ISSUER, AUDIENCE) + wrong_issuer_or_audience(ISSUER, AUDIENCE)
    refuse_all(client, [(sign(body=claims(**{k: v})), "invalid_claim") for k, v in pairs])
    ok = me(client, sign(body=claims(aud=["x", AUDIENCE])))
    assert ok.status_code == 200, ok.text


def test_expiry_nbf_and_iat_around_the_leeway(client, sign):
    now = int(time.time())
    refuse_all(
        client,
        [
            (sign(body=claims(exp=now - 45)), "token_expired"),
            (sign(body=claims(exp=0)), "token_expired"),
            (sign(body=claims(nbf=now + 45)), "token_not_yet_valid"),
            (sign(body=claims(iat=now + 45)), "invalid_claim"),
        ],
    )
    for inside in (claims(exp=now - 20), claims(nbf=now + 20), claims(iat=now + 20)):
        assert me(client, sign(body=inside)).status_code == 200


def test_hostile_tokens_on_the_refresh_route(client, sign, server_pem):
    """The refresh token travels in the JSON body: no header parser in front of the engine."""
    refresh_claims = claims(typ="refresh")
    genuine_like = sign(body=refresh_claims)
    cases: Cases = [
        (forge({"alg": "none"}, refresh_claims), "algorithm_not_allowed"),
        (
            forge({"alg": "HS256"}, refresh_claims, key=public_key_encodings(server_pem)[0]),
            "algorithm_not_allowed",
        ),
        (sign({"kid": "../../keys/private_key.pem"}, refresh_claims), "unknown_key"),
        (sign({"crit": ["exp"]}, refresh_claims), "token_malformed"),
        (" " + genuine_like, "token_malformed"),
        (genuine_like + "\n", "token_malformed"),
        ("Bearer " + genuine_like, "token_malformed"),
        (genuine_like[:20] + "\u200b" + genuine_like[20:], "token_malformed"),
        ("a" * 100_000, "token_too_large"),
        ("", "token_malformed"),
        *[(t, "token_malformed") for t in segment_count_cases(genuine_like)],
        *stripped_signature_cases(genuine_like),
    ]
    failures = []
    for token, code in cases:
        response = refresh(client, token)
        try:
            assert_refused(response, code, token)
        except AssertionError as exc:
            failures.append(f"{token[:60]!r}: {exc}")
    assert not failures, "\n".join(failures)


# ------------------------------------------------------------------ header-level attacks


def _header_cases(valid: bytes) -> dict[str, tuple[list[tuple[bytes, bytes]], str]]:
    auth = b"Authorization"
    return {
        "two-headers-both-valid": (
            [(auth, b"Bearer " + valid), (auth, b"Bearer " + valid)],
            "token_malformed",
        ),
        "two-headers-valid-and-bad": (
            [(auth, b"Bearer " + valid), (auth, b"Bearer x.y.z")],
            "token_malformed",
        ),
        "bad-then-valid": (
            [(auth, b"Basic dXNlcjpwYXNz"), (auth, b"Bearer " + valid)],
            "token_malformed",
        ),
        "bearer-alone": ([(auth, b"Bearer")], "token_malformed"),
        "bearer-space": ([(auth, b"Bearer    ")], "token_malformed"),
        "empty": ([(auth, b"")], "token_malformed"),
        "basic": ([(auth, b"Basic dXNlcjpwYXNz")], "token_malformed"),
        "digest": ([(auth, b'Digest username="u", response="x"')], "token_malformed"),
        "token-scheme": ([(auth, b"Token " + valid)], "token_malformed"),
        "jwt-scheme": ([(auth, b"JWT " + valid)], "token_malformed"),
        "bearer-colon": ([(auth, b"Bearer:" + valid)], "token_malformed"),
        "bearer-glued": ([(auth, b"Bearer" + valid)], "token_malformed"),
        "no-scheme": ([(auth, valid)], "token_malformed"),
        "two-tokens": ([(auth, b"Bearer " + valid + b" " + valid)], "token_malformed"),
        "comma-list": ([(auth, b"Bearer " + valid + b", Bearer " + valid)], "token_malformed"),
        "non-ascii-utf8": ([(auth, "Bearer tökén.ü.é".encode())], "token_malformed"),
        "non-ascii-latin1": ([(auth, b"Bearer \xff\xfe" + valid)], "token_malformed"),
        "non-ascii-scheme": (
            [(auth, "B\u0435arer ".encode() + valid)],
            "token_malformed",
        ),  # Cyrillic e
        "control-char": (
            [(auth, b"Bearer " + valid[:10] + b"\x01" + valid[10:])],
            "token_malformed",
        ),
        "huge-12k": ([(auth, b"Bearer " + b"a" * 12_000)], "token_too_large"),
        "huge-three-parts": (
            [(auth, b"Bearer " + b"a" * 5000 + b"." + b"b" * 5000 + b".c")],
            "token_too_large",
        ),
    }


HEADER_CASE_NAMES = sorted(_header_cases(b"x"))


@pytest.mark.parametrize("case", HEADER_CASE_NAMES)
def test_header_level_attacks(test_app_server, genuine, case):
    valid = genuine["access_token"].encode()
    headers, code = _header_cases(valid)[case]
    assert_raw_refused(test_app_server, headers, valid, code)


def test_very_large_headers_are_refused_cheaply(test_app_server):
    """uvicorn with httptools has no header size limit of its own: the middleware's length
    check (before any parsing) answers. Under h11, uvicorn refuses first (a 4xx)."""
    for size in (70_000, 300_000):
        token = b"a" * size
        started = time.perf_counter()
        status, headers, body = raw_get(
            test_app_server.port, "/me", [(b"Authorization", b"Bearer " + token)], BOUND_SECONDS
        )
        assert time.perf_counter() - started < BOUND_SECONDS
        assert 400 <= status < 500, status
        assert token[:64] not in body + json.dumps(headers).encode()
        if status == 401:
            assert json.loads(body)["error"] == "token_too_large"
    with httpx.Client(base_url=test_app_server.url, timeout=BOUND_SECONDS) as c:
        assert c.get("/health").status_code == 200


def test_scheme_is_case_insensitive_and_surrounding_spaces_are_trimmed(test_app_server, genuine):
    """RFC 7235: the auth-scheme is case-insensitive; HTTP trims the value's outer spaces."""
    token = genuine["access_token"].encode()
    for value in (b"bearer ", b"BEARER ", b"Bearer   ", b" Bearer ", b"\tBearer "):
        for tail in (b"", b"  ", b"\t"):
            headers = [(b"Authorization", value + token + tail)]
            status, _, body = raw_get(test_app_server.port, "/me", headers, BOUND_SECONDS)
            assert status == 200, (value, tail, body)


def test_token_in_query_string_or_cookie_is_ignored(client, genuine):
    token = genuine["access_token"]
    for params in ({"access_token": token}, {"token": token}, {"authorization": f"Bearer {token}"}):
        response = timed(lambda p=params: client.get("/me", params=p))
        assert response.status_code == 401
        assert response.json()["error"] == "not_authenticated"
        assert response.headers["www-authenticate"] == "Bearer"
        assert token not in response.text
    client.cookies.set("access_token", token)
    try:
        response = timed(lambda: client.get("/me"))
    finally:
        client.cookies.clear()
    assert response.status_code == 401
    assert response.json()["error"] == "not_authenticated"


# ------------------------------------------------------------------ replay, confusion, tenants


def test_replay_after_logout(client, genuine):
    access, refresh_token = genuine["access_token"], genuine["refresh_token"]
    assert me(client, access).status_code == 200
    logout = timed(
        lambda: client.post("/auth/logout", headers={"Authorization": f"Bearer {access}"})
    )
    assert logout.status_code == 200, logout.text
    for _ in range(3):
        assert_refused(me(client, access), "token_revoked", access)
    again = timed(
        lambda: client.post("/auth/logout", headers={"Authorization": f"Bearer {access}"})
    )
    assert_refused(again, "token_revoked", access)
    assert_refused(refresh(client, refresh_token), "token_revoked", refresh_token)


def test_refresh_and_access_confusion(client, genuine, sign):
    access, refresh_token = genuine["access_token"], genuine["refresh_token"]
    assert_refused(me(client, refresh_token), "wrong_token_type", refresh_token)
    assert_refused(refresh(client, access), "wrong_token_type", access)
    forged_refresh = sign(body=claims(typ="refresh"))
    assert_refused(me(client, forged_refresh), "wrong_token_type", forged_refresh)

    rotated = refresh(client, refresh_token)
    assert rotated.status_code == 200, rotated.text
    new_pair = rotated.json()
    assert me(client, new_pair["access_token"]).status_code == 200
    # The spent refresh token again: reuse, and the whole session is revoked.
    assert_refused(refresh(client, refresh_token), "token_reuse", refresh_token)
    assert_refused(me(client, new_pair["access_token"]), "token_revoked", new_pair["access_token"])
    assert_refused(
        refresh(client, new_pair["refresh_token"]), "token_revoked", new_pair["refresh_token"]
    )


def test_refresh_body_of_the_wrong_shape_is_not_a_500(client, genuine):
    for body in (
        {},
        {"refresh_token": None},
        {"refresh_token": 1},
        {"refresh_token": {"a": 1}},
        [],
    ):
        response = timed(lambda b=body: client.post("/auth/refresh", json=b))
        assert response.status_code == 422, response.text
    response = timed(
        lambda: client.post(
            "/auth/refresh", content=b"{not json", headers={"Content-Type": "application/json"}
        )
    )
    assert response.status_code == 422


def test_cross_tenant_use(client, genuine, key_files, server_pem):
    access = genuine["access_token"]
    own = timed(
        lambda: client.get(
            "/organizations/org456/data", headers={"Authorization": f"Bearer {access}"}
        )
    )
    assert own.status_code == 200
    for org in ("org789", "ORG456", "org456 ", "org4567", "*"):
        response = timed(
            lambda o=org: client.get(
                f"/organizations/{o}/data", headers={"Authorization": f"Bearer {access}"}
            )
        )
        assert_refused(response, "organization_forbidden", access, status=403)

    # A token of another deployment sharing the key pair: refused by iss/aud.
    other = JWTManager(
        AuthConfig(
            jwt_issuer="tenant-b",
            jwt_audience="tenant-b-api",
            jwt_private_key_path=str(key_files.private_path),
            jwt_public_key_path=str(key_files.public_path),
            _env_file=None,
        )
    )
    import asyncio

    from_b = asyncio.run(other.generate_token_pair("user123", "org789")).access_token
    assert_refused(me(client, from_b), "invalid_claim", from_b)
    # Signed by a key the server does not know (kid set): unknown key.
    stranger = JWTManager(
        AuthConfig(
            jwt_issuer=ISSUER,
            jwt_audience=AUDIENCE,
            jwt_private_key=pem_of(rsa_key()),
            _env_file=None,
        )
    )
    foreign = asyncio.run(stranger.generate_token_pair("user123", "org789")).access_token
    assert_refused(me(client, foreign), "unknown_key", foreign)
    # The org claim edited without the key: the signature no longer matches.
    head, body, sig = access.split(".")
    edited = json.loads(unb64(body))
    edited["org"] = "org789"
    tampered = f"{head}.{encode_part(edited)}.{sig}"
    response = timed(
        lambda: client.get(
            "/organizations/org789/data", headers={"Authorization": f"Bearer {tampered}"}
        )
    )
    assert_refused(response, "invalid_signature", tampered)


# ------------------------------------------------------------------ WebSockets


def _ws_close(server: Server, headers: dict[str, str]) -> tuple[int, str]:
    with (
        connect(
            f"{server.ws_url}/ws", additional_headers=headers, open_timeout=BOUND_SECONDS
        ) as ws,
        pytest.raises(ConnectionClosed) as closed,
    ):
        ws.recv(timeout=BOUND_SECONDS)
    assert closed.value.rcvd is not None
    return closed.value.rcvd.code, closed.value.rcvd.reason


def test_websocket_hostile_tokens_are_closed_with_1008(test_app_server, client, genuine, sign):
    token = genuine["access_token"]
    with connect(
        f"{test_app_server.ws_url}/ws", additional_headers={"Authorization": f"Bearer {token}"}
    ) as ws:
        assert json.loads(ws.recv(timeout=BOUND_SECONDS)) == {"user_id": "user123"}
    cases = {
        "alg-none": (forge({"alg": "none"}, claims()), "algorithm_not_allowed"),
        "kid-injection": (sign({"kid": "../../../../dev/null"}), "unknown_key"),
        "refresh-as-access": (genuine["refresh_token"], "wrong_token_type"),
        "expired": (sign(body=claims(exp=int(time.time()) - 120)), "token_expired"),
        "json-serialized": (segment_count_cases(sign())[7], "token_malformed"),
    }
    for name, (hostile, code) in cases.items():
        assert _ws_close(test_app_server, {"Authorization": f"Bearer {hostile}"}) == (1008, code), (
            name
        )
    assert _ws_close(test_app_server, {"Authorization": "Basic dXNlcjpwYXNz"}) == (
        1008,
        "token_malformed",
    )


def test_websocket_replay_after_logout_is_closed_with_1008(test_app_server, client, genuine):
    token = genuine["access_token"]
    logout = timed(
        lambda: client.post("/auth/logout", headers={"Authorization": f"Bearer {token}"})
    )
    assert logout.status_code == 200
    assert _ws_close(test_app_server, {"Authorization": f"Bearer {token}"}) == (
        1008,
        "token_revoked",
    )
