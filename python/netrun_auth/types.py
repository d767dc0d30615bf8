"""Pydantic models of netrun-auth: users, roles, token pairs and verified claims."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime, timezone
from types import MappingProxyType
from typing import Annotated, Any, Literal, NoReturn

from pydantic import AfterValidator, BaseModel, ConfigDict, Field, PlainSerializer

from . import _core

__all__ = [
    "FrozenDict",
    "FrozenList",
    "ReadOnlyMapping",
    "Role",
    "TokenClaims",
    "TokenPair",
    "TokenType",
    "User",
    "scopes_of",
]

TokenType = Literal["access", "refresh"]


def _freeze(value: Any) -> Any:
    """``value`` made read-only all the way down: mappings become read-only views of a
    private copy, lists and tuples become tuples."""
    if isinstance(value, Mapping):
        return MappingProxyType({key: _freeze(item) for key, item in value.items()})
    if isinstance(value, (list, tuple)):
        return tuple(_freeze(item) for item in value)
    return value


def _thaw(value: Any) -> Any:
    """A plain, mutable copy of a frozen value (dicts and lists, as JSON has)."""
    if isinstance(value, Mapping):
        return {key: _thaw(item) for key, item in value.items()}
    if isinstance(value, tuple):
        return [_thaw(item) for item in value]
    return value


def _read_only(*_args: object, **_kwargs: object) -> NoReturn:
    """Refused: verified claims are read-only (raises ``TypeError``; change a copy)."""
    raise TypeError("verified claims are read-only; change a copy (list(...), dict(...))")


class FrozenList(list[Any]):
    """A ``list`` that refuses changes: equal to, and serialized as, a plain list.

    The claims of a token are built once and shared by every validation of that token,
    so none of their containers may change. ``list(value)`` is a mutable copy.
    """

    __slots__ = ()

    append = extend = insert = remove = pop = clear = sort = reverse = _read_only
    __setitem__ = __delitem__ = __iadd__ = __imul__ = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (list(self),))


class FrozenDict(dict[str, Any]):
    """A ``dict`` that refuses changes: equal to, and serialized as, a plain dict.

    ``dict(value)`` is a mutable (shallow) copy.
    """

    __slots__ = ()

    __setitem__ = __delitem__ = __ior__ = _read_only
    clear = pop = popitem = setdefault = update = _read_only

    def __reduce__(self) -> tuple[Any, ...]:
        return (type(self), (dict(self),))


def _frozen_json(value: Any) -> Any:
    """A JSON value made read-only all the way down (dicts and lists stay dicts and lists)."""
    if isinstance(value, dict):
        return FrozenDict({key: _frozen_json(item) for key, item in value.items()})
    if isinstance(value, list):
        return FrozenList([_frozen_json(item) for item in value])
    return value


ReadOnlyMapping = Annotated[
    Mapping[str, Any],
    AfterValidator(_freeze),
    PlainSerializer(_thaw, return_type=dict[str, Any]),
]
"""A mapping frozen when validated (nested dicts and lists too); dumps as a plain dict."""


def scopes_of(value: Any) -> tuple[str, ...]:
    """The OAuth 2.0 scopes of a ``scope``/``scp`` claim: a space-separated string
    (RFC 8693 section 4.2, Entra's ``scp``) or a list of strings (as some issuers send)."""
    if isinstance(value, str):
        return tuple(value.split())
    if isinstance(value, (list, tuple)):
        return tuple(item for item in value if isinstance(item, str) and item)
    return ()


class Role(BaseModel):
    """A named set of permissions (``resource:action`` strings, wildcards allowed).

    ``inherits`` names other roles whose permissions this role also grants.
    """

    model_config = ConfigDict(frozen=True)

    name: str = Field(min_length=1)
    permissions: list[str] = Field(default_factory=list)
    description: str | None = None
    inherits: list[str] = Field(default_factory=list)


class TokenPair(BaseModel):
    """An access token and the refresh token of the same session."""

    access_token: str
    refresh_token: str
    token_type: str = "Bearer"
    expires_in: int = Field(description="Seconds until the access token expires")
    refresh_expires_in: int = Field(description="Seconds until the refresh token expires")
    session_id: str


class TokenClaims(BaseModel):
    """The verified claims of a token.

    Immutable: the model is frozen and the claims the engine verified come with
    read-only containers (``roles``, ``permissions``, a list ``audience`` and ``extra``,
    nested values included), so that one instance serves every validation of a token.
    """

    model_config = ConfigDict(frozen=True)

    user_id: str
    organization_id: str | None = None
    roles: list[str] = Field(default_factory=list)
    permissions: list[str] = Field(default_factory=list)
    jti: str
    session_id: str | None = None
    token_type: TokenType
    issued_at: datetime | None = None
    not_before: datetime | None = None
    expires_at: datetime
    issuer: str
    audience: str | list[str]
    extra: dict[str, Any] = Field(
        default_factory=dict, description="Custom claims beyond the registered ones"
    )

    def to_user(self) -> User:
        """The :class:`User` these claims describe."""
        return User.from_claims(self)


_EMPTY = FrozenDict()

_VERIFIED_MODEL = (
    TokenClaims,
    _core.SharedLists(FrozenList, 4096),
    _frozen_json,
    _EMPTY,
    datetime,
    timezone.utc,
    set(TokenClaims.model_fields),
)
"""How ``_core.Claims.model_of`` makes the ``TokenClaims`` of engine-verified claims
without validating them again: the class; its read-only lists, one per distinct content
(most tokens repeat their roles and permissions, and a list nobody can change can be
shared); the function making ``extra`` read-only (``_EMPTY`` when empty); the class and
zone of its UTC datetimes; and the fields set: all of them, one set shared by every such
model (pydantic never changes the set of a frozen model in place; ``model_copy`` copies
it)."""


class User(BaseModel):
    """The authenticated user of a request.

    Deeply immutable, so that one instance can serve every request of a token: the
    model is frozen, ``roles``, ``permissions`` and ``scopes`` are tuples (JSON
    lists when dumped; lists are accepted when building one), and ``extra`` is a
    read-only mapping (nested values too; ``model_dump()`` returns a plain copy).
    """

    model_config = ConfigDict(frozen=True)

    user_id: str
    organization_id: str | None = None
    roles: tuple[str, ...] = ()
    permissions: tuple[str, ...] = ()
    scopes: tuple[str, ...] = Field(
        default=(), description="OAuth 2.0 scopes granted to the token (`scp` / `scope`)"
    )
    issuer: str | None = Field(default=None, description="`iss` of the token")
    email: str | None = None
    display_name: str | None = None
    session_id: str | None = None
    token_id: str | None = None
    extra: ReadOnlyMapping = Field(default_factory=dict)

    @classmethod
    def from_claims(cls, claims: Any) -> User:
        """The user verified claims describe (a :class:`TokenClaims` or the engine's
        claims). ``scopes`` come from a custom ``scope`` claim, else ``scp``."""
        extra = claims.extra
        scope_claim = extra.get("scope")
        if scope_claim is None:
            scope_claim = extra.get("scp")
        return cls(
            user_id=claims.user_id,
            organization_id=claims.organization_id,
            roles=claims.roles,
            permissions=claims.permissions,
            scopes=scopes_of(scope_claim),
            issuer=claims.issuer,
            session_id=claims.session_id,
            token_id=claims.jti,
            extra=extra,
        )

    @property
    def is_authenticated(self) -> bool:
        """Always ``True`` (Starlette's ``BaseUser`` protocol, for ``request.user``)."""
        return True

    @property
    def identity(self) -> str:
        """The user id (Starlette's ``BaseUser`` protocol)."""
        return self.user_id

    @property
    def display(self) -> str:
        """A name to show (Starlette's ``BaseUser.display_name`` is the field here)."""
        return self.display_name or self.user_id

    def has_role(self, role: str) -> bool:
        """Whether the user carries ``role`` directly (no inheritance)."""
        return role in self.roles

    def has_any_role(self, *roles: str) -> bool:
        """Whether the user carries at least one of ``roles``."""
        return any(role in self.roles for role in roles)
