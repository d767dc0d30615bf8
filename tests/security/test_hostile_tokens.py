"""Hostile tokens: the attack families of RFC 8725 and of JWT-library CVEs.

Every case goes through ``JWTManager.validate_token`` (or ``refresh_token``) in a
worker thread bounded in time, and must end in exactly the expected exception
class and stable ``code``, with status 401 and without the token in the message.
Forged tokens are signed with the manager's real key wherever possible, so that
the check under test is the only reason left to refuse them.
"""

from __future__ import annotations

import asyncio
import json
import secrets
import time

import pytest
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature

from netrun_auth import JWTManager
from netrun_auth.exceptions import (
    ConfigurationError,
    TokenExpiredError,
    TokenInvalidError,
    TokenReuseError,
    TokenRevokedError,
)

from ..conftest import HS_SECRET
from .conftest import (
    ALG_NONE_SPELLINGS,
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
    UNICODE_LOOKALIKES,
    WRONG_ISSUER_OR_AUDIENCE,
    KeyURLRecorder,
    attempt,
    b64,
    claims_for,
    duplicate_key_payloads,
    embedded_key_headers,
    encode_part,
    forge,
    jwk_of,
    pem_of,
    public_key_encodings,
    public_pem_of,
    raw_sign,
    reject,
    rsa_key,
    segment_count_cases,
    sibling,
    stripped_signature_cases,
    unb64,
)

P256_ORDER = 0xFFFFFFFF00000000FFFFFFFFFFFFFFFFBCE6FAADA7179E84F3B9CAC2FC632551
ED25519_L = 2**252 + 27742317777372353535851937790883648493

INVALID, EXPIRED, REVOKED, REUSE = (
    TokenInvalidError,
    TokenExpiredError,
    TokenRevokedError,
    TokenReuseError,
)


@pytest.fixture
def rs(make_config) -> JWTManager:
    return JWTManager(make_config("RS256"))


@pytest.fixture
def es(make_config) -> JWTManager:
    return JWTManager(make_config("ES256"))


@pytest.fixture
def ed(make_config) -> JWTManager:
    return JWTManager(make_config("EdDSA"))


@pytest.fixture
def hs(make_config) -> JWTManager:
    return JWTManager(make_config("HS256"))


@pytest.fixture
def mixed(make_config) -> JWTManager:
    """RS256 signing, HS256 also accepted with a real secret: the confusion-prone setup."""
    return JWTManager(
        make_config("RS256", jwt_allowed_algorithms=["RS256", "HS256"], jwt_secret=HS_SECRET)
    )


async def test_baseline_forged_with_the_real_key_is_accepted(rs, es, ed, hs, legit):
    """The crafting tools are right: without an attack, the same tokens pass."""
    for manager, alg in ((rs, "RS256"), (es, "ES256"), (ed, "EdDSA"), (hs, "HS256")):
        claims = await attempt(manager, legit(alg=alg))
        assert claims.user_id == "user-1"


# ------------------------------------------------------------------ alg: none


@pytest.mark.parametrize("alg", ALG_NONE_SPELLINGS)
@pytest.mark.parametrize("signature", ["", "c2ln", "AAAA"])
async def test_alg_none_spellings(rs, alg, signature):
    token = f"{encode_part({'alg': alg, 'typ': 'JWT'})}.{encode_part(claims_for())}.{signature}"
    await reject(rs, token, INVALID, "algorithm_not_allowed")
    await reject(rs, token.replace("hostile", "r"), INVALID, "algorithm_not_allowed")


@pytest.mark.parametrize(("header", "code"), ODD_ALG_HEADERS)
async def test_missing_or_odd_alg(rs, keys, header, code):
    token = forge(header, claims_for(), alg="RS256", key=keys("rsa2048").private_pem)
    await reject(rs, token, INVALID, code)


async def test_alg_none_through_refresh(rs):
    token = forge({"alg": "none"}, claims_for(typ="refresh"))
    await reject(rs, token, INVALID, "algorithm_not_allowed", op="refresh_token")


# ------------------------------------------------------------------ signature stripped / truncated


async def test_signature_stripped_or_truncated(rs):
    token = (await rs.generate_token_pair("user-1")).access_token
    cases = stripped_signature_cases(token)
    for forged, code in cases:
        await reject(rs, forged, INVALID, code)


async def test_signature_transplanted_from_another_token(rs):
    a = (await rs.generate_token_pair("user-1")).access_token.split(".")
    b = (await rs.generate_token_pair("admin")).access_token.split(".")
    await reject(rs, f"{a[0]}.{b[1]}.{a[2]}", INVALID, "invalid_signature")
    await reject(rs, f"{b[0]}.{a[1]}.{b[2]}", INVALID, "invalid_signature")


async def test_rsa_signature_plus_modulus_is_rejected(rs, keys):
    """s + n is congruent to s: lenient big-number code would accept it."""
    token = (await rs.generate_token_pair("user-1")).access_token
    head, body, sig = token.split(".")
    public = serialization.load_pem_public_key(keys("rsa2048").public_pem.encode())
    n = public.public_numbers().n
    bumped = int.from_bytes(unb64(sig), "big") + n
    await reject(
        rs, f"{head}.{body}.{b64(bumped.to_bytes(257, 'big'))}", INVALID, "invalid_signature"
    )


# ------------------------------------------------------------------ algorithm confusion


@pytest.mark.parametrize(
    ("fixture", "kind"), [("rs", "rsa2048"), ("es", "p256"), ("ed", "ed25519")]
)
@pytest.mark.parametrize("hs_alg", ["HS256", "HS384", "HS512"])
async def test_public_key_as_hmac_secret(request, keys, fixture, kind, hs_alg):
    manager = request.getfixturevalue(fixture)
    for secret in public_key_encodings(keys(kind).private_pem):
        token = forge({"alg": hs_alg, "typ": "JWT"}, claims_for(), key=secret)
        await reject(manager, token, INVALID, "algorithm_not_allowed")


async def test_public_key_as_hmac_secret_when_hs256_is_also_allowed(mixed, keys, rs):
    """Even with HS256 allowed, the HMAC key is the configured secret, never a public key."""
    rsa_kid = rs.engine.key_id
    jwks_json = json.dumps(mixed.jwks()).encode()
    for secret in [*public_key_encodings(keys("rsa2048").private_pem), jwks_json]:
        token = forge({"alg": "HS256", "typ": "JWT"}, claims_for(), key=secret)
        await reject(mixed, token, INVALID, "invalid_signature")
        token = forge({"alg": "HS256", "kid": rsa_kid}, claims_for(), key=secret)
        await reject(mixed, token, INVALID, "unknown_key")
    genuine = forge({"alg": "HS256"}, claims_for(), key=HS_SECRET.encode())
    assert (await attempt(mixed, genuine)).user_id == "user-1"


# ------------------------------------------------------------------ empty or short HMAC secrets


@pytest.mark.parametrize(("alg", "minimum"), [("HS256", 32), ("HS384", 48), ("HS512", 64)])
def test_short_hmac_secrets_are_refused_at_configuration(make_config, alg, minimum):
    for secret in ["x" * (minimum - 1), "secret", "a"]:
        with pytest.raises(ConfigurationError, match="at least"):
            JWTManager(make_config(alg, jwt_secret=secret))
    with pytest.raises(ConfigurationError):
        JWTManager(make_config(alg, jwt_secret=""))
    assert JWTManager(make_config(alg, jwt_secret="x" * minimum)).engine.algorithm == alg


@pytest.mark.parametrize("secret", [b"", b"\x00", b"secret", b"x" * 31, b"s" * 63])
async def test_tokens_signed_with_guessable_secrets(hs, secret):
    token = forge({"alg": "HS256", "typ": "JWT"}, claims_for(), key=secret)
    await reject(hs, token, INVALID, "invalid_signature")


async def test_truncated_hmac_tag(hs, legit):
    head, body, sig = legit(alg="HS256").split(".")
    for tag in (unb64(sig)[:16], unb64(sig)[:31], unb64(sig) + b"\x00", b""):
        await reject(hs, f"{head}.{body}.{b64(tag)}", INVALID, "invalid_signature")


# ------------------------------------------------------------------ embedded keys and key URLs


async def test_header_keys_and_key_urls_are_never_used_or_fetched(rs, key_server):
    attacker = rsa_key()
    headers = embedded_key_headers(attacker, key_server)
    for extra in headers:
        token = forge({"alg": "RS256", "typ": "JWT", **extra}, claims_for(), key=attacker)
        code = "unknown_key" if "kid" in extra else "invalid_signature"
        await reject(rs, token, INVALID, code)
    await asyncio.sleep(0.2)
    assert KeyURLRecorder.hits == [], "a key URL from a token was fetched"


# ------------------------------------------------------------------ kid injection


@pytest.mark.parametrize("kid", KID_ATTACKS, ids=lambda k: repr(k[:20]))
async def test_kid_injection_with_a_genuine_signature(rs, legit, kid):
    """Signed with the real key: only the kid lookup stands between the token and acceptance."""
    await reject(rs, legit({"kid": kid}), INVALID, "unknown_key")


@pytest.mark.parametrize("kid", KID_WRONG_TYPES)
async def test_kid_of_the_wrong_type(rs, legit, kid):
    await reject(rs, legit({"kid": kid}), INVALID, "token_malformed")


async def test_kid_too_long_for_the_header_cap(rs, legit):
    await reject(rs, legit({"kid": "k" * 3000}), INVALID, "token_malformed")


async def test_kid_must_match_exactly(rs, legit):
    kid = rs.engine.key_id
    assert (await attempt(rs, legit({"kid": kid}))).user_id == "user-1"
    for near in (kid.upper(), kid + " ", " " + kid, kid[:-1], kid + "\u200b", kid + "\u0000"):
        if near != kid:
            await reject(rs, legit({"kid": near}), INVALID, "unknown_key")


async def test_unknown_kid_flood_stays_bounded(rs, legit, keys):
    before = rs.engine.cache_len()
    started = time.perf_counter()
    base = legit()
    for _ in range(1500):
        kid = secrets.token_urlsafe(24)
        head = encode_part({"alg": "RS256", "typ": "JWT", "kid": kid})
        token = f"{head}.{base.split('.')[1]}.{base.split('.')[2]}"
        with pytest.raises(TokenInvalidError) as info:
            await rs.validate_token(token)
        assert info.value.code == "unknown_key"
    assert time.perf_counter() - started < 20
    assert rs.engine.cache_len() == before, "refused tokens must not be cached"
    assert (await attempt(rs, base)).user_id == "user-1"


# ------------------------------------------------------------------ wrong key type or use


async def test_algorithm_of_another_key_family(rs, es, ed, keys):
    p256, ed_pem, rsa_pem = (keys(k).private_pem for k in ("p256", "ed25519", "rsa2048"))
    await reject(
        rs, forge({"alg": "ES256"}, claims_for(), key=p256), INVALID, "algorithm_not_allowed"
    )
    await reject(
        rs, forge({"alg": "EdDSA"}, claims_for(), key=ed_pem), INVALID, "algorithm_not_allowed"
    )
    await reject(
        rs, forge({"alg": "PS256"}, claims_for(), key=rsa_pem), INVALID, "algorithm_not_allowed"
    )
    await reject(
        es, forge({"alg": "RS256"}, claims_for(), key=rsa_pem), INVALID, "algorithm_not_allowed"
    )
    await reject(
        es,
        forge({"alg": "ES384"}, claims_for(), key=keys("p384").private_pem),
        INVALID,
        "algorithm_not_allowed",
    )
    await reject(
        ed, forge({"alg": "ES256"}, claims_for(), key=p256), INVALID, "algorithm_not_allowed"
    )


async def test_kid_of_a_key_of_another_family(make_config, keys, tmp_path):
    """RS256 and ES256 both allowed: an ES256 token naming the RSA key's kid finds no key."""
    ec_public = tmp_path / "ec.pem"
    ec_public.write_text(keys("p256").public_pem)
    manager = JWTManager(
        make_config(
            "RS256",
            jwt_allowed_algorithms=["RS256", "ES256"],
            jwt_verification_key_paths=[ec_public],
        )
    )
    rsa_kid = manager.engine.key_id
    p256 = keys("p256").private_pem
    await reject(
        manager,
        forge({"alg": "ES256", "kid": rsa_kid}, claims_for(), key=p256),
        INVALID,
        "unknown_key",
    )
    assert (await attempt(manager, forge({"alg": "ES256"}, claims_for(), key=p256))).user_id


async def test_jwks_encryption_keys_never_verify(make_config, tmp_path):
    """A JWKS may publish encryption keys next to signing keys: those never verify a token."""
    enc, sig = rsa_key(), rsa_key()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(
        json.dumps(
            {
                "keys": [
                    jwk_of(enc, kid="enc", use="enc"),
                    jwk_of(enc, kid="enc-ops", key_ops=["encrypt", "wrapKey"]),
                    jwk_of(enc, kid="enc-alg", alg="RSA-OAEP-256"),
                    jwk_of(sig, kid="sig", use="sig"),
                ]
            }
        )
    )
    manager = JWTManager(make_config("RS256", jwt_verification_key_paths=[jwks]))
    for kid in ("enc", "enc-ops", "enc-alg"):
        await reject(
            manager,
            forge({"alg": "RS256", "kid": kid}, claims_for(), key=enc),
            INVALID,
            "unknown_key",
        )
    ok = forge({"alg": "RS256", "kid": "sig"}, claims_for(), key=sig)
    assert (await attempt(manager, ok)).user_id == "user-1"


async def test_jwk_alg_binds_the_key_to_one_algorithm(make_config, tmp_path):
    bound = rsa_key()
    jwks = tmp_path / "jwks.json"
    jwks.write_text(json.dumps({"keys": [jwk_of(bound, kid="rs-only", alg="RS256")]}))
    manager = JWTManager(
        make_config(
            "RS256", jwt_allowed_algorithms=["RS256", "PS256"], jwt_verification_key_paths=[jwks]
        )
    )
    await reject(
        manager,
        forge({"alg": "PS256", "kid": "rs-only"}, claims_for(), key=bound),
        INVALID,
        "unknown_key",
    )
    assert (
        await attempt(manager, forge({"alg": "RS256", "kid": "rs-only"}, claims_for(), key=bound))
    ).user_id


def test_encryption_jwk_is_refused_as_a_configured_key(make_config):
    enc = rsa_key()
    with pytest.raises(ConfigurationError, match="not a signature key"):
        JWTManager(
            make_config(
                "RS256", jwt_public_key=json.dumps(jwk_of(enc, use="enc")), jwt_private_key=None
            )
        )
    with pytest.raises(ConfigurationError, match="alg"):
        JWTManager(
            make_config(
                "RS256", jwt_public_key=json.dumps(jwk_of(enc, alg="ES256")), jwt_private_key=None
            )
        )


# ------------------------------------------------------------------ weak RSA keys


@pytest.mark.parametrize("bits", [1024, 1536, 2047])
def test_weak_rsa_keys_are_refused(make_config, tmp_path, bits):
    weak = rsa_key(bits)
    with pytest.raises(ConfigurationError, match="2048"):
        JWTManager(make_config("RS256", jwt_private_key=pem_of(weak), jwt_public_key=None))
    with pytest.raises(ConfigurationError, match="2048"):
        JWTManager(make_config("RS256", jwt_private_key=None, jwt_public_key=public_pem_of(weak)))
    path = tmp_path / "weak.pem"
    path.write_text(public_pem_of(weak))
    with pytest.raises(ConfigurationError, match="2048"):
        JWTManager(make_config("RS256", jwt_verification_key_paths=[path]))


async def test_token_signed_by_a_weak_key(rs):
    token = forge({"alg": "RS256"}, claims_for(), key=rsa_key(1024))
    await reject(rs, token, INVALID, "invalid_signature")


# ------------------------------------------------------------------ ECDSA signatures


async def test_invalid_ecdsa_signatures(es, legit, keys):
    token = legit(alg="ES256")
    head, body, sig = token.split(".")
    raw = unb64(sig)
    r, s = int.from_bytes(raw[:32], "big"), int.from_bytes(raw[32:], "big")
    n = P256_ORDER

    def fixed(r_: int, s_: int) -> str:
        return b64(r_.to_bytes(32, "big") + s_.to_bytes(32, "big"))

    cases = [
        b64(bytes(64)),
        fixed(0, s),
        fixed(r, 0),
        fixed(1, 1),
        fixed(n, s),
        fixed(r, n),
        fixed(r + n, s) if r + n < 2**256 else fixed(n, n),
        fixed(n - 1, n - 1),
        b64(raw[:63]),
        b64(raw + b"\x00"),
        b64(b"\x00" + raw),
        b64(raw + raw[:32]),
        b64(raw[32:] + raw[:32]),
        b64(encode_dss_signature(r, s)),
        b64(bytes(96)),
    ]
    for signature in cases:
        await reject(es, f"{head}.{body}.{signature}", INVALID, "invalid_signature")


async def test_ecdsa_malleated_signature_cannot_replay_a_revoked_token(es):
    """(r, n - s) is the other valid ECDSA signature of the same token (standard ECDSA,
    which JWS does not forbid). It carries the same jti and session, so revocation and
    reuse detection, keyed by jti/sid and never by the token string, still apply."""

    def malleate(token: str) -> str:
        head, body, sig = token.split(".")
        raw = unb64(sig)
        s = int.from_bytes(raw[32:], "big")
        return f"{head}.{body}.{b64(raw[:32] + (P256_ORDER - s).to_bytes(32, 'big'))}"

    pair = await es.generate_token_pair("user-1")
    twin = malleate(pair.access_token)
    assert twin != pair.access_token
    assert (await attempt(es, twin)).jti == (await attempt(es, pair.access_token)).jti
    await es.revoke_token(pair.access_token)
    await reject(es, twin, REVOKED, "token_revoked")

    second = await es.generate_token_pair("user-2")
    await es.refresh_token(second.refresh_token)
    await reject(es, malleate(second.refresh_token), REUSE, "token_reuse", op="refresh_token")


async def test_ed25519_non_canonical_s_is_rejected(ed, legit):
    head, body, sig = legit(alg="EdDSA").split(".")
    raw = unb64(sig)
    s = int.from_bytes(raw[32:], "little")
    for forged in (
        raw[:32] + (s + ED25519_L).to_bytes(32, "little"),
        raw[:32] + bytes(32),
        bytes(64),
        raw[:63],
        raw + b"\x00",
    ):
        await reject(ed, f"{head}.{body}.{b64(forged)}", INVALID, "invalid_signature")


# ------------------------------------------------------------------ crit and b64


@pytest.mark.parametrize("extra", CRIT_AND_B64_HEADERS)
async def test_crit_and_b64_headers(rs, legit, extra):
    await reject(rs, legit(extra), INVALID, "token_malformed")


async def test_unencoded_payload_rfc7797(rs, keys):
    head = encode_part({"alg": "RS256", "b64": False, "crit": ["b64"]})
    payload = json.dumps(claims_for())
    signing_input = f"{head}.{payload}".encode()
    signature = b64(raw_sign("RS256", keys("rsa2048").private_pem, signing_input))
    await reject(rs, f"{head}.{payload}.{signature}", INVALID, "token_malformed")
    await reject(rs, f"{head}..{signature}", INVALID, "token_malformed")


# ------------------------------------------------------------------ segment counts, JSON serialization


async def test_wrong_segment_counts_and_json_serialization(rs, legit):
    cases = segment_count_cases(legit())
    for forged in cases:
        await reject(rs, forged, INVALID, "token_malformed")


# ------------------------------------------------------------------ typ confusion


@pytest.mark.parametrize("typ", HEADER_TYP_ATTACKS)
async def test_header_typ_other_than_jwt(rs, legit, typ):
    await reject(rs, legit({"typ": typ}), INVALID, "token_malformed")


async def test_header_cty_is_refused(rs, legit):
    await reject(rs, legit({"cty": "JWT"}), INVALID, "token_malformed")


async def test_header_typ_jwt_in_any_case_is_accepted(rs, legit):
    for typ in ("JWT", "jwt", "application/jwt"):
        assert (await attempt(rs, legit({"typ": typ}))).user_id == "user-1"


@pytest.mark.parametrize("typ", CLAIM_TYP_ATTACKS)
async def test_claim_typ_other_than_access_or_refresh(rs, legit, typ):
    await reject(rs, legit(claims=claims_for(typ=typ)), INVALID, "invalid_claim")


async def test_refresh_and_access_are_not_interchangeable(rs, legit):
    pair = await rs.generate_token_pair("user-1")
    await reject(rs, pair.refresh_token, INVALID, "wrong_token_type")
    await reject(rs, pair.access_token, INVALID, "wrong_token_type", op="refresh")
    await reject(rs, pair.access_token, INVALID, "wrong_token_type", op="refresh_token")
    forged_refresh = legit(claims=claims_for(typ="refresh"))
    await reject(rs, forged_refresh, INVALID, "wrong_token_type")
    await reject(
        rs, legit(claims=claims_for(typ=None)), INVALID, "missing_claim", op="refresh_token"
    )


# ------------------------------------------------------------------ non-canonical base64url, whitespace


async def test_non_canonical_base64url(rs, legit, keys):
    private = keys("rsa2048").private_pem
    token = legit()
    head, body, sig = token.split(".")
    assert len(unb64(sig)) % 3 == 1  # 256 bytes: the last character carries 4 spare bits
    noncanonical_sig = sig[:-1] + sibling(sig[-1])
    assert unb64(noncanonical_sig) == unb64(sig)
    await reject(rs, f"{head}.{body}.{noncanonical_sig}", INVALID, "token_malformed")

    # Payload and header with spare bits set, each signed as-is with the real key.
    for claims in (claims_for(), claims_for(sub="user-12"), claims_for(sub="user-123")):
        segment = encode_part(claims)
        if len(segment) % 4 in (2, 3):
            odd = segment[:-1] + sibling(segment[-1])
            assert unb64(odd) == unb64(segment)
            signing_input = f"{head}.{odd}"
            forged = f"{signing_input}.{b64(raw_sign('RS256', private, signing_input.encode()))}"
            await reject(rs, forged, INVALID, "token_malformed")
    padded = [
        f"{head}==.{body}.{sig}",
        f"{head}.{body}==.{b64(raw_sign('RS256', private, f'{head}.{body}=='.encode()))}",
        f"{head}.{body}.{sig}==",
        f"{head}.{body}.{sig.replace('-', '+').replace('_', '/')}"
        if ("-" in sig or "_" in sig)
        else f"{head}.{body}.{sig}+",
    ]
    for forged in padded:
        await reject(rs, forged, INVALID, "token_malformed")


@pytest.mark.parametrize(
    "wrap",
    [
        lambda t: " " + t,
        lambda t: t + " ",
        lambda t: t + "\n",
        lambda t: t + "\r\n",
        lambda t: "\t" + t,
        lambda t: "Bearer " + t,
        lambda t: t.replace(".", "\n.", 1),
        lambda t: t[:20] + "\u00a0" + t[20:],
        lambda t: t[:20] + "\u200b" + t[20:],
    ],
)
async def test_whitespace_around_and_inside(rs, legit, wrap):
    await reject(rs, wrap(legit()), INVALID, "token_malformed")


async def test_whitespace_inside_a_signed_payload_segment(rs, keys):
    """Even signed as-is, a segment with whitespace is not base64url."""
    head = encode_part({"alg": "RS256"})
    body = encode_part(claims_for())
    for odd in (f" {body}", f"{body[:10]} {body[10:]}", f"{body}\n", f"{body[:10]}\t{body[10:]}"):
        signing_input = f"{head}.{odd}"
        signature = b64(raw_sign("RS256", keys("rsa2048").private_pem, signing_input.encode()))
        await reject(rs, f"{signing_input}.{signature}", INVALID, "token_malformed")
    unsigned = f"{head}. {body}.{b64(bytes(256))}"
    await reject(rs, unsigned, INVALID, "invalid_signature")


# ------------------------------------------------------------------ duplicate keys


async def test_duplicate_json_keys(rs, legit):
    claims = json.dumps(claims_for())
    headers = DUPLICATE_KEY_HEADERS
    payloads = duplicate_key_payloads(claims)
    for header in headers:
        await reject(rs, legit(header=header, claims=claims.encode()), INVALID, "token_malformed")
    for payload in payloads:
        await reject(rs, legit(claims=payload.encode()), INVALID, "token_malformed")


# ------------------------------------------------------------------ non-JSON and bombs


@pytest.mark.parametrize("payload", NON_JSON_PAYLOADS)
async def test_non_json_and_nested_bomb_payloads(rs, legit, payload):
    await reject(rs, legit(claims=payload), INVALID, "token_malformed")


async def test_nested_bomb_in_the_header(rs, legit):
    header = b'{"alg":"RS256","x":' + b"[" * 600 + b"]" * 600 + b"}"
    await reject(rs, legit(header=header), INVALID, "token_malformed")


async def test_wide_payload_within_the_size_cap_is_bounded(rs, legit):
    wide = claims_for(**{f"k{i}": i for i in range(400)})
    token = legit(claims=wide)
    assert 7000 < len(token) <= 8192
    claims = await attempt(rs, token)
    assert len(claims.extra) == 400


# ------------------------------------------------------------------ size caps


async def test_oversized_tokens(rs, legit, make_config):
    await reject(rs, "a" * 8193, INVALID, "token_too_large")
    await reject(rs, "é" * 4097, INVALID, "token_too_large")  # 8194 bytes
    big = legit(claims=claims_for(pad="x" * 9000))
    await reject(rs, big, INVALID, "token_too_large")
    roomy = JWTManager(make_config("RS256", max_token_bytes=16384))
    assert (await attempt(roomy, big)).extra["pad"] == "x" * 9000


async def test_header_cap(rs, legit):
    at_cap = legit({"pad": "p" * 1480})
    assert len(at_cap.split(".")[0]) <= 2048
    assert (await attempt(rs, at_cap)).user_id == "user-1"
    over = legit({"pad": "p" * 1540})
    assert len(over.split(".")[0]) > 2048
    await reject(rs, over, INVALID, "token_malformed")


# ------------------------------------------------------------------ claim oddities


@pytest.mark.parametrize(("claim", "value"), CLAIM_ODDITIES)
async def test_claim_type_and_value_oddities(rs, legit, claim, value):
    await reject(rs, legit(claims=claims_for(**{claim: value})), INVALID, "invalid_claim")


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
async def test_null_required_claim(rs, legit, claim):
    body = claims_for()
    body[claim] = None
    await reject(rs, legit(claims=body), INVALID, "invalid_claim")


@pytest.mark.parametrize(("claim", "value"), UNICODE_LOOKALIKES)
async def test_unicode_tricks_in_issuer_and_audience(rs, legit, claim, value):
    await reject(rs, legit(claims=claims_for(**{claim: value})), INVALID, "invalid_claim")


async def test_float_dates_are_floored_and_unicode_subjects_kept(rs, legit):
    now = time.time()
    claims = await attempt(rs, legit(claims=claims_for(exp=now + 600.9, sub="usér\u202e-1")))
    assert claims.expires_at.timestamp() == int(now + 600.9)
    assert claims.user_id == "usér\u202e-1"


# ------------------------------------------------------------------ time edges around the leeway


async def test_expiry_nbf_and_iat_edges(rs, legit):
    now = int(time.time())
    assert await attempt(rs, legit(claims=claims_for(exp=now - 20)))
    await reject(rs, legit(claims=claims_for(exp=now - 45)), EXPIRED, "token_expired")
    await reject(rs, legit(claims=claims_for(exp=0)), EXPIRED, "token_expired")
    assert await attempt(rs, legit(claims=claims_for(nbf=now + 20)))
    await reject(rs, legit(claims=claims_for(nbf=now + 45)), INVALID, "token_not_yet_valid")
    assert await attempt(rs, legit(claims=claims_for(iat=now + 20)))
    await reject(rs, legit(claims=claims_for(iat=now + 45)), INVALID, "invalid_claim")
    assert await attempt(rs, legit(claims=claims_for(nbf=None, iat=None)))


async def test_zero_leeway(make_config, legit):
    strict = JWTManager(make_config("RS256", leeway_seconds=0))
    now = int(time.time())
    await reject(strict, legit(claims=claims_for(exp=now - 2)), EXPIRED, "token_expired")
    await reject(strict, legit(claims=claims_for(nbf=now + 3)), INVALID, "token_not_yet_valid")


async def test_cached_token_still_expires(make_config, legit):
    strict = JWTManager(make_config("RS256", leeway_seconds=0))
    token = legit(claims=claims_for(exp=int(time.time()) + 1))
    assert await attempt(strict, token)
    assert strict.engine.cache_len() == 1
    await asyncio.sleep(2.1)
    await reject(strict, token, EXPIRED, "token_expired")


def test_leeway_above_the_maximum_is_refused(make_config):
    with pytest.raises(ConfigurationError, match="leeway_seconds"):
        make_config("RS256", leeway_seconds=61)
    with pytest.raises(ConfigurationError, match="leeway_seconds"):
        make_config("RS256", leeway_seconds=-1)


# ------------------------------------------------------------------ missing claims, issuer, audience


@pytest.mark.parametrize("claim", REQUIRED_CLAIMS)
async def test_missing_claims(rs, legit, claim):
    await reject(rs, legit(claims=claims_for(**{claim: None})), INVALID, "missing_claim")


async def test_empty_claim_set(rs, legit):
    await reject(rs, legit(claims={}), INVALID, "missing_claim")


@pytest.mark.parametrize(("claim", "value"), WRONG_ISSUER_OR_AUDIENCE)
async def test_wrong_issuer_or_audience(rs, legit, claim, value):
    await reject(rs, legit(claims=claims_for(**{claim: value})), INVALID, "invalid_claim")


async def test_audience_array_containing_ours(rs, legit):
    claims = await attempt(rs, legit(claims=claims_for(aud=["x", "test-audience", "y"])))
    assert claims.audience == ["x", "test-audience", "y"]


# ------------------------------------------------------------------ replay after revocation


async def test_replay_after_revocation_logout_and_reuse(rs):
    pair = await rs.generate_token_pair("user-1")
    await attempt(rs, pair.access_token)  # now cached
    await rs.revoke_token(pair.access_token)
    for _ in range(3):
        await reject(rs, pair.access_token, REVOKED, "token_revoked")

    session = await rs.generate_token_pair("user-1")
    await rs.logout(session.access_token)
    await reject(rs, session.access_token, REVOKED, "token_revoked")
    await reject(rs, session.refresh_token, REVOKED, "token_revoked", op="refresh_token")

    family = await rs.generate_token_pair("user-1")
    rotated = await rs.refresh_token(family.refresh_token)
    await reject(rs, family.refresh_token, REUSE, "token_reuse", op="refresh_token")
    await reject(rs, rotated.access_token, REVOKED, "token_revoked")
    await reject(rs, rotated.refresh_token, REVOKED, "token_revoked", op="refresh_token")

    everywhere = await rs.generate_token_pair("user-1")
    await rs.logout_all("user-1")
    await reject(rs, everywhere.access_token, REVOKED, "token_revoked")


# ------------------------------------------------------------------ cross-tenant use


async def test_cross_tenant_tokens(make_config, keys, legit):
    """Two deployments sharing one key pair still refuse each other's tokens (iss/aud),
    and a tenant's claims cannot be edited without the key."""
    tenant_a = JWTManager(make_config("RS256"))
    tenant_b = JWTManager(make_config("RS256", jwt_issuer="tenant-b", jwt_audience="tenant-b-api"))
    from_b = (await tenant_b.generate_token_pair("user-1", "org-b")).access_token
    await reject(tenant_a, from_b, INVALID, "invalid_claim")
    from_a = (await tenant_a.generate_token_pair("user-1", "org-a")).access_token
    await reject(tenant_b, from_a, INVALID, "invalid_claim")
    only_aud = JWTManager(make_config("RS256", jwt_audience="tenant-c-api"))
    await reject(only_aud, from_a, INVALID, "invalid_claim")

    other_key = JWTManager(
        make_config("RS256", jwt_private_key=pem_of(rsa_key()), jwt_public_key=None)
    )
    await reject(
        tenant_a,
        (await other_key.generate_token_pair("u", "org-a")).access_token,
        INVALID,
        "unknown_key",
    )

    head, body, sig = from_a.split(".")
    claims = json.loads(unb64(body))
    claims["org"] = "org-b"
    await reject(tenant_a, f"{head}.{encode_part(claims)}.{sig}", INVALID, "invalid_signature")
    verified = await attempt(tenant_a, from_a)
    assert verified.organization_id == "org-a"
