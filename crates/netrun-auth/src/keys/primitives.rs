//! The aws-lc-rs algorithm tables behind each JWS algorithm, and small key arithmetic.

use aws_lc_rs::hmac;
use aws_lc_rs::rsa::PublicKey as RsaPublicKey;
use aws_lc_rs::signature;

use crate::algorithm::Algorithm;
use crate::jwk::PublicParts;

pub(super) fn rsa_encoding(algorithm: Algorithm) -> &'static dyn signature::RsaEncoding {
    match algorithm {
        Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_SHA512,
        _ => &signature::RSA_PKCS1_SHA256,
    }
}

pub(super) fn rsa_parameters(algorithm: Algorithm) -> &'static signature::RsaParameters {
    match algorithm {
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => &signature::RSA_PKCS1_2048_8192_SHA256,
    }
}

pub(super) fn ecdsa_verification(
    algorithm: Algorithm,
) -> &'static signature::EcdsaVerificationAlgorithm {
    match algorithm {
        Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
        _ => &signature::ECDSA_P256_SHA256_FIXED,
    }
}

pub(super) fn hmac_algorithm(algorithm: Algorithm) -> hmac::Algorithm {
    match algorithm {
        Algorithm::HS384 => hmac::HMAC_SHA384,
        Algorithm::HS512 => hmac::HMAC_SHA512,
        _ => hmac::HMAC_SHA256,
    }
}

/// The JWK components of an RSA public key.
pub(super) fn rsa_parts(key: &RsaPublicKey) -> PublicParts {
    PublicParts::Rsa {
        n: key.modulus().big_endian_without_leading_zero().to_vec(),
        e: key.exponent().big_endian_without_leading_zero().to_vec(),
    }
}

/// The bit length of a big-endian unsigned integer.
pub(super) fn bit_len(big_endian: &[u8]) -> usize {
    match big_endian.iter().position(|&b| b != 0) {
        Some(i) => (big_endian.len() - i) * 8 - big_endian[i].leading_zeros() as usize,
        None => 0,
    }
}
