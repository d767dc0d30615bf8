//! Login protection: slow brute force down, per username and per client IP.
//!
//! The rule, once for every front end (Python, axum) and every store:
//!
//! - An attempt is counted when it asks to proceed, before its password is checked
//!   ([`MemoryGuard::attempt`], [`scripts::COUNT_ATTEMPT`]), against the username and
//!   against the client IP, each in its own window ([`LockoutPolicy::window_seconds`]).
//!   Counting and refusing are one atomic step, so concurrent attempts can never get
//!   past the threshold together: at most `threshold` attempts per subject reach the
//!   password check until a lockout ends.
//! - The attempt that reaches a subject's threshold is admitted and starts that
//!   subject's lockout; the lockout doubles with each lockout of the same subject
//!   ([`LockoutPolicy::lockout_seconds`]) up to a cap, and the strike count is forgotten
//!   once a cap's length has passed after a lockout ended.
//! - While either subject is locked, an attempt is refused ("retry after N seconds",
//!   [`retry_after_seconds`]) and counted against neither ([`verdict`]: what one subject
//!   counted is given back, [`scripts::GIVE_BACK`]).
//! - A failure needs nothing more: its attempt is already counted. A success clears the
//!   username's counters and lockout, and gives the IP its attempt back (never more, so
//!   one valid account cannot launder an attacker's IP).
//! - Usernames are normalised (NFKC, case folding, trimmed) and, like IPs, only ever
//!   kept as a keyed, non-reversible hash ([`SubjectHasher`]); a username that exists
//!   and one that does not count exactly alike.
//!
//! [`GuardKeyspace`] names the Redis keys (one hash tag per subject, so no CROSSSLOT),
//! [`scripts`] holds the atomic Lua steps, [`MemoryGuard`] is the one-process store.

mod keyspace;
mod memory;
mod policy;
pub mod scripts;
mod subject;

pub use keyspace::{GuardKeyspace, SubjectKeys};
pub use memory::MemoryGuard;
pub use policy::{retry_after_seconds, LockoutPolicy, MAX_SCHEDULE};
pub use subject::{
    normalize_ip, normalize_username, SubjectHasher, UsernameForm, MAX_USERNAME_BYTES,
};

/// The two subjects of one login attempt, as key components (hash tags).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Subjects {
    /// The username's keyed hash (`u` + 32 hex digits): safe to log and store.
    pub username: String,
    /// The client IP's keyed hash (`i` + 32 hex digits).
    pub ip: String,
    /// How the username arrived (well formed, ill-formed Unicode, too long).
    pub form: UsernameForm,
}

/// What recording a failure did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Failure {
    /// This failure started a new lockout (of the username, the IP or both).
    pub locked_now: bool,
    /// Seconds until both subjects may try again, when one is locked.
    pub retry_after: Option<u64>,
}

impl Failure {
    /// A failure recorded on its own (no attempt counted before it), from the counts of
    /// its username and its IP: each subject that was not locked counted it.
    pub fn of(username: Count, ip: Count) -> Failure {
        Failure {
            locked_now: username.started() || ip.started(),
            retry_after: retry_after_seconds(username.lock_ms.max(ip.lock_ms)),
        }
    }
}

/// One subject's answer to counting an attempt ([`scripts::COUNT_ATTEMPT`]'s reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    /// Counted (the subject was not locked out).
    pub admitted: bool,
    /// Refused: what remains of the lockout; admitted: the lockout this attempt started
    /// (0: none). Milliseconds.
    pub lock_ms: i64,
    /// The strike of the lockout this attempt started (0: none).
    pub strike: u32,
}

impl Count {
    /// The script's reply `{admitted, lock_ms, strike}`.
    pub fn from_reply(reply: [i64; 3]) -> Count {
        Count {
            admitted: reply[0] == 1,
            lock_ms: reply[1].max(0),
            strike: u32::try_from(reply[2]).unwrap_or(0),
        }
    }

    /// Admitted, and this attempt started a lockout.
    pub fn started(&self) -> bool {
        self.admitted && self.strike > 0
    }

    /// The strike to give back when this count must be undone; `None` when it counted
    /// nothing (refused).
    fn give_back(&self) -> Option<u32> {
        self.admitted.then_some(self.strike)
    }
}

/// What an attempt gets, from the counts of its username and of its IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Go on and check the password.
    Admitted(Admission),
    /// Answer 429 without checking the password.
    Refused(Refusal),
}

/// An admitted attempt: what its success must give back.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Admission {
    /// Seconds of the lockout this attempt started (it reached a threshold): the wait
    /// of every attempt after it, unless this one succeeds.
    pub lockout_started: Option<u64>,
    /// The strike of the IP's lockout this attempt started (0: none): a success gives
    /// the IP its attempt back ([`scripts::GIVE_BACK`]).
    pub ip_strike: u32,
}

/// A refused attempt.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Refusal {
    /// Seconds until the lockout that refused it ends (at least 1).
    pub retry_after: u64,
    /// The username counted it anyway (the IP refused): give back this strike.
    pub give_back_username: Option<u32>,
    /// The IP counted it anyway (the username refused): give back this strike.
    pub give_back_ip: Option<u32>,
}

/// Combine the counts of an attempt's username and IP: admitted when both admitted it;
/// refused when either was locked, and then the other's count is to be given back, so
/// a refused attempt counts against neither subject.
pub fn verdict(username: Count, ip: Count) -> Verdict {
    if username.admitted && ip.admitted {
        let started = match (username.started(), ip.started()) {
            (false, false) => 0,
            (true, false) => username.lock_ms,
            (false, true) => ip.lock_ms,
            (true, true) => username.lock_ms.max(ip.lock_ms),
        };
        return Verdict::Admitted(Admission {
            lockout_started: retry_after_seconds(started),
            ip_strike: ip.strike,
        });
    }
    let refused = |c: Count| if c.admitted { 0 } else { c.lock_ms };
    Verdict::Refused(Refusal {
        retry_after: retry_after_seconds(refused(username).max(refused(ip))).unwrap_or(1),
        give_back_username: username.give_back(),
        give_back_ip: ip.give_back(),
    })
}

/// The guard's rules in one value: the policy, the subject hasher and the key names.
/// Front ends hold one and do only the I/O (Redis) or call [`MemoryGuard`].
#[derive(Debug)]
pub struct Guard {
    /// The lockout policy (validated).
    pub policy: LockoutPolicy,
    hasher: SubjectHasher,
    keyspace: GuardKeyspace,
}

impl Guard {
    /// Validate `policy` and combine it with a hasher and a key prefix.
    pub fn new(
        policy: LockoutPolicy,
        hasher: SubjectHasher,
        prefix: &str,
    ) -> crate::error::Result<Self> {
        policy.validate()?;
        Ok(Guard {
            policy,
            hasher,
            keyspace: GuardKeyspace::new(prefix),
        })
    }

    /// The subjects of an attempt by `username` (raw bytes, any content) from `ip`.
    pub fn subjects(&self, username: &[u8], ip: Option<&str>) -> Subjects {
        let (username, form) = self.hasher.username(username);
        Subjects {
            username,
            ip: self.hasher.ip(ip),
            form,
        }
    }

    /// The Redis keys of the username and of the IP.
    pub fn keys(&self, subjects: &Subjects) -> (SubjectKeys, SubjectKeys) {
        (
            self.keyspace.subject(&subjects.username),
            self.keyspace.subject(&subjects.ip),
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn unknown_and_known_usernames_are_alike_and_keys_hold_no_clear_text() {
        let guard = Guard::new(
            LockoutPolicy::default(),
            SubjectHasher::new(&[7; 32]).unwrap(),
            "p:",
        )
        .unwrap();
        let s = guard.subjects("Alice@Example.COM".as_bytes(), Some("192.0.2.7"));
        assert_eq!(s, guard.subjects(b"alice@example.com", Some("192.0.2.7")));
        let (user, ip) = guard.keys(&s);
        for key in user.to_array().iter().chain(ip.to_array().iter()) {
            assert!(!key.contains("alice") && !key.contains("192.0.2"), "{key}");
            assert!(key.starts_with("p:login:{"));
        }
        assert_ne!(user.lock, ip.lock);
    }

    fn count(reply: [i64; 3]) -> Count {
        Count::from_reply(reply)
    }

    #[test]
    fn an_attempt_passes_only_when_both_subjects_admit_it() {
        let plain = count([1, 0, 0]);
        assert_eq!(
            verdict(plain, plain),
            Verdict::Admitted(Admission::default())
        );
        // The username's 5th attempt started its 2nd lockout: still admitted.
        assert_eq!(
            verdict(count([1, 120_000, 2]), plain),
            Verdict::Admitted(Admission {
                lockout_started: Some(120),
                ip_strike: 0
            })
        );
        assert_eq!(
            verdict(plain, count([1, 60_000, 1])),
            Verdict::Admitted(Admission {
                lockout_started: Some(60),
                ip_strike: 1
            })
        );
        // The username is locked: refused, and the IP's count is given back.
        assert_eq!(
            verdict(count([0, 1_500, 0]), count([1, 60_000, 3])),
            Verdict::Refused(Refusal {
                retry_after: 2,
                give_back_username: None,
                give_back_ip: Some(3)
            })
        );
        assert_eq!(
            verdict(plain, count([0, 30_000, 0])),
            Verdict::Refused(Refusal {
                retry_after: 30,
                give_back_username: Some(0),
                give_back_ip: None
            })
        );
        // Both locked: the longer wait; nothing counted.
        assert_eq!(
            verdict(count([0, 1_000, 0]), count([0, 9_000, 0])),
            Verdict::Refused(Refusal {
                retry_after: 9,
                give_back_username: None,
                give_back_ip: None
            })
        );
        // A lock that expired between the two replies still refuses, for at least 1 s.
        assert!(matches!(
            verdict(count([0, 0, 0]), plain),
            Verdict::Refused(Refusal { retry_after: 1, .. })
        ));
        assert_eq!(
            Failure::of(count([1, 60_000, 1]), count([0, 5_000, 0])),
            Failure {
                locked_now: true,
                retry_after: Some(60)
            }
        );
    }
}
