"""Typed stubs of the Rust extension ``netrun_auth._core`` (private: use the public modules)."""

from collections.abc import ItemsView, Iterable, Iterator, KeysView, Sequence, ValuesView
from typing import Any, Literal, Protocol, TypeVar, final

_M = TypeVar("_M")

__version__: str

# --- Defaults and bounds of the engine's settings (crates/netrun-auth/src/defaults.rs) ----

DEFAULT_ACCESS_TTL_SECONDS: int
DEFAULT_REFRESH_TTL_SECONDS: int
DEFAULT_LEEWAY_SECONDS: int
MAX_LEEWAY_SECONDS: int
DEFAULT_MAX_TOKEN_BYTES: int
MAX_TOKEN_BYTES_LOWER_BOUND: int
MAX_TOKEN_BYTES_UPPER_BOUND: int
DEFAULT_TOKEN_CACHE_SIZE: int
DEFAULT_ARGON2_MEMORY_KIB: int
DEFAULT_ARGON2_ITERATIONS: int
DEFAULT_ARGON2_PARALLELISM: int
DEFAULT_PASSWORD_MIN_LENGTH: int
DEFAULT_PASSWORD_MAX_LENGTH: int

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
    def user_of(self, build: Any) -> Any:
        """The ``User`` kept with these claims (with the token's cache entry), else
        ``build(self)``, kept."""
    def model_of(self, spec: tuple[Any, ...]) -> Any:
        """The model kept with these claims (shared with the token's cache entry), else
        one built without validation and kept (see ``types._VERIFIED_MODEL``)."""

@final
class SharedLists:
    """Read-only lists of strings, one per distinct content, at most ``capacity`` kept
    (then the table starts over): the lists of the models ``Claims.model_of`` builds."""

    def __new__(cls, list_type: type[list[Any]], capacity: int) -> SharedLists: ...
    def get(self, items: list[str]) -> list[str]:
        """The shared list (of ``list_type``) holding ``items``."""
    def __len__(self) -> int: ...

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
    Every ``str`` argument must be Unicode text (``InvalidInputError`` otherwise), except
    tokens: a token with lone surrogates is a ``TokenInvalidError`` (``token_malformed``).
    """

    def __new__(
        cls,
        *,
        issuer: str,
        audience: str,
        algorithm: str | None = None,
        allowed_algorithms: list[str] | None = None,
        signing_key: tuple[str, bytes] | None = None,
        public_key: tuple[str, bytes] | None = None,
        verification_keys: list[tuple[str, bytes]] | None = None,
        secret: tuple[str, bytes] | None = None,
        key_id: str | None = None,
        access_ttl_seconds: int = ...,
        refresh_ttl_seconds: int = ...,
        leeway_seconds: int = ...,
        max_token_bytes: int = ...,
        cache_size: int = ...,
    ) -> TokenEngine:
        """``algorithm`` None: RS256. The other defaults are the ``DEFAULT_*`` constants."""
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
    def verify(self, token: str, expected_type: str | None = ...) -> Claims:
        """Verify signature and claims of a token of ``expected_type`` (default ``"access"``);
        ``expected_type=None`` accepts either type."""
    def validate(
        self, token: str, expected_type: str, store: MemoryStore, spec: tuple[Any, ...]
    ) -> Any:
        """``verify``, ``store.check`` and ``Claims.model_of(spec)`` in one call."""
    def jwks(self) -> dict[str, Any]: ...
    def cache_len(self) -> int: ...

def insecure_decode_unverified(token: str) -> tuple[dict[str, Any], dict[str, Any]]:
    """INSECURE: header and payload of a token without any check. For debugging only."""

def peek_issuer(token: object, max_token_bytes: int | None = None) -> str | None:
    """The unverified ``iss`` of a token, only to choose its verifier (``None`` when it has
    none, is malformed, not valid Unicode, or over ``max_token_bytes``)."""

def request_token(
    headers: Iterable[tuple[bytes, bytes]], cookie_name: str | None, max_bytes: int
) -> str | None:
    """The bearer token of a request from its ASGI headers (``None`` without one); raises
    ``TokenInvalidError`` (``token_malformed``/``token_too_large``) for a bad header or cookie."""

@final
class RequestAuthenticator:
    """The middleware's path for a request of this API's own tokens, in one call:
    ``request_token``, ``engine.verify(token, "access")``, ``manager.store.check_now``
    (when the store has it), then ``Claims.user_of(build_user)``."""

    def __new__(
        cls,
        engine: TokenEngine,
        manager: Any,
        build_user: Any,
        cookie_name: str | None,
        max_bytes: int,
    ) -> RequestAuthenticator: ...
    def __call__(
        self, headers: Iterable[tuple[bytes, bytes]]
    ) -> tuple[str, Claims, Any] | tuple[str, None, None] | None:
        """``None`` without a token; ``(token, claims, user)`` when the store decided at
        once; ``(token, None, None)`` when the store must be awaited."""

def generate_key(kind: str) -> tuple[bytes, bytes]:
    """A new key pair as (PKCS#8 private PEM, SPKI public PEM).

    kind: rsa2048, rsa3072, rsa4096, p256, p384, ed25519.
    """

REFRESH_GRACE_SECONDS: int
"""Default retry window of a refresh spend (see ``MemoryStore.spend_refresh``)."""
MAX_REFRESH_GRACE_SECONDS: int
"""The longest retry window a store accepts."""
MAX_SESSIONS_PER_USER: int
"""Sessions remembered per user for logging out everywhere; the oldest go first."""
RETENTION_MARGIN_SECONDS: int
"""Entries outlive the tokens they cover by this much."""

@final
class MemoryStore:
    """The embedded revocation store: one process, bounded, entries die with their tokens."""

    def __new__(cls, refresh_grace_seconds: int = ...) -> MemoryStore:
        """``refresh_grace_seconds``: default ``REFRESH_GRACE_SECONDS``."""
    def check(self, claims: Claims) -> None:
        """Raise TokenRevokedError if the token, its session or its user is revoked."""
    def check_now(self, claims: Claims) -> bool:
        """``check``, then ``True`` (this store always decides at once)."""
    def register_session(self, user_id: str, session_id: str, expires_at: int) -> None: ...
    def revoke_token(self, claims: Claims) -> None: ...
    def revoke_session(self, user_id: str, session_id: str, expires_at: int) -> None: ...
    def revoke_user(self, user_id: str, ttl_seconds: int) -> None:
        """Revoke every token of the user issued until now (and every registered session)."""
    def spend_refresh(
        self, claims: Claims, access: Claims, refresh: Claims, session_expires_at: int
    ) -> Literal["spent", "retried", "reused"]:
        """Spend refresh token ``claims``, whose successor pair is (``access``, ``refresh``).

        ``spent`` the first time; ``retried`` for an undelivered spend within the retry
        window while its successor is unused (that successor is superseded); else
        ``reused``: the session
        is revoked until ``session_expires_at`` (atomically)."""
    def complete_refresh(self, claims: Claims, refresh: Claims) -> None:
        """Register the successor's session and mark the spend of ``claims`` delivered."""
    def _insecure_advance_clock(self, seconds: int) -> None:
        """INSECURE, benchmarks only: move this store's clock forward (entries die earlier)."""
    def __len__(self) -> int: ...

@final
class Keyspace:
    """Store key names: one prefix, a hash tag per user (one Cluster slot), never a raw token."""

    def __new__(cls, prefix: str = ...) -> Keyspace:
        """``prefix`` starts every key (default ``netrun:``)."""
    def check_keys(self, claims: Claims) -> list[str]:
        """[token key, session key, user key]: what one validation reads."""
    def token(self, user_id: str, jti: str) -> str: ...
    def token_prefix(self, user_id: str) -> str: ...
    def session(self, user_id: str, session_id: str) -> str: ...
    def session_prefix(self, user_id: str) -> str: ...
    def session_member(self, session_id: str) -> str: ...
    def member(self, id: str) -> str:
        """How an id (jti, sid) appears in a key: prefix + member is the key."""
    def sessions(self, user_id: str) -> str: ...
    def user(self, user_id: str) -> str: ...
    def spent(self, user_id: str, jti: str) -> str: ...
    def spent_prefix(self, user_id: str) -> str: ...
    def checked_kind(self, key: str) -> Literal["token", "session", "user"] | None:
        """The kind of a key a validation reads under this prefix, else None."""

@final
class MirrorEntries:
    """A Redis store's revocations as announced, kept in this process (the local mirror's
    entries and their rules)."""

    def __new__(cls, keyspace: Keyspace) -> MirrorEntries: ...
    def apply_announcement(self, text: bytes | str) -> None:
        """Apply one announcement (as published, or as a writing script returned it)."""
    def apply(self, key: str, value: str, ttl_seconds: float) -> None:
        """Record that ``key`` holds ``value`` for ``ttl_seconds`` (if a validation reads it)."""
    def check(self, claims: Claims) -> None:
        """Raise TokenRevokedError if the entries revoke ``claims``."""
    def sweep(self) -> None:
        """Forget the entries that died."""
    def clear(self) -> None:
        """Forget every entry."""
    def __len__(self) -> int: ...

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
    """(name, Lua source) of the Redis store's scripts: set_flag, spend_refresh, revoke_user,
    register_session."""

def spend_outcome(code: int) -> Literal["spent", "retried", "reused"]:
    """The outcome a spend script's status code names."""

# --- RBAC and passwords (crates/netrun-auth-py/src/rbac.rs, password.rs) -----------------

CROSS_TENANT_PERMISSION: str
"""Lets home roles act on other organizations' resources; never granted by a wildcard."""

class _RoleLike(Protocol):
    """What crosses as a role: a ``netrun_auth.types.Role`` or any object with these."""

    @property
    def name(self) -> str: ...
    @property
    def permissions(self) -> Sequence[str]: ...
    @property
    def description(self) -> str | None: ...
    @property
    def inherits(self) -> Sequence[str]: ...

class _SubjectLike(Protocol):
    """What crosses as a subject: a ``User`` or ``TokenClaims``; ``permissions``,
    ``user_id`` and ``organization_id`` are read when present."""

    @property
    def roles(self) -> Sequence[str]: ...

_Subject = _SubjectLike | str | Iterable[str]

@final
class RoleDefinition:
    """A role as the registry holds it."""

    @property
    def name(self) -> str: ...
    @property
    def permissions(self) -> list[str]: ...
    @property
    def description(self) -> str | None: ...
    @property
    def inherits(self) -> list[str]: ...

@final
class RoleRegistry:
    """Roles with inheritance and wildcards; memoised resolution; per-organization assignments.

    A subject is a user-like object (``roles``, optionally ``permissions``, ``user_id``,
    ``organization_id``), one role name, or an iterable of role names.
    """

    def __init__(self) -> None: ...
    def add_role(self, role: _RoleLike) -> None:
        """Add or replace a role; ConfigurationError for an unknown parent or a cycle."""
    def add_roles(self, roles: Sequence[_RoleLike]) -> None:
        """Add or replace several roles atomically; parents may come in any order."""
    def remove_role(self, name: str) -> bool:
        """False if absent; ConfigurationError while other roles inherit it."""
    def get_role(self, name: str) -> RoleDefinition | None: ...
    def roles(self) -> list[RoleDefinition]:
        """Every role, sorted by name."""
    def role_names(self) -> list[str]: ...
    def __len__(self) -> int: ...
    def __contains__(self, name: str, /) -> bool: ...
    def check(
        self, subject: _Subject, permission: str, resource_organization_id: str | None = None
    ) -> bool:
        """Whether the subject may do `permission` on a resource of `resource_organization_id`."""
    def authorize(
        self, subject: _Subject, permission: str, resource_organization_id: str | None = None
    ) -> None:
        """Like check, raising AuthorizationError when denied."""
    def subject_permissions(
        self, subject: _Subject, resource_organization_id: str | None = None
    ) -> list[str]: ...
    def subject_roles(
        self, subject: _Subject, resource_organization_id: str | None = None
    ) -> list[str]:
        """Direct and inherited roles in that organization, sorted."""
    def can_access_organization(
        self, subject: _Subject, organization_id: str, bypass_roles: Sequence[str] = ...
    ) -> bool:
        """Home organization, an assigned role there, a bypass role, or the literal
        cross-tenant permission (never a wildcard)."""
    def assign_role(self, user_id: str, role: str, organization_id: str | None = None) -> None: ...
    def unassign_role(
        self, user_id: str, role: str, organization_id: str | None = None
    ) -> bool: ...
    def assigned_roles(self, user_id: str, organization_id: str | None = None) -> list[str]: ...
    def memo_len(self) -> int: ...

@final
class PasswordHasher:
    """argon2id hashing; verifies argon2 and bcrypt ($2a/$2b/$2y). Releases the GIL."""

    def __new__(
        cls, *, memory_kib: int = ..., iterations: int = ..., parallelism: int = ...
    ) -> PasswordHasher:
        """Defaults: the ``DEFAULT_ARGON2_*`` constants (OWASP)."""
    @property
    def memory_kib(self) -> int: ...
    @property
    def iterations(self) -> int: ...
    @property
    def parallelism(self) -> int: ...
    def hash(self, password: str) -> str:
        """InvalidInputError for a password that is not Unicode text."""
    def verify(self, password: str, hash: str) -> bool:
        """False for a wrong password or one that is not Unicode text;
        PasswordHashError for an unusable hash."""
    def needs_rehash(self, hash: str) -> bool: ...
    def dummy_verify(self, password: str | None = None) -> None: ...

@final
class PasswordPolicy:
    """Length (code points) and optional character classes."""

    def __new__(
        cls,
        *,
        min_length: int = ...,
        max_length: int = ...,
        require_uppercase: bool = False,
        require_lowercase: bool = False,
        require_digit: bool = False,
        require_special: bool = False,
    ) -> PasswordPolicy: ...
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
    def failed_args(self, ip: bool) -> list[int]:
        """ARGV of the ``failed`` script for the username or the IP."""
    def succeeded_args(self, ip: bool) -> list[int]:
        """ARGV of the ``succeeded`` script for the username or the IP."""
    def verdict(
        self, subjects: LoginSubjects, username: Sequence[int], ip: Sequence[int]
    ) -> LoginVerdict:
        """The verdict of an outcome from the script replies of its username and IP; the
        lockouts they report are remembered for ``known_lockout``."""
    def known_lockout(self, subjects: LoginSubjects) -> int | None:
        """Seconds until a lockout learned from earlier replies ends; None: none known."""

@final
class LoginVerdict:
    """What a login's outcome gets: recorded (answer it) or refused (429)."""

    @property
    def refused(self) -> bool:
        """A subject was locked when the outcome arrived: answer 429, reveal nothing."""
    @property
    def retry_after(self) -> int | None:
        """Refused: seconds to wait; recorded: the lockout this failure started, else None."""

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
        """Seconds until either subject's lockout ends; None when neither is locked."""
    def failed(self, subjects: LoginSubjects) -> LoginVerdict:
        """Record a failure, atomically (refused while either subject is locked)."""
    def succeeded(self, subjects: LoginSubjects) -> LoginVerdict:
        """Record a success, atomically (refused while locked; else clears the username)."""
    def __len__(self) -> int: ...

def login_guard_scripts() -> list[tuple[str, str]]:
    """The Lua scripts of the Redis login guard, by name."""

# Outside OpenID Connect issuers (engine: netrun_auth::oidc)

@final
class OidcClaims:
    """Verified claims of an outside issuer's token (immutable), and the ``User`` kept with them."""

    @property
    def subject(self) -> str: ...
    @property
    def issuer(self) -> str: ...
    @property
    def is_guest(self) -> bool: ...
    def user_fields(self) -> dict[str, Any]:
        """``User`` keyword arguments, each value already of its field's frozen type."""
    @property
    def attached(self) -> Any:
        """What :meth:`attach` kept for these claims (``None`` before)."""
    def attach(self, value: Any) -> Any:
        """Keep ``value`` with these claims in the verified-token cache; the first value wins."""
    def user_of(self, spec: tuple[Any, ...]) -> Any:
        """The ``User`` kept with these claims, else one filled (``spec``: the class and
        its field-name set) and kept; its ``extra`` is a :class:`ClaimsView`."""

@final
class ClaimsView:
    """The other claims of an outside token (``User.extra``), converted when first read."""

    def __getitem__(self, key: str, /) -> Any: ...
    def __len__(self) -> int: ...
    def __iter__(self) -> Iterator[str]: ...
    def __contains__(self, key: object, /) -> bool: ...
    def get(self, key: str, default: Any = None) -> Any: ...
    def keys(self) -> KeysView[str]: ...
    def values(self) -> ValuesView[Any]: ...
    def items(self) -> ItemsView[str, Any]: ...
    def __eq__(self, other: object, /) -> bool: ...
    def __reduce__(self) -> tuple[Any, ...]: ...

def fill_model(cls: type[_M], fields: dict[str, Any], fields_set: set[str]) -> _M:
    """An instance of the pydantic model ``cls`` holding ``fields`` (already of their
    types), without validation (as ``model_construct``)."""

@final
class OidcVerifier:
    """One outside issuer: rules, parsed keys, and the JWKS fetch policy (sans I/O)."""

    def __new__(
        cls,
        *,
        issuer: str,
        audiences: list[str],
        algorithms: list[str] | None = None,
        allowed_tenants: list[str] | None = None,
        leeway_seconds: int = 60,
        max_token_bytes: int = 16384,
        allow_guests: bool = True,
        accepted_types: list[str] | None = None,
        max_keys: int = 64,
        max_jwks_bytes: int = 262144,
        cache_size: int = 10000,
        refresh_min_seconds: float = 43200.0,
        refresh_max_seconds: float = 86400.0,
        unknown_kid_cooldown_seconds: float = 300.0,
        retry_seconds: float = 30.0,
        fetch_timeout_seconds: float = 30.0,
        user_id_claim: str | None = None,
        organization_claim: str | None = None,
    ) -> OidcVerifier: ...
    def verify(self, token: str) -> OidcClaims:
        """Raises the ``AuthenticationError`` subclass of the failure (``unknown_key`` included)."""
    def accepts_issuer(self, issuer: str) -> bool: ...
    def accepts_token(self, token: str) -> bool:
        """Whether the unverified ``iss`` of ``token`` is this issuer's (routing only)."""
    def poll(self, now: float) -> tuple[str, int]:
        """``("fetch", ticket)``, ``("wait", 0)`` or ``("skip", 0)``; ``now`` is monotonic."""
    def on_unknown_kid(self, now: float) -> tuple[str, int]: ...
    def complete(self, ticket: int, body: bytes, now: float) -> int:
        """Raises ``ConfigurationError`` (keys kept) when ``body`` is not a usable JWKS."""
    def fail(self, ticket: int, now: float) -> None: ...
    @property
    def kids(self) -> list[str]: ...
    @property
    def has_keys(self) -> bool: ...
    @property
    def fetches(self) -> int: ...
    @property
    def issuer(self) -> str: ...
    @property
    def max_jwks_bytes(self) -> int: ...

@final
class OidcRouter:
    """Several issuers' verifiers: a token routed by ``iss`` and verified, one payload parse."""

    def __new__(cls, verifiers: list[OidcVerifier]) -> OidcRouter: ...
    def verify(self, token: str) -> tuple[int, OidcClaims] | None:
        """``(index, claims)`` verified by ``verifiers[index]``; ``None``: no issuer matches.

        Raises like :meth:`OidcVerifier.verify` (``unknown_key`` included)."""

def parse_discovery(
    body: bytes, expected_issuer: str | None = None, allow_http: bool = False
) -> dict[str, str | None]:
    """``issuer``, ``jwks_uri``, ``authorization_endpoint``, ``token_endpoint``."""
