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
    /// `jti`.
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
