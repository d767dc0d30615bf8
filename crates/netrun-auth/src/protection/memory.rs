//! The one-process login guard: the same arithmetic as the Redis scripts, in memory,
//! each operation atomic under one lock.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::{retry_after_seconds, verdict, Count, LockoutPolicy, Subjects, Verdict};
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

/// Login attempts and lockouts of one process, keyed by subject id.
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

impl Inner {
    fn remaining(&self, id: &str, now: i64) -> i64 {
        self.subjects
            .get(id)
            .map_or(0, |s| s.locked_until.saturating_sub(now))
    }

    fn wrote(&mut self, now: i64) {
        self.writes += 1;
        if self.writes >= SWEEP_EVERY {
            self.writes = 0;
            self.subjects.retain(|_, s| !s.is_dead(now));
        }
    }
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

    /// Seconds until an attempt's outcome could be recorded, `None` when neither
    /// subject is locked. Reads only: a front end asks it before the password check.
    pub fn check(&self, subjects: &Subjects, now_ms: i64) -> Option<u64> {
        let inner = self.lock();
        let remaining = inner
            .remaining(&subjects.username, now_ms)
            .max(inner.remaining(&subjects.ip, now_ms));
        retry_after_seconds(remaining)
    }

    /// Record a failed login, atomically: counted against each subject not locked out
    /// (mirrors [`super::scripts::FAILED`] per subject); refused when either was locked.
    pub fn failed(&self, subjects: &Subjects, now_ms: i64) -> Verdict {
        let mut inner = self.lock();
        let user = self.count(&mut inner, &subjects.username, false, now_ms);
        let ip = self.count(&mut inner, &subjects.ip, true, now_ms);
        inner.wrote(now_ms);
        verdict(user, ip)
    }

    /// Record a successful login, atomically: refused when either subject is locked out
    /// (the password is not revealed); the username's failures, strikes and lockout are
    /// forgotten when it is not locked (mirrors [`super::scripts::SUCCEEDED`] per
    /// subject); the IP's counters stay.
    pub fn succeeded(&self, subjects: &Subjects, now_ms: i64) -> Verdict {
        let mut inner = self.lock();
        let reply = |inner: &Inner, id: &str| {
            let lock_ms = inner.remaining(id, now_ms);
            Count {
                recorded: lock_ms <= 0,
                lock_ms: lock_ms.max(0),
                strike: 0,
            }
        };
        let user = reply(&inner, &subjects.username);
        let ip = reply(&inner, &subjects.ip);
        if user.recorded {
            inner.subjects.remove(&subjects.username);
        }
        verdict(user, ip)
    }

    /// One subject's count; mirrors [`super::scripts::FAILED`].
    fn count(&self, inner: &mut Inner, id: &str, ip: bool, now: i64) -> Count {
        let state = inner.subjects.entry(id.to_owned()).or_default();
        if state.locked_until > now {
            return Count {
                recorded: false,
                lock_ms: state.locked_until - now,
                strike: 0,
            };
        }
        if state.failures_until <= now {
            state.failures = 0;
            state.failures_until = now.saturating_add(ms(self.policy.window_seconds));
        }
        state.failures += 1;
        if state.failures < self.policy.threshold(ip) {
            return Count {
                recorded: true,
                lock_ms: 0,
                strike: 0,
            };
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
        Count {
            recorded: true,
            lock_ms: lockout,
            strike: state.strikes,
        }
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

    /// The username's rules only (the IP's threshold out of reach).
    fn username_policy() -> LockoutPolicy {
        LockoutPolicy {
            max_failures_per_ip: 100,
            ..policy()
        }
    }

    const PLAIN: Verdict = Verdict::Recorded {
        lockout_started: None,
    };

    fn started(seconds: u64) -> Verdict {
        Verdict::Recorded {
            lockout_started: Some(seconds),
        }
    }

    fn refused(retry_after: u64) -> Verdict {
        Verdict::Refused { retry_after }
    }

    #[test]
    fn username_locks_after_threshold_and_lockouts_grow_to_cap() {
        let g = MemoryGuard::new(username_policy()).unwrap();
        let s = subjects("u1", "i1");
        let other_ip = subjects("u1", "i2");
        let mut now = 1_000_000;
        assert_eq!(g.failed(&s, now), PLAIN);
        assert_eq!(g.failed(&other_ip, now), PLAIN);
        assert_eq!(g.failed(&s, now), started(2));
        assert_eq!(g.check(&s, now + 500), Some(2));
        assert_eq!(g.check(&subjects("u1", "elsewhere"), now), Some(2));
        assert_eq!(g.check(&subjects("u2", "i1"), now), None);
        // Failures while locked are refused, not counted, and do not extend the lockout.
        assert_eq!(g.failed(&s, now + 1), refused(2));
        now += 2000;
        assert_eq!(g.check(&s, now), None);
        for _ in 0..2 {
            assert_eq!(g.failed(&s, now), PLAIN);
        }
        assert_eq!(g.failed(&s, now), started(4)); // strike 2
        now += 4000;
        for _ in 0..2 {
            g.failed(&s, now);
        }
        assert_eq!(g.failed(&s, now), started(5)); // capped
    }

    #[test]
    fn window_expiry_and_success_reset_the_username_only() {
        let g = MemoryGuard::new(policy()).unwrap();
        let s = subjects("u1", "i1");
        let now = 0;
        g.failed(&s, now);
        g.failed(&s, now);
        // The window passed: counting starts over.
        assert_eq!(g.failed(&s, now + 10_000), PLAIN);
        assert_eq!(g.failed(&s, now + 10_001), PLAIN);
        assert_eq!(g.succeeded(&s, now + 10_001), PLAIN);
        assert_eq!(g.failed(&s, now + 10_002), PLAIN);
        assert_eq!(g.failed(&s, now + 10_003), PLAIN);
        // The IP kept counting through the success: its 5th failure in the window locks it.
        assert_eq!(g.failed(&subjects("u7", "i1"), now + 10_004), started(2));
        assert_eq!(g.check(&subjects("u9", "i1"), now + 10_004), Some(2));
    }

    #[test]
    fn strikes_are_forgotten_after_the_cap() {
        let g = MemoryGuard::new(username_policy()).unwrap();
        let s = subjects("u1", "i1");
        for _ in 0..3 {
            g.failed(&s, 0);
        }
        // Lock ends at 2 s; strikes remembered until 2 + 5 s.
        let later = 7_000;
        for _ in 0..2 {
            g.failed(&s, later);
        }
        assert_eq!(g.failed(&s, later), started(2));
        assert!(MemoryGuard::new(LockoutPolicy {
            window_seconds: 0,
            ..policy()
        })
        .is_err());
    }

    #[test]
    fn concurrent_outcomes_reveal_at_most_the_threshold() {
        // The race of issue 14: 20 guesses whose passwords were all checked before any
        // outcome was recorded: exactly `threshold` failures are answered, the rest are
        // refused, and so is the correct password that arrives after the lockout.
        let g = MemoryGuard::new(policy()).unwrap();
        let s = subjects("u1", "i1");
        let verdicts: Vec<Verdict> = (0..20).map(|_| g.failed(&s, 0)).collect();
        assert_eq!(verdicts[..2], [PLAIN, PLAIN]);
        assert_eq!(verdicts[2], started(2));
        assert!(verdicts[3..].iter().all(|v| *v == refused(2)));
        assert_eq!(g.succeeded(&s, 1), refused(2));
        // The refused success cleared nothing: the lockout holds.
        assert_eq!(g.check(&s, 1), Some(2));
        // A failure refused by the (locked) username still counted against the IP, which
        // was not locked: they were real guesses from it. Its 5th locked it too.
        assert_eq!(g.check(&subjects("other", "i1"), 1), Some(2));
        assert_eq!(g.failed(&subjects("other", "i1"), 1), refused(2));
    }

    #[test]
    fn a_success_is_refused_while_the_ip_is_locked_and_never_clears_the_ip() {
        let g = MemoryGuard::new(policy()).unwrap();
        for user in ["a", "b", "c", "d"] {
            assert_eq!(g.failed(&subjects(user, "i1"), 0), PLAIN);
        }
        assert_eq!(g.succeeded(&subjects("carol", "i1"), 0), PLAIN);
        // The success did not reset the IP: its 5th failure locks it.
        assert_eq!(g.failed(&subjects("e", "i1"), 0), started(2));
        assert_eq!(g.succeeded(&subjects("carol", "i1"), 1), refused(2));
        assert_eq!(g.succeeded(&subjects("carol", "i2"), 1), PLAIN);
        // A success clears the username's failures and strikes.
        let user = subjects("erin", "i3");
        for _ in 0..2 {
            g.failed(&user, 0);
        }
        assert_eq!(g.succeeded(&user, 0), PLAIN);
        for _ in 0..2 {
            assert_eq!(g.failed(&user, 0), PLAIN);
        }
        assert_eq!(g.failed(&user, 0), started(2));
    }
}
