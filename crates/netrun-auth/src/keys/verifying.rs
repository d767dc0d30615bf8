//! [`VerifyingKey`]: a public key or secret that verifies tokens, with its
//! algorithm-specific checks prepared once.

use aws_lc_rs::hmac;
use aws_lc_rs::signature::{self, ParsedPublicKey, RsaPublicKeyComponents};
use serde_json::Value;

use super::import_jwk::jwks_signature_keys;
use super::primitives::{bit_len, ecdsa_verification, hmac_algorithm, rsa_parameters};
use super::{bound_to, check_rsa_bits, check_secret_len, parse_material, Material};
use crate::algorithm::{Algorithm, KeyFamily};
use crate::error::{Error, Result};
use crate::jwk::PublicParts;

/// A key that can verify tokens, with its algorithm-specific checks prepared in advance.
pub struct VerifyingKey {
    kid: String,
    family: KeyFamily,
    public: Option<PublicParts>,
    checks: Vec<(Algorithm, Check)>,
}

enum Check {
    Public(ParsedPublicKey),
    Hmac(Box<hmac::Key>),
}

impl VerifyingKey {
    /// Load a public key (PEM or JWK; a private key is accepted and its public half used).
    pub fn from_public(bytes: &[u8], algorithms: &[Algorithm]) -> Result<Self> {
        let (parts, kid, bound) = match parse_material(bytes)? {
            Material::Public(parts, kid, bound) => (parts, kid, bound),
            Material::Private(signer, kid, bound) => (
                signer
                    .public_parts()
                    .ok_or_else(|| Error::key("expected an asymmetric key"))?,
                kid,
                bound,
            ),
        };
        let kid = kid.unwrap_or_else(|| parts.thumbprint());
        Self::from_parts(parts, kid, &bound_to(algorithms, bound))
    }

    /// Every signature JWK of a JWKS document (`{"keys": [...]}`), each restricted to
    /// `algorithms` and to its own `alg`. Keys published for encryption are skipped.
    pub fn from_jwks(bytes: &[u8], algorithms: &[Algorithm]) -> Result<Vec<Self>> {
        jwks_signature_keys(bytes)?
            .into_iter()
            .map(|(parts, kid, bound)| {
                let kid = kid.unwrap_or_else(|| parts.thumbprint());
                Self::from_parts(parts, kid, &bound_to(algorithms, bound))
            })
            .collect()
    }

    /// A shared secret verifying every symmetric algorithm of `algorithms`.
    ///
    /// The secret must be at least as long as the hash output of each of them
    /// (32, 48, 64 bytes for HS256, HS384, HS512): a secret allowed to verify
    /// HS512 is held to HS512's minimum, whatever algorithm signs.
    pub fn from_secret(kid: String, secret: &[u8], algorithms: &[Algorithm]) -> Result<Self> {
        let mut checks = Vec::new();
        for &a in algorithms.iter().filter(|a| a.is_symmetric()) {
            check_secret_len(secret, a)?;
            checks.push((
                a,
                Check::Hmac(Box::new(hmac::Key::new(hmac_algorithm(a), secret))),
            ));
        }
        Ok(VerifyingKey {
            kid,
            family: KeyFamily::Hmac,
            public: None,
            checks,
        })
    }

    pub(super) fn from_parts(
        parts: PublicParts,
        kid: String,
        algorithms: &[Algorithm],
    ) -> Result<Self> {
        let family = parts.family();
        if let PublicParts::Rsa { n, .. } = &parts {
            check_rsa_bits(bit_len(n))?;
        }
        let rejected = |_| Error::key(format!("the {} is not valid", family.name()));
        let mut checks = Vec::new();
        for &algorithm in algorithms.iter().filter(|a| a.family() == family) {
            let parsed = match &parts {
                PublicParts::Rsa { n, e } => RsaPublicKeyComponents { n, e }
                    .to_parsed_public_key(rsa_parameters(algorithm))
                    .map_err(rejected)?,
                PublicParts::Ec { x, y, .. } => {
                    ParsedPublicKey::new(ecdsa_verification(algorithm), PublicParts::ec_point(x, y))
                        .map_err(rejected)?
                }
                PublicParts::Ed25519 { x } => {
                    ParsedPublicKey::new(&signature::ED25519, x).map_err(rejected)?
                }
            };
            checks.push((algorithm, Check::Public(parsed)));
        }
        Ok(VerifyingKey {
            kid,
            family,
            public: Some(parts),
            checks,
        })
    }

    /// The key id.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// The same key under another `kid`.
    pub fn with_kid(mut self, kid: String) -> Self {
        self.kid = kid;
        self
    }

    /// The RFC 7638 thumbprint of the public key (`None` for a secret).
    pub fn thumbprint(&self) -> Option<String> {
        self.public.as_ref().map(PublicParts::thumbprint)
    }

    /// The key family.
    pub fn family(&self) -> KeyFamily {
        self.family
    }

    /// Whether this key verifies `algorithm` (in the allow-list and of its family).
    pub fn supports(&self, algorithm: Algorithm) -> bool {
        self.checks.iter().any(|(a, _)| *a == algorithm)
    }

    /// Verify `signature` over `message`; constant-time for HMAC.
    pub fn verify(&self, algorithm: Algorithm, message: &[u8], signature: &[u8]) -> Result<()> {
        let (_, check) = self
            .checks
            .iter()
            .find(|(a, _)| *a == algorithm)
            .ok_or(Error::UnknownKey)?;
        let verified = match check {
            Check::Public(key) => key.verify_sig(message, signature).is_ok(),
            Check::Hmac(key) => hmac::verify(key, message, signature).is_ok(),
        };
        verified.then_some(()).ok_or(Error::InvalidSignature)
    }

    /// The public JWK, or `None` for a shared secret (never published).
    pub fn to_jwk(&self) -> Option<Value> {
        let alg = match self.checks.as_slice() {
            [(only, _)] => Some(only.name()),
            _ => None,
        };
        self.public
            .as_ref()
            .map(|parts| parts.to_jwk(&self.kid, alg))
    }
}
