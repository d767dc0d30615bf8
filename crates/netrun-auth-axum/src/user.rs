//! [`User`]: the verified identity of a request, built from the token's claims.

use std::fmt;
use std::sync::Arc;

use netrun_auth::Claims;
use serde_json::Value;

/// The authenticated user of a request (the Python `User`, plus its claims and token).
#[derive(Clone)]
pub struct User {
    /// `sub`.
    pub user_id: String,
    /// `org`.
    pub organization_id: Option<String>,
    /// `roles`.
    pub roles: Vec<String>,
    /// `permissions`.
    pub permissions: Vec<String>,
    /// OAuth scopes: the `scope` claim (space-separated) or `scp` (string or list).
    pub scopes: Vec<String>,
    /// `sid`: the session (refresh family).
    pub session_id: Option<String>,
    /// `jti` (for an outside issuer's token: `jti` or Entra's `uti`, else empty).
    pub token_id: String,
    /// Every verified claim.
    pub claims: Arc<Claims>,
    token: Arc<str>,
}

impl User {
    /// The user that verified `claims` describe; `token` is the raw token they came from.
    pub fn from_claims(claims: Arc<Claims>, token: &str) -> Self {
        User {
            user_id: claims.subject.clone(),
            organization_id: claims.organization_id.clone(),
            roles: claims.roles.clone(),
            permissions: claims.permissions.clone(),
            scopes: scopes_of(&claims),
            session_id: claims.session_id.clone(),
            token_id: claims.jti.clone(),
            token: Arc::from(token),
            claims,
        }
    }

    /// The user of an outside issuer's token: `claims` as verified by its provider,
    /// with the identity the provider chose (`oid` / `tid` for Entra) and its scopes.
    pub fn external(
        claims: Arc<Claims>,
        user_id: String,
        organization_id: Option<String>,
        scopes: Vec<String>,
        token: &str,
    ) -> Self {
        User {
            user_id,
            organization_id,
            roles: claims.roles.clone(),
            permissions: claims.permissions.clone(),
            scopes,
            session_id: None,
            token_id: claims.jti.clone(),
            token: Arc::from(token),
            claims,
        }
    }

    /// `iss`: our own issuer, or the outside issuer (OIDC, Entra) that signed the token.
    pub fn issuer(&self) -> &str {
        &self.claims.issuer
    }

    /// The raw, validated access token (for `logout`).
    pub fn token(&self) -> &str {
        &self.token
    }

    /// Whether the user carries `role` (no inheritance).
    pub fn has_role(&self, role: &str) -> bool {
        self.roles.iter().any(|r| r == role)
    }

    /// Whether the user carries at least one of `roles`.
    pub fn has_any_role<S: AsRef<str>>(&self, roles: &[S]) -> bool {
        roles.iter().any(|r| self.has_role(r.as_ref()))
    }
}

impl fmt::Debug for User {
    /// Never prints the token.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("User")
            .field("user_id", &self.user_id)
            .field("organization_id", &self.organization_id)
            .field("roles", &self.roles)
            .field("permissions", &self.permissions)
            .field("scopes", &self.scopes)
            .field("session_id", &self.session_id)
            .field("token_id", &self.token_id)
            .field("issuer", &self.issuer())
            .finish_non_exhaustive()
    }
}

fn scopes_of(claims: &Claims) -> Vec<String> {
    let split = |s: &str| s.split_ascii_whitespace().map(String::from).collect();
    match claims
        .extra
        .get("scope")
        .or_else(|| claims.extra.get("scp"))
    {
        Some(Value::String(s)) => split(s),
        Some(Value::Array(items)) => items
            .iter()
            .filter_map(Value::as_str)
            .map(String::from)
            .collect(),
        _ => Vec::new(),
    }
}
