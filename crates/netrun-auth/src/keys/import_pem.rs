//! PEM import: PKCS#8 and PKCS#1 private keys, SEC1 EC private keys, SPKI and
//! PKCS#1 public keys. Encrypted private keys are refused with advice.

use aws_lc_rs::rsa::PublicKey as RsaPublicKey;
use aws_lc_rs::signature::{self, EcdsaKeyPair, EcdsaSigningAlgorithm, Ed25519KeyPair, RsaKeyPair};

use super::primitives::{bit_len, rsa_parts};
use super::signing::Signer;
use super::{check_rsa_bits, Material};
use crate::algorithm::KeyFamily;
use crate::error::{Error, Result};
use crate::jwk::PublicParts;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_ED25519: &str = "1.3.101.112";

/// The key of one PEM block.
pub(super) fn material(bytes: &[u8]) -> Result<Material> {
    let block = pem::parse(bytes).map_err(|_| {
        Error::key("not a PEM block or a JWK (expected '-----BEGIN ... KEY-----' or '{')")
    })?;
    let der = block.contents();
    let unreadable = |what: &str| Error::key(format!("the {what} could not be parsed"));
    match block.tag() {
        "PRIVATE KEY" => match parse_pkcs8(der) {
            Some(signer) => Ok(Material::Private(signer, None, None)),
            None => Err(match pkcs8_rsa_key(der) {
                Some(rsa) => rsa_rejection(rsa),
                None => Error::key("PKCS#8 key is not a valid RSA, P-256, P-384 or Ed25519 key"),
            }),
        },
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(der)
            .map(|pair| Material::Private(Signer::Rsa(pair), None, None))
            .map_err(|_| rsa_rejection(der)),
        "EC PRIVATE KEY" => [
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        ]
        .into_iter()
        .find_map(|alg: &'static EcdsaSigningAlgorithm| {
            EcdsaKeyPair::from_private_key_der(alg, der).ok()
        })
        .map(|pair| Material::Private(Signer::Ecdsa(pair), None, None))
        .ok_or_else(|| unreadable("SEC1 EC private key (P-256 or P-384)")),
        "PUBLIC KEY" => parse_spki(der).map(|parts| Material::Public(parts, None, None)),
        "RSA PUBLIC KEY" => RsaPublicKey::from_der(der)
            .map(|key| Material::Public(rsa_parts(&key), None, None))
            .map_err(|_| unreadable("PKCS#1 RSA public key")),
        "ENCRYPTED PRIVATE KEY" => Err(Error::key(
            "encrypted private keys are not supported; decrypt it (openssl pkey) and protect the file instead",
        )),
        other => Err(Error::key(format!("unsupported PEM block '{other}'"))),
    }
}

fn parse_pkcs8(der: &[u8]) -> Option<Signer> {
    if let Ok(pair) = RsaKeyPair::from_pkcs8(der) {
        return Some(Signer::Rsa(pair));
    }
    for alg in [
        &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
        &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
    ] {
        if let Ok(pair) = EcdsaKeyPair::from_pkcs8(alg, der) {
            return Some(Signer::Ecdsa(pair));
        }
    }
    Ed25519KeyPair::from_pkcs8_maybe_unchecked(der)
        .ok()
        .map(Signer::Ed25519)
}

/// The PKCS#1 `RSAPrivateKey` inside a PKCS#8 document, if it holds an RSA key.
fn pkcs8_rsa_key(der: &[u8]) -> Option<&[u8]> {
    let info = pkcs8::PrivateKeyInfo::try_from(der).ok()?;
    (info.algorithm.oid.to_string() == OID_RSA).then_some(info.private_key)
}

/// Why a PKCS#1 RSA private key was refused: too small, or not parseable.
fn rsa_rejection(pkcs1_der: &[u8]) -> Error {
    match pkcs1::RsaPrivateKey::try_from(pkcs1_der) {
        Ok(key) => match check_rsa_bits(bit_len(key.modulus.as_bytes())) {
            Err(too_small) => too_small,
            Ok(()) => Error::key("the RSA private key is not valid"),
        },
        Err(_) => Error::key("the PKCS#1 RSA private key could not be parsed"),
    }
}

fn parse_spki(der: &[u8]) -> Result<PublicParts> {
    use spki::der::Decode;
    let info = spki::SubjectPublicKeyInfoRef::from_der(der)
        .map_err(|_| Error::key("the SubjectPublicKeyInfo could not be parsed"))?;
    let key = info
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| Error::key("public key bits are not byte-aligned"))?;
    let oid = info.algorithm.oid.to_string();
    let curve = || {
        info.algorithm
            .parameters_oid()
            .map(|oid| oid.to_string())
            .unwrap_or_default()
    };
    match oid.as_str() {
        OID_RSA => RsaPublicKey::from_der(key)
            .map(|key| rsa_parts(&key))
            .map_err(|_| Error::key("the RSA public key could not be parsed")),
        OID_EC => {
            let family = match curve().as_str() {
                OID_P256 => KeyFamily::EcP256,
                OID_P384 => KeyFamily::EcP384,
                _ => return Err(Error::key("EC keys must be on P-256 or P-384")),
            };
            let coordinate = if family == KeyFamily::EcP256 { 32 } else { 48 };
            if key.len() != 1 + 2 * coordinate || key[0] != 0x04 {
                return Err(Error::key("EC public key must be an uncompressed point"));
            }
            Ok(PublicParts::Ec {
                family,
                x: key[1..1 + coordinate].to_vec(),
                y: key[1 + coordinate..].to_vec(),
            })
        }
        OID_ED25519 if key.len() == 32 => Ok(PublicParts::Ed25519 { x: key.to_vec() }),
        _ => Err(Error::key(
            "unsupported public key type (RSA, P-256, P-384, Ed25519)",
        )),
    }
}
