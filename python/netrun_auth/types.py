"""Pydantic models of netrun-auth: users, roles, token pairs and verified claims."""

from __future__ import annotations

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

__all__ = ["Role", "TokenClaims", "TokenPair", "TokenType", "User"]

TokenType = Literal["access", "refresh"]


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
    """The verified claims of a token."""

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


class User(BaseModel):
    """The authenticated user of a request."""

    model_config = ConfigDict(frozen=True)

    user_id: str
    organization_id: str | None = None
    roles: list[str] = Field(default_factory=list)
    permissions: list[str] = Field(default_factory=list)
    email: str | None = None
    display_name: str | None = None
    session_id: str | None = None
    token_id: str | None = None
    extra: dict[str, Any] = Field(default_factory=dict)

    @classmethod
    def from_claims(cls, claims: Any) -> User:
        """The user verified claims describe (a :class:`TokenClaims` or the engine's claims)."""
        return cls(
            user_id=claims.user_id,
            organization_id=claims.organization_id,
            roles=claims.roles,
            permissions=claims.permissions,
            session_id=claims.session_id,
            token_id=claims.jti,
            extra=claims.extra,
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
