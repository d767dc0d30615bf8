//! The engine against the raw crypto calls it wraps: how much a token costs above the floor.
//!
//! `cargo bench -p netrun-auth` prints nanoseconds per operation (best of 5 runs).

use std::hint::black_box;
use std::time::Instant;

use aws_lc_rs::rand::SystemRandom;
use aws_lc_rs::signature::{self, KeyPair, ParsedPublicKey, RsaKeyPair};
use netrun_auth::token::{EngineConfig, KeyConfig, PairRequest};
use netrun_auth::{Algorithm, TokenEngine, TokenType};

fn ns_per_op(ops: u32, mut f: impl FnMut()) -> f64 {
    (0..5)
        .map(|_| {
            let start = Instant::now();
            for _ in 0..ops {
                f();
            }
            start.elapsed().as_nanos() as f64 / f64::from(ops)
        })
        .fold(f64::INFINITY, f64::min)
}

fn engine(kind: &str, algorithm: Algorithm, cache_size: usize) -> (TokenEngine, String) {
    let (private, _) = netrun_auth::keys::generate_pem(kind).expect("key generation");
    let mut config = EngineConfig::new("bench", "bench");
    config.algorithm = algorithm;
    config.cache_size = cache_size;
    let keys = KeyConfig {
        private_key: Some(private.clone().into_bytes()),
        ..KeyConfig::default()
    };
    (TokenEngine::new(config, keys).expect("engine"), private)
}

fn main() {
    for (kind, algorithm) in [
        ("rsa2048", Algorithm::RS256),
        ("p256", Algorithm::ES256),
        ("ed25519", Algorithm::EdDSA),
    ] {
        let (uncached, _) = engine(kind, algorithm, 0);
        let request = PairRequest {
            user_id: "user-1".into(),
            roles: vec!["user".into()],
            ..PairRequest::default()
        };
        let token = uncached.issue_pair(request).expect("issue").access_token;
        let verify = ns_per_op(2000, || {
            black_box(
                uncached
                    .verify(black_box(&token), TokenType::Access)
                    .expect("verify"),
            );
        });
        println!("{algorithm} engine verify (no cache): {verify:>10.0} ns");
        if algorithm == Algorithm::RS256 {
            let (cached, _) = engine(kind, algorithm, 1000);
            let token = cached
                .issue_pair(PairRequest {
                    user_id: "u".into(),
                    ..PairRequest::default()
                })
                .expect("issue")
                .access_token;
            let hit = ns_per_op(200_000, || {
                black_box(
                    cached
                        .verify(black_box(&token), TokenType::Access)
                        .expect("verify"),
                );
            });
            println!("{algorithm} engine verify (cache hit): {hit:>10.0} ns");
        }
    }

    // The floor: aws-lc-rs alone, key parsed once, on a message of a typical token's size.
    let (_, private_pem) = engine("rsa2048", Algorithm::RS256, 0);
    let der = pem::parse(private_pem).expect("pem").into_contents();
    let pair = RsaKeyPair::from_pkcs8(&der).expect("pkcs8");
    let message = vec![b'a'; 400];
    let mut sig = vec![0; pair.public_modulus_len()];
    let rng = SystemRandom::new();
    let raw_sign = ns_per_op(300, || {
        pair.sign(&signature::RSA_PKCS1_SHA256, &rng, &message, &mut sig)
            .expect("sign");
    });
    let public = ParsedPublicKey::new(
        &signature::RSA_PKCS1_2048_8192_SHA256,
        pair.public_key().as_ref(),
    )
    .expect("public key");
    let raw_verify = ns_per_op(2000, || {
        public
            .verify_sig(black_box(&message), &sig)
            .expect("verify");
    });
    let (signer, _) = engine("rsa2048", Algorithm::RS256, 0);
    let sign_pair = ns_per_op(300, || {
        black_box(signer.issue_pair(PairRequest {
            user_id: "user-1".into(),
            ..PairRequest::default()
        }))
        .expect("issue");
    });
    println!("RS256 raw aws-lc verify:          {raw_verify:>10.0} ns");
    println!("RS256 raw aws-lc sign:            {raw_sign:>10.0} ns");
    println!(
        "RS256 engine sign (pair / 2):     {:>10.0} ns  ({:.2}x raw)",
        sign_pair / 2.0,
        sign_pair / 2.0 / raw_sign
    );
}
