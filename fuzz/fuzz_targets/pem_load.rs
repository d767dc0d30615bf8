//! PEM loading (PKCS#1, PKCS#8, SEC1, SPKI): any bytes load or are refused with a
//! configuration error, never a panic. The input is also wrapped in PEM armour
//! under each label, so the fuzzer reaches the DER parsers directly.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netrun_auth::keys::{SigningKey, VerifyingKey};
use netrun_auth::{Algorithm, ErrorKind};

const LABELS: [&str; 5] = [
    "PRIVATE KEY",
    "RSA PRIVATE KEY",
    "EC PRIVATE KEY",
    "PUBLIC KEY",
    "RSA PUBLIC KEY",
];

fn load(bytes: &[u8]) {
    let all = Algorithm::ALL;
    if let Err(e) = VerifyingKey::from_public(bytes, &all) {
        assert_eq!(e.kind(), ErrorKind::Configuration);
    }
    for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA] {
        match SigningKey::from_private(bytes, alg) {
            Ok(key) => {
                let signature = key.sign(alg, b"message").expect("sign");
                let verifying = key.verifying_key(&[alg]).expect("public half");
                assert!(verifying.verify(alg, b"message", &signature).is_ok());
            }
            Err(e) => assert_eq!(e.kind(), ErrorKind::Configuration),
        }
    }
}

fuzz_target!(|data: &[u8]| {
    load(data);
    if let Some((&selector, der)) = data.split_first() {
        let label = LABELS[usize::from(selector) % LABELS.len()];
        let armoured = netrun_auth_pem(label, der);
        load(armoured.as_bytes());
    }
});

fn netrun_auth_pem(label: &str, der: &[u8]) -> String {
    pem::encode(&pem::Pem::new(label, der.to_vec()))
}
