//! JWK and JWKS parsing: any bytes load as keys or are refused with a
//! configuration error, never a panic.
#![no_main]

use libfuzzer_sys::fuzz_target;
use netrun_auth::keys::{SigningKey, VerifyingKey};
use netrun_auth::{Algorithm, ErrorKind};

fuzz_target!(|data: &[u8]| {
    let all = Algorithm::ALL;
    match VerifyingKey::from_jwks(data, &all) {
        Ok(keys) => {
            for key in keys {
                let _ = key.to_jwk();
                let _ = key.thumbprint();
            }
        }
        Err(e) => assert_eq!(e.kind(), ErrorKind::Configuration),
    }
    if let Err(e) = VerifyingKey::from_public(data, &all) {
        assert_eq!(e.kind(), ErrorKind::Configuration);
    }
    for alg in [Algorithm::RS256, Algorithm::ES256, Algorithm::ES384, Algorithm::EdDSA] {
        if let Ok(key) = SigningKey::from_private(data, alg) {
            // A key that loads signs, and its own signature verifies.
            let signature = key.sign(alg, b"message").expect("sign");
            let verifying = key.verifying_key(&[alg]).expect("public half");
            assert!(verifying.verify(alg, b"message", &signature).is_ok());
        }
    }
});
