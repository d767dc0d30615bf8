//! The lockout arithmetic: thresholds, window, and the exponential lockout schedule.

use crate::error::{Error, Result, Setting};

/// The longest lockout schedule (strikes beyond it all get the last, capped, duration).
pub const MAX_SCHEDULE: usize = 32;

/// How many failures lock a subject out, and for how long.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct LockoutPolicy {
    /// Failures are counted within this many seconds of the first one. Default 900.
    pub window_seconds: u64,
    /// Failures of one username within the window that lock it out. Default 5.
    pub max_failures_per_username: u32,
    /// Failures from one client IP within the window that lock it out. Default 50.
    pub max_failures_per_ip: u32,
    /// The first lockout, in seconds; each next one doubles. Default 60.
    pub lockout_base_seconds: u64,
    /// The longest lockout, in seconds. Default 3600.
    pub lockout_max_seconds: u64,
}

impl Default for LockoutPolicy {
    fn default() -> Self {
        LockoutPolicy {
            window_seconds: 900,
            max_failures_per_username: 5,
            max_failures_per_ip: 50,
            lockout_base_seconds: 60,
            lockout_max_seconds: 3600,
        }
    }
}

fn invalid(setting: Setting, reason: &str) -> Error {
    Error::setting(setting, reason)
}

impl LockoutPolicy {
    /// Check the policy: every number positive, the cap at least the base, nothing
    /// longer than a year.
    pub fn validate(&self) -> Result<()> {
        const YEAR: u64 = 366 * 24 * 3600;
        if !(1..=YEAR).contains(&self.window_seconds) {
            return Err(invalid(Setting::LoginWindow, "must be 1 s to a year"));
        }
        if self.max_failures_per_username == 0 {
            return Err(invalid(
                Setting::LoginMaxFailuresPerUsername,
                "must be at least 1",
            ));
        }
        if self.max_failures_per_ip == 0 {
            return Err(invalid(
                Setting::LoginMaxFailuresPerIp,
                "must be at least 1",
            ));
        }
        if !(1..=YEAR).contains(&self.lockout_base_seconds) {
            return Err(invalid(Setting::LoginLockoutBase, "must be 1 s to a year"));
        }
        if !(self.lockout_base_seconds..=YEAR).contains(&self.lockout_max_seconds) {
            return Err(invalid(
                Setting::LoginLockoutMax,
                "must be at least login_lockout_base_seconds and at most a year",
            ));
        }
        Ok(())
    }

    /// The lockout of the `strike`-th lockout (1-based): `base * 2^(strike-1)`, capped.
    pub fn lockout_seconds(&self, strike: u32) -> u64 {
        let doublings = strike.saturating_sub(1).min(63);
        self.lockout_base_seconds
            .saturating_mul(1u64 << doublings)
            .min(self.lockout_max_seconds)
    }

    /// The lockouts of strikes 1, 2, ... until the cap (included), at most
    /// [`MAX_SCHEDULE`] of them. The Redis script takes this list, so the arithmetic
    /// lives here only.
    pub fn schedule(&self) -> Vec<u64> {
        let mut out = Vec::new();
        for strike in 1..=MAX_SCHEDULE as u32 {
            let seconds = self.lockout_seconds(strike);
            out.push(seconds);
            if seconds >= self.lockout_max_seconds {
                break;
            }
        }
        out
    }

    /// How long a subject's strike count outlives the lockout that set it.
    pub fn strike_memory_seconds(&self) -> u64 {
        self.lockout_max_seconds
    }

    /// The failure threshold of a subject kind.
    pub fn threshold(&self, ip: bool) -> u32 {
        if ip {
            self.max_failures_per_ip
        } else {
            self.max_failures_per_username
        }
    }

    /// The arguments of [`super::scripts::FAILED`] for a subject kind: threshold,
    /// window, strike memory, then the schedule.
    pub fn failed_args(&self, ip: bool) -> Vec<u64> {
        let mut args = vec![
            u64::from(self.threshold(ip)),
            self.window_seconds,
            self.strike_memory_seconds(),
        ];
        args.extend(self.schedule());
        args
    }

    /// The arguments of [`super::scripts::SUCCEEDED`] for a subject kind: whether a
    /// success clears the subject's counters (the username's: yes; the IP's: no, so one
    /// valid account cannot reset the counter of the address an attacker guesses from).
    pub fn succeeded_args(&self, ip: bool) -> [u64; 1] {
        [u64::from(!ip)]
    }
}

/// `Retry-After` seconds for a lockout with `remaining_ms` left: rounded up, at least
/// 1; `None` when nothing remains (Redis `PTTL` answers -2 for a missing key).
pub fn retry_after_seconds(remaining_ms: i64) -> Option<u64> {
    (remaining_ms > 0).then(|| (remaining_ms as u64).div_ceil(1000).max(1))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn lockouts_double_up_to_the_cap() {
        let p = LockoutPolicy::default();
        assert_eq!(p.lockout_seconds(1), 60);
        assert_eq!(p.lockout_seconds(2), 120);
        assert_eq!(p.lockout_seconds(6), 1920);
        assert_eq!(p.lockout_seconds(7), 3600);
        assert_eq!(p.lockout_seconds(u32::MAX), 3600);
        assert_eq!(p.schedule(), vec![60, 120, 240, 480, 960, 1920, 3600]);
        assert_eq!(p.failed_args(false)[..3], [5, 900, 3600]);
        assert_eq!(p.failed_args(true)[0], 50);
        assert_eq!(p.succeeded_args(false), [1]);
        assert_eq!(p.succeeded_args(true), [0]);
    }

    #[test]
    fn schedule_is_bounded_and_ends_at_the_cap() {
        let p = LockoutPolicy {
            lockout_base_seconds: 1,
            lockout_max_seconds: 366 * 24 * 3600,
            ..LockoutPolicy::default()
        };
        let s = p.schedule();
        assert!(s.len() <= MAX_SCHEDULE);
        assert_eq!(*s.last().unwrap(), p.lockout_max_seconds);
        let flat = LockoutPolicy {
            lockout_base_seconds: 5,
            lockout_max_seconds: 5,
            ..p
        };
        assert_eq!(flat.schedule(), vec![5]);
    }

    #[test]
    fn validation_names_the_setting() {
        let bad = LockoutPolicy {
            lockout_max_seconds: 10,
            lockout_base_seconds: 20,
            ..LockoutPolicy::default()
        };
        let err = bad.validate().unwrap_err().to_string();
        assert!(err.starts_with("lockout_max_seconds"), "{err}");
        let zero = LockoutPolicy {
            max_failures_per_ip: 0,
            ..LockoutPolicy::default()
        };
        assert!(zero.validate().is_err());
        assert!(LockoutPolicy::default().validate().is_ok());
    }

    #[test]
    fn retry_after_rounds_up() {
        assert_eq!(retry_after_seconds(-2), None);
        assert_eq!(retry_after_seconds(0), None);
        assert_eq!(retry_after_seconds(1), Some(1));
        assert_eq!(retry_after_seconds(1000), Some(1));
        assert_eq!(retry_after_seconds(1001), Some(2));
    }
}
