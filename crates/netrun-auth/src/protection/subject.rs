//! Who a login attempt is: the normalised username and client IP, each reduced to a
//! keyed hash (HMAC-SHA256) so neither is ever stored or logged in clear.

use std::net::IpAddr;

use aws_lc_rs::{hkdf, hmac, rand};
use caseless::Caseless;
use unicode_normalization::UnicodeNormalization;

use crate::error::{Error, Result, Setting};

/// Usernames are normalised from at most this many bytes (longer ones are cut here,
/// so they share their prefix's counter: the work per attempt stays bounded).
pub const MAX_USERNAME_BYTES: usize = 1024;

/// Client IPs are kept from at most this many bytes.
const MAX_IP_BYTES: usize = 128;

/// Shortest accepted explicit hashing key.
const MIN_KEY_BYTES: usize = 16;

/// The HKDF salt of the derived hashing key (a version: changing it resets counters).
const DERIVATION_SALT: &[u8] = b"netrun-auth login guard v1";

/// How a username arrived. Every form is counted; none is an error.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum UsernameForm {
    /// Valid Unicode of a sane length.
    WellFormed,
    /// Not valid UTF-8 (for Python: lone surrogates); invalid parts became U+FFFD.
    IllFormed,
    /// Longer than [`MAX_USERNAME_BYTES`]; counted under its first bytes.
    TooLong,
}

impl UsernameForm {
    /// A stable name: `well_formed`, `ill_formed`, `too_long`.
    pub fn as_str(self) -> &'static str {
        match self {
            UsernameForm::WellFormed => "well_formed",
            UsernameForm::IllFormed => "ill_formed",
            UsernameForm::TooLong => "too_long",
        }
    }
}

/// The username as the guard counts it: NFKC, trimmed, case folded, NFKC again
/// (so `ＡＬＩＣＥ`, ` Alice ` and `alice` are one subject). Never fails.
pub fn normalize_username(raw: &[u8]) -> (String, UsernameForm) {
    let (cut, mut form) = if raw.len() > MAX_USERNAME_BYTES {
        (&raw[..MAX_USERNAME_BYTES], UsernameForm::TooLong)
    } else {
        (raw, UsernameForm::WellFormed)
    };
    let text = String::from_utf8_lossy(cut);
    if matches!(text, std::borrow::Cow::Owned(_)) && form == UsernameForm::WellFormed {
        form = UsernameForm::IllFormed;
    }
    let composed: String = text.nfkc().collect();
    let folded: String = composed
        .trim_matches(is_padding)
        .chars()
        .filter(|c| !is_invisible(*c))
        .default_case_fold()
        .nfkc()
        .collect();
    (folded, form)
}

/// What an app's own clean-up (Python's `str.strip()`) removes around a username:
/// Unicode white space and the four information separators U+001C..U+001F.
fn is_padding(c: char) -> bool {
    c.is_whitespace() || ('\u{1c}'..='\u{1f}').contains(&c)
}

/// Format characters that render as nothing (zero-width space, joiners, word joiner,
/// BOM, soft hyphen): `"al\u{200b}ice"` counts as `alice`.
fn is_invisible(c: char) -> bool {
    matches!(
        c,
        '\u{ad}' | '\u{200b}'..='\u{200f}' | '\u{2060}'..='\u{2064}' | '\u{feff}'
    )
}

/// The client IP as the guard counts it: an IPv4 address (IPv4-mapped IPv6 included)
/// as itself, an IPv6 address as its /64 network (one host's usual allocation), and
/// anything else (a proxy's placeholder, a Unix socket) as its trimmed text.
pub fn normalize_ip(raw: &str) -> String {
    let trimmed = raw.trim();
    match trimmed.parse::<IpAddr>() {
        Ok(IpAddr::V4(v4)) => v4.to_string(),
        Ok(IpAddr::V6(v6)) => match v6.to_ipv4_mapped() {
            Some(v4) => v4.to_string(),
            None => {
                let s = v6.segments();
                let net = std::net::Ipv6Addr::new(s[0], s[1], s[2], s[3], 0, 0, 0, 0);
                format!("{net}/64")
            }
        },
        Err(_) => {
            let mut end = trimmed.len().min(MAX_IP_BYTES);
            while !trimmed.is_char_boundary(end) {
                end -= 1;
            }
            format!("other:{}", &trimmed[..end])
        }
    }
}

/// Turns usernames and IPs into keyed, non-reversible ids (HMAC-SHA256, 128 bits kept).
///
/// The key is per deployment: every process sharing a Redis keyspace must use the same
/// one. Without a key the id of a username could be reversed by hashing a list of
/// likely usernames; with it, only key holders can.
pub struct SubjectHasher {
    key: hmac::Key,
}

impl std::fmt::Debug for SubjectHasher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SubjectHasher(..)")
    }
}

impl SubjectHasher {
    /// Hash with this key (at least 16 bytes; `login_hash_key`).
    pub fn new(key: &[u8]) -> Result<Self> {
        if key.len() < MIN_KEY_BYTES {
            return Err(Error::setting(
                Setting::LoginHashKey,
                format!("must be at least {MIN_KEY_BYTES} bytes"),
            ));
        }
        Ok(SubjectHasher {
            key: hmac::Key::new(hmac::HMAC_SHA256, key),
        })
    }

    /// Hash with a key derived (HKDF-SHA256) from other secret material of the
    /// deployment, such as its token signing key: stable while that material is.
    pub fn derive(material: &[u8]) -> Result<Self> {
        if material.len() < MIN_KEY_BYTES {
            return Err(Error::setting(
                Setting::LoginHashKey,
                "the key material to derive it from is too short",
            ));
        }
        let prk = hkdf::Salt::new(hkdf::HKDF_SHA256, DERIVATION_SALT).extract(material);
        let mut key = [0u8; 32];
        prk.expand(&[b"subject ids"], hkdf::HKDF_SHA256)
            .and_then(|okm| okm.fill(&mut key))
            .map_err(|_| Error::Crypto("HKDF expansion"))?;
        SubjectHasher::new(&key)
    }

    /// Hash with a random key: for one process only (the memory store).
    pub fn random() -> Result<Self> {
        let mut key = [0u8; 32];
        rand::fill(&mut key).map_err(|_| Error::Random)?;
        SubjectHasher::new(&key)
    }

    fn id(&self, domain: &[u8], value: &[u8], tag: char) -> String {
        let mut ctx = hmac::Context::with_key(&self.key);
        ctx.update(domain);
        ctx.update(&[0]);
        ctx.update(value);
        let mac = ctx.sign();
        let mut out = String::with_capacity(33);
        out.push(tag);
        for b in &mac.as_ref()[..16] {
            out.push_str(&format!("{b:02x}"));
        }
        out
    }

    /// The id of a username (`u` + 32 hex digits) and how it arrived.
    pub fn username(&self, raw: &[u8]) -> (String, UsernameForm) {
        let (normalized, form) = normalize_username(raw);
        (self.id(b"username", normalized.as_bytes(), 'u'), form)
    }

    /// The id of a client IP (`i` + 32 hex digits); `None` (unknown client) is one subject.
    pub fn ip(&self, raw: Option<&str>) -> String {
        let normalized = raw.map_or_else(|| "unknown".to_owned(), normalize_ip);
        self.id(b"ip", normalized.as_bytes(), 'i')
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn usernames_fold_case_and_compatibility_forms() {
        let n = |s: &str| normalize_username(s.as_bytes()).0;
        assert_eq!(n("Alice"), "alice");
        assert_eq!(n(" ALICE\u{a0}"), "alice");
        assert_eq!(n("ＡＬＩＣＥ"), "alice"); // fullwidth
        assert_eq!(n("Straße"), n("STRASSE"));
        assert_eq!(n("ﬁ"), "fi");
        assert_eq!(n("e\u{301}"), n("\u{e9}"));
        assert_ne!(n("alice"), n("alicf"));
        assert_eq!(normalize_username(b"bob").1, UsernameForm::WellFormed);
    }

    #[test]
    fn invisible_and_separator_padding_is_the_same_username() {
        let n = |s: &str| normalize_username(s.as_bytes()).0;
        assert_eq!(n("alice\u{1f}"), "alice"); // Python's str.strip() removes it
        assert_eq!(n("\u{1c}alice"), "alice");
        assert_eq!(n("al\u{200b}ice"), "alice");
        assert_eq!(n("\u{feff}alice\u{2060}"), "alice");
        assert_eq!(n("ali\u{ad}ce"), "alice");
    }

    #[test]
    fn odd_input_is_counted_never_an_error() {
        // Python's "a\udc80" with surrogatepass: not UTF-8.
        let (text, form) = normalize_username(b"a\xed\xb2\x80");
        assert_eq!(form, UsernameForm::IllFormed);
        assert!(text.starts_with('a'));
        let long = vec![b'x'; MAX_USERNAME_BYTES * 4];
        let (text, form) = normalize_username(&long);
        assert_eq!(
            (text.len(), form),
            (MAX_USERNAME_BYTES, UsernameForm::TooLong)
        );
        // Cut inside a multi-byte character: still fine.
        let mut cut = vec![b'y'; MAX_USERNAME_BYTES - 1];
        cut.extend("é".as_bytes());
        assert_eq!(normalize_username(&cut).1, UsernameForm::TooLong);
        assert_eq!(normalize_username(b"").0, "");
    }

    #[test]
    fn ips_group_ipv6_by_network() {
        assert_eq!(normalize_ip("192.0.2.1"), "192.0.2.1");
        assert_eq!(normalize_ip("::ffff:192.0.2.1"), "192.0.2.1");
        assert_eq!(normalize_ip("2001:db8:1:2:3:4:5:6"), "2001:db8:1:2::/64");
        assert_eq!(
            normalize_ip("2001:db8:1:2::9"),
            normalize_ip("2001:db8:1:2:ffff::1")
        );
        assert_eq!(normalize_ip(" testclient "), "other:testclient");
        assert!(normalize_ip(&"é".repeat(200)).len() <= 6 + MAX_IP_BYTES);
    }

    #[test]
    fn ids_are_keyed_and_stable() {
        let a = SubjectHasher::new(&[1; 32]).unwrap();
        let b = SubjectHasher::new(&[2; 32]).unwrap();
        let (id, _) = a.username(b"Alice");
        assert_eq!(id, a.username(b"alice").0);
        assert_ne!(id, b.username(b"alice").0);
        assert_eq!(id.len(), 33);
        assert!(id.starts_with('u') && !id.contains("alice"));
        assert_ne!(a.ip(Some("alice")), a.username(b"alice").0);
        assert_eq!(a.ip(None), a.ip(None));
        let d1 = SubjectHasher::derive(b"some long signing key material").unwrap();
        let d2 = SubjectHasher::derive(b"some long signing key material").unwrap();
        assert_eq!(d1.username(b"x").0, d2.username(b"x").0);
        assert!(SubjectHasher::new(b"short").is_err());
        assert!(SubjectHasher::derive(b"short").is_err());
        let r = SubjectHasher::random().unwrap();
        assert_ne!(r.username(b"x").0, d1.username(b"x").0);
    }
}
