//! The entries of a local revocation mirror: what the announcements of a Redis
//! store said, kept in this process so that validations are decided without a round
//! trip.
//!
//! Sans-I/O: the fronts (Python's `netrun_auth.redis_mirror`, the axum crate's
//! `store::mirror`) own the subscription and say when the mirror is live; this owns
//! the rules: which keys are kept ([`Keyspace::checked_kind`]), how two announcements of
//! one key combine, when an entry dies, and the verdict ([`decide`]).

use std::collections::HashMap;
use std::sync::RwLock;
use std::time::{Duration, Instant};

use super::scripts::parse_announcement;
use super::{decide, CheckedKind, Keyspace, RevocationState};
use crate::claims::Claims;
use crate::error::Result;

/// One entry: its value (`1` for a flag, a logout time for a user key) and when it dies.
#[derive(Debug, Clone, Copy)]
struct Entry {
    value: i64,
    expires: Instant,
}

/// The revocation entries of one key prefix, as announced (thread-safe).
#[derive(Debug)]
pub struct MirrorEntries {
    keys: Keyspace,
    entries: RwLock<HashMap<String, Entry>>,
}

impl MirrorEntries {
    /// No entries, for the keys named by `keys`.
    pub fn new(keys: Keyspace) -> Self {
        MirrorEntries {
            keys,
            entries: RwLock::new(HashMap::new()),
        }
    }

    /// The key names of the mirrored store.
    pub fn keyspace(&self) -> &Keyspace {
        &self.keys
    }

    /// Apply one announcement (`"<ttl seconds> <value> <key>"`, as the engine's scripts
    /// publish and return it); anything else is ignored.
    pub fn apply_announcement(&self, text: &str, now: Instant) {
        if let Some(a) = parse_announcement(text) {
            let ttl = Duration::from_secs(a.ttl_seconds.max(0).unsigned_abs());
            self.apply(a.key, a.value, ttl, now);
        }
    }

    /// Record that `key` holds `value` for `ttl` from `now`, if a validation reads it
    /// (other keys, and a user key whose value is not a time, are ignored). Of two
    /// logout-everywhere times of one user the later holds, with the longer life.
    pub fn apply(&self, key: &str, value: &str, ttl: Duration, now: Instant) {
        let Some(kind) = self.keys.checked_kind(key) else {
            return;
        };
        let value = match kind {
            CheckedKind::User => match value.trim().parse::<i64>() {
                Ok(v) => v,
                Err(_) => return,
            },
            _ => 1,
        };
        // Redis TTLs are bounded by token lifetimes; a larger one is read as ten years.
        let expires = now + ttl.min(Duration::from_secs(10 * 365 * 24 * 3600));
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        let entry = entries
            .entry(key.to_owned())
            .or_insert(Entry { value, expires });
        if kind == CheckedKind::User {
            entry.value = entry.value.max(value);
            entry.expires = entry.expires.max(expires);
        } else {
            *entry = Entry { value, expires };
        }
    }

    /// What the entries say of `claims` at `now`, whose check keys are `keys`
    /// ([`Keyspace::check_keys`], for a caller that keeps them).
    pub fn lookup_keys(
        &self,
        claims: &Claims,
        keys: &[String; 3],
        now: Instant,
    ) -> RevocationState {
        let entries = self.entries.read().unwrap_or_else(|p| p.into_inner());
        if entries.is_empty() {
            return RevocationState::default();
        }
        let [token, session, user] = keys;
        let get = |key: &str| {
            entries
                .get(key)
                .filter(|e| e.expires > now)
                .map(|e| e.value)
        };
        RevocationState {
            token_revoked: get(token).is_some(),
            session_revoked: claims.session_id.is_some() && get(session).is_some(),
            user_revoked_before: get(user),
        }
    }

    /// `Err(Revoked)` if the entries revoke `claims` at `now`.
    pub fn check(&self, claims: &Claims, now: Instant) -> Result<()> {
        if self.is_empty() {
            return decide(claims, RevocationState::default());
        }
        let keys = self.keys.check_keys(claims);
        decide(claims, self.lookup_keys(claims, &keys, now))
    }

    /// Forget the entries dead at `now`.
    pub fn sweep(&self, now: Instant) {
        let mut entries = self.entries.write().unwrap_or_else(|p| p.into_inner());
        entries.retain(|_, e| e.expires > now);
    }

    /// Forget every entry (the mirror is starting over).
    pub fn clear(&self) {
        self.entries
            .write()
            .unwrap_or_else(|p| p.into_inner())
            .clear();
    }

    /// How many entries are kept (dead ones included until swept).
    pub fn len(&self) -> usize {
        self.entries.read().unwrap_or_else(|p| p.into_inner()).len()
    }

    /// Whether no entry is kept.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::{Audience, TokenType};
    use crate::error::Error;

    fn claims(user: &str, jti: &str, session: Option<&str>, issued_at: i64) -> Claims {
        Claims {
            subject: user.into(),
            issuer: "i".into(),
            audience: Audience::One("a".into()),
            expires_at: issued_at + 900,
            not_before: None,
            issued_at: Some(issued_at),
            jti: jti.into(),
            token_type: TokenType::Access,
            session_id: session.map(Into::into),
            organization_id: None,
            roles: vec![],
            permissions: vec![],
            extra: serde_json::Map::new(),
            memo: Default::default(),
        }
    }

    #[test]
    fn only_checked_keys_are_kept_and_the_later_logout_time_holds() {
        let m = MirrorEntries::new(Keyspace::new("p:"));
        let now = Instant::now();
        for text in [
            "60 1 p:{u}:jti:a",
            "60 1 p:{u}:spent:a",
            "60 1 other:{u}:jti:a",
            "60 200 p:{u}:before",
            "60 100 p:{u}:before",
            "60 soon p:{v}:before",
            "garbage",
        ] {
            m.apply_announcement(text, now);
        }
        assert_eq!(m.len(), 2);
        let at = |t| claims("u", "other", None, t);
        assert_eq!(m.check(&at(150), now), Err(Error::Revoked));
        assert_eq!(m.check(&at(200), now), Ok(()));
        assert_eq!(
            m.check(&claims("u", "a", None, 500), now),
            Err(Error::Revoked)
        );
    }

    #[test]
    fn entries_die_with_their_ttl_and_sessions_need_a_session() {
        let m = MirrorEntries::new(Keyspace::new("p:"));
        let now = Instant::now();
        let keys = Keyspace::new("p:");
        m.apply(&keys.session("u", "s"), "1", Duration::from_secs(5), now);
        let with = claims("u", "j", Some("s"), 10);
        assert_eq!(m.check(&with, now), Err(Error::Revoked));
        assert_eq!(m.check(&claims("u", "j", None, 10), now), Ok(()));
        let later = now + Duration::from_secs(6);
        assert_eq!(m.check(&with, later), Ok(()));
        m.sweep(later);
        assert!(m.is_empty());
        m.apply(&keys.token("u", "j"), "1", Duration::from_secs(5), now);
        m.clear();
        assert_eq!(m.check(&with, now), Ok(()));
    }
}
