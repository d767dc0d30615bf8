//! [`SigningKey`]: a private key or secret that signs tokens.

use aws_lc_rs::hmac;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};

use super::primitives::{hmac_algorithm, rsa_encoding, rsa_parts};
use super::{check_rsa_bits, check_secret_len, parse_material, Material, VerifyingKey};
use crate::algorithm::{Algorithm, KeyFamily};
use crate::error::{Error, Result};
use crate::jwk::PublicParts;

/// Length of an uncompressed P-384 point: 0x04, then two 48-byte coordinates.
const P384_POINT_LEN: usize = 1 + 2 * 48;

/// A key that can sign tokens.
pub struct SigningKey {
    kid: String,
    signer: Signer,
    public: Option<PublicParts>,
}

/// The parsed private key of a [`SigningKey`].
pub(super) enum Signer {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Hmac(Vec<u8>),
}

impl SigningKey {
    /// Load a private key (PEM or JWK) for `algorithm`.
    pub fn from_private(bytes: &[u8], algorithm: Algorithm) -> Result<Self> {
        let (signer, kid) = match parse_material(bytes)? {
            Material::Private(_, _, Some(bound)) if bound != algorithm => {
                return Err(Error::key(format!(
                    "the JWK's 'alg' is {bound}, but the signing algorithm is {algorithm}"
                )))
            }
            Material::Private(signer, kid, _) => (signer, kid),
            Material::Public(..) => {
                return Err(Error::key("expected a private key, found a public key"))
            }
        };
        Self::build(signer, kid, algorithm)
    }

    /// An HMAC secret for `algorithm` (HS*), at least as long as the hash output.
    pub fn from_secret(secret: &[u8], algorithm: Algorithm) -> Result<Self> {
        Self::build(Signer::Hmac(secret.to_vec()), None, algorithm)
    }

    fn build(signer: Signer, kid: Option<String>, algorithm: Algorithm) -> Result<Self> {
        let family = signer.family();
        if family != algorithm.family() {
            return Err(Error::key(format!(
                "{algorithm} needs a {}, but the key is a {}",
                algorithm.family().name(),
                family.name()
            )));
        }
        if let Signer::Hmac(secret) = &signer {
            check_secret_len(secret, algorithm)?;
        }
        if let Signer::Rsa(pair) = &signer {
            check_rsa_bits(pair.public_modulus_len() * 8)?;
        }
        let public = signer.public_parts();
        let kid = kid.unwrap_or_else(|| match &public {
            Some(parts) => parts.thumbprint(),
            None => "hmac".to_owned(),
        });
        Ok(SigningKey {
            kid,
            signer,
            public,
        })
    }

    /// The key id put in every token header.
    pub fn kid(&self) -> &str {
        &self.kid
    }

    /// Replace the key id (a configured `kid` wins over the thumbprint).
    pub fn set_kid(&mut self, kid: String) {
        self.kid = kid;
    }

    /// The family of this key.
    pub fn family(&self) -> KeyFamily {
        self.signer.family()
    }

    /// Sign `message` with `algorithm` (which must match the key's family).
    pub fn sign(&self, algorithm: Algorithm, message: &[u8]) -> Result<Vec<u8>> {
        match &self.signer {
            Signer::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(
                    rsa_encoding(algorithm),
                    &SystemRandom::new(),
                    message,
                    &mut signature,
                )
                .map_err(|_| Error::Crypto("RSA signing failed"))?;
                Ok(signature)
            }
            Signer::Ecdsa(pair) => pair
                .sign(&SystemRandom::new(), message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| Error::Crypto("ECDSA signing failed")),
            Signer::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            Signer::Hmac(secret) => {
                let key = hmac::Key::new(hmac_algorithm(algorithm), secret);
                Ok(hmac::sign(&key, message).as_ref().to_vec())
            }
        }
    }

    /// The verifying key of this signing key, restricted to `algorithms`.
    ///
    /// For a secret, every symmetric algorithm of `algorithms` must find it long enough.
    pub fn verifying_key(&self, algorithms: &[Algorithm]) -> Result<VerifyingKey> {
        match (&self.signer, &self.public) {
            (Signer::Hmac(secret), _) => {
                VerifyingKey::from_secret(self.kid.clone(), secret, algorithms)
            }
            (_, Some(parts)) => {
                VerifyingKey::from_parts(parts.clone(), self.kid.clone(), algorithms)
            }
            (_, None) => Err(Error::key("the key has no public half")),
        }
    }
}

impl Signer {
    pub(super) fn family(&self) -> KeyFamily {
        match self {
            Signer::Rsa(_) => KeyFamily::Rsa,
            // The curve, by the size of its uncompressed public point (65 or 97 bytes).
            Signer::Ecdsa(pair) if pair.public_key().as_ref().len() == P384_POINT_LEN => {
                KeyFamily::EcP384
            }
            Signer::Ecdsa(_) => KeyFamily::EcP256,
            Signer::Ed25519(_) => KeyFamily::Ed25519,
            Signer::Hmac(_) => KeyFamily::Hmac,
        }
    }

    pub(super) fn public_parts(&self) -> Option<PublicParts> {
        match self {
            Signer::Rsa(pair) => Some(rsa_parts(pair.public_key())),
            Signer::Ecdsa(pair) => {
                let point = pair.public_key().as_ref();
                let half = (point.len() - 1) / 2;
                Some(PublicParts::Ec {
                    family: self.family(),
                    x: point[1..1 + half].to_vec(),
                    y: point[1 + half..].to_vec(),
                })
            }
            Signer::Ed25519(pair) => Some(PublicParts::Ed25519 {
                x: pair.public_key().as_ref().to_vec(),
            }),
            Signer::Hmac(_) => None,
        }
    }
}
