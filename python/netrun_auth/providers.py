"""Tokens of other issuers: the provider protocol and the routing by ``iss``.

An API may accept, next to its own tokens, the tokens of identity providers
(Entra ID, any OpenID Connect issuer): ``AuthenticationMiddleware(...,
providers=[...])``. Each token is routed by its ``iss`` claim, read *unverified* by
the engine (:func:`netrun_auth._core.peek_issuer`) only to choose the verifier:

* ``iss`` is the manager's own issuer, or the token names none: the ``JWTManager``
  (which reports a malformed token as such);
* otherwise the first provider whose :meth:`TokenProvider.accepts_issuer` says yes;
* otherwise 401 ``TokenInvalidError(code="issuer_unknown")``.

The chosen verifier then checks everything itself, ``iss`` included. Without
providers no token is peeked at.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import TYPE_CHECKING, Protocol, runtime_checkable

from . import _core
from .exceptions import ConfigurationError, TokenInvalidError

if TYPE_CHECKING:
    from .types import User

__all__ = ["ISSUER_UNKNOWN", "IssuerRouter", "TokenProvider"]

ISSUER_UNKNOWN = "issuer_unknown"
"""``code`` of the 401 for a token whose issuer neither the manager nor a provider accepts."""


@runtime_checkable
class TokenProvider(Protocol):
    """What the middleware needs of an identity provider (``OIDCProvider``, ``AzureADProvider``)."""

    def accepts_issuer(self, issuer: str) -> bool:
        """Whether tokens claiming ``issuer`` are this provider's to validate."""
        ...

    async def validate_token(self, token: str) -> User:
        """Fully validate ``token`` (signature, ``iss``, ``aud``, lifetime...) and return
        its user; raise an ``AuthenticationError`` subclass (401) otherwise."""
        ...


class IssuerRouter:
    """Chooses who validates a token: ``None`` (the manager) or a provider."""

    __slots__ = ("max_token_bytes", "own_issuer", "providers")

    def __init__(
        self, own_issuer: str | None, providers: tuple[TokenProvider, ...], max_token_bytes: int
    ) -> None:
        self.own_issuer = own_issuer
        self.providers = providers
        self.max_token_bytes = max_token_bytes

    @classmethod
    def of(
        cls, own_issuer: str | None, providers: Iterable[TokenProvider], max_token_bytes: int
    ) -> IssuerRouter | None:
        """The router for ``providers`` (``None`` when there are none: no peeking).

        Raises:
            ConfigurationError: when a provider lacks ``accepts_issuer(issuer)`` or
                ``validate_token(token)``.
        """
        providers = tuple(providers)
        if not providers:
            return None
        for provider in providers:
            if not callable(getattr(provider, "accepts_issuer", None)) or not callable(
                getattr(provider, "validate_token", None)
            ):
                raise ConfigurationError(
                    f"providers: {type(provider).__name__} has no accepts_issuer(issuer) "
                    "and validate_token(token)"
                )
        return cls(own_issuer, providers, max_token_bytes)

    def provider_for(self, token: str) -> TokenProvider | None:
        """The provider of ``token``'s issuer; ``None`` for the manager's own tokens.

        Raises:
            TokenInvalidError: when neither the manager nor a provider accepts the
                token's issuer (401, ``code="issuer_unknown"``), or the token is over
                ``max_token_bytes`` (401, ``code="token_too_large"``).
        """
        issuer = _core.peek_issuer(token, self.max_token_bytes)
        if issuer is None or issuer == self.own_issuer:
            return None
        for provider in self.providers:
            if provider.accepts_issuer(issuer):
                return provider
        raise TokenInvalidError("Token issuer is not accepted", code=ISSUER_UNKNOWN)
