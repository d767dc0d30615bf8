//! Token parsing and verification: any input is refused or verified, never a
//! panic, a hang or unbounded memory. Engine: EdDSA signing key, plus RS256,
//! ES256 and HS256 verification keys (fixed test keys under fuzz/keys).
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use netrun_auth::token::{EngineConfig, KeyConfig};
use netrun_auth::{Algorithm, TokenEngine, TokenType};

pub const SECRET: &[u8] = b"fuzz-only-secret-fuzz-only-secret";

fn engine() -> &'static TokenEngine {
    static ENGINE: OnceLock<TokenEngine> = OnceLock::new();
    ENGINE.get_or_init(|| {
        let mut config = EngineConfig::new("fuzz-issuer", "fuzz-audience");
        config.algorithm = Algorithm::EdDSA;
        config.allowed_algorithms = vec![
            Algorithm::EdDSA,
            Algorithm::RS256,
            Algorithm::PS256,
            Algorithm::ES256,
            Algorithm::HS256,
        ];
        config.cache_size = 0;
        let keys = KeyConfig {
            private_key: Some(include_bytes!("../keys/ed25519.pem").to_vec()),
            secret: Some(SECRET.to_vec()),
            verification_keys: vec![
                include_bytes!("../keys/rsa2048.pub.pem").to_vec(),
                include_bytes!("../keys/p256.pub.pem").to_vec(),
            ],
            ..KeyConfig::default()
        };
        TokenEngine::new(config, keys).expect("fuzz engine")
    })
}

fuzz_target!(|data: &[u8]| {
    let Ok(token) = std::str::from_utf8(data) else {
        return;
    };
    let engine = engine();
    if let Ok(claims) = engine.verify_any(token) {
        // Only a correctly signed token with our issuer and audience gets here.
        assert_eq!(claims.issuer, "fuzz-issuer");
        assert!(claims.audience.contains("fuzz-audience"));
        let expected = claims.token_type;
        assert!(engine.verify(token, expected).is_ok());
        let other = match expected {
            TokenType::Access => TokenType::Refresh,
            TokenType::Refresh => TokenType::Access,
        };
        assert!(engine.verify(token, other).is_err());
    }
    let _ = netrun_auth::token::insecure_decode_unverified(token);
});
