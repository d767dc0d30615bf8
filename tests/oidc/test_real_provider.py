"""A real OpenID provider from PyPI (``oidc-provider-mock``: Authlib + Flask) on loopback.

A client logs in with the authorization-code flow (PKCE), as a browser-driven app would,
gets its tokens from the token endpoint, and ``OIDCProvider`` validates the signed JWT it
received (the ID token: this provider's access tokens are opaque strings), with the keys
it fetched from the provider's own discovery document and JWKS.
"""

from __future__ import annotations

import base64
import hashlib
import secrets
import warnings
from collections.abc import Iterator
from urllib.parse import parse_qs, urlparse

import httpx
import pytest

from netrun_auth.exceptions import AuthenticationError, ConfigurationError
from netrun_auth.oidc import OIDCConfig, OIDCProvider

with warnings.catch_warnings():
    warnings.simplefilter("ignore")  # Authlib's deprecation notices about its own modules
    import oidc_provider_mock

# Authlib (inside the provider, on its server thread) warns about its own deprecated APIs.
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")

CLIENT_ID = "netrun-tests"
REDIRECT_URI = "http://127.0.0.1:1/callback"


@pytest.fixture(scope="module")
def issuer() -> Iterator[str]:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        with oidc_provider_mock.run_server_in_thread() as server:
            yield f"http://127.0.0.1:{server.server_port}"


def login(issuer: str, subject: str) -> dict[str, str]:
    """The authorization-code flow with PKCE; returns the token endpoint's answer."""
    with httpx.Client(follow_redirects=False, timeout=10) as client:
        config = client.get(f"{issuer}/.well-known/openid-configuration").json()
        verifier = secrets.token_urlsafe(48)
        challenge = (
            base64.urlsafe_b64encode(hashlib.sha256(verifier.encode()).digest())
            .rstrip(b"=")
            .decode()
        )
        params = {
            "client_id": CLIENT_ID,
            "redirect_uri": REDIRECT_URI,
            "response_type": "code",
            "scope": "openid profile email",
            "state": secrets.token_urlsafe(8),
            "nonce": secrets.token_urlsafe(8),
            "code_challenge": challenge,
            "code_challenge_method": "S256",
        }
        form = client.get(config["authorization_endpoint"], params=params)
        assert form.status_code == 200
        consent = client.post(
            config["authorization_endpoint"], params=params, data={"sub": subject}
        )
        assert consent.status_code == 302, consent.text
        code = parse_qs(urlparse(consent.headers["location"]).query)["code"][0]
        answer = client.post(
            config["token_endpoint"],
            data={
                "grant_type": "authorization_code",
                "code": code,
                "redirect_uri": REDIRECT_URI,
                "client_id": CLIENT_ID,
                "client_secret": "any",
                "code_verifier": verifier,
            },
        )
        assert answer.status_code == 200, answer.text
        tokens: dict[str, str] = answer.json()
        return tokens


async def test_a_token_from_a_real_provider_validates(issuer: str) -> None:
    tokens = login(issuer, "alice@example.com")
    provider = OIDCProvider(OIDCConfig(issuer=issuer, audiences=[CLIENT_ID], insecure_http=True))
    try:
        assert provider.accepts_issuer(issuer)
        user = await provider.validate_token(tokens["id_token"])
        assert user.user_id == "alice@example.com"
        assert user.email == "alice@example.com"
        assert provider.fetch_count == 1
        again = await provider.validate_token(login(issuer, "bob@example.com")["id_token"])
        assert again.user_id == "bob@example.com"
        assert provider.fetch_count == 1
        # the opaque access token is not a JWT: a clean 401
        with pytest.raises(AuthenticationError) as caught:
            await provider.validate_token(tokens["access_token"])
        assert caught.value.status_code == 401
    finally:
        await provider.aclose()


async def test_wrong_audience_and_issuer_are_refused(issuer: str) -> None:
    token = login(issuer, "carol@example.com")["id_token"]
    other = OIDCProvider(OIDCConfig(issuer=issuer, audiences=["another-api"], insecure_http=True))
    try:
        with pytest.raises(AuthenticationError) as caught:
            await other.validate_token(token)
        assert caught.value.code == "invalid_claim"
    finally:
        await other.aclose()
    # the discovery document must name exactly the configured issuer
    lying = OIDCProvider(
        OIDCConfig(
            issuer="http://127.0.0.1:9/",
            discovery_url=f"{issuer}/.well-known/openid-configuration",
            audiences=[CLIENT_ID],
            insecure_http=True,
        )
    )
    try:
        assert not lying.accepts_issuer(issuer)
        with pytest.raises(AuthenticationError) as unavailable:
            await lying.validate_token(token)
        assert unavailable.value.status_code == 503
    finally:
        await lying.aclose()


def test_plain_http_issuers_need_the_insecure_opt_in(issuer: str) -> None:
    # The discovery document names the keys: an http one is refused when the provider is
    # built (a configuration error), not on the first request.
    with pytest.raises(ConfigurationError, match="https"):
        OIDCProvider(OIDCConfig(issuer=issuer, audiences=[CLIENT_ID]))
