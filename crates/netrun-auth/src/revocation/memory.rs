//! The embedded revocation store: one process, in memory, bounded by expiry.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{decide, retain_until, Keyspace, RevocationState};
use crate::claims::Claims;
use crate::error::Result;

/// Sweep expired entries after this many writes.
const SWEEP_EVERY: u32 = 1024;

/// An in-memory revocation store. Entries die with the tokens they cover.
#[derive(Default)]
pub struct MemoryStore {
    keys: Keyspace,
    inner: Mutex<Inner>,
}

#[derive(Default)]
struct Inner {
    /// Flags and times, keyed like Redis; value = (number, retained until).
    entries: HashMap<String, (i64, i64)>,
    /// Live sessions per user key: session id -> retained until.
    sessions: HashMap<String, HashMap<String, i64>>,
    writes: u32,
}

impl Inner {
    fn get(&self, key: &str, now: i64) -> Option<i64> {
        self.entries
            .get(key)
            .filter(|(_, until)| *until >= now)
            .map(|(v, _)| *v)
    }

    fn put(&mut self, key: String, value: i64, until: i64, now: i64) {
        let entry = self.entries.entry(key).or_insert((value, until));
        *entry = (value, entry.1.max(until));
        self.writes += 1;
        if self.writes >= SWEEP_EVERY {
            self.writes = 0;
            self.entries.retain(|_, (_, until)| *until >= now);
            self.sessions.retain(|_, live| {
                live.retain(|_, until| *until >= now);
                !live.is_empty()
            });
        }
    }
}

impl MemoryStore {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent: keep serving.
        self.inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// `Err(Revoked)` if the token, its session or its user is revoked at `now`.
    pub fn check(&self, claims: &Claims, now: i64) -> Result<()> {
        let [token, session, user] = self.keys.check_keys(claims);
        let inner = self.lock();
        let state = RevocationState {
            token_revoked: inner.get(&token, now).is_some(),
            session_revoked: claims.session_id.is_some() && inner.get(&session, now).is_some(),
            user_revoked_before: inner.get(&user, now),
        };
        drop(inner);
        decide(claims, state)
    }

    /// Remember a session so that logging its user out everywhere revokes it.
    pub fn register_session(&self, user_id: &str, session_id: &str, expires_at: i64) {
        let mut inner = self.lock();
        inner
            .sessions
            .entry(self.keys.sessions(user_id))
            .or_default()
            .insert(session_id.to_owned(), retain_until(expires_at));
    }

    /// Revoke one token.
    pub fn revoke_token(&self, claims: &Claims, now: i64) {
        let key = self.keys.token(&claims.subject, &claims.jti);
        self.lock()
            .put(key, 1, retain_until(claims.expires_at), now);
    }

    /// Revoke a session: every token carrying `session_id`.
    pub fn revoke_session(&self, user_id: &str, session_id: &str, expires_at: i64, now: i64) {
        let key = self.keys.session(user_id, session_id);
        self.lock().put(key, 1, retain_until(expires_at), now);
    }

    /// Revoke every token of `user_id` issued before `now` and each session registered
    /// so far; `ttl_seconds` is the longest any token lives.
    pub fn revoke_user(&self, user_id: &str, now: i64, ttl_seconds: i64) {
        let mut inner = self.lock();
        let live = inner
            .sessions
            .remove(&self.keys.sessions(user_id))
            .unwrap_or_default();
        for (session_id, until) in live.into_iter().filter(|(_, until)| *until >= now) {
            inner.put(self.keys.session(user_id, &session_id), 1, until, now);
        }
        inner.put(
            self.keys.user(user_id),
            now,
            retain_until(now + ttl_seconds),
            now,
        );
    }

    /// Spend a refresh token: `true` the first time. On reuse, revoke its session
    /// until `session_expires_at` (when the session's newest refresh token expires)
    /// and return `false`, in one atomic step.
    pub fn spend_refresh(&self, claims: &Claims, session_expires_at: i64, now: i64) -> bool {
        let key = self.keys.spent(&claims.subject, &claims.jti);
        let mut inner = self.lock();
        if inner.get(&key, now).is_none() {
            inner.put(key, 1, retain_until(claims.expires_at), now);
            return true;
        }
        if let Some(session_id) = &claims.session_id {
            let session = self.keys.session(&claims.subject, session_id);
            inner.put(session, 1, retain_until(session_expires_at), now);
        }
        false
    }

    /// How many entries are held (expired ones included until swept).
    pub fn len(&self) -> usize {
        let inner = self.lock();
        inner.entries.len() + inner.sessions.values().map(HashMap::len).sum::<usize>()
    }

    /// Whether the store holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::claims::{Audience, TokenType};
    use crate::error::Error;
    use serde_json::Map;

    fn claims(jti: &str, sid: &str, iat: i64) -> Claims {
        Claims {
            subject: "u".into(),
            issuer: "i".into(),
            audience: Audience::One("a".into()),
            expires_at: iat + 100,
            not_before: None,
            issued_at: Some(iat),
            jti: jti.into(),
            token_type: TokenType::Access,
            session_id: Some(sid.into()),
            organization_id: None,
            roles: vec![],
            permissions: vec![],
            extra: Map::new(),
        }
    }

    #[test]
    fn token_session_and_user_revocation() {
        let store = MemoryStore::new();
        let a = claims("a", "s1", 1000);
        let b = claims("b", "s1", 1000);
        let c = claims("c", "s2", 1000);
        store.revoke_token(&a, 1000);
        assert_eq!(store.check(&a, 1000), Err(Error::Revoked));
        assert_eq!(store.check(&b, 1000), Ok(()));
        store.revoke_session("u", "s1", 1100, 1000);
        assert_eq!(store.check(&b, 1000), Err(Error::Revoked));
        assert_eq!(store.check(&c, 1000), Ok(()));
        store.register_session("u", "s2", 1100);
        store.revoke_user("u", 1000, 100);
        assert_eq!(
            store.check(&c, 1000),
            Err(Error::Revoked),
            "same-second session revoked"
        );
        assert_eq!(
            store.check(&claims("d", "s3", 1000), 1000),
            Ok(()),
            "new session after logout-all"
        );
        assert_eq!(
            store.check(&claims("e", "s4", 999), 1000),
            Err(Error::Revoked)
        );
    }

    #[test]
    fn entries_die_with_their_tokens() {
        let store = MemoryStore::new();
        let a = claims("a", "s", 1000);
        store.revoke_token(&a, 1000);
        assert_eq!(store.check(&a, retain_until(1100)), Err(Error::Revoked));
        assert_eq!(store.check(&a, retain_until(1100) + 1), Ok(()));
        for i in 0..SWEEP_EVERY {
            store.revoke_token(&claims(&i.to_string(), "s", 5000), 5000);
        }
        assert_eq!(store.len(), SWEEP_EVERY as usize - 1 + 1);
    }

    #[test]
    fn refresh_tokens_are_spent_once() {
        let store = MemoryStore::new();
        let r = claims("r", "s", 1000);
        let newer = claims("n", "s", 1050);
        assert!(store.spend_refresh(&r, 5000, 1000));
        assert_eq!(store.check(&newer, 1000), Ok(()));
        assert!(!store.spend_refresh(&r, 5000, 1000));
        assert_eq!(
            store.check(&newer, 4000),
            Err(Error::Revoked),
            "session revoked past r's expiry"
        );
    }
}
