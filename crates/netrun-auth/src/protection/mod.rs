//! Login protection: slow brute force down, per username and per client IP.
//!
//! The rule, once for every front end (Python, axum) and every store:
//!
//! - A login's outcome is recorded once, after its password check, in ONE atomic step
//!   per subject (the username and the client IP): [`scripts::FAILED`] /
//!   [`scripts::SUCCEEDED`] in Redis, [`MemoryGuard::failed`] /
//!   [`MemoryGuard::succeeded`] under one lock in memory. So a login costs one Redis
//!   round trip, and nothing before its password check.
//! - Each step first asks whether the subject is locked out. If it is, the outcome is
//!   refused ([`Verdict::Refused`]: the route answers 429 and reveals neither "wrong"
//!   nor "right"). So of N concurrent guesses, at most the threshold's number learn
//!   their outcome: the failure that reaches a threshold starts the lockout (and is
//!   itself a normal failure), and every outcome recorded after it is refused, a
//!   correct password included.
//! - A failure counts against each subject that is not locked, in its own window
//!   ([`LockoutPolicy::window_seconds`]); the lockout doubles with each lockout of the
//!   same subject ([`LockoutPolicy::lockout_seconds`]) up to a cap, and the strike count
//!   is forgotten once a cap's length has passed after a lockout ended.
//! - A success clears the username's failures, lockout history and lock when the
//!   username is not locked; the IP's counters are never cleared by a success (one
//!   valid account must not launder an attacker's IP).
//! - Every reply says whether its subject is locked and for how long; [`LockoutCache`]
//!   keeps those lockouts (bounded) so a front end can refuse a known-locked attempt
//!   before hashing its password, without any I/O. It is an optimisation only: the
//!   atomic step is the boundary.
//! - Usernames are normalised (NFKC, case folding, trimmed) and, like IPs, only ever
//!   kept as a keyed, non-reversible hash ([`SubjectHasher`]); a username that exists
//!   and one that does not count exactly alike.
//!
//! [`GuardKeyspace`] names the Redis keys (one hash tag per subject, so no CROSSSLOT),
//! [`scripts`] holds the atomic Lua steps, [`MemoryGuard`] is the one-process store.

mod cache;
mod keyspace;
mod memory;
mod policy;
pub mod scripts;
mod subject;

pub use cache::{LockoutCache, CACHE_CAPACITY};
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

/// One subject's answer to recording an outcome ([`scripts::FAILED`]'s or
/// [`scripts::SUCCEEDED`]'s reply).
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Count {
    /// Recorded (the subject was not locked out).
    pub recorded: bool,
    /// Refused: what remains of the lockout; recorded: the lockout this outcome started
    /// (0: none). Milliseconds.
    pub lock_ms: i64,
    /// The strike of the lockout this outcome started (0: none).
    pub strike: u32,
}

impl Count {
    /// The script's reply `{recorded, lock_ms, strike}`.
    pub fn from_reply(reply: [i64; 3]) -> Count {
        Count {
            recorded: reply[0] == 1,
            lock_ms: reply[1].max(0),
            strike: u32::try_from(reply[2]).unwrap_or(0),
        }
    }

    /// Recorded, and this outcome started a lockout.
    pub fn started(&self) -> bool {
        self.recorded && self.strike > 0
    }

    /// Milliseconds the subject stays locked after this reply (0: not locked).
    pub fn locked_ms(&self) -> i64 {
        if self.recorded && self.strike == 0 {
            0
        } else {
            self.lock_ms
        }
    }
}

/// What a login's outcome gets, from the replies of its username and of its IP.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Verdict {
    /// Recorded: answer the outcome (401 for a failure, the tokens for a success).
    /// `lockout_started`: seconds of the lockout this failure started (it reached a
    /// threshold), the wait of every attempt after it.
    Recorded {
        /// Seconds of the lockout this failure started, else `None`.
        lockout_started: Option<u64>,
    },
    /// A subject was already locked when the outcome arrived: answer 429, reveal nothing.
    Refused {
        /// Seconds until the lockout that refused it ends (at least 1).
        retry_after: u64,
    },
}

impl Verdict {
    /// Seconds to wait: the refusal's, or the lockout this outcome started.
    pub fn retry_after(&self) -> Option<u64> {
        match *self {
            Verdict::Recorded { lockout_started } => lockout_started,
            Verdict::Refused { retry_after } => Some(retry_after),
        }
    }
}

/// Combine the replies of an outcome's username and IP: refused when either subject was
/// locked (the longer wait), else recorded (with the longer lockout it started, if any).
pub fn verdict(username: Count, ip: Count) -> Verdict {
    if !(username.recorded && ip.recorded) {
        let refused = |c: Count| if c.recorded { 0 } else { c.lock_ms };
        return Verdict::Refused {
            retry_after: retry_after_seconds(refused(username).max(refused(ip))).unwrap_or(1),
        };
    }
    let started = |c: Count| if c.started() { c.lock_ms } else { 0 };
    Verdict::Recorded {
        lockout_started: retry_after_seconds(started(username).max(started(ip))),
    }
}

/// The guard's rules in one value: the policy, the subject hasher, the key names and the
/// cache of lockouts learned from replies. Front ends hold one and do only the I/O
/// (Redis) or call [`MemoryGuard`].
#[derive(Debug)]
pub struct Guard {
    /// The lockout policy (validated).
    pub policy: LockoutPolicy,
    hasher: SubjectHasher,
    keyspace: GuardKeyspace,
    cache: LockoutCache,
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
            cache: LockoutCache::new(CACHE_CAPACITY),
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

    /// Seconds until an attempt's outcome could be recorded, from the lockouts this
    /// guard learned from earlier replies (`None`: none known). No I/O.
    pub fn known_lockout(&self, subjects: &Subjects, now_ms: i64) -> Option<u64> {
        self.cache.remaining(subjects, now_ms)
    }

    /// The verdict of an outcome from the replies of its username and IP; what they say
    /// about lockouts goes into the cache ([`Guard::known_lockout`]).
    pub fn verdict(&self, subjects: &Subjects, username: Count, ip: Count, now_ms: i64) -> Verdict {
        self.cache
            .learn(subjects, username.locked_ms(), ip.locked_ms(), now_ms);
        verdict(username, ip)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn guard() -> Guard {
        Guard::new(
            LockoutPolicy::default(),
            SubjectHasher::new(&[7; 32]).unwrap(),
            "p:",
        )
        .unwrap()
    }

    #[test]
    fn unknown_and_known_usernames_are_alike_and_keys_hold_no_clear_text() {
        let guard = guard();
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
    fn an_outcome_is_recorded_only_when_neither_subject_is_locked() {
        let plain = count([1, 0, 0]);
        assert_eq!(
            verdict(plain, plain),
            Verdict::Recorded {
                lockout_started: None
            }
        );
        // The username's 5th failure started its 2nd lockout: still a normal failure.
        assert_eq!(
            verdict(count([1, 120_000, 2]), plain),
            Verdict::Recorded {
                lockout_started: Some(120)
            }
        );
        assert_eq!(
            verdict(count([1, 60_000, 1]), count([1, 90_000, 1])).retry_after(),
            Some(90)
        );
        // Either subject locked: refused, with the wait of the lock that refused it.
        assert_eq!(
            verdict(count([0, 1_500, 0]), count([1, 60_000, 3])),
            Verdict::Refused { retry_after: 2 }
        );
        assert_eq!(
            verdict(plain, count([0, 30_000, 0])),
            Verdict::Refused { retry_after: 30 }
        );
        assert_eq!(
            verdict(count([0, 1_000, 0]), count([0, 9_000, 0])),
            Verdict::Refused { retry_after: 9 }
        );
        // A lock that expired while the reply travelled still refuses, for at least 1 s.
        assert_eq!(
            verdict(count([0, 0, 0]), plain),
            Verdict::Refused { retry_after: 1 }
        );
    }

    #[test]
    fn replies_teach_the_cache_which_subjects_are_locked() {
        let guard = guard();
        let s = guard.subjects(b"alice", Some("192.0.2.7"));
        let other_ip = guard.subjects(b"alice", Some("192.0.2.8"));
        assert_eq!(guard.known_lockout(&s, 0), None);
        // A failure that started a 60 s lockout of the username.
        guard.verdict(&s, count([1, 60_000, 1]), count([1, 0, 0]), 1_000);
        assert_eq!(guard.known_lockout(&s, 1_000), Some(60));
        assert_eq!(guard.known_lockout(&other_ip, 31_000), Some(30));
        assert_eq!(guard.known_lockout(&s, 61_000), None);
        // A refusal by the IP: the IP is known locked for what remains.
        guard.verdict(&s, count([1, 0, 0]), count([0, 5_000, 0]), 70_000);
        assert_eq!(guard.known_lockout(&s, 70_000), Some(5));
        assert_eq!(guard.known_lockout(&other_ip, 70_000), None);
        // A recorded outcome says the subject is not locked (any more): forgotten.
        guard.verdict(&s, count([1, 0, 0]), count([1, 0, 0]), 71_000);
        assert_eq!(guard.known_lockout(&s, 71_000), None);
    }
}
