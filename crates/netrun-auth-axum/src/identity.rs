//! The identities of verified tokens, built once: the engine's verified-token cache hands
//! back the same `Arc<Claims>` for a token it has seen, and this map hands back the
//! [`User`] built from those claims, so a repeated token costs no re-building (no string
//! copies, no scope parsing) on the request path.
//!
//! Keyed by the address of the claims; each entry holds its claims (strongly, through
//! the user), so an address cannot be reused while its entry exists. Bounded: a shard
//! that reaches its share of the capacity is emptied. Revocation is not cached here:
//! callers check it on every request before using an identity.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use netrun_auth::Claims;

use crate::user::User;

const SHARDS: usize = 16;

/// Users of verified claims; see the [module documentation](self).
pub(crate) struct Identities {
    shards: Vec<Mutex<HashMap<usize, Arc<User>>>>,
    per_shard: usize,
}

impl Identities {
    /// A map of about `capacity` identities (0: none kept).
    pub(crate) fn new(capacity: usize) -> Self {
        Identities {
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            per_shard: capacity.div_ceil(SHARDS),
        }
    }

    /// The user of `claims` (verified from `token`), built on first sight.
    pub(crate) fn user(&self, claims: Arc<Claims>, token: &str) -> Arc<User> {
        if self.per_shard == 0 {
            return Arc::new(User::from_claims(claims, token));
        }
        let address = Arc::as_ptr(&claims) as usize;
        // Allocations are aligned: the low bits say little.
        let shard = &self.shards[(address >> 4) % SHARDS];
        if let Some(user) = shard.lock().ok().and_then(|s| s.get(&address).cloned()) {
            if Arc::ptr_eq(&user.claims, &claims) {
                return user;
            }
        }
        let user = Arc::new(User::from_claims(claims, token));
        if let Ok(mut shard) = shard.lock() {
            if shard.len() >= self.per_shard {
                shard.clear();
            }
            shard.insert(address, user.clone());
        }
        user
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn claims(subject: &str) -> Arc<Claims> {
        let mut payload = serde_json::Map::new();
        for (k, v) in [("sub", subject), ("iss", "i"), ("aud", "a"), ("jti", "j")] {
            payload.insert(k.into(), v.into());
        }
        payload.insert("exp".into(), 4_000_000_000i64.into());
        payload.insert("typ".into(), "access".into());
        Arc::new(Claims::from_payload(payload).unwrap())
    }

    #[test]
    fn the_same_claims_give_the_same_user_and_other_claims_another() {
        let ids = Identities::new(100);
        let (a, b) = (claims("a"), claims("b"));
        let first = ids.user(a.clone(), "t1");
        assert!(Arc::ptr_eq(&first, &ids.user(a.clone(), "t1")));
        let other = ids.user(b, "t2");
        assert_eq!((other.user_id.as_str(), other.token()), ("b", "t2"));
        let off = Identities::new(0);
        assert!(!Arc::ptr_eq(&off.user(a.clone(), "t1"), &off.user(a, "t1")));
    }
}
