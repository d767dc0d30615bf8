//! The embedded revocation store: one process, in memory, bounded by expiry.
//!
//! Memory stays bounded whatever the traffic mix: every operation (check or write,
//! session registration included) sweeps expired entries once [`SWEEP_INTERVAL_SECONDS`]
//! have passed since the last sweep, and each user's session registry holds at most
//! [`MAX_SESSIONS_PER_USER`] sessions.

use std::collections::HashMap;
use std::sync::Mutex;

use super::{
    decide, retain_until, within_grace, Keyspace, RevocationState, SpendOutcome,
    MAX_SESSIONS_PER_USER, REFRESH_GRACE_SECONDS,
};
use crate::claims::Claims;
use crate::error::Result;

/// Expired entries are swept at most this long after they expire.
pub const SWEEP_INTERVAL_SECONDS: i64 = 60;

/// An in-memory revocation store. Entries die with the tokens they cover.
pub struct MemoryStore {
    keys: Keyspace,
    grace_seconds: i64,
    inner: Mutex<Inner>,
}

impl Default for MemoryStore {
    fn default() -> Self {
        MemoryStore::with_refresh_grace(REFRESH_GRACE_SECONDS)
    }
}

/// A spent refresh token: when, the successor pair that spend issued (`None` for a
/// successor superseded by a retry), and whether the refresh completed (the successor
/// was handed out). Only an undelivered spend admits a retry.
struct Spend {
    at: i64,
    /// Spent-marker key of the successor refresh token, revocation key of its access token.
    successor: Option<(String, String)>,
    delivered: bool,
    until: i64,
}

#[derive(Default)]
struct Inner {
    /// Flags and times, keyed like Redis; value = (number, retained until).
    entries: HashMap<String, (i64, i64)>,
    /// Spent refresh tokens, keyed like Redis.
    spends: HashMap<String, Spend>,
    /// Live sessions per user key: session id -> retained until.
    sessions: HashMap<String, HashMap<String, i64>>,
    next_sweep: i64,
}

impl Inner {
    fn get(&self, key: &str, now: i64) -> Option<i64> {
        self.entries
            .get(key)
            .filter(|(_, until)| *until >= now)
            .map(|(v, _)| *v)
    }

    fn put(&mut self, key: String, value: i64, until: i64) {
        let entry = self.entries.entry(key).or_insert((value, until));
        *entry = (value, entry.1.max(until));
    }

    /// Whether `key` marks a spent refresh token at `now`.
    fn spent(&self, key: &str, now: i64) -> bool {
        self.spends.get(key).is_some_and(|s| s.until >= now)
    }

    /// Drop what expired, at most once per [`SWEEP_INTERVAL_SECONDS`].
    fn sweep(&mut self, now: i64) {
        if now < self.next_sweep {
            return;
        }
        self.next_sweep = now.saturating_add(SWEEP_INTERVAL_SECONDS);
        self.entries.retain(|_, (_, until)| *until >= now);
        self.spends.retain(|_, spend| spend.until >= now);
        self.sessions.retain(|_, live| {
            live.retain(|_, until| *until >= now);
            !live.is_empty()
        });
    }
}

impl MemoryStore {
    /// An empty store, with the default retry window ([`REFRESH_GRACE_SECONDS`]).
    pub fn new() -> Self {
        Self::default()
    }

    /// An empty store whose retry rule allows `grace_seconds` (0: every second
    /// presentation of a refresh token is reuse).
    pub fn with_refresh_grace(grace_seconds: i64) -> Self {
        MemoryStore {
            keys: Keyspace::default(),
            grace_seconds: grace_seconds.max(0),
            inner: Mutex::default(),
        }
    }

    fn lock(&self, now: i64) -> std::sync::MutexGuard<'_, Inner> {
        // A panic while holding the lock cannot leave the maps inconsistent: keep serving.
        let mut inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        inner.sweep(now);
        inner
    }

    /// The key names of this store.
    pub fn keyspace(&self) -> &Keyspace {
        &self.keys
    }

    /// `Err(Revoked)` if the token, its session or its user is revoked at `now`.
    pub fn check(&self, claims: &Claims, now: i64) -> Result<()> {
        self.check_keys(claims, &self.keys.check_keys(claims), now)
    }

    /// [`check`](Self::check) with the claims' [`Keyspace::check_keys`] of this store's
    /// [`keyspace`](Self::keyspace) made beforehand (a caller that keeps them for claims
    /// it sees again saves building them on every validation).
    pub fn check_keys(&self, claims: &Claims, keys: &[String; 3], now: i64) -> Result<()> {
        let [token, session, user] = keys;
        let inner = self.lock(now);
        let state = RevocationState {
            token_revoked: inner.get(token, now).is_some(),
            session_revoked: claims.session_id.is_some() && inner.get(session, now).is_some(),
            user_revoked_before: inner.get(user, now),
        };
        drop(inner);
        decide(claims, state)
    }

    /// Remember a session so that logging its user out everywhere revokes it.
    pub fn register_session(&self, user_id: &str, session_id: &str, expires_at: i64, now: i64) {
        let mut inner = self.lock(now);
        let live = inner
            .sessions
            .entry(self.keys.sessions(user_id))
            .or_default();
        live.insert(session_id.to_owned(), retain_until(expires_at));
        if live.len() > MAX_SESSIONS_PER_USER {
            let oldest = live
                .iter()
                .min_by_key(|(_, until)| **until)
                .map(|(sid, _)| sid.clone());
            if let Some(oldest) = oldest {
                live.remove(&oldest);
            }
        }
    }

    /// Revoke one token.
    pub fn revoke_token(&self, claims: &Claims, now: i64) {
        let key = self.keys.token(&claims.subject, &claims.jti);
        self.lock(now).put(key, 1, retain_until(claims.expires_at));
    }

    /// Revoke a session: every token carrying `session_id`.
    pub fn revoke_session(&self, user_id: &str, session_id: &str, expires_at: i64, now: i64) {
        let key = self.keys.session(user_id, session_id);
        self.lock(now).put(key, 1, retain_until(expires_at));
    }

    /// Revoke every token of `user_id` issued before `now` and each session registered
    /// so far; `ttl_seconds` is the longest any token lives.
    pub fn revoke_user(&self, user_id: &str, now: i64, ttl_seconds: i64) {
        let mut inner = self.lock(now);
        let live = inner
            .sessions
            .remove(&self.keys.sessions(user_id))
            .unwrap_or_default();
        for (session_id, until) in live.into_iter().filter(|(_, until)| *until >= now) {
            inner.put(self.keys.session(user_id, &session_id), 1, until);
        }
        inner.put(
            self.keys.user(user_id),
            now,
            retain_until(now + ttl_seconds),
        );
    }

    /// Present refresh token `claims` to be spent; `access` and `refresh` are the
    /// successor pair the caller hands out if the outcome is
    /// [granted](SpendOutcome::granted) (then it calls [`complete_refresh`](Self::complete_refresh)).
    /// In one atomic step:
    ///
    /// - first presentation (or this same request again, same successor):
    ///   [`SpendOutcome::Spent`];
    /// - the spend not delivered yet, within the retry window, its successor unused:
    ///   [`SpendOutcome::Retried`] (that successor's refresh token now counts as spent
    ///   and its access token is revoked);
    /// - otherwise reuse: the session is revoked until `session_expires_at` (when the
    ///   session's newest refresh token expires), [`SpendOutcome::Reused`].
    pub fn spend_refresh(
        &self,
        claims: &Claims,
        access: &Claims,
        refresh: &Claims,
        session_expires_at: i64,
        now: i64,
    ) -> SpendOutcome {
        let user = &claims.subject;
        let key = self.keys.spent(user, &claims.jti);
        let successor = Some((
            self.keys.spent(user, &refresh.jti),
            self.keys.token(user, &access.jti),
        ));
        let mut inner = self.lock(now);
        let Some(prior) = inner.spends.get(&key).filter(|s| s.until >= now) else {
            let spend = Spend {
                at: now,
                successor,
                delivered: false,
                until: retain_until(claims.expires_at),
            };
            inner.spends.insert(key, spend);
            return SpendOutcome::Spent;
        };
        let retry = match &prior.successor {
            Some(_) if prior.delivered => None,
            Some(same) if Some(same) == successor.as_ref() => return SpendOutcome::Spent,
            Some((prior_refresh, prior_access))
                if within_grace(prior.at, now, self.grace_seconds)
                    && !inner.spent(prior_refresh, now) =>
            {
                Some((prior_refresh.clone(), prior_access.clone()))
            }
            _ => None,
        };
        if let Some((prior_refresh, prior_access)) = retry {
            let superseded = Spend {
                at: now,
                successor: None,
                delivered: true,
                until: retain_until(refresh.expires_at),
            };
            inner.spends.insert(prior_refresh, superseded);
            inner.put(prior_access, 1, retain_until(access.expires_at));
            if let Some(spend) = inner.spends.get_mut(&key) {
                spend.successor = successor;
            }
            return SpendOutcome::Retried;
        }
        if let Some(session_id) = &claims.session_id {
            let session = self.keys.session(user, session_id);
            inner.put(session, 1, retain_until(session_expires_at));
        }
        SpendOutcome::Reused
    }

    /// The refresh of `claims` is handing out the successor whose refresh token is
    /// `refresh`: register its session and mark the spend delivered (from now on a
    /// presentation of `claims` is reuse).
    pub fn complete_refresh(&self, claims: &Claims, refresh: &Claims, now: i64) {
        let user = &claims.subject;
        if let Some(session_id) = &refresh.session_id {
            self.register_session(user, session_id, refresh.expires_at, now);
        }
        let key = self.keys.spent(user, &claims.jti);
        let successor = self.keys.spent(user, &refresh.jti);
        let mut inner = self.lock(now);
        if let Some(spend) = inner.spends.get_mut(&key) {
            if spend
                .successor
                .as_ref()
                .is_some_and(|(r, _)| *r == successor)
            {
                spend.delivered = true;
            }
        }
    }

    /// How many entries are held (expired ones included until swept).
    pub fn len(&self) -> usize {
        let inner = self
            .inner
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        inner.entries.len()
            + inner.spends.len()
            + inner.sessions.values().map(HashMap::len).sum::<usize>()
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
            memo: Default::default(),
        }
    }

    fn refresh(jti: &str, sid: &str, iat: i64) -> Claims {
        Claims {
            token_type: TokenType::Refresh,
            expires_at: iat + 1000,
            ..claims(jti, sid, iat)
        }
    }

    /// A successor pair (access, refresh) named after `n`.
    fn pair(n: &str, iat: i64) -> (Claims, Claims) {
        (
            claims(&format!("{n}-access"), "s", iat),
            refresh(&format!("{n}-refresh"), "s", iat),
        )
    }

    fn spend(store: &MemoryStore, r: &Claims, next: &(Claims, Claims), now: i64) -> SpendOutcome {
        store.spend_refresh(r, &next.0, &next.1, now + 4000, now)
    }

    /// A whole refresh: spend, and hand the successor out if granted.
    fn rotate(store: &MemoryStore, r: &Claims, next: &(Claims, Claims), now: i64) -> SpendOutcome {
        let outcome = spend(store, r, next, now);
        if outcome.granted() {
            store.complete_refresh(r, &next.1, now);
        }
        outcome
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
        store.register_session("u", "s2", 1100, 1000);
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
    fn entries_die_with_their_tokens_whatever_the_traffic() {
        let store = MemoryStore::new();
        let a = claims("a", "s", 1000);
        store.revoke_token(&a, 1000);
        let r = refresh("r", "s", 1000);
        assert_eq!(
            spend(&store, &r, &pair("n", 1000), 1000),
            SpendOutcome::Spent
        );
        assert_eq!(store.check(&a, retain_until(1100)), Err(Error::Revoked));
        assert_eq!(store.check(&a, retain_until(1100) + 1), Ok(()));
        // Only logins from then on: registering sessions sweeps what expired.
        let later = retain_until(2000) + SWEEP_INTERVAL_SECONDS;
        store.register_session("v", "s", later + 10, later);
        assert_eq!(store.len(), 1, "only the new session is left");
        for i in 0..10 {
            store.register_session("v", &i.to_string(), later + 10, later);
        }
        let much_later = retain_until(later + 10) + SWEEP_INTERVAL_SECONDS;
        store.register_session("w", "s", much_later + 10, much_later);
        assert_eq!(store.len(), 1);
    }

    #[test]
    fn the_session_registry_of_one_user_is_capped() {
        let store = MemoryStore::new();
        for i in 0..(MAX_SESSIONS_PER_USER as i64 + 10) {
            store.register_session("u", &format!("s{i}"), 5000 + i, 1000);
        }
        assert_eq!(store.len(), MAX_SESSIONS_PER_USER);
        // The newest are kept: logging out everywhere in this second still reaches them.
        let newest = format!("s{}", MAX_SESSIONS_PER_USER + 9);
        store.revoke_user("u", 1000, 100);
        assert_eq!(
            store.check(&claims("x", &newest, 1000), 1000),
            Err(Error::Revoked)
        );
    }

    #[test]
    fn refresh_tokens_are_spent_once() {
        let store = MemoryStore::new();
        let r = refresh("r", "s", 1000);
        let newer = claims("n", "s", 1050);
        assert_eq!(
            rotate(&store, &r, &pair("a", 1000), 1000),
            SpendOutcome::Spent
        );
        assert_eq!(store.check(&newer, 1000), Ok(()));
        // Delivered: presenting it again, even at once, is reuse.
        assert_eq!(
            rotate(&store, &r, &pair("b", 1000), 1000),
            SpendOutcome::Reused
        );
        assert_eq!(
            store.check(&newer, 4000),
            Err(Error::Revoked),
            "session revoked past r's expiry"
        );
    }

    #[test]
    fn a_retry_of_an_undelivered_spend_supersedes_its_successor() {
        let store = MemoryStore::with_refresh_grace(30);
        let r = refresh("r", "s", 1000);
        let first = pair("first", 1000);
        let second = pair("second", 1010);
        // Spent, but the answer never reached the caller (no complete_refresh).
        assert_eq!(spend(&store, &r, &first, 1000), SpendOutcome::Spent);
        assert_eq!(
            spend(&store, &r, &first, 1000),
            SpendOutcome::Spent,
            "resent"
        );
        // The client retries 10 s later.
        assert_eq!(rotate(&store, &r, &second, 1010), SpendOutcome::Retried);
        assert_eq!(store.check(&second.0, 1010), Ok(()), "session not revoked");
        assert_eq!(
            store.check(&first.0, 1010),
            Err(Error::Revoked),
            "the lost pair's access token is dead"
        );
        // Delivered now: a replay is reuse.
        assert_eq!(
            rotate(&store, &r, &pair("x", 1011), 1011),
            SpendOutcome::Reused
        );
        assert_eq!(store.check(&second.0, 1011), Err(Error::Revoked));
    }

    #[test]
    fn the_lost_successor_cannot_be_used_after_a_retry() {
        let store = MemoryStore::with_refresh_grace(30);
        let r = refresh("r", "s", 1000);
        let first = pair("first", 1000);
        assert_eq!(spend(&store, &r, &first, 1000), SpendOutcome::Spent);
        assert_eq!(
            rotate(&store, &r, &pair("second", 1001), 1001),
            SpendOutcome::Retried
        );
        assert_eq!(
            rotate(&store, &first.1, &pair("x", 1002), 1002),
            SpendOutcome::Reused
        );
    }

    #[test]
    fn an_undelivered_spend_is_reuse_after_the_window_or_once_its_successor_was_used() {
        let store = MemoryStore::with_refresh_grace(30);
        let r = refresh("r", "s", 1000);
        let first = pair("first", 1000);
        assert_eq!(spend(&store, &r, &first, 1000), SpendOutcome::Spent);
        assert_eq!(
            rotate(&store, &first.1, &pair("next", 1001), 1001),
            SpendOutcome::Spent
        );
        assert_eq!(
            rotate(&store, &r, &pair("late", 1002), 1002),
            SpendOutcome::Reused,
            "the successor was used"
        );

        let store = MemoryStore::with_refresh_grace(30);
        let r2 = refresh("r2", "s2", 1000);
        assert_eq!(
            spend(&store, &r2, &pair("a", 1000), 1000),
            SpendOutcome::Spent
        );
        assert_eq!(
            rotate(&store, &r2, &pair("b", 1031), 1031),
            SpendOutcome::Reused,
            "after the window"
        );
        assert_eq!(
            store.check(&claims("c", "s2", 1031), 1031),
            Err(Error::Revoked)
        );

        let off = MemoryStore::with_refresh_grace(0);
        assert_eq!(
            spend(&off, &r2, &pair("a", 1000), 1000),
            SpendOutcome::Spent
        );
        assert_eq!(
            spend(&off, &r2, &pair("b", 1000), 1000),
            SpendOutcome::Reused
        );
    }

    #[test]
    fn many_logins_with_expiry_stay_flat() {
        // 100 logins a second for 1000 s, each session living 60 s: what is held never
        // exceeds the sessions that can still be alive plus one sweep interval's worth.
        let store = MemoryStore::new();
        let per_second = 100;
        let lifetime = 60;
        let bound = per_second
            * (lifetime + super::super::RETENTION_MARGIN_SECONDS + SWEEP_INTERVAL_SECONDS + 1);
        let mut peak = 0;
        for second in 0..1000 {
            let now = 1_000_000 + second;
            for i in 0..per_second {
                store.register_session(
                    &format!("u{i}"),
                    &format!("s{second}-{i}"),
                    now + lifetime,
                    now,
                );
            }
            peak = peak.max(store.len());
        }
        assert!(peak as i64 <= bound, "{peak} > {bound}");
        assert!(store.len() as i64 <= bound);
    }
}
