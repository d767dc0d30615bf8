//! New key pairs, as PEM.

use aws_lc_rs::encoding::{AsDer, Pkcs8V1Der, PublicKeyX509Der};
use aws_lc_rs::rsa::KeySize;
use aws_lc_rs::signature::{self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, RsaKeyPair};

use crate::error::{Error, Result};

/// The key types [`generate_pem`] makes.
pub const KEY_TYPES: [&str; 6] = ["rsa2048", "rsa3072", "rsa4096", "p256", "p384", "ed25519"];

/// Generate a new key pair, returned as (PKCS#8 private PEM, SPKI public PEM).
///
/// `kind`: one of [`KEY_TYPES`]: `rsa2048`, `rsa3072`, `rsa4096`, `p256`, `p384`, `ed25519`.
pub fn generate_pem(kind: &str) -> Result<(String, String)> {
    let failed = |_| Error::Crypto("key generation failed");
    let (private_der, public_der) = match kind {
        "rsa2048" | "rsa3072" | "rsa4096" => {
            let size = match kind {
                "rsa2048" => KeySize::Rsa2048,
                "rsa3072" => KeySize::Rsa3072,
                _ => KeySize::Rsa4096,
            };
            let pair = RsaKeyPair::generate(size).map_err(failed)?;
            let private = AsDer::<Pkcs8V1Der>::as_der(&pair).map_err(failed)?;
            let public = AsDer::<PublicKeyX509Der>::as_der(pair.public_key()).map_err(failed)?;
            (private.as_ref().to_vec(), public.as_ref().to_vec())
        }
        "p256" | "p384" => {
            let alg = if kind == "p256" {
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING
            } else {
                &signature::ECDSA_P384_SHA384_FIXED_SIGNING
            };
            let pair = EcdsaKeyPair::generate(alg).map_err(failed)?;
            let private = pair.to_pkcs8v1().map_err(failed)?;
            let public = AsDer::<PublicKeyX509Der>::as_der(pair.public_key()).map_err(failed)?;
            (private.as_ref().to_vec(), public.as_ref().to_vec())
        }
        "ed25519" => {
            let pair = Ed25519KeyPair::generate().map_err(failed)?;
            let private = pair.to_pkcs8v1().map_err(failed)?;
            let public = AsDer::<PublicKeyX509Der>::as_der(pair.public_key()).map_err(failed)?;
            (private.as_ref().to_vec(), public.as_ref().to_vec())
        }
        _ => {
            return Err(Error::input(
                "kind",
                format!("must be one of {}", KEY_TYPES.join(", ")),
            ))
        }
    };
    Ok((
        pem::encode(&pem::Pem::new("PRIVATE KEY", private_der)),
        pem::encode(&pem::Pem::new("PUBLIC KEY", public_der)),
    ))
}
