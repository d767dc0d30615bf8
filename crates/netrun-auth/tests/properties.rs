//! Properties of the token engine: what it signs it verifies, with every claim
//! intact, and any single-byte change of a token is rejected.

use std::sync::OnceLock;

use netrun_auth::claims::REGISTERED;
use netrun_auth::keys::generate_pem;
use netrun_auth::token::{EngineConfig, KeyConfig, PairRequest};
use netrun_auth::{Algorithm, Error, TokenEngine, TokenType};
use proptest::prelude::*;
use serde_json::{Map, Value};

/// One engine per algorithm family, built once (RSA key generation is slow).
fn engines() -> &'static [TokenEngine] {
    static ENGINES: OnceLock<Vec<TokenEngine>> = OnceLock::new();
    ENGINES.get_or_init(|| {
        let mut built = Vec::new();
        for (alg, kind) in [
            (Algorithm::HS256, None),
            (Algorithm::RS256, Some("rsa2048")),
            (Algorithm::PS256, Some("rsa2048")),
            (Algorithm::ES256, Some("p256")),
            (Algorithm::EdDSA, Some("ed25519")),
        ] {
            let mut config = EngineConfig::new("prop-issuer", "prop-audience");
            config.algorithm = alg;
            config.cache_size = 0; // every verification does the full work
            let keys = match kind {
                None => KeyConfig {
                    secret: Some(vec![0x5a; 32]),
                    ..KeyConfig::default()
                },
                Some(kind) => KeyConfig {
                    private_key: Some(generate_pem(kind).unwrap().0.into_bytes()),
                    ..KeyConfig::default()
                },
            };
            built.push(TokenEngine::new(config, keys).unwrap());
        }
        built
    })
}

fn json_leaf() -> impl Strategy<Value = Value> {
    prop_oneof![
        Just(Value::Null),
        any::<bool>().prop_map(Value::Bool),
        any::<i64>().prop_map(Value::from),
        (-1e12f64..1e12).prop_map(Value::from),
        ".{0,24}".prop_map(Value::String),
    ]
}

fn json_value() -> impl Strategy<Value = Value> {
    json_leaf().prop_recursive(3, 24, 4, |inner| {
        prop_oneof![
            prop::collection::vec(inner.clone(), 0..4).prop_map(Value::Array),
            prop::collection::btree_map(".{0,8}", inner, 0..4)
                .prop_map(|m| Value::Object(m.into_iter().collect())),
        ]
    })
}

fn extra_claims() -> impl Strategy<Value = Map<String, Value>> {
    prop::collection::btree_map(".{1,12}", json_value(), 0..5).prop_map(|m| {
        m.into_iter()
            .filter(|(k, _)| !REGISTERED.contains(&k.as_str()))
            .collect()
    })
}

fn request() -> impl Strategy<Value = PairRequest> {
    (
        ".{1,40}",
        prop::option::of(".{1,20}"),
        prop::collection::vec(".{0,16}", 0..5),
        prop::collection::vec("[a-z*]{1,8}:[a-z*]{1,8}", 0..5),
        extra_claims(),
    )
        .prop_map(|(user_id, org, roles, permissions, extra)| PairRequest {
            user_id,
            organization_id: org,
            roles,
            permissions,
            extra,
            session_id: None,
        })
}

proptest! {
    #![proptest_config(ProptestConfig { cases: 128, ..ProptestConfig::default() })]

    #[test]
    fn issued_pairs_verify_with_every_claim_intact(
        request in request(),
        which in 0usize..5,
    ) {
        let engine = &engines()[which];
        let pair = engine.issue_pair(request.clone()).unwrap();
        let access = engine.verify(&pair.access_token, TokenType::Access).unwrap();
        prop_assert_eq!(&*access, &*pair.access);
        prop_assert_eq!(&access.subject, &request.user_id);
        prop_assert_eq!(&access.organization_id, &request.organization_id);
        prop_assert_eq!(&access.roles, &request.roles);
        prop_assert_eq!(&access.permissions, &request.permissions);
        prop_assert_eq!(&access.extra, &request.extra);
        let refresh = engine.verify(&pair.refresh_token, TokenType::Refresh).unwrap();
        prop_assert_eq!(&refresh.session_id, &access.session_id);
        prop_assert_eq!(
            engine.verify(&pair.refresh_token, TokenType::Access).unwrap_err(),
            Error::WrongTokenType { expected: "access" }
        );
    }

    #[test]
    fn any_single_byte_change_is_rejected(
        which in 0usize..5,
        position in any::<prop::sample::Index>(),
        replacement in any::<u8>(),
    ) {
        let engine = &engines()[which];
        let pair = engine
            .issue_pair(PairRequest { user_id: "user".into(), ..PairRequest::default() })
            .unwrap();
        let mut bytes = pair.access_token.clone().into_bytes();
        let at = position.index(bytes.len());
        prop_assume!(bytes[at] != replacement);
        bytes[at] = replacement;
        // A non-UTF-8 byte cannot even reach the engine (&str); the rest must fail.
        if let Ok(token) = String::from_utf8(bytes) {
            prop_assert!(engine.verify(&token, TokenType::Access).is_err(), "accepted at {}", at);
        }
    }

    #[test]
    fn arbitrary_strings_are_rejected_without_panicking(token in ".{0,300}") {
        for engine in engines() {
            prop_assert!(engine.verify_any(&token).is_err());
        }
    }

    #[test]
    fn removing_or_adding_a_byte_is_rejected(
        which in 0usize..5,
        position in any::<prop::sample::Index>(),
        extra in prop::sample::select(b"ABCabc019-_.=".to_vec()),
        remove in any::<bool>(),
    ) {
        let engine = &engines()[which];
        let token = engine
            .issue_pair(PairRequest { user_id: "user".into(), ..PairRequest::default() })
            .unwrap()
            .access_token;
        let mut bytes = token.into_bytes();
        let at = position.index(bytes.len());
        if remove {
            bytes.remove(at);
        } else {
            bytes.insert(at, extra);
        }
        let token = String::from_utf8(bytes).unwrap();
        prop_assert!(engine.verify(&token, TokenType::Access).is_err());
    }
}
