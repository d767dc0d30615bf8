//! Google's Wycheproof vectors through the engine's own verification path.
//!
//! Public keys go in as the vectors' SPKI PEM through [`VerifyingKey::from_public`]
//! (the loader a configured key goes through), HMAC keys through
//! [`SigningKey::from_secret`]; signatures are checked with [`VerifyingKey::verify`],
//! exactly what token verification calls after it has picked the key.
//!
//! Rule: every `invalid` vector is rejected, every `valid` one accepted. The
//! `acceptable` vectors and the vectors whose parameters JWS does not allow
//! (truncated HMAC tags, short HMAC keys, PSS salts other than the hash length)
//! have an explicit expected outcome, documented in docs/security.md.

use netrun_auth::keys::{SigningKey, VerifyingKey};
use netrun_auth::{Algorithm, Error};
use wycheproof::TestResult;

/// What the engine must do with a vector.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Expect {
    Accept,
    Reject,
}

#[derive(Default)]
struct Tally {
    accepted: usize,
    rejected: usize,
    failures: Vec<String>,
}

impl Tally {
    fn record(&mut self, name: &str, tc_id: usize, expect: Expect, accepted: bool) {
        if accepted {
            self.accepted += 1;
        } else {
            self.rejected += 1;
        }
        if accepted != (expect == Expect::Accept) {
            self.failures.push(format!(
                "{name} tcId {tc_id}: expected {expect:?}, engine {}",
                if accepted { "accepted" } else { "rejected" }
            ));
        }
    }

    fn finish(self, name: &str, min_vectors: usize) {
        let total = self.accepted + self.rejected;
        eprintln!(
            "{name}: {total} vectors, {} accepted, {} rejected",
            self.accepted, self.rejected
        );
        assert!(
            total >= min_vectors,
            "{name}: only {total} vectors ran (expected at least {min_vectors})"
        );
        assert!(self.accepted > 0 && self.rejected > 0, "{name}: one-sided");
        assert!(
            self.failures.is_empty(),
            "{name}: {} failures:\n{}",
            self.failures.len(),
            self.failures.join("\n")
        );
    }
}

/// The default rule: valid accepted, invalid rejected; `acceptable` as decided per family.
fn expectation(result: TestResult, acceptable: Expect) -> Expect {
    match result {
        TestResult::Valid => Expect::Accept,
        TestResult::Invalid => Expect::Reject,
        TestResult::Acceptable => acceptable,
    }
}

/// Load a public key from PEM through the engine and verify; a key the engine
/// refuses to load counts as a rejection of every vector under it.
fn verify_pem(pem: &str, alg: Algorithm, msg: &[u8], sig: &[u8]) -> bool {
    match VerifyingKey::from_public(pem.as_bytes(), &[alg]) {
        Ok(key) => verify_with(&key, alg, msg, sig),
        Err(_) => false,
    }
}

fn verify_with(key: &VerifyingKey, alg: Algorithm, msg: &[u8], sig: &[u8]) -> bool {
    match key.verify(alg, msg, sig) {
        Ok(()) => true,
        Err(Error::InvalidSignature) => false,
        Err(other) => panic!("verify returned an unexpected error: {other:?}"),
    }
}

// ------------------------------------------------------------------ RSA PKCS#1 v1.5

#[test]
fn rsa_pkcs1v15() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    for (name, alg, min) in [
        (TestName::Rsa2048Sha256, Algorithm::RS256, 200),
        (TestName::Rsa2048Sha384, Algorithm::RS384, 200),
        (TestName::Rsa2048Sha512, Algorithm::RS512, 200),
        (TestName::Rsa3072Sha256, Algorithm::RS256, 200),
        (TestName::Rsa3072Sha384, Algorithm::RS384, 200),
        (TestName::Rsa3072Sha512, Algorithm::RS512, 200),
        (TestName::Rsa4096Sha256, Algorithm::RS256, 200),
        (TestName::Rsa4096Sha384, Algorithm::RS384, 200),
        (TestName::Rsa4096Sha512, Algorithm::RS512, 200),
    ] {
        let set = TestSet::load(name).expect("vectors load");
        let mut tally = Tally::default();
        for group in &set.test_groups {
            let key = VerifyingKey::from_public(group.pem.as_bytes(), &[alg])
                .unwrap_or_else(|e| panic!("{name:?}: key refused: {e}"));
            for test in &group.tests {
                let accepted = verify_with(&key, alg, &test.msg, &test.sig);
                tally.record(
                    &format!("{name:?}"),
                    test.tc_id,
                    expectation(test.result, Expect::Reject),
                    accepted,
                );
            }
        }
        tally.finish(&format!("{name:?}/{alg}"), min);
    }
}

// ------------------------------------------------------------------ RSA-PSS

#[test]
fn rsa_pss_with_jws_parameters() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    use wycheproof::{HashFunction, Mgf};
    // JWS (RFC 7518 §3.5): MGF1 with the message hash, salt as long as the hash.
    let jws_alg = |hash: HashFunction| match hash {
        HashFunction::Sha2_256 => Some((Algorithm::PS256, 32)),
        HashFunction::Sha2_384 => Some((Algorithm::PS384, 48)),
        HashFunction::Sha2_512 => Some((Algorithm::PS512, 64)),
        _ => None,
    };
    let mut tally = Tally::default();
    for name in [
        TestName::RsaPss2048Sha256Mgf1SaltLen32,
        TestName::RsaPss3072Sha256Mgf1SaltLen32,
        TestName::RsaPss4096Sha256Mgf1SaltLen32,
        TestName::RsaPss2048Sha384Mgf1SaltLen48,
        TestName::RsaPss4096Sha384Mgf1SaltLen48,
        TestName::RsaPss4096Sha512Mgf1SaltLen64,
        TestName::RsaPssmisc,
    ] {
        let set = TestSet::load(name).expect("vectors load");
        for group in &set.test_groups {
            let Some((alg, salt)) = jws_alg(group.hash) else {
                continue;
            };
            if group.mgf != Mgf::Mgf1
                || group.mgf_hash != Some(group.hash)
                || group.salt_size != salt
                || group.key_size < 2048
            {
                continue;
            }
            for test in &group.tests {
                let accepted = verify_pem(&group.pem, alg, &test.msg, &test.sig);
                tally.record(
                    &format!("{name:?}"),
                    test.tc_id,
                    expectation(test.result, Expect::Reject),
                    accepted,
                );
            }
        }
    }
    tally.finish("RSA-PSS (JWS parameters)", 300);
}

/// PSS vectors made with parameters JWS does not use (another salt length or MGF hash)
/// are signatures of a different scheme: PS256/512 must not accept them, even the
/// ones Wycheproof calls valid for those parameters.
#[test]
fn rsa_pss_with_other_parameters_is_rejected() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    use wycheproof::{HashFunction, Mgf};
    let mut tally = Tally::default();
    for name in [
        TestName::RsaPss2048Sha256Mgf1SaltLen0,
        TestName::RsaPss2048Sha256Mgf1Sha1_20,
        TestName::RsaPss4096Sha512Mgf1SaltLen32,
    ] {
        let set = TestSet::load(name).expect("vectors load");
        for group in &set.test_groups {
            let alg = match group.hash {
                HashFunction::Sha2_256 => Algorithm::PS256,
                HashFunction::Sha2_512 => Algorithm::PS512,
                _ => continue,
            };
            assert!(
                group.mgf != Mgf::Mgf1
                    || group.mgf_hash != Some(group.hash)
                    || group.salt_size != group.hash_len()
            );
            // An "invalid" vector re-encoded with the salt length JWS uses is a
            // genuine PS256/PS512 signature: the one case that must be accepted.
            let jws_salt = format!("s_len changed to {}", group.hash_len());
            for test in &group.tests {
                let accepted = verify_pem(&group.pem, alg, &test.msg, &test.sig);
                let expect = if group.mgf == Mgf::Mgf1
                    && group.mgf_hash == Some(group.hash)
                    && test.comment == jws_salt
                {
                    Expect::Accept
                } else {
                    Expect::Reject
                };
                tally.record(&format!("{name:?}"), test.tc_id, expect, accepted);
            }
        }
    }
    let total = tally.accepted + tally.rejected;
    eprintln!("RSA-PSS (other parameters): {total} vectors, all must be rejected");
    assert!(total >= 100, "only {total} vectors ran");
    assert!(tally.failures.is_empty(), "{}", tally.failures.join("\n"));
}

trait HashLen {
    fn hash_len(&self) -> usize;
}

impl HashLen for wycheproof::rsa_pss_verify::TestGroup {
    fn hash_len(&self) -> usize {
        match self.hash {
            wycheproof::HashFunction::Sha2_256 => 32,
            wycheproof::HashFunction::Sha2_384 => 48,
            wycheproof::HashFunction::Sha2_512 => 64,
            _ => 0,
        }
    }
}

// ------------------------------------------------------------------ ECDSA

#[test]
fn ecdsa_p1363() {
    use wycheproof::ecdsa::{TestName, TestSet};
    for (name, alg, min) in [
        (TestName::EcdsaSecp256r1Sha256P1363, Algorithm::ES256, 200),
        (TestName::EcdsaSecp384r1Sha384P1363, Algorithm::ES384, 200),
    ] {
        let set = TestSet::load(name).expect("vectors load");
        let mut tally = Tally::default();
        for group in &set.test_groups {
            for test in &group.tests {
                let accepted = verify_pem(&group.pem, alg, &test.msg, &test.sig);
                tally.record(
                    &format!("{name:?}"),
                    test.tc_id,
                    expectation(test.result, Expect::Reject),
                    accepted,
                );
            }
        }
        tally.finish(&format!("{name:?}/{alg}"), min);
    }
}

/// JWS ECDSA signatures are the fixed-width r||s; an ASN.1 DER signature, even a
/// valid one, is never accepted.
#[test]
fn ecdsa_der_signatures_are_never_accepted() {
    use wycheproof::ecdsa::{TestName, TestSet};
    for (name, alg) in [
        (TestName::EcdsaSecp256r1Sha256, Algorithm::ES256),
        (TestName::EcdsaSecp384r1Sha384, Algorithm::ES384),
    ] {
        let set = TestSet::load(name).expect("vectors load");
        let mut tally = Tally::default();
        for group in &set.test_groups {
            for test in &group.tests {
                let accepted = verify_pem(&group.pem, alg, &test.msg, &test.sig);
                tally.record(&format!("{name:?}"), test.tc_id, Expect::Reject, accepted);
            }
        }
        assert!(tally.rejected >= 200, "{name:?}: too few vectors");
        assert!(tally.failures.is_empty(), "{}", tally.failures.join("\n"));
    }
}

// ------------------------------------------------------------------ Ed25519

#[test]
fn ed25519() {
    use wycheproof::eddsa::{TestName, TestSet};
    let set = TestSet::load(TestName::Ed25519).expect("vectors load");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for test in &group.tests {
            let accepted = verify_pem(&group.pem, Algorithm::EdDSA, &test.msg, &test.sig);
            tally.record(
                "Ed25519",
                test.tc_id,
                expectation(test.result, Expect::Reject),
                accepted,
            );
        }
    }
    tally.finish("Ed25519/EdDSA", 100);
}

// ------------------------------------------------------------------ HMAC

/// HS256/384/512 with full-length tags and keys at least as long as the hash:
/// valid accepted, invalid rejected. Truncated tags are always rejected (JWS has
/// no truncated HMAC), and keys shorter than the hash output are refused when
/// loaded (netrun-auth's minimum secret length).
#[test]
fn hmac() {
    use wycheproof::mac::{TestName, TestSet};
    for (name, alg, hash_bytes) in [
        (TestName::HmacSha256, Algorithm::HS256, 32),
        (TestName::HmacSha384, Algorithm::HS384, 48),
        (TestName::HmacSha512, Algorithm::HS512, 64),
    ] {
        let set = TestSet::load(name).expect("vectors load");
        let mut full = Tally::default();
        let (mut truncated, mut short_keys) = (0, 0);
        for group in &set.test_groups {
            let truncated_tags = group.tag_size != hash_bytes * 8;
            for test in &group.tests {
                let key = match SigningKey::from_secret(&test.key, alg) {
                    Ok(key) => key.verifying_key(&[alg]).expect("verifying key"),
                    Err(Error::Key { .. }) => {
                        assert!(test.key.len() < hash_bytes, "{name:?} {}", test.tc_id);
                        short_keys += 1;
                        continue;
                    }
                    Err(other) => panic!("unexpected error {other:?}"),
                };
                assert!(test.key.len() >= hash_bytes);
                let accepted = verify_with(&key, alg, &test.msg, &test.tag);
                if truncated_tags {
                    truncated += 1;
                    assert!(!accepted, "{name:?} tcId {}: truncated tag", test.tc_id);
                } else {
                    full.record(
                        &format!("{name:?}"),
                        test.tc_id,
                        expectation(test.result, Expect::Reject),
                        accepted,
                    );
                }
            }
        }
        eprintln!(
            "{name:?}: {truncated} truncated-tag vectors rejected, {short_keys} short keys refused"
        );
        assert!(truncated > 0 && short_keys > 0);
        full.finish(&format!("{name:?}/{alg}"), 20);
    }
}
