"""netrun-auth: authentication and authorization for Python web APIs, with a Rust engine.

The public surface::

    from netrun_auth import AuthConfig, JWTManager, RBACManager, PasswordManager
    from netrun_auth.types import User, Role, TokenPair, TokenClaims
    from netrun_auth.exceptions import AuthenticationError, ...
    from netrun_auth.middleware import AuthenticationMiddleware        # extra: fastapi
    from netrun_auth.dependencies import get_current_user, ...         # extra: fastapi
"""

from ._core import __version__
from .config import AuthConfig
from .exceptions import (
    AuthenticationError,
    AuthorizationError,
    ConfigurationError,
    StoreUnavailableError,
    TokenExpiredError,
    TokenInvalidError,
    TokenReuseError,
    TokenRevokedError,
    TooManyAttemptsError,
)
from .jwt import JWTManager
from .password import PasswordManager
from .rbac import RBACManager
from .stores import MemoryStore, RevocationStore
from .types import Role, TokenClaims, TokenPair, User

__all__ = [
    "AuthConfig",
    "AuthenticationError",
    "AuthorizationError",
    "ConfigurationError",
    "JWTManager",
    "MemoryStore",
    "PasswordManager",
    "RBACManager",
    "RevocationStore",
    "Role",
    "StoreUnavailableError",
    "TokenClaims",
    "TokenExpiredError",
    "TokenInvalidError",
    "TokenPair",
    "TokenReuseError",
    "TokenRevokedError",
    "TooManyAttemptsError",
    "User",
    "__version__",
]
