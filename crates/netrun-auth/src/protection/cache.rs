//! The lockouts a front end learned from its guard's replies, so it can refuse an
//! attempt on a known-locked subject before checking its password, with no I/O.
//! Bounded; an optimisation only (the atomic step in the store is the boundary).

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::{retry_after_seconds, Subjects};

/// Subjects a [`LockoutCache`] remembers at most.
pub const CACHE_CAPACITY: usize = 10_000;

/// Subject id -> end of its lockout (milliseconds since the epoch), at most `capacity`.
#[derive(Debug)]
pub struct LockoutCache {
    capacity: usize,
    until: Mutex<HashMap<String, i64>>,
}

impl LockoutCache {
    /// An empty cache of at most `capacity` subjects.
    pub fn new(capacity: usize) -> Self {
        LockoutCache {
            capacity,
            until: Mutex::default(),
        }
    }

    fn lock(&self) -> MutexGuard<'_, HashMap<String, i64>> {
        // A panic while holding the lock leaves only hints behind: keep serving.
        self.until.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// Seconds until neither subject is known locked (`None`: none is).
    pub fn remaining(&self, subjects: &Subjects, now_ms: i64) -> Option<u64> {
        let until = self.lock();
        let left = |id: &str| until.get(id).map_or(0, |end| end.saturating_sub(now_ms));
        retry_after_seconds(left(&subjects.username).max(left(&subjects.ip)))
    }

    /// What one reply said: each subject locked for `*_ms` more (0: not locked).
    pub fn learn(&self, subjects: &Subjects, username_ms: i64, ip_ms: i64, now_ms: i64) {
        let mut until = self.lock();
        for (id, ms) in [(&subjects.username, username_ms), (&subjects.ip, ip_ms)] {
            if ms <= 0 {
                until.remove(id.as_str());
                continue;
            }
            if until.len() >= self.capacity && !until.contains_key(id.as_str()) {
                until.retain(|_, end| *end > now_ms);
                if until.len() >= self.capacity {
                    // Still full of live lockouts: forget one (a hint, not a rule).
                    if let Some(victim) = until.keys().next().cloned() {
                        until.remove(&victim);
                    }
                }
            }
            until.insert(id.clone(), now_ms.saturating_add(ms));
        }
    }

    /// Subjects remembered (expired ones included until the next sweep).
    pub fn len(&self) -> usize {
        self.lock().len()
    }

    /// Whether nothing is remembered.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

#[cfg(test)]
mod tests {
    use super::super::UsernameForm;
    use super::*;

    fn subjects(user: &str, ip: &str) -> Subjects {
        Subjects {
            username: user.to_owned(),
            ip: ip.to_owned(),
            form: UsernameForm::WellFormed,
        }
    }

    #[test]
    fn the_cache_stays_bounded_and_keeps_the_newest() {
        let cache = LockoutCache::new(4);
        for i in 0..10 {
            cache.learn(&subjects(&format!("u{i}"), "ip"), 1_000, 0, 0);
            assert!(cache.len() <= 4);
        }
        assert_eq!(cache.remaining(&subjects("u9", "x"), 0), Some(1));
        // Expired entries are swept before a live one is dropped.
        let cache = LockoutCache::new(2);
        cache.learn(&subjects("a", "b"), 1_000, 1_000, 0);
        cache.learn(&subjects("c", "d"), 5_000, 0, 2_000);
        assert_eq!(cache.len(), 1);
        assert_eq!(cache.remaining(&subjects("c", "d"), 2_000), Some(5));
    }
}
