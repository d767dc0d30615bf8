"""Tokens of any OpenID Connect issuer (Auth0, Keycloak, Okta, Zitadel, Google, Entra ID...).

:class:`OIDCProvider` validates an outside issuer's access tokens next to your own:
give it to ``AuthenticationMiddleware(..., providers=[...])`` and ``get_current_user``,
``require_roles``, ``require_scopes`` work for its tokens too.

The rules live in the Rust engine (``netrun_auth._core.OidcVerifier``): algorithm
allow-list, key by ``kid``, signature, ``iss`` (exact or a ``{tenantid}`` template),
``aud``, time, and *when* to fetch the JWKS (on a 12-24 h schedule with jitter, on an
unknown ``kid`` at most once per cooldown, one fetch at a time, last good keys kept when
the issuer is down). This module only does the HTTP, with ``httpx``: the discovery
document once, the JWKS when the engine asks. A steady stream of valid tokens fetches
nothing; a URL named by a token (``jku``, ``x5u``) is never fetched.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable, Mapping, Sequence
from types import MappingProxyType
from typing import Any

import httpx
from pydantic import BaseModel, ConfigDict, Field, field_validator

from . import _core, audit
from .exceptions import (
    AuthenticationError,
    ConfigurationError,
    InvalidInputError,
    NetrunAuthError,
    TokenInvalidError,
)
from .types import User

__all__ = [
    "IdentityProviderUnavailableError",
    "OIDCConfig",
    "OIDCProvider",
]

logger = logging.getLogger("netrun_auth")

_DISCOVERY_PATH = "/.well-known/openid-configuration"


class IdentityProviderUnavailableError(AuthenticationError):
    """The issuer's discovery document or keys could not be fetched yet (HTTP 503).

    Only raised before any key was ever fetched: once keys are held, an outage keeps
    them in use, and a token naming an unknown key is a plain 401.
    """

    default_code = "idp_unavailable"
    default_message = "The identity provider is unavailable"
    status_code = 503


class OIDCConfig(BaseModel):
    """Settings of one OpenID Connect issuer. Every field documents its default."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    issuer: str = Field(description="The issuer URL; its discovery document must name it exactly")
    audiences: list[str] = Field(min_length=1, description="Accepted `aud` values (one required)")
    discovery_url: str | None = Field(
        default=None,
        description="Discovery document URL; default `<issuer>/.well-known/openid-configuration`",
    )
    algorithms: list[str] = Field(
        default_factory=lambda: ["RS256"], description="Accepted algorithms (asymmetric only)"
    )
    allowed_tenants: list[str] = Field(
        default_factory=list,
        description="For a `{tenantid}` issuer template: tenant GUIDs, or ['*'] for any",
    )
    leeway_seconds: int = Field(default=60, ge=0, le=300, description="Clock skew tolerated")
    max_token_bytes: int = Field(default=16384, description="Longer tokens are refused unparsed")
    allow_guests: bool = Field(default=True, description="Accept `acct == 1` or a foreign `idp`")
    accepted_types: list[str] = Field(
        default_factory=lambda: ["JWT", "at+jwt", "application/at+jwt"],
        description="Header `typ` values accepted for this issuer",
    )
    jwks_refetch_cooldown_seconds: float = Field(
        default=300.0, ge=0, description="Least time between fetches caused by unknown `kid`s"
    )
    jwks_refresh_min_seconds: float = Field(
        default=43200.0, description="Scheduled refresh, lower bound"
    )
    jwks_refresh_max_seconds: float = Field(
        default=86400.0, description="Scheduled refresh, upper bound"
    )
    jwks_retry_seconds: float = Field(
        default=30.0, ge=0, description="First retry after a failed fetch"
    )
    http_timeout_seconds: float = Field(
        default=10.0, gt=0, description="Timeout of each HTTP request"
    )
    max_keys: int = Field(default=64, ge=1, description="Most keys accepted in the JWKS")
    user_id_claim: str = Field(
        default="sub", description="Claim giving `User.user_id` (`sub` or `oid`)"
    )
    organization_claim: str | None = Field(
        default=None, description="Claim giving `User.organization_id` (e.g. `tid`); default none"
    )
    insecure_http: bool = Field(
        default=False, description="Allow plain-http issuer URLs (loopback tests only)"
    )

    @field_validator("issuer")
    @classmethod
    def _no_trailing_space(cls, value: str) -> str:
        if not value or value != value.strip():
            raise ValueError("issuer must be a URL without surrounding spaces")
        return value

    def resolved_discovery_url(self) -> str:
        """Where the discovery document is fetched from."""
        return self.discovery_url or self.issuer.rstrip("/") + _DISCOVERY_PATH


class _Issuer:
    """One discovery document and its verifier: discovery once, JWKS when the engine asks."""

    def __init__(
        self,
        *,
        discovery_url: str,
        expected_issuer: str | None,
        audiences: Sequence[str],
        config: OIDCConfig,
        allowed_tenants: Sequence[str],
        allow_guests: bool,
        allow_http: bool,
    ) -> None:
        if httpx.URL(discovery_url).scheme != "https" and not allow_http:
            # The document names the keys: fetched over plain http, anyone on the path
            # could name their own. Only loopback tests opt out (``insecure_http``).
            raise ConfigurationError(
                f"discovery_url: must be an https:// URL, got {discovery_url!r} "
                "(insecure_http / insecure_http_authority allow http for loopback tests)"
            )
        self.discovery_url = discovery_url
        self.expected_issuer = expected_issuer
        self.audiences = list(audiences)
        self.config = config
        self.allowed_tenants = list(allowed_tenants)
        self.allow_guests = allow_guests
        self.allow_http = allow_http
        self.discovery: dict[str, str | None] | None = None
        self.verifier: _core.OidcVerifier | None = None
        self.fetch_task: asyncio.Task[None] | None = None
        self.discovery_failed_at: float | None = None

    def build_verifier(self, issuer: str) -> _core.OidcVerifier:
        try:
            return self._verifier(issuer)
        except InvalidInputError as exc:  # the engine names the setting
            raise ConfigurationError(exc.message) from None

    def _verifier(self, issuer: str) -> _core.OidcVerifier:
        c = self.config
        return _core.OidcVerifier(
            issuer=issuer,
            audiences=self.audiences,
            algorithms=list(c.algorithms),
            allowed_tenants=self.allowed_tenants,
            leeway_seconds=c.leeway_seconds,
            max_token_bytes=c.max_token_bytes,
            allow_guests=self.allow_guests,
            accepted_types=list(c.accepted_types),
            max_keys=c.max_keys,
            refresh_min_seconds=c.jwks_refresh_min_seconds,
            refresh_max_seconds=c.jwks_refresh_max_seconds,
            unknown_kid_cooldown_seconds=c.jwks_refetch_cooldown_seconds,
            retry_seconds=c.jwks_retry_seconds,
            fetch_timeout_seconds=c.http_timeout_seconds * 3,
            user_id_claim=c.user_id_claim,
            organization_claim=c.organization_claim,
        )


class OIDCProvider:
    """Validates the access tokens of one OpenID Connect issuer.

    ``http_client``: your own ``httpx.AsyncClient`` (its proxies, certificates, limits);
    by default one is made (and closed by :meth:`aclose`). ``clock`` is a monotonic clock.
    """

    def __init__(
        self,
        config: OIDCConfig,
        *,
        http_client: httpx.AsyncClient | None = None,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.config = config
        self._clock = clock
        self._own_client = http_client is None
        self._client = http_client or httpx.AsyncClient(
            timeout=config.http_timeout_seconds, follow_redirects=False
        )
        self._start_lock = asyncio.Lock()
        self._background: set[asyncio.Task[None]] = set()
        self._discovered = False  # every discovery document read
        self._issuers: list[_Issuer] = self._make_issuers()
        self._router: _core.OidcRouter | None = None  # see _make_router
        # Build the verifiers whose issuer is known now: bad settings fail here, not per request.
        for issuer in self._issuers:
            if issuer.expected_issuer is not None:
                issuer.verifier = issuer.build_verifier(issuer.expected_issuer)

    # -- what a specialisation changes ------------------------------------------------

    def _make_issuers(self) -> list[_Issuer]:
        c = self.config
        return [
            _Issuer(
                discovery_url=c.resolved_discovery_url(),
                expected_issuer=c.issuer,
                audiences=c.audiences,
                config=c,
                allowed_tenants=c.allowed_tenants,
                allow_guests=c.allow_guests,
                allow_http=c.insecure_http,
            )
        ]

    def _check_discovery(self, issuer: _Issuer, document: dict[str, str | None]) -> None:
        """Extra checks of a discovery document (a specialisation may add some)."""

    def _user(self, claims: _core.OidcClaims) -> User:
        """The :class:`User` of verified claims, built once per token, then kept with
        them in the engine's verified-token cache (a User is deeply immutable; the cache
        forgets it when the keys change).

        The engine read every field (``user_id_claim``, ``organization_claim``, email,
        name, token id, scopes, app roles) and fills the model without validating again;
        ``extra`` converts the other claims when first read (``_core.ClaimsView``).
        """
        if _FILLED_BY_ENGINE:
            user: User = claims.user_of(_USER_MODEL)
            return user
        kept: User | None = claims.attached
        if kept is None:
            kept = claims.attach(_copy_user(claims.user_fields()))
        return kept

    def _accepts_before_discovery(self, issuer: str) -> bool:
        return False

    # -- public API ---------------------------------------------------------------------

    @property
    def issuers(self) -> frozenset[str]:
        """The issuers (or ``{tenantid}`` templates) known so far."""
        return frozenset(i.verifier.issuer for i in self._issuers if i.verifier is not None)

    def accepts_issuer(self, issuer: str) -> bool:
        """Whether a token whose unverified ``iss`` is ``issuer`` belongs to this provider.

        Used only to route a token; :meth:`validate_token` checks everything.
        """
        for candidate in self._issuers:
            if candidate.verifier is not None:
                if candidate.verifier.accepts_issuer(issuer):
                    return True
            elif self._accepts_before_discovery(issuer):
                return True
        return False

    @property
    def fetch_count(self) -> int:
        """JWKS fetches started so far (all issuers of this provider)."""
        return sum(i.verifier.fetches for i in self._issuers if i.verifier is not None)

    async def start(self) -> None:
        """Fetch the discovery documents and the keys now (e.g. in the app's lifespan).

        Optional: the first :meth:`validate_token` does it otherwise.
        An issuer that cannot be reached is logged, not raised: requests then get
        503 ``idp_unavailable`` until its documents can be read.
        """
        with contextlib.suppress(IdentityProviderUnavailableError):
            await self._discover()
        for issuer in self._issuers:
            if issuer.verifier is not None and issuer.discovery is not None:
                with contextlib.suppress(IdentityProviderUnavailableError):
                    await self._ensure_keys(issuer)
        self._make_router()

    async def validate_token(self, token: str) -> User:
        """Verify ``token`` and return its :class:`User`.

        Raises the :class:`~netrun_auth.exceptions.AuthenticationError` subclass of the
        failure (401), or :class:`IdentityProviderUnavailableError` (503) while no key
        could ever be fetched.
        """
        if not token or not token.isascii():
            raise TokenInvalidError("malformed token", code="token_malformed")
        if len(token) > self.config.max_token_bytes:
            # Checked again by the engine; here it spares the issuer lookup a huge token.
            raise TokenInvalidError("token is too large", code="token_too_large")
        if not self._discovered:
            await self._discover()
        claims: _core.OidcClaims | None = None
        if self._router is not None:
            # Several issuers, every one holding keys: the engine routes the token by its
            # ``iss`` and verifies it with one parse of its payload (inline: the hot path).
            try:
                routed = self._router.verify(token)
            except AuthenticationError as exc:
                if not isinstance(exc, TokenInvalidError) or exc.code != "unknown_key":
                    await self._poll(self._issuers)  # refused tokens keep the schedule too
                    raise
                routed = None  # an unknown kid: _verified fetches as the policy says
            else:
                if routed is None:
                    await self._poll(self._issuers)
                    raise TokenInvalidError("token issuer is not accepted", code="issuer_unknown")
                index, claims = routed
                issuer = self._issuers[index]
                assert issuer.verifier is not None
                action, ticket = issuer.verifier.poll(self._clock())
                if action != "skip":  # a scheduled refresh, in the background
                    await self._ensure_keys(issuer, action, ticket)
        if claims is None:
            claims = await self._verified(token)
        return self._user(claims)

    async def aclose(self) -> None:
        """Stop background fetches and close the HTTP client if this provider made it."""
        for task in list(self._background):
            task.cancel()
        for task in list(self._background):
            with contextlib.suppress(asyncio.CancelledError):
                await task
        if self._own_client:
            await self._client.aclose()

    # -- internals ----------------------------------------------------------------------

    async def _poll(self, issuers: Sequence[_Issuer]) -> None:
        """Start the scheduled refreshes due (in the background: keys are held)."""
        for issuer in issuers:
            verifier = issuer.verifier
            assert verifier is not None
            action, ticket = verifier.poll(self._clock())
            if action != "skip":
                await self._ensure_keys(issuer, action, ticket)

    async def _verified(self, token: str) -> _core.OidcClaims:
        """One issuer, or one without keys yet, or an unknown ``kid``: choose the issuer,
        fetch keys when the policy says so, verify."""
        issuer = self._issuer_for(token)
        verifier = issuer.verifier
        assert verifier is not None
        action, ticket = verifier.poll(self._clock())
        if action != "skip" or not verifier.has_keys:  # the hot path awaits nothing
            await self._ensure_keys(issuer, action, ticket)
        try:
            claims = verifier.verify(token)  # every time: keys, expiry (the engine caches)
        except TokenInvalidError as exc:
            if exc.code != "unknown_key":
                raise
            await self._on_unknown_kid(issuer, verifier)
            claims = verifier.verify(token)
        self._make_router()
        return claims

    def _make_router(self) -> None:
        """Once several issuers all hold keys, route their tokens in the engine."""
        if self._router is not None or len(self._issuers) < 2:
            return
        verifiers = [i.verifier for i in self._issuers]
        if all(v is not None and v.has_keys for v in verifiers):
            self._router = _core.OidcRouter([v for v in verifiers if v is not None])

    def _issuer_for(self, token: str) -> _Issuer:
        if len(self._issuers) == 1 and self._issuers[0].verifier is not None:
            return self._issuers[0]
        iss = _core.peek_issuer(token, self.config.max_token_bytes)  # once, to choose
        if iss is not None:
            for issuer in self._issuers:
                if issuer.verifier is not None and issuer.verifier.accepts_issuer(iss):
                    return issuer
        if any(issuer.discovery is None for issuer in self._issuers):
            # Perhaps the issuer whose discovery document could not be read yet.
            raise IdentityProviderUnavailableError()
        raise TokenInvalidError("token issuer is not accepted", code="issuer_unknown")

    async def _discover(self) -> None:
        """Read the discovery documents not read yet; one failing does not stop the others."""
        if self._discovered:
            return
        async with self._start_lock:
            for issuer in self._issuers:
                if issuer.discovery is None:
                    with contextlib.suppress(IdentityProviderUnavailableError):
                        await self._discover_one(issuer)
            self._discovered = all(i.discovery is not None for i in self._issuers)
        if all(i.discovery is None for i in self._issuers):
            raise IdentityProviderUnavailableError()

    async def _discover_one(self, issuer: _Issuer) -> None:
        now = self._clock()
        failed_at = issuer.discovery_failed_at
        if failed_at is not None and now < failed_at + max(self.config.jwks_retry_seconds, 1.0):
            raise IdentityProviderUnavailableError()
        try:
            body = await self._get(issuer.discovery_url, 64 * 1024)
            document = _core.parse_discovery(body, issuer.expected_issuer, issuer.allow_http)
            self._check_discovery(issuer, document)
        except (httpx.HTTPError, NetrunAuthError, _TooLarge, asyncio.TimeoutError) as exc:
            issuer.discovery_failed_at = now
            logger.warning(
                "netrun_auth: discovery document %s unusable: %s",
                issuer.discovery_url,
                _describe(exc),
            )
            raise IdentityProviderUnavailableError() from None
        if issuer.verifier is None:
            issuer_url = document["issuer"]
            assert issuer_url is not None
            issuer.verifier = issuer.build_verifier(issuer_url)
        issuer.discovery = document

    async def _ensure_keys(
        self, issuer: _Issuer, action: str | None = None, ticket: int = 0
    ) -> _core.OidcVerifier:
        """Start the fetch the policy asks for (``action``, ``ticket`` of a ``poll`` made
        by the caller, else polled here); wait for it while no key was ever held."""
        verifier = issuer.verifier
        assert verifier is not None
        if action is None:
            action, ticket = verifier.poll(self._clock())
        if action == "fetch":
            task = self._spawn(issuer, verifier, ticket)
            if not verifier.has_keys:
                await asyncio.shield(task)
        elif action == "wait" and not verifier.has_keys and issuer.fetch_task is not None:
            await asyncio.shield(issuer.fetch_task)
        if not verifier.has_keys:
            raise IdentityProviderUnavailableError()
        return verifier

    async def _on_unknown_kid(self, issuer: _Issuer, verifier: _core.OidcVerifier) -> None:
        action, ticket = verifier.on_unknown_kid(self._clock())
        if action == "fetch":
            await asyncio.shield(self._spawn(issuer, verifier, ticket))
        elif action == "wait" and issuer.fetch_task is not None:
            await asyncio.shield(issuer.fetch_task)

    def _spawn(
        self, issuer: _Issuer, verifier: _core.OidcVerifier, ticket: int
    ) -> asyncio.Task[None]:
        task = asyncio.get_running_loop().create_task(self._fetch_jwks(issuer, verifier, ticket))
        issuer.fetch_task = task
        self._background.add(task)
        task.add_done_callback(self._background.discard)
        return task

    async def _fetch_jwks(self, issuer: _Issuer, verifier: _core.OidcVerifier, ticket: int) -> None:
        assert issuer.discovery is not None
        url = issuer.discovery["jwks_uri"]
        assert url is not None
        event: dict[str, Any] = {"issuer": issuer.discovery.get("issuer"), "jwks_uri": url}
        reported = False
        try:
            body = await self._get(url, verifier.max_jwks_bytes)
            reported = True
            try:
                count = verifier.complete(ticket, body, self._clock())
            except NetrunAuthError as exc:
                logger.warning("netrun_auth: JWKS %s refused, keeping the keys held: %s", url, exc)
                audit.emit("jwks_refresh_failed", error_code=exc.code, **event)
                return
            logger.info("netrun_auth: JWKS %s fetched: %d keys", url, count)
            audit.emit("jwks_refreshed", keys=count, **event)
        except (httpx.HTTPError, _TooLarge, asyncio.TimeoutError) as exc:
            logger.warning("netrun_auth: JWKS %s unavailable: %s", url, _describe(exc))
            audit.emit("jwks_refresh_failed", error_code="jwks_unavailable", **event)
        finally:
            if not reported:
                verifier.fail(ticket, self._clock())

    async def _get(self, url: str, max_bytes: int) -> bytes:
        """GET ``url`` (200 only, at most ``max_bytes``), within the configured timeout overall."""
        return await asyncio.wait_for(self._read(url, max_bytes), self.config.http_timeout_seconds)

    async def _read(self, url: str, max_bytes: int) -> bytes:
        # The client's own timeouts apply (a client made here uses http_timeout_seconds).
        async with self._client.stream(
            "GET", url, headers={"Accept": "application/json"}
        ) as response:
            if response.status_code != 200:
                raise httpx.HTTPStatusError(
                    f"status {response.status_code}", request=response.request, response=response
                )
            chunks: list[bytes] = []
            size = 0
            async for chunk in response.aiter_bytes():
                size += len(chunk)
                if size > max_bytes:
                    raise _TooLarge()
                chunks.append(chunk)
            return b"".join(chunks)


class _TooLarge(Exception):
    """A document larger than its cap (reading stopped there)."""


def _describe(exc: BaseException) -> str:
    if isinstance(exc, _TooLarge):
        return "document too large"
    if isinstance(exc, httpx.HTTPStatusError):
        return f"HTTP status {exc.response.status_code}"
    if isinstance(exc, (asyncio.TimeoutError, httpx.TimeoutException)):
        return "timed out"
    return type(exc).__name__ if not isinstance(exc, NetrunAuthError) else exc.message


_USER_FIELD_NAMES = frozenset(User.model_fields)
_USER_MODEL = (User, set(_USER_FIELD_NAMES))
"""How ``_core.OidcClaims.user_of`` fills a :class:`User`: the class and the set of all
its field names, shared by every such model (pydantic never changes the set of a frozen
model in place; ``model_copy`` copies it)."""


def _copy_user(fields: dict[str, Any]) -> User:
    """A :class:`User` of ``fields`` through pydantic's public trusted path
    (``model_copy(update=...)``), for a pydantic release that stores models otherwise."""
    return _BLANK_USER.model_copy(update=fields)


def _fill_matches_pydantic() -> bool:
    """Whether the engine's way of filling a model (``_core.fill_model``, which
    ``user_of`` uses) builds what pydantic builds. Checked once, at import: a pydantic
    release that stores models differently falls back to :func:`_copy_user`."""
    values: dict[str, Any] = {
        "user_id": "u",
        "organization_id": None,
        "roles": ("r",),
        "permissions": (),
        "scopes": ("s",),
        "issuer": "https://issuer.example",
        "email": None,
        "display_name": None,
        "session_id": None,
        "token_id": "t",
        "extra": MappingProxyType({"k": ("v",)}),
    }
    if set(values) != _USER_FIELD_NAMES:
        return False
    try:
        filled = _core.fill_model(User, dict(values), set(values))
        validated = User.model_validate(dict(values))
        return bool(
            filled == validated
            and filled.model_dump() == validated.model_dump()
            and filled.model_fields_set == validated.model_fields_set
        )
    except Exception:  # any internal change: use the public path
        return False


Mapping.register(_core.ClaimsView)
_BLANK_USER = User(user_id="")
_FILLED_BY_ENGINE = _fill_matches_pydantic()
