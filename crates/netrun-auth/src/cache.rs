//! The verified-token cache: bounded (LRU), each entry dying when its token expires.
//!
//! It saves the signature and parsing work of a token seen before. It is not a
//! revocation cache: callers still check revocation on every use.
//!
//! An entry is found by a [`TokenKey`], a 64-bit hash of the token under a seed drawn
//! at random once per process, and holds its token: a hit is a token equal, byte for
//! byte, to one verified before. The hash only finds the entry, so it need not resist
//! collisions: two tokens of one key share the entry (the later one wins), and a token
//! that is not the entry's own misses. A SHA-256 of the token would cost about 1 µs
//! per request on an 800-byte token; this hash costs a few dozen nanoseconds.

use std::hash::BuildHasher;
use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex, MutexGuard, OnceLock};

use aws_lc_rs::rand::{SecureRandom as _, SystemRandom};
use foldhash::quality::FixedState;
use lru::LruCache;

use crate::claims::Claims;

/// Where a token is cached: see the [module documentation](self).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct TokenKey(u64);

impl TokenKey {
    /// The key of `token` (its text or bytes; the same in every cache of this process).
    pub fn of<T: AsRef<[u8]> + ?Sized>(token: &T) -> Self {
        static STATE: OnceLock<FixedState> = OnceLock::new();
        let state = STATE.get_or_init(|| {
            let mut seed = [0; 8];
            // Without randomness the keys are only easier to predict: never wrong.
            let _ = SystemRandom::new().fill(&mut seed);
            FixedState::with_seed(u64::from_le_bytes(seed))
        });
        TokenKey(state.hash_one(token.as_ref()))
    }
}

/// A bounded LRU map from token to its verified claims (`C`: our [`Claims`], or an
/// outside issuer's claims).
pub struct VerifiedCache<C = Claims> {
    entries: Option<Mutex<LruCache<TokenKey, Entry<C>>>>,
}

struct Entry<C> {
    token: Box<[u8]>,
    claims: Arc<C>,
    dies_at: i64,
}

impl<C> VerifiedCache<C> {
    /// A cache of at most `capacity` tokens; 0 disables it.
    pub fn new(capacity: usize) -> Self {
        VerifiedCache {
            entries: NonZeroUsize::new(capacity).map(|c| Mutex::new(LruCache::new(c))),
        }
    }

    /// The claims cached for `token` (whose key is `key`), unless its entry has died
    /// by `now`. The token may be given as bytes: a hit is a token verified before.
    pub fn get<T: AsRef<[u8]> + ?Sized>(
        &self,
        key: TokenKey,
        token: &T,
        now: i64,
    ) -> Option<Arc<C>> {
        let mut entries = self.lock()?;
        match entries.get(&key) {
            Some(entry) if *entry.token != *token.as_ref() => None,
            Some(entry) if entry.dies_at >= now => Some(entry.claims.clone()),
            Some(_) => {
                entries.pop(&key);
                None
            }
            None => None,
        }
    }

    /// Remember the `claims` verified from `token` (key `key`) until `dies_at`.
    pub fn insert(&self, key: TokenKey, token: &str, claims: Arc<C>, dies_at: i64) {
        if let Some(mut entries) = self.lock() {
            let token = token.as_bytes().into();
            entries.put(
                key,
                Entry {
                    token,
                    claims,
                    dies_at,
                },
            );
        }
    }

    /// Forget every token (the keys that verified them changed).
    pub fn clear(&self) {
        if let Some(mut entries) = self.lock() {
            entries.clear();
        }
    }

    /// How many tokens are cached (dead entries included until touched or evicted).
    pub fn len(&self) -> usize {
        self.lock().map_or(0, |entries| entries.len())
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// The entries, `None` when the cache is off. A panic while the lock was held
    /// cannot leave an entry half written: the map is used as it is.
    fn lock(&self) -> Option<MutexGuard<'_, LruCache<TokenKey, Entry<C>>>> {
        let entries = self.entries.as_ref()?;
        Some(entries.lock().unwrap_or_else(|e| e.into_inner()))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_hit_is_the_same_token_alive() {
        let cache: VerifiedCache<u32> = VerifiedCache::new(4);
        let (a, b) = ("header.payload.a", "header.payload.b");
        cache.insert(TokenKey::of(a), a, Arc::new(1), 100);
        assert_eq!(cache.get(TokenKey::of(a), a, 100).as_deref(), Some(&1));
        assert_eq!(cache.get(TokenKey::of(b), b, 100), None);
        // A dead entry is dropped on sight.
        assert_eq!(cache.get(TokenKey::of(a), a, 101), None);
        assert!(cache.is_empty());
    }

    #[test]
    fn another_token_under_the_same_key_misses() {
        // Keys collide by construction here: the entry answers only its own token.
        let cache: VerifiedCache<u32> = VerifiedCache::new(4);
        let key = TokenKey::of("a.b.c");
        cache.insert(key, "a.b.c", Arc::new(1), 100);
        assert_eq!(cache.get(key, "a.b.d", 0), None);
        assert_eq!(cache.get(key, "a.b.c", 0).as_deref(), Some(&1));
        cache.insert(key, "a.b.d", Arc::new(2), 100);
        assert_eq!(cache.get(key, "a.b.c", 0), None);
        assert_eq!(cache.get(key, "a.b.d", 0).as_deref(), Some(&2));
    }

    #[test]
    fn bounded_and_clearable_and_off_at_zero() {
        let cache: VerifiedCache<usize> = VerifiedCache::new(3);
        let tokens: Vec<String> = (0..10).map(|i| format!("t.{i}.s")).collect();
        for (i, t) in tokens.iter().enumerate() {
            cache.insert(TokenKey::of(t), t, Arc::new(i), 100);
        }
        assert_eq!(cache.len(), 3);
        let last = &tokens[9];
        assert_eq!(cache.get(TokenKey::of(last), last, 0).as_deref(), Some(&9));
        cache.clear();
        assert!(cache.is_empty());
        let off: VerifiedCache<usize> = VerifiedCache::new(0);
        off.insert(TokenKey::of(last), last, Arc::new(1), 100);
        assert_eq!(off.get(TokenKey::of(last), last, 0), None);
    }

    #[test]
    fn the_key_is_stable_within_the_process() {
        assert_eq!(TokenKey::of("x.y.z"), TokenKey::of("x.y.z"));
        assert_ne!(TokenKey::of("x.y.z"), TokenKey::of("x.y.w"));
    }
}
