//! Key material, parsed once: PEM (PKCS#1, PKCS#8, SEC1, SPKI) or JWK in,
//! ready-to-use signing and verifying keys out.

use aws_lc_rs::encoding::AsDer;
use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::rsa::{KeySize, PublicKey as RsaPublicKey};
use aws_lc_rs::signature::{
    self, EcdsaKeyPair, Ed25519KeyPair, KeyPair, ParsedPublicKey, RsaKeyPair,
    RsaPublicKeyComponents,
};
use aws_lc_rs::{hmac, signature::EcdsaSigningAlgorithm};
use serde_json::{Map, Value};

use crate::algorithm::{Algorithm, KeyFamily};
use crate::base64url;
use crate::error::{Error, Result};
use crate::json;
use crate::jwk::{self, PublicParts};

/// Smallest RSA modulus accepted, for signing or verifying.
pub const MIN_RSA_BITS: usize = 2048;

const OID_RSA: &str = "1.2.840.113549.1.1.1";
const OID_EC: &str = "1.2.840.10045.2.1";
const OID_P256: &str = "1.2.840.10045.3.1.7";
const OID_P384: &str = "1.3.132.0.34";
const OID_ED25519: &str = "1.3.101.112";

/// A key that can sign tokens.
pub struct SigningKey {
    kid: String,
    signer: Signer,
    public: Option<PublicParts>,
}

enum Signer {
    Rsa(RsaKeyPair),
    Ecdsa(EcdsaKeyPair),
    Ed25519(Ed25519KeyPair),
    Hmac(Vec<u8>),
}

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

/// What a key file or JWK turned out to hold: the key, its `kid`, and the one
/// algorithm a JWK's `alg` binds it to.
enum Material {
    Private(Signer, Option<String>, Option<Algorithm>),
    Public(PublicParts, Option<String>, Option<Algorithm>),
}

impl SigningKey {
    /// Load a private key (PEM or JWK) for `algorithm`.
    pub fn from_private(bytes: &[u8], algorithm: Algorithm, setting: &str) -> Result<Self> {
        let (signer, kid) = match parse_material(bytes, setting)? {
            Material::Private(_, _, Some(bound)) if bound != algorithm => {
                return Err(Error::config(
                    setting,
                    format!("the JWK's 'alg' is {bound}, but the signing algorithm is {algorithm}"),
                ))
            }
            Material::Private(signer, kid, _) => (signer, kid),
            Material::Public(..) => {
                return Err(Error::config(
                    setting,
                    "expected a private key, found a public key",
                ))
            }
        };
        Self::build(signer, kid, algorithm, setting)
    }

    /// An HMAC secret for `algorithm` (HS*), at least as long as the hash output.
    pub fn from_secret(secret: &[u8], algorithm: Algorithm, setting: &str) -> Result<Self> {
        Self::build(Signer::Hmac(secret.to_vec()), None, algorithm, setting)
    }

    fn build(
        signer: Signer,
        kid: Option<String>,
        algorithm: Algorithm,
        setting: &str,
    ) -> Result<Self> {
        let family = signer.family();
        if family != algorithm.family() {
            return Err(Error::config(
                setting,
                format!(
                    "{algorithm} needs a {}, but the key is a {}",
                    algorithm.family().name(),
                    family.name()
                ),
            ));
        }
        if let Signer::Hmac(secret) = &signer {
            check_secret_len(secret, algorithm, setting)?;
        }
        if let Signer::Rsa(pair) = &signer {
            check_rsa_bits(pair.public_modulus_len() * 8, setting)?;
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
        let failed = || Error::config("signing key", "signing failed");
        match &self.signer {
            Signer::Rsa(pair) => {
                let mut signature = vec![0; pair.public_modulus_len()];
                pair.sign(
                    rsa_encoding(algorithm),
                    &SystemRandom::new(),
                    message,
                    &mut signature,
                )
                .map_err(|_| failed())?;
                Ok(signature)
            }
            Signer::Ecdsa(pair) => pair
                .sign(&SystemRandom::new(), message)
                .map(|s| s.as_ref().to_vec())
                .map_err(|_| failed()),
            Signer::Ed25519(pair) => Ok(pair.sign(message).as_ref().to_vec()),
            Signer::Hmac(secret) => {
                let key = hmac::Key::new(hmac_algorithm(algorithm), secret);
                Ok(hmac::sign(&key, message).as_ref().to_vec())
            }
        }
    }

    /// The verifying key of this signing key, restricted to `algorithms`.
    pub fn verifying_key(&self, algorithms: &[Algorithm]) -> Result<VerifyingKey> {
        match (&self.signer, &self.public) {
            (Signer::Hmac(secret), _) => {
                Ok(VerifyingKey::hmac(self.kid.clone(), secret, algorithms))
            }
            (_, Some(parts)) => {
                VerifyingKey::from_parts(parts.clone(), self.kid.clone(), algorithms, "signing key")
            }
            (_, None) => Err(Error::config("signing key", "key has no public half")),
        }
    }
}

impl Signer {
    fn family(&self) -> KeyFamily {
        match self {
            Signer::Rsa(_) => KeyFamily::Rsa,
            Signer::Ecdsa(pair)
                if std::ptr::eq(
                    pair.algorithm(),
                    &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
                ) =>
            {
                KeyFamily::EcP384
            }
            Signer::Ecdsa(_) => KeyFamily::EcP256,
            Signer::Ed25519(_) => KeyFamily::Ed25519,
            Signer::Hmac(_) => KeyFamily::Hmac,
        }
    }

    fn public_parts(&self) -> Option<PublicParts> {
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

impl VerifyingKey {
    /// Load a public key (PEM or JWK; a private key is accepted and its public half used).
    pub fn from_public(bytes: &[u8], algorithms: &[Algorithm], setting: &str) -> Result<Self> {
        let (parts, kid, bound) = match parse_material(bytes, setting)? {
            Material::Public(parts, kid, bound) => (parts, kid, bound),
            Material::Private(signer, kid, bound) => (
                signer
                    .public_parts()
                    .ok_or_else(|| Error::config(setting, "expected an asymmetric key"))?,
                kid,
                bound,
            ),
        };
        let kid = kid.unwrap_or_else(|| parts.thumbprint());
        Self::from_parts(parts, kid, &bound_to(algorithms, bound), setting)
    }

    /// Every signature JWK of a JWKS document (`{"keys": [...]}`), each restricted to
    /// `algorithms` and to its own `alg`. Keys published for encryption are skipped.
    pub fn from_jwks(bytes: &[u8], algorithms: &[Algorithm], setting: &str) -> Result<Vec<Self>> {
        let doc =
            json::parse_object(bytes).ok_or_else(|| Error::config(setting, "not a JSON object"))?;
        let keys = doc
            .get("keys")
            .and_then(Value::as_array)
            .ok_or_else(|| Error::config(setting, "JWKS has no 'keys' array"))?;
        let mut loaded = Vec::new();
        for key in keys {
            let key = key
                .as_object()
                .ok_or_else(|| Error::config(setting, "JWKS key is not an object"))?;
            let parsed = jwk::parse(key, setting)?;
            let parts = parsed
                .public
                .ok_or_else(|| Error::config(setting, "JWKS must not hold secret keys"))?;
            if !parsed.for_signatures {
                continue;
            }
            let kid = parsed.kid.unwrap_or_else(|| parts.thumbprint());
            loaded.push(Self::from_parts(
                parts,
                kid,
                &bound_to(algorithms, parsed.alg),
                setting,
            )?);
        }
        Ok(loaded)
    }

    fn from_parts(
        parts: PublicParts,
        kid: String,
        algorithms: &[Algorithm],
        setting: &str,
    ) -> Result<Self> {
        let family = parts.family();
        if let PublicParts::Rsa { n, .. } = &parts {
            check_rsa_bits(bit_len(n), setting)?;
        }
        let rejected = |_| Error::config(setting, format!("the {} is not valid", family.name()));
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

    fn hmac(kid: String, secret: &[u8], algorithms: &[Algorithm]) -> Self {
        let checks = algorithms
            .iter()
            .filter(|a| a.is_symmetric())
            .map(|&a| {
                (
                    a,
                    Check::Hmac(Box::new(hmac::Key::new(hmac_algorithm(a), secret))),
                )
            })
            .collect();
        VerifyingKey {
            kid,
            family: KeyFamily::Hmac,
            public: None,
            checks,
        }
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

/// Generate a new key pair, returned as (PKCS#8 private PEM, SPKI public PEM).
///
/// `kind`: `rsa2048`, `rsa3072`, `rsa4096`, `p256`, `p384`, `ed25519`.
pub fn generate_pem(kind: &str) -> Result<(String, String)> {
    let unexpected = |_| {
        Error::config(
            "key generation",
            "the crypto library failed to generate a key",
        )
    };
    let (private_der, public_der) = match kind {
        "rsa2048" | "rsa3072" | "rsa4096" => {
            let size = match kind {
                "rsa2048" => KeySize::Rsa2048,
                "rsa3072" => KeySize::Rsa3072,
                _ => KeySize::Rsa4096,
            };
            let pair = RsaKeyPair::generate(size).map_err(unexpected)?;
            let private =
                AsDer::<aws_lc_rs::encoding::Pkcs8V1Der>::as_der(&pair).map_err(unexpected)?;
            let public = AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(pair.public_key())
                .map_err(unexpected)?;
            (private.as_ref().to_vec(), public.as_ref().to_vec())
        }
        "p256" | "p384" => {
            let alg = if kind == "p256" {
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING
            } else {
                &signature::ECDSA_P384_SHA384_FIXED_SIGNING
            };
            let pair = EcdsaKeyPair::generate(alg).map_err(unexpected)?;
            let private = pair.to_pkcs8v1().map_err(unexpected)?;
            let public = AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(pair.public_key())
                .map_err(unexpected)?;
            (private.as_ref().to_vec(), public.as_ref().to_vec())
        }
        "ed25519" => {
            let pair = Ed25519KeyPair::generate().map_err(unexpected)?;
            let private = pair.to_pkcs8v1().map_err(unexpected)?;
            let public = AsDer::<aws_lc_rs::encoding::PublicKeyX509Der>::as_der(pair.public_key())
                .map_err(unexpected)?;
            (private.as_ref().to_vec(), public.as_ref().to_vec())
        }
        _ => {
            return Err(Error::config(
                "key type",
                "must be one of rsa2048, rsa3072, rsa4096, p256, p384, ed25519",
            ))
        }
    };
    Ok((
        pem::encode(&pem::Pem::new("PRIVATE KEY", private_der)),
        pem::encode(&pem::Pem::new("PUBLIC KEY", public_der)),
    ))
}

fn parse_material(bytes: &[u8], setting: &str) -> Result<Material> {
    let trimmed = bytes.trim_ascii_start();
    if trimmed.starts_with(b"{") {
        return parse_jwk_material(trimmed, setting);
    }
    let block = pem::parse(trimmed).map_err(|_| {
        Error::config(
            setting,
            "not a PEM block or a JWK (expected '-----BEGIN ... KEY-----' or '{')",
        )
    })?;
    let der = block.contents();
    let unreadable = |what: &str| Error::config(setting, format!("the {what} could not be parsed"));
    match block.tag() {
        "PRIVATE KEY" => match parse_pkcs8(der) {
            Some(signer) => Ok(Material::Private(signer, None, None)),
            None => Err(match pkcs8_rsa_key(der) {
                Some(rsa) => rsa_rejection(rsa, setting),
                None => Error::config(setting, "PKCS#8 key is not a valid RSA, P-256, P-384 or Ed25519 key"),
            }),
        },
        "RSA PRIVATE KEY" => RsaKeyPair::from_der(der)
            .map(|pair| Material::Private(Signer::Rsa(pair), None, None))
            .map_err(|_| rsa_rejection(der, setting)),
        "EC PRIVATE KEY" => [
            &signature::ECDSA_P256_SHA256_FIXED_SIGNING,
            &signature::ECDSA_P384_SHA384_FIXED_SIGNING,
        ]
        .into_iter()
        .find_map(|alg: &'static EcdsaSigningAlgorithm| EcdsaKeyPair::from_private_key_der(alg, der).ok())
        .map(|pair| Material::Private(Signer::Ecdsa(pair), None, None))
        .ok_or_else(|| unreadable("SEC1 EC private key (P-256 or P-384)")),
        "PUBLIC KEY" => parse_spki(der, setting).map(|parts| Material::Public(parts, None, None)),
        "RSA PUBLIC KEY" => RsaPublicKey::from_der(der)
            .map(|key| Material::Public(rsa_parts(&key), None, None))
            .map_err(|_| unreadable("PKCS#1 RSA public key")),
        "ENCRYPTED PRIVATE KEY" => Err(Error::config(
            setting,
            "encrypted private keys are not supported; decrypt it (openssl pkey) and protect the file instead",
        )),
        other => Err(Error::config(setting, format!("unsupported PEM block '{other}'"))),
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
fn rsa_rejection(pkcs1_der: &[u8], setting: &str) -> Error {
    match pkcs1::RsaPrivateKey::try_from(pkcs1_der) {
        Ok(key) => match check_rsa_bits(bit_len(key.modulus.as_bytes()), setting) {
            Err(too_small) => too_small,
            Ok(()) => Error::config(setting, "the RSA private key is not valid"),
        },
        Err(_) => Error::config(setting, "the PKCS#1 RSA private key could not be parsed"),
    }
}

fn parse_spki(der: &[u8], setting: &str) -> Result<PublicParts> {
    use spki::der::Decode;
    let info = spki::SubjectPublicKeyInfoRef::from_der(der)
        .map_err(|_| Error::config(setting, "the SubjectPublicKeyInfo could not be parsed"))?;
    let key = info
        .subject_public_key
        .as_bytes()
        .ok_or_else(|| Error::config(setting, "public key bits are not byte-aligned"))?;
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
            .map_err(|_| Error::config(setting, "the RSA public key could not be parsed")),
        OID_EC => {
            let family = match curve().as_str() {
                OID_P256 => KeyFamily::EcP256,
                OID_P384 => KeyFamily::EcP384,
                _ => return Err(Error::config(setting, "EC keys must be on P-256 or P-384")),
            };
            let coordinate = if family == KeyFamily::EcP256 { 32 } else { 48 };
            if key.len() != 1 + 2 * coordinate || key[0] != 0x04 {
                return Err(Error::config(
                    setting,
                    "EC public key must be an uncompressed point",
                ));
            }
            Ok(PublicParts::Ec {
                family,
                x: key[1..1 + coordinate].to_vec(),
                y: key[1 + coordinate..].to_vec(),
            })
        }
        OID_ED25519 if key.len() == 32 => Ok(PublicParts::Ed25519 { x: key.to_vec() }),
        _ => Err(Error::config(
            setting,
            "unsupported public key type (RSA, P-256, P-384, Ed25519)",
        )),
    }
}

fn parse_jwk_material(bytes: &[u8], setting: &str) -> Result<Material> {
    let object = json::parse_object(bytes)
        .ok_or_else(|| Error::config(setting, "the JWK is not a JSON object"))?;
    let parsed = jwk::parse(&object, setting)?;
    if !parsed.for_signatures {
        return Err(Error::config(
            setting,
            "the JWK is not a signature key (its 'use', 'key_ops' or 'alg' says otherwise)",
        ));
    }
    let (kid, bound) = (parsed.kid, parsed.alg);
    let Some(parts) = parsed.public else {
        return Err(Error::config(
            setting,
            "symmetric JWKs are not accepted here; use jwt_secret",
        ));
    };
    let Some(private) = parsed.private else {
        return Ok(Material::Public(parts, kid, bound));
    };
    let member = |name: &'static str| {
        private
            .get(name)
            .and_then(Value::as_str)
            .and_then(base64url::decode)
            .ok_or_else(|| {
                Error::config(
                    setting,
                    format!("JWK private member '{name}' is missing or not base64url"),
                )
            })
    };
    let invalid = |_| Error::config(setting, "the JWK private key is not valid");
    let signer = match &parts {
        PublicParts::Rsa { n, e } => {
            let (d, p, q, dp, dq, qi) = (
                member("d")?,
                member("p")?,
                member("q")?,
                member("dp")?,
                member("dq")?,
                member("qi")?,
            );
            let components = aws_lc_rs::rsa::KeyPairComponents {
                public_key: RsaPublicKeyComponents {
                    n: n.as_slice(),
                    e: e.as_slice(),
                },
                d: d.as_slice(),
                p: p.as_slice(),
                q: q.as_slice(),
                dP: dp.as_slice(),
                dQ: dq.as_slice(),
                qInv: qi.as_slice(),
            };
            Signer::Rsa(RsaKeyPair::from_components(&components).map_err(invalid)?)
        }
        PublicParts::Ec { family, x, y } => {
            let alg = if *family == KeyFamily::EcP384 {
                &signature::ECDSA_P384_SHA384_FIXED_SIGNING
            } else {
                &signature::ECDSA_P256_SHA256_FIXED_SIGNING
            };
            let pair = EcdsaKeyPair::from_private_key_and_public_key(
                alg,
                &member("d")?,
                &PublicParts::ec_point(x, y),
            )
            .map_err(invalid)?;
            Signer::Ecdsa(pair)
        }
        PublicParts::Ed25519 { x } => Signer::Ed25519(
            Ed25519KeyPair::from_seed_and_public_key(&member("d")?, x).map_err(invalid)?,
        ),
    };
    let _: Map<String, Value> = private;
    Ok(Material::Private(signer, kid, bound))
}

/// The allowed algorithms a key may verify: all of them, or only the one its JWK `alg` names.
fn bound_to(algorithms: &[Algorithm], bound: Option<Algorithm>) -> Vec<Algorithm> {
    algorithms
        .iter()
        .copied()
        .filter(|a| bound.is_none_or(|b| b == *a))
        .collect()
}

fn rsa_parts(key: &RsaPublicKey) -> PublicParts {
    PublicParts::Rsa {
        n: key.modulus().big_endian_without_leading_zero().to_vec(),
        e: key.exponent().big_endian_without_leading_zero().to_vec(),
    }
}

fn bit_len(big_endian: &[u8]) -> usize {
    match big_endian.iter().position(|&b| b != 0) {
        Some(i) => (big_endian.len() - i) * 8 - big_endian[i].leading_zeros() as usize,
        None => 0,
    }
}

fn check_rsa_bits(bits: usize, setting: &str) -> Result<()> {
    if bits < MIN_RSA_BITS {
        return Err(Error::config(
            setting,
            format!("RSA key has {bits} bits; at least {MIN_RSA_BITS} are required"),
        ));
    }
    Ok(())
}

fn check_secret_len(secret: &[u8], algorithm: Algorithm, setting: &str) -> Result<()> {
    let min = hmac_algorithm(algorithm).digest_algorithm().output_len();
    if secret.len() < min {
        return Err(Error::config(
            setting,
            format!(
                "{algorithm} needs a secret of at least {min} bytes; got {}",
                secret.len()
            ),
        ));
    }
    Ok(())
}

fn rsa_encoding(algorithm: Algorithm) -> &'static dyn signature::RsaEncoding {
    match algorithm {
        Algorithm::RS384 => &signature::RSA_PKCS1_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_SHA512,
        _ => &signature::RSA_PKCS1_SHA256,
    }
}

fn rsa_parameters(algorithm: Algorithm) -> &'static signature::RsaParameters {
    match algorithm {
        Algorithm::RS384 => &signature::RSA_PKCS1_2048_8192_SHA384,
        Algorithm::RS512 => &signature::RSA_PKCS1_2048_8192_SHA512,
        Algorithm::PS256 => &signature::RSA_PSS_2048_8192_SHA256,
        Algorithm::PS384 => &signature::RSA_PSS_2048_8192_SHA384,
        Algorithm::PS512 => &signature::RSA_PSS_2048_8192_SHA512,
        _ => &signature::RSA_PKCS1_2048_8192_SHA256,
    }
}

fn ecdsa_verification(algorithm: Algorithm) -> &'static signature::EcdsaVerificationAlgorithm {
    match algorithm {
        Algorithm::ES384 => &signature::ECDSA_P384_SHA384_FIXED,
        _ => &signature::ECDSA_P256_SHA256_FIXED,
    }
}

fn hmac_algorithm(algorithm: Algorithm) -> hmac::Algorithm {
    match algorithm {
        Algorithm::HS384 => hmac::HMAC_SHA384,
        Algorithm::HS512 => hmac::HMAC_SHA512,
        _ => hmac::HMAC_SHA256,
    }
}
