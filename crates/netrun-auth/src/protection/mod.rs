//! Login protection: slow brute force down, per username and per client IP.
//!
//! The rule, once for every front end (Python, axum) and every store:
//!
//! - A failed login counts against the username and against the client IP, each in
//!   its own window ([`LockoutPolicy::window_seconds`]). A counter that reaches its
//!   threshold locks its subject out; the lockout doubles with each lockout of the
//!   same subject ([`LockoutPolicy::lockout_seconds`]) up to a cap, and the strike
//!   count is forgotten once a cap's length has passed after a lockout ended.
//! - While either subject is locked, a check answers "locked, retry after N seconds"
//!   ([`retry_after_seconds`]); a success clears the username's counters (never the IP's,
//!   so one valid account cannot launder an attacker's IP).
//! - Usernames are normalised (NFKC, case folding, trimmed) and, like IPs, only ever
//!   kept as a keyed, non-reversible hash ([`SubjectHasher`]); a username that exists
//!   and one that does not count exactly alike.
//!
//! [`GuardKeyspace`] names the Redis keys (one hash tag per subject, so no CROSSSLOT),
//! [`scripts`] holds the atomic Lua step, [`MemoryGuard`] is the one-process store.

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
}
