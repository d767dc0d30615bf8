//! Store key names: one prefix, one hash tag per user (so one validation's keys
//! share a Redis Cluster slot), and never a raw token.

use std::borrow::Cow;

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

    /// `<prefix>{<user>}:<kind><member>`, written once into a string of its exact size:
    /// every key of one user shares the hash tag `{<user>}` (`user` is already a
    /// [`component`]).
    fn key(&self, user: &str, kind: &str, member: &str) -> String {
        let mut key =
            String::with_capacity(self.prefix.len() + user.len() + kind.len() + member.len() + 3);
        for part in [self.prefix.as_str(), "{", user, "}:", kind, member] {
            key.push_str(part);
        }
        key
    }

    /// Marks one revoked token.
    pub fn token(&self, user_id: &str, jti: &str) -> String {
        self.key(&component(user_id), "jti:", &component(jti))
    }

    /// What precedes a token's [`member`](Self::member) name in its key (for scripts).
    pub fn token_prefix(&self, user_id: &str) -> String {
        self.key(&component(user_id), "jti:", "")
    }

    /// How an id (`jti`, `sid`) appears in a key: `prefix + member` is the key.
    pub fn member(&self, id: &str) -> String {
        component(id).into_owned()
    }

    /// Marks one revoked session.
    pub fn session(&self, user_id: &str, session_id: &str) -> String {
        self.key(&component(user_id), "sid:", &component(session_id))
    }

    /// What precedes a session's member name in its key (for scripts).
    pub fn session_prefix(&self, user_id: &str) -> String {
        self.key(&component(user_id), "sid:", "")
    }

    /// A session's member name in the user's sessions set: `session_prefix + member`
    /// is its key.
    pub fn session_member(&self, session_id: &str) -> String {
        component(session_id).into_owned()
    }

    /// Holds the time of the user's last logout-everywhere.
    pub fn user(&self, user_id: &str) -> String {
        self.key(&component(user_id), "before", "")
    }

    /// The user's live sessions (session id -> expiry).
    pub fn sessions(&self, user_id: &str) -> String {
        self.key(&component(user_id), "sessions", "")
    }

    /// Marks a spent refresh token.
    pub fn spent(&self, user_id: &str, jti: &str) -> String {
        self.key(&component(user_id), "spent:", &component(jti))
    }

    /// What precedes a refresh token's [`member`](Self::member) name in its spent
    /// marker's key (for scripts).
    pub fn spent_prefix(&self, user_id: &str) -> String {
        self.key(&component(user_id), "spent:", "")
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
    /// (This runs on every validation: the user's component is made once, and each key
    /// is one allocation.)
    pub fn check_keys(&self, claims: &Claims) -> [String; 3] {
        let user = component(&claims.subject);
        let session = claims.session_id.as_deref().unwrap_or("");
        [
            self.key(&user, "jti:", &component(&claims.jti)),
            self.key(&user, "sid:", &component(session)),
            self.key(&user, "before", ""),
        ]
    }
}

/// A key component: itself when short and plain, else a digest (so no value can
/// break out of its place in the key or of the hash tag).
fn component(value: &str) -> Cow<'_, str> {
    let plain = |b: u8| b.is_ascii_alphanumeric() || matches!(b, b'-' | b'_' | b'.' | b'@');
    if !value.is_empty() && value.len() <= 64 && value.bytes().all(plain) {
        return Cow::Borrowed(value);
    }
    const HEX: &[u8; 16] = b"0123456789abcdef";
    let hash = digest::digest(&digest::SHA256, value.as_bytes());
    let mut escaped = String::with_capacity(33);
    escaped.push('~');
    for b in &hash.as_ref()[..16] {
        escaped.push(char::from(HEX[usize::from(b >> 4)]));
        escaped.push(char::from(HEX[usize::from(b & 15)]));
    }
    Cow::Owned(escaped)
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
    fn check_keys_are_the_token_session_and_user_keys() {
        let ks = Keyspace::new("app:");
        let long = "x".repeat(65);
        let cases = [
            ("u1", "j", Some("s")),
            ("a}b{c", "j~1", None),
            ("ü", long.as_str(), Some("s}3")),
        ];
        for (subject, jti, sid) in cases {
            let mut payload = serde_json::Map::new();
            for (k, v) in [("sub", subject), ("iss", "i"), ("aud", "a"), ("jti", jti)] {
                payload.insert(k.into(), v.into());
            }
            payload.insert("exp".into(), 4_000_000_000i64.into());
            payload.insert("typ".into(), "access".into());
            if let Some(sid) = sid {
                payload.insert("sid".into(), sid.into());
            }
            let claims = Claims::from_payload(payload).unwrap();
            let expected = [
                ks.token(subject, jti),
                ks.session(subject, sid.unwrap_or("")),
                ks.user(subject),
            ];
            assert_eq!(ks.check_keys(&claims), expected);
        }
        assert_eq!(ks.token("u", "j"), "app:{u}:jti:j");
        assert_eq!(ks.sessions("u"), "app:{u}:sessions");
        assert_eq!(ks.spent("u", "j"), "app:{u}:spent:j");
        assert_eq!(ks.member("a b").len(), 33);
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
