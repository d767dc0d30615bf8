//! Revocation: what makes a verified token unusable, shared by every store.
//!
//! A token is revoked when its `jti` is revoked, when its session (`sid`) is
//! revoked, or when its user logged out everywhere after it was issued. Each
//! entry lives only as long as the tokens it covers (plus [`RETENTION_MARGIN_SECONDS`]),
//! so stores stay bounded. [`Keyspace`] names the keys (the same in memory and in
//! Redis); [`decide`] turns what a store read into a verdict; [`MemoryStore`] is the
//! embedded, single-process store.

mod keyspace;
mod memory;
pub mod scripts;

pub use keyspace::Keyspace;
pub use memory::MemoryStore;

use crate::claims::Claims;
use crate::error::{Error, Result};

/// Entries outlive the tokens they cover by this much, so tokens accepted within
/// the verification leeway (at most 300 s) stay revoked.
pub const RETENTION_MARGIN_SECONDS: i64 = 300;

/// What a store read for one token.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct RevocationState {
    /// The token's `jti` is revoked.
    pub token_revoked: bool,
    /// The token's session is revoked.
    pub session_revoked: bool,
    /// The user logged out everywhere at this time (seconds since the epoch).
    pub user_revoked_before: Option<i64>,
}

/// The verdict for `claims` given what the store holds.
pub fn decide(claims: &Claims, state: RevocationState) -> Result<()> {
    let before_logout_all = state
        .user_revoked_before
        .is_some_and(|before| claims.issued_at.is_none_or(|iat| iat < before));
    if state.token_revoked || state.session_revoked || before_logout_all {
        return Err(Error::Revoked);
    }
    Ok(())
}

/// When an entry covering a token that expires at `expires_at` may be forgotten.
pub fn retain_until(expires_at: i64) -> i64 {
    expires_at.saturating_add(RETENTION_MARGIN_SECONDS)
}
