"""Entra ID access tokens through AzureADProvider, against the Entra-shaped IdP on loopback.

Every rule of issue 11: issuers and JWKS from the discovery documents (v1.0 and v2.0,
single and multi-tenant), tenant templates, the keys' own ``issuer``, audiences, guests,
header ``typ``, no URL from a token, and the key-fetch policy over real HTTP.
"""

from __future__ import annotations

import asyncio
import base64
import json
from collections.abc import Callable
from typing import Any

import jwt
import pytest

from netrun_auth.exceptions import (
    AuthenticationError,
    ConfigurationError,
    TokenExpiredError,
    TokenInvalidError,
)
from netrun_auth.integrations.azure_ad import AzureADConfig, AzureADProvider
from netrun_auth.oidc import IdentityProviderUnavailableError
from netrun_auth.types import User

from .entra_idp import (
    CLIENT_ID,
    OTHER_TENANT,
    TENANT,
    USER_OID,
    EntraIdP,
    Server,
    new_key,
    v2_claims,
    v2_issuer,
)

Make = Callable[..., AzureADProvider]


async def rejected(provider: AzureADProvider, token: str) -> AuthenticationError:
    with pytest.raises(AuthenticationError) as caught:
        await provider.validate_token(token)
    assert caught.value.status_code == 401, caught.value
    return caught.value


# -- tokens that validate ---------------------------------------------------------------


async def test_v2_token_maps_to_a_user(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider()
    user = await provider.validate_token(idp.v2())
    assert isinstance(user, User)
    assert user.user_id == USER_OID
    assert user.organization_id == TENANT
    assert user.roles == ("Reports.Reader",)
    assert user.permissions == ()
    assert user.email == "abeli@contoso.com"
    assert user.display_name == "Abe Lincoln"
    assert user.extra["is_guest"] is False
    assert user.scopes == ("access_as_user", "Files.Read")
    assert user.issuer == v2_issuer(TENANT)


async def test_the_user_is_the_validated_model_and_deeply_immutable(
    idp: EntraIdP, make_provider: Make
) -> None:
    """The User is filled from the engine's fields without validation: it must equal the
    model pydantic validates from the same data, with every nested value frozen."""
    provider = make_provider()
    token = idp.v2(
        groups=["g1", "g2"],
        ext={"tags": ["a"], "n": 1.5, "deep": {"k": [None, True]}},
        email="",
        jti="j-1",
    )
    user = await provider.validate_token(token)
    assert user == User.model_validate(user.model_dump())
    assert user.email == "abeli@contoso.com"  # an empty `email` falls to preferred_username
    assert user.token_id == "j-1"  # jti before uti
    assert user.session_id is None and user.permissions == ()
    assert user.extra["groups"] == ("g1", "g2")
    assert user.extra["ext"]["deep"]["k"] == (None, True)
    assert user.extra["oid"] == USER_OID and user.extra["tid"] == TENANT
    assert user.extra["sub"] == v2_claims()["sub"] and user.extra["ver"] == "2.0"
    assert "acct" not in user.extra and "idp" not in user.extra
    with pytest.raises(TypeError):
        user.extra["ext"]["n"] = 2  # type: ignore[index]
    with pytest.raises(TypeError):
        user.extra["new"] = 1  # type: ignore[index]
    assert user.model_dump()["extra"]["ext"] == {
        "tags": ["a"],
        "n": 1.5,
        "deep": {"k": [None, True]},
    }
    assert await provider.validate_token(token) is user  # kept with the engine's cache entry


async def test_both_user_builders_agree_with_pydantic(idp: EntraIdP, make_provider: Make) -> None:
    """The engine's builder (pydantic's own storage, checked at import; ``extra`` read
    when first used) and the public ``model_copy`` fallback build the same User as
    validation does."""
    from netrun_auth import _core, oidc

    assert oidc._FILLED_BY_ENGINE  # the installed pydantic passed the check
    provider = make_provider()
    await provider.start()
    verifier = provider._issuers[0].verifier
    assert verifier is not None
    claims = verifier.verify(idp.v2(groups=["g"]))
    filled = claims.user_of(oidc._USER_MODEL)
    assert isinstance(filled.extra, _core.ClaimsView)
    copied = oidc._copy_user(claims.user_fields())
    validated = User.model_validate(filled.model_dump())
    assert filled == copied == validated and copied == filled
    assert filled.model_dump() == copied.model_dump() == validated.model_dump()
    assert filled.model_dump_json() == validated.model_dump_json()
    assert filled.session_id is None and filled.extra["groups"] == ("g",)
    assert claims.user_of(oidc._USER_MODEL) is filled  # kept with the claims


async def test_the_lazy_extra_reads_as_a_read_only_mapping(
    idp: EntraIdP, make_provider: Make
) -> None:
    """``User.extra`` of an outside token is converted when first read, and then reads
    and compares as the read-only mapping it stands for."""
    import copy
    import pickle
    from collections.abc import Mapping

    provider = make_provider()
    user = await provider.validate_token(idp.v2(groups=["g"], uti="lazy"))
    extra = user.extra
    assert isinstance(extra, Mapping)
    assert extra["uti"] == "lazy" and extra.get("uti") == "lazy" and "uti" in extra
    assert extra.get("missing") is None and extra.get("missing", 1) == 1 and "missing" not in extra
    assert extra["tid"] == TENANT and extra["is_guest"] is False
    plain = dict(extra)
    assert extra == plain and plain == extra and len(extra) == len(plain)
    assert list(extra) == list(plain) and list(extra.items()) == list(plain.items())
    with pytest.raises(KeyError):
        extra["missing"]
    with pytest.raises(TypeError):
        extra["uti"] = "changed"  # type: ignore[index]
    assert extra["groups"] == ("g",)  # arrays are tuples
    assert copy.copy(extra) == plain and pickle.loads(pickle.dumps(dict(extra))) == plain
    assert "ClaimsView(" in repr(extra)
    assert user.model_dump()["extra"]["groups"] == ["g"]


async def test_v1_token_with_app_id_uri_audience(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider()
    # before discovery (no lifespan start): routed by the tenant it names, checked exactly later
    assert provider.accepts_issuer(f"https://sts.windows.net/{TENANT}/")
    assert not provider.accepts_issuer(f"https://sts.windows.net/{OTHER_TENANT}/")
    user = await provider.validate_token(idp.v1())
    assert user.user_id == USER_OID
    assert user.extra["upn"] == "abeli@contoso.com"
    assert provider.accepts_issuer(f"https://sts.windows.net/{TENANT}/")
    assert provider.accepts_issuer(v2_issuer(TENANT))


async def test_issuers_come_from_the_discovery_documents(
    idp: EntraIdP, make_provider: Make
) -> None:
    provider = make_provider()
    await provider.start()
    assert provider.issuers == {v2_issuer(TENANT), f"https://sts.windows.net/{TENANT}/"}
    assert idp.hits[f"/{TENANT}/v2.0/.well-known/openid-configuration"] == 1
    assert idp.hits[f"/{TENANT}/.well-known/openid-configuration"] == 1
    assert idp.hits[f"/{TENANT}/discovery/v2.0/keys"] == 1
    assert idp.hits[f"/{TENANT}/discovery/keys"] == 1


# -- audiences, time, claim types -------------------------------------------------------


async def test_audience_must_be_listed(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider()
    graph = "00000003-0000-0000-c000-000000000000"
    error = await rejected(provider, idp.v2(aud=graph))
    assert error.code == "invalid_claim"
    await provider.validate_token(idp.v2(aud=f"api://{CLIENT_ID}"))
    narrow = make_provider(audiences=[f"api://{CLIENT_ID}"])
    await rejected(narrow, idp.v2())


async def test_expired_not_yet_valid_and_wrong_types(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider()
    with pytest.raises(TokenExpiredError):
        await provider.validate_token(idp.v2(exp=1_600_000_000))
    assert (await rejected(provider, idp.v2(nbf=4_000_000_000))).code == "token_not_yet_valid"
    await rejected(provider, idp.v2(exp=str(4_000_000_000)))
    await rejected(provider, idp.v2(roles="Reports.Reader"))
    await rejected(provider, idp.v2(scp=["a", 1]))


# -- tenants ------------------------------------------------------------------------------


async def test_single_tenant_refuses_other_tenants(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider()
    assert not provider.accepts_issuer(v2_issuer(OTHER_TENANT))
    error = await rejected(provider, idp.v2(OTHER_TENANT))
    assert error.code == "issuer_unknown"


async def test_multi_tenant_fills_the_template_from_tid(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider(tenant_id="common", allowed_tenants=[TENANT])
    user = await provider.validate_token(idp.v2(TENANT))
    assert user.organization_id == TENANT
    await provider.validate_token(idp.v1(TENANT))
    assert provider.issuers == {
        "https://login.microsoftonline.com/{tenantid}/v2.0",
        "https://sts.windows.net/{tenantid}/",
    }
    # a tenant that is not allowed is not even routed here
    assert not provider.accepts_issuer(v2_issuer(OTHER_TENANT))
    await rejected(provider, idp.v2(OTHER_TENANT))


async def test_iss_and_tid_must_agree(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider(tenant_id="organizations", allowed_tenants=[TENANT, OTHER_TENANT])
    error = await rejected(provider, idp.v2(OTHER_TENANT, iss=v2_issuer(TENANT)))
    assert error.code == "invalid_claim"
    assert (await rejected(provider, idp.v2(TENANT, tid="common"))).code == "invalid_claim"
    assert (await rejected(provider, idp.v2(TENANT, tid=None))).code == "missing_claim"


async def test_any_tenant_is_an_explicit_opt_in(
    idp: EntraIdP, make_provider: Make, azure_config: Callable[..., AzureADConfig]
) -> None:
    with pytest.raises(ConfigurationError, match="allowed_tenants"):
        azure_config(tenant_id="common")
    with pytest.raises(ConfigurationError, match="allowed_tenants"):
        azure_config(tenant_id="common", allowed_tenants=["contoso.onmicrosoft.com"])
    provider = make_provider(tenant_id="common", allowed_tenants="*")
    user = await provider.validate_token(idp.v2(OTHER_TENANT))
    assert user.organization_id == OTHER_TENANT
    await rejected(provider, idp.v2("not-a-guid", iss=v2_issuer("not-a-guid")))


async def test_the_signing_keys_own_issuer_must_match(idp: EntraIdP, make_provider: Make) -> None:
    # A v1.0 key (issuer https://sts.windows.net/{tenantid}/) signing a token whose iss is
    # the v2.0 issuer: the token is routed to the v2.0 keys, where this kid carries the
    # v2.0 issuer; forge the mismatch by serving a key only in v1.0's JWKS with v2.0 claims.
    provider = make_provider()
    await provider.start()
    v1_only = new_key()
    idp.keys.append(v1_only)
    original = idp.jwks

    def jwks(*, v2: bool) -> tuple[int, bytes]:
        status, body = original(v2=v2)
        doc = json.loads(body)
        for key in doc["keys"]:
            if key["kid"] == v1_only.kid:
                key["issuer"] = "https://sts.windows.net/{tenantid}/"
        return status, json.dumps(doc).encode()

    idp.jwks = jwks  # type: ignore[method-assign]
    token = idp.token(v2_claims(), key=v1_only)
    error = await rejected(provider, token)
    assert error.code == "invalid_claim"
    assert "issuer" in error.message


# -- guests -------------------------------------------------------------------------------


@pytest.mark.parametrize(
    "marks",
    [{"acct": 1}, {"idp": f"https://sts.windows.net/{OTHER_TENANT}/"}, {"idp": "live.com"}],
)
async def test_guests_follow_allow_guests(
    idp: EntraIdP, make_provider: Make, marks: dict[str, Any]
) -> None:
    refusing = make_provider()
    assert (await rejected(refusing, idp.v2(**marks))).code == "invalid_claim"
    accepting = make_provider(allow_guests=True)
    user = await accepting.validate_token(idp.v2(**marks))
    assert user.extra["is_guest"] is True
    # a member whose idp is the issuer itself is not a guest
    await refusing.validate_token(idp.v2(idp=v2_issuer(TENANT), acct=0))


# -- header rules -------------------------------------------------------------------------


async def test_header_typ_is_jwt_for_entra(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider()
    await provider.validate_token(idp.token(v2_claims(), header={"typ": "JWT"}))
    for typ in ("at+jwt", "dpop+jwt", "logout+jwt"):
        error = await rejected(provider, idp.token(v2_claims(), header={"typ": typ}))
        assert error.code == "token_malformed"


def _unsigned(header: dict[str, Any], claims: dict[str, Any], signature: bytes = b"") -> str:
    def part(data: bytes) -> str:
        return base64.urlsafe_b64encode(data).rstrip(b"=").decode()

    return ".".join(
        [part(json.dumps(header).encode()), part(json.dumps(claims).encode()), part(signature)]
    )


async def test_alg_none_and_hs256_with_the_public_key_are_refused(
    idp: EntraIdP, make_provider: Make
) -> None:
    provider = make_provider()
    await provider.start()
    kid = idp.signing.kid
    none = _unsigned({"alg": "none", "typ": "JWT", "kid": kid}, v2_claims())
    assert (await rejected(provider, none)).code == "algorithm_not_allowed"
    # HS256 keyed with the published public key (the classic confusion attack)
    public_jwk = json.dumps(idp.signing.jwk(None)).encode()
    import hmac
    from hashlib import sha256

    header = {"alg": "HS256", "typ": "JWT", "kid": kid}
    body = _unsigned(header, v2_claims()).rsplit(".", 1)[0]
    mac = hmac.new(public_jwk, body.encode(), sha256).digest()
    forged = body + "." + base64.urlsafe_b64encode(mac).rstrip(b"=").decode()
    assert (await rejected(provider, forged)).code == "algorithm_not_allowed"


async def test_urls_in_the_token_are_never_fetched(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider()
    await provider.start()
    attacker = new_key()
    for member in ("jku", "x5u"):
        token = idp.token(
            v2_claims(),
            key=attacker,
            header={member: f"{idp.authority}/evil/keys", "kid": attacker.kid},
        )
        assert (await rejected(provider, token)).code == "unknown_key"
    assert not [path for path in idp.hits if path.startswith("/evil")]


async def test_oversized_and_non_ascii_tokens(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider()
    big = idp.v2(pad="x" * 20_000)
    assert (await rejected(provider, big)).code == "token_too_large"
    for junk in ("", "a.b", "\udcff.x.y", "é" * 10, "a.b.c.d"):
        await rejected(provider, junk)


# -- the key-fetch policy over real HTTP ------------------------------------------------


async def test_steady_state_fetches_nothing(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider()
    await provider.validate_token(idp.v2())
    await provider.validate_token(idp.v1())
    before = idp.jwks_fetches()
    for i in range(100):
        await provider.validate_token(idp.v2(uti=f"u{i}"))
    assert idp.jwks_fetches() == before == 2


async def test_concurrent_first_use_is_one_fetch(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider()
    idp.mode, idp.slow_seconds = "slow", 0.3
    tokens = [idp.v2(uti=f"u{i}") for i in range(30)]
    users = await asyncio.gather(*(provider.validate_token(t) for t in tokens))
    assert len(users) == 30
    assert idp.hits[f"/{TENANT}/discovery/v2.0/keys"] == 1
    assert idp.hits[f"/{TENANT}/v2.0/.well-known/openid-configuration"] == 1


async def test_rollover_is_one_fetch(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider()
    await provider.validate_token(idp.v2())
    before = idp.jwks_fetches()
    idp.rotate()
    tokens = [idp.v2(uti=f"new{i}") for i in range(20)]
    await asyncio.gather(*(provider.validate_token(t) for t in tokens))
    for token in tokens:
        await provider.validate_token(token)
    assert idp.jwks_fetches() == before + 1


async def test_unknown_kids_fetch_at_most_once_per_cooldown(
    idp: EntraIdP, make_provider: Make
) -> None:
    provider = make_provider()
    await provider.validate_token(idp.v2())
    before = idp.jwks_fetches()
    strangers = [idp.token(v2_claims(), key=new_key()) for _ in range(10)]
    for i in range(100):
        assert (await rejected(provider, strangers[i % 10])).code == "unknown_key"
    assert idp.jwks_fetches() - before <= 1
    # concurrently too
    results = await asyncio.gather(
        *(provider.validate_token(t) for t in strangers * 10), return_exceptions=True
    )
    assert all(isinstance(r, TokenInvalidError) for r in results)
    assert idp.jwks_fetches() - before <= 1


async def test_cooldown_zero_fetches_again(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider(jwks_refetch_cooldown_seconds=0)
    await provider.validate_token(idp.v2())
    before = idp.jwks_fetches()
    stranger = idp.token(v2_claims(), key=new_key())
    await rejected(provider, stranger)
    await rejected(provider, stranger)
    assert idp.jwks_fetches() == before + 2


@pytest.mark.parametrize("mode", ["down", "garbage", "empty", "huge"])
async def test_known_keys_keep_working_when_the_idp_fails(
    idp: EntraIdP, make_provider: Make, mode: str
) -> None:
    provider = make_provider(jwks_refetch_cooldown_seconds=0)
    await provider.validate_token(idp.v2())
    idp.mode = mode
    new = idp.rotate()
    error = await rejected(provider, idp.token(v2_claims(), key=new))
    assert error.code == "unknown_key"
    assert idp.jwks_fetches() == 2  # the first (v2.0 keys), then the failed one
    idp.keys = idp.keys[:1]
    await provider.validate_token(idp.v2())


async def test_known_keys_keep_working_when_the_idp_is_gone(
    idp: EntraIdP, idp_server: Server, make_provider: Make
) -> None:
    provider = make_provider(jwks_refetch_cooldown_seconds=0)
    await provider.start()
    token = idp.v2()
    stranger = idp.token(v2_claims(), key=new_key())
    idp_server.close()
    await provider.validate_token(token)
    assert (await rejected(provider, stranger)).code == "unknown_key"
    await provider.validate_token(idp.v1())


async def test_a_slow_idp_is_a_bounded_wait_then_401(idp: EntraIdP, make_provider: Make) -> None:
    provider = make_provider(timeout=0.5, jwks_refetch_cooldown_seconds=0)
    await provider.validate_token(idp.v2())
    idp.mode, idp.slow_seconds = "slow", 3.0
    stranger = idp.token(v2_claims(), key=new_key())
    assert (await rejected(provider, stranger)).code == "unknown_key"
    await provider.validate_token(idp.v2())


async def test_no_keys_ever_is_503(idp: EntraIdP, make_provider: Make) -> None:
    idp.mode = "down"
    provider = make_provider()
    with pytest.raises(IdentityProviderUnavailableError) as caught:
        await provider.validate_token(idp.v2())
    assert caught.value.status_code == 503
    idp.discovery_mode = "down"
    other = make_provider()
    with pytest.raises(IdentityProviderUnavailableError):
        await other.validate_token(idp.v2())


# -- configuration ------------------------------------------------------------------------


def test_config_fields_are_the_issues(monkeypatch: pytest.MonkeyPatch) -> None:
    assert set(AzureADConfig.model_fields) == {
        "tenant_id",
        "client_id",
        "allowed_tenants",
        "audiences",
        "authority_host",
        "insecure_http_authority",
        "jwks_refetch_cooldown_seconds",
        "allow_guests",
    }
    monkeypatch.setenv("NETRUN_AUTH_AZURE_TENANT_ID", "organizations")
    monkeypatch.setenv("NETRUN_AUTH_AZURE_CLIENT_ID", CLIENT_ID)
    monkeypatch.setenv("NETRUN_AUTH_AZURE_ALLOWED_TENANTS", f"{TENANT}, {OTHER_TENANT}")
    monkeypatch.setenv("NETRUN_AUTH_AZURE_ALLOW_GUESTS", "true")
    config = AzureADConfig(_env_file=None)
    assert config.is_multi_tenant
    assert config.allowed_tenants == [TENANT, OTHER_TENANT]
    assert config.allow_guests is True
    assert config.accepted_audiences == [CLIENT_ID, f"api://{CLIENT_ID}"]
    assert config.authority_host == "https://login.microsoftonline.com"


@pytest.mark.parametrize(
    "bad",
    [
        {"tenant_id": "contoso.onmicrosoft.com"},
        {"tenant_id": "consumers"},
        {"client_id": "my-api"},
        {"authority_host": "http://login.microsoftonline.com"},
        {"allowed_tenants": [OTHER_TENANT]},
        {"tenant_id": "common", "allowed_tenants": ["*", TENANT]},
    ],
)
def test_bad_settings_are_configuration_errors(bad: dict[str, Any]) -> None:
    values: dict[str, Any] = {"tenant_id": TENANT, "client_id": CLIENT_ID, "_env_file": None}
    values.update(bad)
    with pytest.raises(ConfigurationError):
        AzureADConfig(**values)


async def test_sovereign_cloud_is_just_another_authority(
    idp: EntraIdP, make_provider: Make
) -> None:
    # The IdP on loopback stands for login.microsoftonline.us / login.chinacloudapi.cn /
    # <tenant>.ciamlogin.com: nothing about the host is hard-coded.
    provider = make_provider()
    await provider.start()
    assert all(p.startswith(f"/{TENANT}/") for p in idp.hits)


def test_pyjwt_decodes_what_the_idp_signs(idp: EntraIdP) -> None:
    """The IdP's tokens are ordinary RS256 JWTs (a check of the test fixture itself)."""
    token = idp.v2()
    key = idp.signing.private.public_key()
    claims = jwt.decode(token, key, algorithms=["RS256"], audience=CLIENT_ID)
    assert claims["tid"] == TENANT


def test_bad_oidc_settings_are_configuration_errors() -> None:
    from netrun_auth.oidc import OIDCConfig, OIDCProvider

    for bad in (
        {"algorithms": ["HS256"]},
        {"algorithms": ["none"]},
        {"issuer": "https://x/{tenantid}/v2.0"},
        {"issuer": "https://x/{tenantid}/v2.0", "allowed_tenants": ["contoso"]},
        {"leeway_seconds": 301},
    ):
        values: dict[str, Any] = {"issuer": "https://issuer.example", "audiences": ["api"]}
        values.update(bad)
        with pytest.raises((ConfigurationError, ValueError)):
            OIDCProvider(OIDCConfig(**values))


@pytest.mark.parametrize(
    "values",
    [
        {"issuer": "http://issuer.example"},
        {"issuer": "https://issuer.example", "discovery_url": "http://issuer.example/d"},
    ],
)
def test_a_plain_http_discovery_document_is_refused(values: dict[str, Any]) -> None:
    """The discovery document names the keys: fetched over http, anyone on the path could
    name theirs (only loopback tests opt in with ``insecure_http``)."""
    from netrun_auth.oidc import OIDCConfig, OIDCProvider

    with pytest.raises(ConfigurationError, match="https"):
        OIDCProvider(OIDCConfig(audiences=["api"], **values))
    OIDCProvider(OIDCConfig(audiences=["api"], insecure_http=True, **values))


async def test_scheduled_refresh_runs_in_the_background(idp: EntraIdP) -> None:
    """Keys are refreshed every 12-24 h (jittered): the token that finds them due is
    validated with the held keys while the fetch runs beside it."""
    import httpx

    from netrun_auth.oidc import OIDCConfig, OIDCProvider

    now = [1000.0]
    config = OIDCConfig(
        issuer=v2_issuer(TENANT),
        audiences=[CLIENT_ID],
        discovery_url=f"{idp.authority}/{TENANT}/v2.0/.well-known/openid-configuration",
        allowed_tenants=[TENANT],
        insecure_http=True,
    )
    async with httpx.AsyncClient() as client:
        provider = OIDCProvider(config, http_client=client, clock=lambda: now[0])
        await provider.validate_token(idp.v2())
        assert idp.jwks_fetches() == 1
        now[0] += 12 * 3600 - 1
        await provider.validate_token(idp.v2())
        assert idp.jwks_fetches() == 1, "not due before 12 h"
        now[0] += 12 * 3600 + 2
        idp.mode, idp.slow_seconds = "slow", 0.5
        user = await provider.validate_token(idp.v2())  # does not wait for the fetch
        assert user.user_id == v2_claims()["sub"]  # a generic issuer's user id is `sub`
        assert provider.fetch_count == 2
        assert any(not task.done() for task in provider._background)
        await provider.aclose()


async def test_one_discovery_document_down_does_not_stop_the_other(
    idp: EntraIdP, make_provider: Make
) -> None:
    idp.discovery_mode = "down-v1"
    provider = make_provider()
    await provider.start()  # logs, does not raise
    await provider.validate_token(idp.v2())
    with pytest.raises(IdentityProviderUnavailableError):
        await provider.validate_token(idp.v1())


async def test_a_remembered_user_still_needs_a_valid_token(
    idp: EntraIdP, make_provider: Make
) -> None:
    """The provider reuses the User of a token seen before, but only after the engine
    verified the token again: a key withdrawn by the IdP stops it at once."""
    provider = make_provider(jwks_refetch_cooldown_seconds=0)
    token = idp.v2()
    first = await provider.validate_token(token)
    assert await provider.validate_token(token) is first
    idp.rotate(drop_old=True)
    await provider.validate_token(idp.v2())  # the new key: one fetch, the old key is gone
    assert (await rejected(provider, token)).code == "unknown_key"


@pytest.mark.parametrize(("mode", "code"), [("down", "jwks_unavailable"), ("garbage", None)])
async def test_each_jwks_fetch_is_an_audit_event(
    idp: EntraIdP, make_provider: Make, mode: str, code: str | None
) -> None:
    from netrun_auth import audit

    events: list[dict[str, Any]] = []
    previous = audit.set_handler(events.append)
    try:
        provider = make_provider(jwks_refetch_cooldown_seconds=0)
        await provider.validate_token(idp.v2())
        idp.mode = mode
        await rejected(provider, idp.token(v2_claims(), key=idp.rotate()))
    finally:
        audit.set_handler(previous)
    jwks = [e for e in events if e["event"].startswith("jwks_")]
    assert [e["event"] for e in jwks] == ["jwks_refreshed", "jwks_refresh_failed"]
    assert jwks[0]["keys"] >= 1 and jwks[0]["issuer"] and jwks[0]["jwks_uri"]
    if code is not None:
        assert jwks[1]["error_code"] == code
    else:
        assert jwks[1]["error_code"]  # the engine's code for a refused document


async def test_routed_by_the_engine_once_both_issuers_hold_keys(
    idp: EntraIdP, make_provider: Make
) -> None:
    """Entra's v1.0 and v2.0 issuers, both with keys: one engine parse routes each token
    by its ``iss`` and verifies it. A forged signature is still refused, a foreign issuer
    is ``issuer_unknown``, and the 12-24 h schedule still runs from the routed path."""
    provider = make_provider(tenant_id="common", allowed_tenants=[TENANT])
    await provider.start()
    assert provider._router is not None, "both issuers hold keys after start"
    assert (await provider.validate_token(idp.v2())).issuer == v2_issuer(TENANT)
    assert (await provider.validate_token(idp.v1())).issuer.startswith("https://sts.windows.net/")
    body, signature = idp.v2(uti="forged").rsplit(".", 1)
    raw = bytearray(base64.urlsafe_b64decode(signature + "=" * (-len(signature) % 4)))
    raw[7] ^= 1
    forged = body + "." + base64.urlsafe_b64encode(bytes(raw)).rstrip(b"=").decode()
    assert (await rejected(provider, forged)).code == "invalid_signature"
    assert (await rejected(provider, idp.v2(OTHER_TENANT))).code == "issuer_unknown"
    assert (await rejected(provider, idp.v2(exp=1))).code == "token_expired"
    fetches = idp.jwks_fetches()
    now = [provider._clock() + 24 * 3600 + 1]
    provider._clock = lambda: now[0]
    await provider.validate_token(idp.v2(uti="due"))
    for task in list(provider._background):
        await task
    assert idp.jwks_fetches() == fetches + 1, "the due refresh of the v2.0 issuer ran"
