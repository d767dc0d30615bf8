//! Redis key names of the login guard: one hash tag per subject, so each script's keys
//! share a Cluster slot, and only hashed subjects in them.

/// The three keys of one subject (a username or an IP id).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SubjectKeys {
    /// Failures in the current window (a counter; TTL: the window).
    pub failures: String,
    /// Lockouts so far (a counter; TTL: the lockout plus the strike memory).
    pub strikes: String,
    /// Present while locked out (TTL: the lockout).
    pub lock: String,
}

impl SubjectKeys {
    /// In the order the Redis script takes them.
    pub fn to_array(&self) -> [String; 3] {
        [
            self.failures.clone(),
            self.strikes.clone(),
            self.lock.clone(),
        ]
    }
}

/// Names the login guard's keys: `<prefix>login:{<subject id>}:<kind>`.
#[derive(Debug, Clone)]
pub struct GuardKeyspace {
    prefix: String,
}

impl Default for GuardKeyspace {
    fn default() -> Self {
        GuardKeyspace::new("netrun:")
    }
}

impl GuardKeyspace {
    /// Keys under `prefix` (default `netrun:`, shared with the revocation store).
    pub fn new(prefix: impl Into<String>) -> Self {
        GuardKeyspace {
            prefix: prefix.into(),
        }
    }

    /// The keys of a subject id from [`super::SubjectHasher`] (hex, so never a brace).
    pub fn subject(&self, id: &str) -> SubjectKeys {
        let base = format!("{}login:{{{id}}}:", self.prefix);
        SubjectKeys {
            failures: format!("{base}f"),
            strikes: format!("{base}s"),
            lock: format!("{base}l"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_hash_tag_per_subject() {
        let keys = GuardKeyspace::default().subject("u0123");
        assert_eq!(keys.failures, "netrun:login:{u0123}:f");
        assert_eq!(keys.strikes, "netrun:login:{u0123}:s");
        assert_eq!(keys.lock, "netrun:login:{u0123}:l");
    }
}
