//! Store key names: one prefix, one hash tag per user (so one validation's keys
//! share a Redis Cluster slot), and never a raw token.

use aws_lc_rs::digest;

use crate::claims::Claims;

/// The kinds of key a validation reads ([`Keyspace::check_keys`]): what a local mirror
/// of the revocation keys keeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum CheckedKind {
    /// `jti:<jti>`: one revoked token.
    Token,
    /// `sid:<sid>`: one revoked session.
    Session,
    /// `before`: the time of the user's last logout-everywhere. Of two values, the
    /// later one holds.
    User,
}

impl CheckedKind {
    /// Stable name: `token`, `session` or `user`.
    pub fn name(self) -> &'static str {
        match self {
            CheckedKind::Token => "token",
            CheckedKind::Session => "session",
            CheckedKind::User => "user",
        }
    }
}

/// Names the keys of the revocation store.
#[derive(Debug, Clone)]
pub struct Keyspace {
    prefix: String,
}

impl Default for Keyspace {
    fn default() -> Self {
        Keyspace::new("netrun:")
    }
}

impl Keyspace {
    /// Keys under `prefix` (default `netrun:`).
    pub fn new(prefix: impl Into<String>) -> Self {
        Keyspace {
            prefix: prefix.into(),
        }
    }

    /// `<prefix>{<user>}:`: every key of one user shares this hash tag.
    fn user_prefix(&self, user_id: &str) -> String {
        format!("{}{{{}}}:", self.prefix, component(user_id))
    }

    /// Marks one revoked token.
    pub fn token(&self, user_id: &str, jti: &str) -> String {
        format!("{}{}", self.token_prefix(user_id), component(jti))
    }

    /// What precedes a token's [`member`](Self::member) name in its key (for scripts).
    pub fn token_prefix(&self, user_id: &str) -> String {
        format!("{}jti:", self.user_prefix(user_id))
    }

    /// How an id (`jti`, `sid`) appears in a key: `prefix + member` is the key.
    pub fn member(&self, id: &str) -> String {
        component(id)
    }

    /// Marks one revoked session.
    pub fn session(&self, user_id: &str, session_id: &str) -> String {
        format!("{}{}", self.session_prefix(user_id), component(session_id))
    }

    /// What precedes a session's member name in its key (for scripts).
    pub fn session_prefix(&self, user_id: &str) -> String {
        format!("{}sid:", self.user_prefix(user_id))
    }

    /// A session's member name in the user's sessions set: `session_prefix + member`
    /// is its key.
    pub fn session_member(&self, session_id: &str) -> String {
        component(session_id)
    }

    /// Holds the time of the user's last logout-everywhere.
    pub fn user(&self, user_id: &str) -> String {
        format!("{}before", self.user_prefix(user_id))
    }

    /// The user's live sessions (session id -> expiry).
    pub fn sessions(&self, user_id: &str) -> String {
        format!("{}sessions", self.user_prefix(user_id))
    }

    /// Marks a spent refresh token.
    pub fn spent(&self, user_id: &str, jti: &str) -> String {
        format!("{}{}", self.spent_prefix(user_id), component(jti))
    }

    /// What precedes a refresh token's [`member`](Self::member) name in its spent
    /// marker's key (for scripts).
    pub fn spent_prefix(&self, user_id: &str) -> String {
        format!("{}spent:", self.user_prefix(user_id))
    }

    /// The kind of `key` if it is one a validation reads under this prefix, else `None`
    /// (spent markers, session registries, other prefixes, other data).
    pub fn checked_kind(&self, key: &str) -> Option<CheckedKind> {
        let rest = key.strip_prefix(self.prefix.as_str())?.strip_prefix('{')?;
        // A user component never contains `}` (see `component`): the first `}:` ends the tag.
        let (_, kind) = rest.split_once("}:")?;
        if kind == "before" {
            Some(CheckedKind::User)
        } else if kind.strip_prefix("jti:").is_some_and(|m| !m.is_empty()) {
            Some(CheckedKind::Token)
        } else if kind.starts_with("sid:") {
            Some(CheckedKind::Session)
        } else {
            None
        }
    }

    /// The three keys one validation reads: token, session, user.
    /// Without a session id the session key names a session that never exists.
    pub fn check_keys(&self, claims: &Claims) -> [String; 3] {
        [
            self.token(&claims.subject, &claims.jti),
            self.session(&claims.subject, claims.session_id.as_deref().unwrap_or("")),
            self.user(&claims.subject),
        ]
    }
}

/// A key component: itself when short and plain, else a digest (so no value can
/// break out of its place in the key or of the hash tag).
fn component(value: &str) -> String {
    let plain = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.' | '@');
    if !value.is_empty() && value.len() <= 64 && value.chars().all(plain) {
        return value.to_owned();
    }
    let hash = digest::digest(&digest::SHA256, value.as_bytes());
    let hex: String = hash.as_ref()[..16]
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect();
    format!("~{hex}")
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn keys_share_one_hash_tag_and_escape_odd_values() {
        let ks = Keyspace::default();
        assert_eq!(ks.token("u1", "abc"), "netrun:{u1}:jti:abc");
        assert_eq!(ks.session("u1", "s"), "netrun:{u1}:sid:s");
        assert_eq!(ks.user("u1"), "netrun:{u1}:before");
        let odd = ks.user("a}b{c");
        assert!(
            odd.starts_with("netrun:{~") && odd.matches('{').count() == 1,
            "{odd}"
        );
        assert_ne!(ks.session("u", ""), ks.session("u", "~"));
    }

    #[test]
    fn checked_kinds_are_the_keys_a_validation_reads() {
        let ks = Keyspace::new("app:");
        for user in ["u1", "a}b{c", "x}:before"] {
            assert_eq!(
                ks.checked_kind(&ks.token(user, "j")),
                Some(CheckedKind::Token)
            );
            assert_eq!(
                ks.checked_kind(&ks.session(user, "s")),
                Some(CheckedKind::Session)
            );
            assert_eq!(ks.checked_kind(&ks.user(user)), Some(CheckedKind::User));
            assert_eq!(ks.checked_kind(&ks.spent(user, "j")), None);
            assert_eq!(ks.checked_kind(&ks.sessions(user)), None);
            assert_eq!(
                ks.checked_kind(&ks.session(user, "")),
                Some(CheckedKind::Session)
            );
        }
        assert_eq!(ks.checked_kind("other:{u}:before"), None);
        assert_eq!(ks.checked_kind("app:{u}:beforehand"), None);
        assert_eq!(ks.checked_kind("app:u:before"), None);
        assert_eq!(ks.checked_kind("app:revocations"), None);
        assert_eq!(
            format!("{}{}", ks.token_prefix("u"), ks.member("j")),
            ks.token("u", "j")
        );
        assert_eq!(
            format!("{}{}", ks.spent_prefix("u"), ks.member("j")),
            ks.spent("u", "j")
        );
    }
}
