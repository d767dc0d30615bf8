//! The one-process login guard: the same arithmetic as the Redis script, in memory.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::{retry_after_seconds, Failure, LockoutPolicy, Subjects};
use crate::error::Result;

/// Sweep expired subjects after this many writes.
const SWEEP_EVERY: u32 = 1024;

/// One subject's counters; times in milliseconds since the epoch.
#[derive(Debug, Clone, Copy, Default)]
struct State {
    failures: u32,
    failures_until: i64,
    strikes: u32,
    strikes_until: i64,
    locked_until: i64,
}

impl State {
    fn is_dead(&self, now: i64) -> bool {
        self.failures_until <= now && self.strikes_until <= now && self.locked_until <= now
    }
}

/// Login failures and lockouts of one process, keyed by subject id.
#[derive(Debug)]
pub struct MemoryGuard {
    policy: LockoutPolicy,
    inner: Mutex<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    subjects: HashMap<String, State>,
    writes: u32,
}

impl MemoryGuard {
    /// An empty guard applying `policy` (validated).
    pub fn new(policy: LockoutPolicy) -> Result<Self> {
        policy.validate()?;
        Ok(MemoryGuard {
            policy,
            inner: Mutex::default(),
        })
    }

    fn lock(&self) -> MutexGuard<'_, Inner> {
        // A panic while holding the lock leaves only counters behind: keep serving.
        self.inner.lock().unwrap_or_else(|e| e.into_inner())
    }

    fn remaining(inner: &Inner, id: &str, now: i64) -> i64 {
        inner
            .subjects
            .get(id)
            .map_or(0, |s| s.locked_until.saturating_sub(now))
    }

    /// Seconds until the attempt may proceed, `None` when neither subject is locked.
    pub fn check(&self, subjects: &Subjects, now_ms: i64) -> Option<u64> {
        let inner = self.lock();
        let remaining = Self::remaining(&inner, &subjects.username, now_ms).max(Self::remaining(
            &inner,
            &subjects.ip,
            now_ms,
        ));
        retry_after_seconds(remaining)
    }

    /// Record a failed attempt against both subjects.
    pub fn failed(&self, subjects: &Subjects, now_ms: i64) -> Failure {
        let mut inner = self.lock();
        let (new_user, user_ms) = self.record(&mut inner, &subjects.username, false, now_ms);
        let (new_ip, ip_ms) = self.record(&mut inner, &subjects.ip, true, now_ms);
        inner.writes += 1;
        if inner.writes >= SWEEP_EVERY {
            inner.writes = 0;
            inner.subjects.retain(|_, s| !s.is_dead(now_ms));
        }
        Failure {
            locked_now: new_user || new_ip,
            retry_after: retry_after_seconds(user_ms.max(ip_ms)),
        }
    }

    /// One subject's step; mirrors [`super::scripts::RECORD_FAILURE`].
    fn record(&self, inner: &mut Inner, id: &str, ip: bool, now: i64) -> (bool, i64) {
        let state = inner.subjects.entry(id.to_owned()).or_default();
        if state.locked_until > now {
            return (false, state.locked_until - now);
        }
        if state.failures_until <= now {
            state.failures = 0;
            state.failures_until = now.saturating_add(ms(self.policy.window_seconds));
        }
        state.failures += 1;
        if state.failures < self.policy.threshold(ip) {
            return (false, 0);
        }
        if state.strikes_until <= now {
            state.strikes = 0;
        }
        state.strikes = state.strikes.saturating_add(1);
        let lockout = ms(self.policy.lockout_seconds(state.strikes));
        state.locked_until = now.saturating_add(lockout);
        state.strikes_until = state
            .locked_until
            .saturating_add(ms(self.policy.strike_memory_seconds()));
        state.failures = 0;
        state.failures_until = now;
        (true, lockout)
    }

    /// A successful login: forget the username's failures and strikes (not the IP's).
    pub fn succeeded(&self, subjects: &Subjects) {
        self.lock().subjects.remove(&subjects.username);
    }

    /// Subjects currently tracked.
    pub fn len(&self) -> usize {
        self.lock().subjects.len()
    }

    /// Whether no subject is tracked.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }
}

fn ms(seconds: u64) -> i64 {
    i64::try_from(seconds.saturating_mul(1000)).unwrap_or(i64::MAX)
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

    fn policy() -> LockoutPolicy {
        LockoutPolicy {
            window_seconds: 10,
            max_failures_per_username: 3,
            max_failures_per_ip: 5,
            lockout_base_seconds: 2,
            lockout_max_seconds: 5,
        }
    }

    #[test]
    fn username_locks_after_threshold_and_lockouts_grow_to_cap() {
        let g = MemoryGuard::new(policy()).unwrap();
        let s = subjects("u1", "i1");
        let other_ip = subjects("u1", "i2");
        let mut now = 1_000_000;
        assert_eq!(g.failed(&s, now), Failure::default());
        assert_eq!(g.failed(&other_ip, now).retry_after, None);
        let third = g.failed(&s, now);
        assert!(third.locked_now);
        assert_eq!(third.retry_after, Some(2));
        assert_eq!(g.check(&s, now + 500), Some(2));
        assert_eq!(g.check(&subjects("u1", "elsewhere"), now), Some(2));
        assert_eq!(g.check(&subjects("u2", "i1"), now), None);
        // Failures while locked do not count and do not extend the lockout.
        assert!(!g.failed(&s, now + 1).locked_now);
        now += 2000;
        assert_eq!(g.check(&s, now), None);
        for _ in 0..2 {
            g.failed(&s, now);
        }
        assert_eq!(g.failed(&s, now).retry_after, Some(4)); // strike 2
        now += 4000;
        for _ in 0..2 {
            g.failed(&s, now);
        }
        assert_eq!(g.failed(&s, now).retry_after, Some(5)); // capped
    }

    #[test]
    fn window_expiry_and_success_reset_the_username_only() {
        let g = MemoryGuard::new(policy()).unwrap();
        let s = subjects("u1", "i1");
        let now = 0;
        g.failed(&s, now);
        g.failed(&s, now);
        // The window passed: counting starts over.
        assert!(!g.failed(&s, now + 10_000).locked_now);
        assert!(!g.failed(&s, now + 10_001).locked_now);
        g.succeeded(&s);
        assert!(!g.failed(&s, now + 10_002).locked_now);
        assert!(!g.failed(&s, now + 10_003).locked_now);
        // The IP kept counting through the success: its 5th failure in the window locks it.
        assert!(g.failed(&subjects("u7", "i1"), now + 10_004).locked_now);
        assert_eq!(g.check(&subjects("u9", "i1"), now + 10_004), Some(2));
    }

    #[test]
    fn strikes_are_forgotten_after_the_cap() {
        let g = MemoryGuard::new(policy()).unwrap();
        let s = subjects("u1", "i1");
        for _ in 0..3 {
            g.failed(&s, 0);
        }
        // Lock ends at 2 s; strikes remembered until 2 + 5 s.
        let later = 7_000;
        for _ in 0..2 {
            g.failed(&s, later);
        }
        assert_eq!(g.failed(&s, later).retry_after, Some(2));
        assert!(MemoryGuard::new(LockoutPolicy {
            window_seconds: 0,
            ..policy()
        })
        .is_err());
    }
}
