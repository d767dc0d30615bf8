//! The verified-token cache: bounded, keyed by a SHA-256 of the token (never the
//! token itself), each entry dying when its token expires.
//!
//! It saves the signature and parsing work of a token seen before. It is not a
//! revocation cache: callers still check revocation on every use.

use std::num::NonZeroUsize;
use std::sync::{Arc, Mutex};

use aws_lc_rs::digest;
use lru::LruCache;

use crate::claims::Claims;

/// The cache key of a token.
pub type TokenDigest = [u8; 32];

/// A bounded LRU map from token digest to verified claims.
pub struct VerifiedCache {
    entries: Option<Mutex<LruCache<TokenDigest, Entry>>>,
}

struct Entry {
    claims: Arc<Claims>,
    dies_at: i64,
}

impl VerifiedCache {
    /// A cache of at most `capacity` tokens; 0 disables it.
    pub fn new(capacity: usize) -> Self {
        VerifiedCache {
            entries: NonZeroUsize::new(capacity).map(|c| Mutex::new(LruCache::new(c))),
        }
    }

    /// The digest a token is cached under.
    pub fn digest(token: &str) -> TokenDigest {
        let mut key = [0; 32];
        key.copy_from_slice(digest::digest(&digest::SHA256, token.as_bytes()).as_ref());
        key
    }

    /// The claims cached for `key`, unless the entry has died by `now`.
    pub fn get(&self, key: &TokenDigest, now: i64) -> Option<Arc<Claims>> {
        let mut entries = self.entries.as_ref()?.lock().ok()?;
        match entries.get(key) {
            Some(entry) if entry.dies_at >= now => Some(entry.claims.clone()),
            Some(_) => {
                entries.pop(key);
                None
            }
            None => None,
        }
    }

    /// Remember `claims` under `key` until `dies_at`.
    pub fn insert(&self, key: TokenDigest, claims: Arc<Claims>, dies_at: i64) {
        if let Some(Ok(mut entries)) = self.entries.as_ref().map(Mutex::lock) {
            entries.put(key, Entry { claims, dies_at });
        }
    }

    /// How many tokens are cached (dead entries included until touched or evicted).
    pub fn len(&self) -> usize {
        self.entries
            .as_ref()
            .and_then(|e| e.lock().ok().map(|e| e.len()))
            .unwrap_or(0)
    }

    /// Whether the cache holds nothing.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}
