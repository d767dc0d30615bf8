//! The one-process login guard: the same arithmetic as the Redis scripts, in memory,
//! each operation atomic under one lock.

use std::collections::HashMap;
use std::sync::{Mutex, MutexGuard};

use super::{retry_after_seconds, verdict, Count, Failure, LockoutPolicy, Subjects, Verdict};
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

    /// Seconds until an attempt may proceed, `None` when neither subject is locked.
    /// Reads only: [`MemoryGuard::attempt`] is what a login asks.
    pub fn check(&self, subjects: &Subjects, now_ms: i64) -> Option<u64> {
        let inner = self.lock();
        let remaining = inner
            .remaining(&subjects.username, now_ms)
            .max(inner.remaining(&subjects.ip, now_ms));
        retry_after_seconds(remaining)
    }

    /// Count a login attempt against both subjects, atomically, before its password is
    /// checked: refused (and counted against neither) while either is locked out.
    pub fn attempt(&self, subjects: &Subjects, now_ms: i64) -> Verdict {
        let mut inner = self.lock();
        let locked = |id: &str| Count {
            admitted: false,
            lock_ms: inner.remaining(id, now_ms),
            strike: 0,
        };
        let (user, ip) = (locked(&subjects.username), locked(&subjects.ip));
        if user.lock_ms > 0 || ip.lock_ms > 0 {
            // Neither counted it: nothing to give back.
            return verdict(user, ip);
        }
        let user = self.count(&mut inner, &subjects.username, false, now_ms);
        let ip = self.count(&mut inner, &subjects.ip, true, now_ms);
        inner.wrote(now_ms);
        verdict(user, ip)
    }

    /// Record a failure on its own (no [`MemoryGuard::attempt`] counted it): against
    /// each subject that is not locked out.
    pub fn failed(&self, subjects: &Subjects, now_ms: i64) -> Failure {
        let mut inner = self.lock();
        let user = self.count(&mut inner, &subjects.username, false, now_ms);
        let ip = self.count(&mut inner, &subjects.ip, true, now_ms);
        inner.wrote(now_ms);
        Failure::of(user, ip)
    }

    /// One subject's count; mirrors [`super::scripts::COUNT_ATTEMPT`].
    fn count(&self, inner: &mut Inner, id: &str, ip: bool, now: i64) -> Count {
        let state = inner.subjects.entry(id.to_owned()).or_default();
        if state.locked_until > now {
            return Count {
                admitted: false,
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
                admitted: true,
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
            admitted: true,
            lock_ms: lockout,
            strike: state.strikes,
        }
    }

    /// Undo one admitted count of a subject; mirrors [`super::scripts::GIVE_BACK`].
    fn give_back(&self, inner: &mut Inner, id: &str, ip: bool, strike: u32, now: i64) {
        let Some(state) = inner.subjects.get_mut(id) else {
            return;
        };
        if strike > 0 {
            if state.locked_until <= now || state.strikes != strike {
                return; // that lockout is over (or a later one holds): nothing to end
            }
            state.locked_until = now;
            state.strikes -= 1;
            state.failures = self.policy.threshold(ip) - 1;
            state.failures_until = now.saturating_add(ms(self.policy.window_seconds));
        } else if state.failures_until > now {
            state.failures = state.failures.saturating_sub(1);
        }
    }

    /// A successful login: forget the username's failures, strikes and lockout; give
    /// the IP back the attempt it counted (`ip_strike` from the attempt's
    /// [`super::Admission`]), or, with `None` (no attempt counted it), leave the IP alone.
    pub fn succeeded(&self, subjects: &Subjects, ip_strike: Option<u32>, now_ms: i64) {
        let mut inner = self.lock();
        inner.subjects.remove(&subjects.username);
        if let Some(strike) = ip_strike {
            self.give_back(&mut inner, &subjects.ip, true, strike, now_ms);
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
    use super::super::{Admission, Refusal, UsernameForm};
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
        g.succeeded(&s, None, now + 10_001);
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

    fn admitted(v: Verdict) -> Admission {
        match v {
            Verdict::Admitted(a) => a,
            Verdict::Refused(r) => panic!("refused: {r:?}"),
        }
    }

    fn refused(v: Verdict) -> Refusal {
        match v {
            Verdict::Refused(r) => r,
            Verdict::Admitted(a) => panic!("admitted: {a:?}"),
        }
    }

    #[test]
    fn attempts_are_counted_before_their_outcome() {
        // The race of issue 14: 20 attempts that all ask before any of them fails get
        // exactly `threshold` admissions; the rest are refused with the lockout's wait.
        let g = MemoryGuard::new(policy()).unwrap();
        let s = subjects("u1", "i1");
        let verdicts: Vec<Verdict> = (0..20).map(|_| g.attempt(&s, 0)).collect();
        let admissions: Vec<Admission> = verdicts
            .iter()
            .filter_map(|v| match v {
                Verdict::Admitted(a) => Some(*a),
                Verdict::Refused(_) => None,
            })
            .collect();
        assert_eq!(admissions.len(), 3);
        assert_eq!(admissions[2].lockout_started, Some(2)); // the 3rd started it
        assert!(verdicts[3..]
            .iter()
            .all(|v| matches!(v, Verdict::Refused(Refusal { retry_after: 2, .. }))));
        // Refused attempts counted against neither subject: the IP (threshold 5) has
        // exactly the 3 admitted ones, so 2 more from it (another username) pass.
        for user in ["u2", "u3"] {
            admitted(g.attempt(&subjects(user, "i1"), 1));
        }
        let r = refused(g.attempt(&subjects("u4", "i1"), 1));
        assert_eq!(r.retry_after, 2);
        assert_eq!((r.give_back_username, r.give_back_ip), (None, None));
    }

    #[test]
    fn a_success_gives_the_ip_its_attempt_back_and_clears_the_username() {
        let g = MemoryGuard::new(policy()).unwrap();
        let ip = "i1";
        // 4 failed attempts from the IP (usernames a..d), then a good one: 5 admitted.
        for user in ["a", "b", "c", "d"] {
            admitted(g.attempt(&subjects(user, ip), 0));
        }
        let good = subjects("carol", ip);
        let last = admitted(g.attempt(&good, 0));
        assert_eq!(last.lockout_started, Some(2)); // the IP's 5th: locked...
        assert_eq!(g.check(&subjects("x", ip), 0), Some(2));
        g.succeeded(&good, Some(last.ip_strike), 1);
        // ...until the success gave it back: the IP is at 4 again, not locked.
        assert_eq!(g.check(&subjects("x", ip), 1), None);
        let fifth = admitted(g.attempt(&subjects("e", ip), 2));
        assert_eq!(fifth.lockout_started, Some(2)); // first strike again, not the 2nd
                                                    // A success never gives back more than its own attempt.
        let mut now = 2_000;
        for user in ["f", "g"] {
            admitted(g.attempt(&subjects(user, "i2"), now));
        }
        let ok = subjects("dave", "i2");
        let a = admitted(g.attempt(&ok, now));
        g.succeeded(&ok, Some(a.ip_strike), now);
        g.succeeded(&ok, None, now); // a success no attempt counted: IP untouched
        for user in ["h", "i"] {
            admitted(g.attempt(&subjects(user, "i2"), now));
        }
        let started = admitted(g.attempt(&subjects("j", "i2"), now));
        assert_eq!(started.lockout_started, Some(2));
        // The username's own counters and lockout are cleared by its success.
        now += 10;
        let user = subjects("erin", "i3");
        for _ in 0..2 {
            admitted(g.attempt(&user, now));
        }
        let third = admitted(g.attempt(&user, now));
        assert_eq!(third.lockout_started, Some(2));
        g.succeeded(&user, Some(third.ip_strike), now);
        assert_eq!(g.check(&user, now), None);
        assert_eq!(admitted(g.attempt(&user, now)).lockout_started, None);
    }

    #[test]
    fn give_back_of_a_lockout_that_ended_is_nothing() {
        let g = MemoryGuard::new(policy()).unwrap();
        let ip = "i9";
        for user in ["a", "b", "c", "d"] {
            admitted(g.attempt(&subjects(user, ip), 0));
        }
        let good = subjects("z", ip);
        let last = admitted(g.attempt(&good, 0));
        // The lockout (2 s) is over before the success: strikes stay, counting restarts.
        g.succeeded(&good, Some(last.ip_strike), 5_000);
        for user in ["e", "f", "g", "h"] {
            admitted(g.attempt(&subjects(user, ip), 5_000));
        }
        let next = admitted(g.attempt(&subjects("i", ip), 5_000));
        assert_eq!(next.lockout_started, Some(4)); // strike 2
    }
}
