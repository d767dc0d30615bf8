//! Outside-issuer (Entra-shaped, multi-tenant) token verification: any input is
//! refused or verified, never a panic, a hang or unbounded memory. The verifier
//! holds one RSA key (fixed fuzz-only key, `fuzz/keys/rsa2048.jwks.json`) whose
//! `issuer` property is the Entra v2 template, and accepts one tenant.
#![no_main]

use std::sync::OnceLock;

use libfuzzer_sys::fuzz_target;
use netrun_auth::oidc::{Decision, OidcConfig, OidcVerifier};

const TEMPLATE: &str = "https://login.microsoftonline.com/{tenantid}/v2.0";
const TENANT: &str = "72f988bf-86f1-41af-91ab-2d7cd011db47";
const CLIENT: &str = "6e74172b-be56-4843-9ff4-e66a39bb12e3";
/// Fixed verification time, inside the seeded tokens' lifetime.
const NOW: i64 = 1_800_000_000;

fn verifier() -> &'static OidcVerifier {
    static VERIFIER: OnceLock<OidcVerifier> = OnceLock::new();
    VERIFIER.get_or_init(|| {
        let mut config = OidcConfig::new(TEMPLATE, vec![CLIENT.into(), format!("api://{CLIENT}")]);
        config.allowed_tenants = vec![TENANT.into()];
        config.allow_guests = false;
        config.cache_size = 0;
        let verifier = OidcVerifier::new(config).expect("fuzz verifier");
        let Decision::Fetch(ticket) = verifier.poll(0.0) else {
            panic!("a new verifier asks for its keys");
        };
        let jwks = include_bytes!("../keys/rsa2048.jwks.json");
        verifier.complete(ticket, jwks, 0.0).expect("fuzz JWKS");
        verifier
    })
}

fuzz_target!(|data: &[u8]| {
    let verifier = verifier();
    let accepted = verifier.accepts_token(data);
    if let Ok(claims) = verifier.verify(data, NOW) {
        // Only a correctly signed token from the allowed tenant, for our client, gets here.
        assert!(accepted);
        assert_eq!(claims.tenant_id.as_deref(), Some(TENANT));
        assert_eq!(
            claims.issuer,
            format!("https://login.microsoftonline.com/{TENANT}/v2.0")
        );
        assert!(!claims.is_guest);
    }
});
