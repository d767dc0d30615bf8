//! Key material, parsed once: PEM or JWK in, ready-to-use signing and verifying keys out.
//!
//! - [`SigningKey`] / [`VerifyingKey`]: the keys themselves (`signing`, `verifying`).
//! - PEM import (PKCS#1, PKCS#8, SEC1, SPKI) in `import_pem`, JWK and JWKS
//!   import in `import_jwk`.
//! - [`generate_pem`]: new key pairs.
//! - [`load_key_set`]: the key set of an engine, from a [`KeyConfig`].
//!
//! Errors are [`Error::Key`]; the functions of one key leave its slot empty
//! and [`load_key_set`] fills it in.

mod generate;
mod import_jwk;
mod import_pem;
mod primitives;
mod set;
mod signing;
mod verifying;

pub use generate::{generate_pem, KEY_TYPES};
pub use set::{load_key_set, KeyConfig, KeySet};
pub use signing::SigningKey;
pub use verifying::VerifyingKey;

use crate::algorithm::Algorithm;
use crate::error::{Error, Result};
use crate::jwk::PublicParts;
use signing::Signer;

/// Smallest RSA modulus accepted, for signing or verifying.
pub const MIN_RSA_BITS: usize = 2048;

/// What a key file or JWK turned out to hold: the key, its `kid`, and the one
/// algorithm a JWK's `alg` binds it to.
enum Material {
    Private(Signer, Option<String>, Option<Algorithm>),
    Public(PublicParts, Option<String>, Option<Algorithm>),
}

/// The key of a PEM block or a JWK, by its first character.
fn parse_material(bytes: &[u8]) -> Result<Material> {
    let trimmed = bytes.trim_ascii_start();
    if trimmed.starts_with(b"{") {
        import_jwk::material(trimmed)
    } else {
        import_pem::material(trimmed)
    }
}

/// The allowed algorithms a key may verify: all of them, or only the one its JWK `alg` names.
fn bound_to(algorithms: &[Algorithm], bound: Option<Algorithm>) -> Vec<Algorithm> {
    algorithms
        .iter()
        .copied()
        .filter(|a| bound.is_none_or(|b| b == *a))
        .collect()
}

fn check_rsa_bits(bits: usize) -> Result<()> {
    if bits < MIN_RSA_BITS {
        return Err(Error::key(format!(
            "RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"
        )));
    }
    Ok(())
}

/// An HMAC secret must be at least as long as the hash output of `algorithm`.
fn check_secret_len(secret: &[u8], algorithm: Algorithm) -> Result<()> {
    let min = primitives::hmac_algorithm(algorithm)
        .digest_algorithm()
        .output_len();
    if secret.len() < min {
        return Err(Error::key(format!(
            "{algorithm} needs a secret of at least {min} bytes; got {}",
            secret.len()
        )));
    }
    Ok(())
}
