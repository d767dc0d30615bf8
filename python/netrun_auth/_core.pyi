"""Typed stubs of the Rust extension ``netrun_auth._core`` (private: use the public modules)."""

from typing import Any, final

__version__: str

@final
class Claims:
    """Verified claims of one token (immutable)."""

    @property
    def user_id(self) -> str: ...
    @property
    def organization_id(self) -> str | None: ...
    @property
    def roles(self) -> list[str]: ...
    @property
    def permissions(self) -> list[str]: ...
    @property
    def jti(self) -> str: ...
    @property
    def session_id(self) -> str | None: ...
    @property
    def token_type(self) -> str: ...
    @property
    def issued_at(self) -> int | None: ...
    @property
    def not_before(self) -> int | None: ...
    @property
    def expires_at(self) -> int: ...
    @property
    def issuer(self) -> str: ...
    @property
    def audience(self) -> str | list[str]: ...
    @property
    def extra(self) -> dict[str, Any]: ...
    def to_dict(self) -> dict[str, Any]:
        """The claims with the TokenClaims field names."""

@final
class IssuedPair:
    access_token: str
    refresh_token: str
    access_expires_at: int
    refresh_expires_at: int
    session_id: str
    access: Claims
    refresh: Claims

@final
class TokenEngine:
    """Key set, claim rules and verified-token cache. Keys are parsed once, here.

    Each key argument is ``(setting name, PEM or JWK bytes)``; the name is used in errors.
    """

    def __init__(
        self,
        *,
        issuer: str,
        audience: str,
        algorithm: str = "RS256",
        allowed_algorithms: list[str] | None = None,
        signing_key: tuple[str, bytes] | None = None,
        public_key: tuple[str, bytes] | None = None,
        verification_keys: list[tuple[str, bytes]] | None = None,
        secret: tuple[str, bytes] | None = None,
        key_id: str | None = None,
        access_ttl_seconds: int = 900,
        refresh_ttl_seconds: int = 2_592_000,
        leeway_seconds: int = 30,
        max_token_bytes: int = 8192,
        cache_size: int = 10_000,
    ) -> None: ...
    @property
    def algorithm(self) -> str: ...
    @property
    def key_id(self) -> str | None: ...
    @property
    def access_ttl_seconds(self) -> int: ...
    @property
    def refresh_ttl_seconds(self) -> int: ...
    def issue_pair(
        self,
        user_id: str,
        organization_id: str | None = None,
        roles: list[str] | None = None,
        permissions: list[str] | None = None,
        extra_json: str | None = None,
        session_id: str | None = None,
    ) -> IssuedPair: ...
    def verify(self, token: str, expected_type: str | None = "access") -> Claims:
        """Verify signature and claims; ``expected_type=None`` accepts either type."""
    def jwks(self) -> dict[str, Any]: ...
    def cache_len(self) -> int: ...

def insecure_decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """INSECURE: header and payload of a token without any check. For debugging only."""

def peek_issuer(token: object, max_token_bytes: int | None = None) -> str | None:
    """The unverified ``iss`` of a token, only to choose its verifier (``None`` when it has
    none, is malformed, not valid Unicode, or over ``max_token_bytes``)."""

def generate_key(kind: str) -> tuple[bytes, bytes]:
    """A new key pair as (PKCS#8 private PEM, SPKI public PEM).

    kind: rsa2048, rsa3072, rsa4096, p256, p384, ed25519.
    """

@final
class MemoryStore:
    """The embedded revocation store: one process, bounded, entries die with their tokens."""

    def __init__(self) -> None: ...
    def check(self, claims: Claims) -> None:
        """Raise TokenRevokedError if the token, its session or its user is revoked."""
    def register_session(self, user_id: str, session_id: str, expires_at: int) -> None: ...
    def revoke_token(self, claims: Claims) -> None: ...
    def revoke_session(self, user_id: str, session_id: str, expires_at: int) -> None: ...
    def revoke_user(self, user_id: str, ttl_seconds: int) -> None:
        """Revoke every token of the user issued until now (and every registered session)."""
    def spend_refresh(self, claims: Claims, session_expires_at: int) -> bool:
        """True the first time a refresh token is spent; on reuse revoke its session
        until ``session_expires_at`` and return False (atomically)."""
    def __len__(self) -> int: ...

@final
class Keyspace:
    """Store key names: one prefix, a hash tag per user (one Cluster slot), never a raw token."""

    def __init__(self, prefix: str = "netrun:") -> None: ...
    def check_keys(self, claims: Claims) -> list[str]:
        """[token key, session key, user key]: what one validation reads."""
    def token(self, user_id: str, jti: str) -> str: ...
    def session(self, user_id: str, session_id: str) -> str: ...
    def session_prefix(self, user_id: str) -> str: ...
    def session_member(self, session_id: str) -> str: ...
    def sessions(self, user_id: str) -> str: ...
    def user(self, user_id: str) -> str: ...
    def spent(self, user_id: str, jti: str) -> str: ...

def decide(
    claims: Claims,
    token_revoked: bool,
    session_revoked: bool,
    user_revoked_before: int | None,
) -> None:
    """Raise TokenRevokedError if what a store read revokes the token."""

def retain_until(expires_at: int) -> int:
    """When an entry covering a token that expires at ``expires_at`` may be forgotten."""

def redis_scripts() -> list[tuple[str, str]]:
    """(name, Lua source) of the Redis store's scripts: spend_refresh, revoke_user, register_session."""

# --- RBAC and passwords (crates/netrun-auth-py/src/rbac.rs, password.rs) -----------------

CROSS_TENANT_PERMISSION: str
"""Lets home roles act on other organizations' resources; never granted by a wildcard."""

_RoleTuple = tuple[str, list[str], str | None, list[str]]

@final
class RoleRegistry:
    """Roles with inheritance and wildcards; memoised resolution; per-organization assignments."""

    def __init__(self) -> None: ...
    def add_role(
        self,
        name: str,
        permissions: list[str],
        description: str | None = None,
        inherits: list[str] = ...,
    ) -> None:
        """Add or replace a role; ConfigurationError for an unknown parent or a cycle."""
    def add_roles(self, roles: list[_RoleTuple]) -> None:
        """(name, permissions, description, inherits) tuples, atomically, parents in any order."""
    def remove_role(self, name: str) -> bool:
        """False if absent; ConfigurationError while other roles inherit it."""
    def get_role(self, name: str) -> _RoleTuple | None: ...
    def role_names(self) -> list[str]: ...
    def __len__(self) -> int: ...
    def __contains__(self, name: str) -> bool: ...
    def permissions(self, roles: list[str]) -> list[str]:
        """The resolved permissions of a role set, sorted."""
    def has_permission(self, roles: list[str], permission: str) -> bool: ...
    def check(
        self,
        permission: str,
        *,
        roles: list[str],
        permissions: list[str] = ...,
        user_id: str | None = None,
        organization_id: str | None = None,
        resource_organization_id: str | None = None,
    ) -> bool:
        """Whether the subject may do `permission` on a resource of `resource_organization_id`."""
    def authorize(
        self,
        permission: str,
        *,
        roles: list[str],
        permissions: list[str] = ...,
        user_id: str | None = None,
        organization_id: str | None = None,
        resource_organization_id: str | None = None,
    ) -> None:
        """Like check, raising AuthorizationError when denied."""
    def subject_permissions(
        self,
        *,
        roles: list[str],
        permissions: list[str] = ...,
        user_id: str | None = None,
        organization_id: str | None = None,
        resource_organization_id: str | None = None,
    ) -> list[str]: ...
    def subject_roles(
        self,
        *,
        roles: list[str],
        user_id: str | None = None,
        organization_id: str | None = None,
        resource_organization_id: str | None = None,
    ) -> list[str]:
        """Direct and inherited roles in that organization, sorted."""
    def assign_role(self, user_id: str, role: str, organization_id: str | None = None) -> None: ...
    def unassign_role(
        self, user_id: str, role: str, organization_id: str | None = None
    ) -> bool: ...
    def assigned_roles(self, user_id: str, organization_id: str | None = None) -> list[str]: ...
    def memo_len(self) -> int: ...

@final
class PasswordHasher:
    """argon2id hashing; verifies argon2 and bcrypt ($2a/$2b/$2y). Releases the GIL."""

    def __init__(
        self, *, memory_kib: int = 19456, iterations: int = 2, parallelism: int = 1
    ) -> None: ...
    @property
    def memory_kib(self) -> int: ...
    @property
    def iterations(self) -> int: ...
    @property
    def parallelism(self) -> int: ...
    def hash(self, password: str) -> str: ...
    def verify(self, password: str, hash: str) -> bool:
        """False for a wrong password; PasswordHashError for an unusable hash."""
    def needs_rehash(self, hash: str) -> bool: ...
    def dummy_verify(self, password: str | None = None) -> None: ...

@final
class PasswordPolicy:
    """Length (code points) and optional character classes."""

    def __init__(
        self,
        *,
        min_length: int = 8,
        max_length: int = 128,
        require_uppercase: bool = False,
        require_lowercase: bool = False,
        require_digit: bool = False,
        require_special: bool = False,
    ) -> None: ...
    @property
    def min_length(self) -> int: ...
    @property
    def max_length(self) -> int: ...
    def validate(self, password: str) -> list[str]:
        """The reasons the password fails; empty when it passes."""

# --- Login protection ---------------------------------------------------------------

@final
class LoginGuardCore:
    """The login guard's rules: lockout policy, keyed subject hashing, Redis key names.

    ``key`` is the HMAC key itself (>= 16 bytes), ``key_material`` secret bytes to derive
    it from (HKDF-SHA256); neither gives a random key, good for one process only.
    """

    def __new__(
        cls,
        *,
        window_seconds: int,
        max_failures_per_username: int,
        max_failures_per_ip: int,
        lockout_base_seconds: int,
        lockout_max_seconds: int,
        prefix: str = "netrun:",
        key: bytes | None = None,
        key_material: bytes | None = None,
    ) -> LoginGuardCore: ...
    def subjects(self, username: str, ip: str | None) -> LoginSubjects:
        """The hashed subjects of an attempt; never raises for any text (lone surrogates too)."""
    def keys(self, subjects: LoginSubjects) -> tuple[list[str], list[str]]:
        """(failures, strikes, lock) keys of the username, then of the IP."""
    def script_args(self, ip: bool) -> list[int]:
        """ARGV of the ``record_failure`` script for the username or the IP."""

@final
class LoginSubjects:
    """The keyed hashes of one attempt's username and IP, and how the username arrived."""

    @property
    def username(self) -> str: ...
    @property
    def ip(self) -> str: ...
    @property
    def form(self) -> str:
        """``well_formed``, ``ill_formed`` or ``too_long``."""

@final
class MemoryLoginGuard:
    """One process's login failures and lockouts."""

    def __new__(cls, core: LoginGuardCore) -> MemoryLoginGuard: ...
    def check(self, subjects: LoginSubjects) -> int | None:
        """Seconds to wait while the username or the IP is locked out, else None."""
    def failed(self, subjects: LoginSubjects) -> tuple[bool, int | None]:
        """Record a failure: (a lockout started now, seconds to wait or None)."""
    def succeeded(self, subjects: LoginSubjects) -> None: ...
    def __len__(self) -> int: ...

def login_retry_after(remaining_ms: int) -> int | None:
    """Retry-After seconds for a lockout with ``remaining_ms`` left (PTTL), else None."""

def login_guard_scripts() -> list[tuple[str, str]]:
    """The Lua scripts of the Redis login guard, by name."""
