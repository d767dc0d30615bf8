//! Revocation: what makes a verified token unusable, shared by every store.
//!
//! A token is revoked when its `jti` is revoked, when its session (`sid`) is
//! revoked, or when its user logged out everywhere after it was issued. Each
//! entry lives only as long as the tokens it covers (plus [`RETENTION_MARGIN_SECONDS`]),
//! so stores stay bounded. [`Keyspace`] names the keys (the same in memory and in
//! Redis); [`decide`] turns what a store read into a verdict; [`MemoryStore`] is the
//! embedded, single-process store; [`MirrorEntries`] holds a Redis store's revocations
//! as announced, in this process.
//!
//! Refresh tokens are spent once ([`SpendOutcome`]). A second presentation is reuse
//! (theft detection: the session is revoked), except for the *retry rule*. A refresh
//! spends the token (recording the successor pair it is about to hand out), then
//! completes (registers the successor's session and marks the spend *delivered*). A
//! spend that never completed is one whose answer the caller may not have received (a
//! 503 after the store had spent the token, or a store error after the spend). A second
//! presentation of its refresh token within [`REFRESH_GRACE_SECONDS`] of the spend,
//! while that successor's refresh token is unused, is a retry: it is answered like the
//! first, with a new pair of the same session, and the undelivered successor is
//! superseded (its refresh token counts as spent, so presenting it later is reuse; its
//! access token is revoked), so two holders of one refresh token can never both keep
//! going. A presentation after a delivered spend, after the window, or once the
//! successor was used is reuse, as before.

mod keyspace;
mod memory;
mod mirror;
pub mod scripts;

pub use keyspace::{CheckedKind, Keyspace};
pub use memory::{MemoryStore, SWEEP_INTERVAL_SECONDS};
pub use mirror::MirrorEntries;

use crate::claims::Claims;
use crate::error::{Error, Result};

/// Entries outlive the tokens they cover by this much, so tokens accepted within
/// the verification leeway (at most 300 s) stay revoked.
pub const RETENTION_MARGIN_SECONDS: i64 = 300;

/// Default of the retry rule's window: a refresh token presented again within this many
/// seconds of its spend, while the successor issued by that spend is unused, is a retry.
pub const REFRESH_GRACE_SECONDS: i64 = 30;

/// The longest retry window a store accepts.
pub const MAX_REFRESH_GRACE_SECONDS: i64 = 300;

/// Sessions remembered per user for logging out everywhere (every store); past it the
/// oldest (the one whose refresh token expires first) is forgotten. A forgotten session
/// stays covered by the user's logout time (every token issued in an earlier second), so
/// the cap only matters for more than this many logins of one user within one second.
pub const MAX_SESSIONS_PER_USER: usize = 1024;

/// What presenting a refresh token to `spend_refresh` did.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum SpendOutcome {
    /// Spent now, for the first time: issue the successor.
    Spent,
    /// A retry within the grace window: the previous successor is superseded, issue the new one.
    Retried,
    /// Reuse: the session is revoked; refuse.
    Reused,
}

impl SpendOutcome {
    /// Whether the caller may hand out the successor pair.
    pub fn granted(self) -> bool {
        !matches!(self, SpendOutcome::Reused)
    }

    /// The outcome a spend script's status code names (1 spent, 2 retried, else reuse).
    pub fn from_script(code: i64) -> Self {
        match code {
            1 => SpendOutcome::Spent,
            2 => SpendOutcome::Retried,
            _ => SpendOutcome::Reused,
        }
    }

    /// Stable name: `spent`, `retried` or `reused`.
    pub fn name(self) -> &'static str {
        match self {
            SpendOutcome::Spent => "spent",
            SpendOutcome::Retried => "retried",
            SpendOutcome::Reused => "reused",
        }
    }
}

/// Whether a presentation at `now` of a refresh token spent at `spent_at` falls in the
/// retry window of `grace_seconds` (0 turns the retry rule off).
pub fn within_grace(spent_at: i64, now: i64, grace_seconds: i64) -> bool {
    grace_seconds > 0 && now >= spent_at && now - spent_at <= grace_seconds
}

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
