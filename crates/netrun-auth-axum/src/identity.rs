//! The identities of verified tokens, built once: the engine's verified-token cache hands
//! back the same `Arc<Claims>` for a token it has seen, and this map hands back the
//! [`User`] built from those claims with the names of the revocation keys that guard
//! them, so a repeated token costs no re-building (no string copies, no scope parsing,
//! no key formatting) on the request path.
//!
//! Keyed by the address of the claims; each entry holds its claims (strongly, through
//! the user), so an address cannot be reused while its entry exists. Bounded: a shard
//! that reaches its share of the capacity is emptied. Revocation is not cached here:
//! callers check it (with [`Identity::check_keys`]) on every request before using an
//! identity.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};

use netrun_auth::revocation::Keyspace;
use netrun_auth::Claims;

use crate::user::User;

const SHARDS: usize = 16;

/// The user of verified claims and the revocation keys of those claims.
pub(crate) struct Identity {
    pub(crate) user: Arc<User>,
    /// [`Keyspace::check_keys`] of the user's claims, in the store's keyspace.
    pub(crate) check_keys: [String; 3],
}

impl Identity {
    fn new(claims: Arc<Claims>, token: &str, keyspace: &Keyspace) -> Self {
        Identity {
            check_keys: keyspace.check_keys(&claims),
            user: Arc::new(User::from_claims(claims, token)),
        }
    }
}

/// Identities of verified claims; see the [module documentation](self).
pub(crate) struct Identities {
    shards: Vec<Mutex<HashMap<usize, Arc<Identity>>>>,
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

    /// The identity of `claims` (verified from `token`; keys of `keyspace`, which is the
    /// same on every call), built on first sight.
    pub(crate) fn identity(
        &self,
        claims: Arc<Claims>,
        token: &str,
        keyspace: &Keyspace,
    ) -> Arc<Identity> {
        if self.per_shard == 0 {
            return Arc::new(Identity::new(claims, token, keyspace));
        }
        let address = Arc::as_ptr(&claims) as usize;
        // Allocations are aligned: the low bits say little.
        let shard = &self.shards[(address >> 4) % SHARDS];
        if let Some(known) = shard.lock().ok().and_then(|s| s.get(&address).cloned()) {
            if Arc::ptr_eq(&known.user.claims, &claims) {
                return known;
            }
        }
        let known = Arc::new(Identity::new(claims, token, keyspace));
        if let Ok(mut shard) = shard.lock() {
            if shard.len() >= self.per_shard {
                shard.clear();
            }
            shard.insert(address, known.clone());
        }
        known
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
        let (ids, keys) = (Identities::new(100), Keyspace::default());
        let (a, b) = (claims("a"), claims("b"));
        let first = ids.identity(a.clone(), "t1", &keys);
        assert!(Arc::ptr_eq(&first, &ids.identity(a.clone(), "t1", &keys)));
        assert_eq!(first.check_keys, keys.check_keys(&a));
        let other = ids.identity(b, "t2", &keys);
        let user = &other.user;
        assert_eq!((user.user_id.as_str(), user.token()), ("b", "t2"));
        let off = Identities::new(0);
        let (x, y) = (
            off.identity(a.clone(), "t1", &keys),
            off.identity(a, "t1", &keys),
        );
        assert!(!Arc::ptr_eq(&x, &y));
    }
}
