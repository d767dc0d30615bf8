//! Tokens of outside OpenID Connect issuers (Microsoft Entra ID, Auth0, Keycloak,
//! Okta, Google...): verified with keys fetched from the issuer's JWKS.
//!
//! Sans I/O: this module never opens a socket. A front end (Python with httpx,
//! axum with reqwest) fetches the discovery document and the JWKS when
//! [`OidcVerifier`] says so, and hands the bodies back.
//!
//! - [`discovery`]: the discovery document (issuer, `jwks_uri`, endpoints).
//! - [`keyset`]: a fetched JWKS, parsed once into verifying keys (with their `issuer` property).
//! - [`policy`]: when to fetch: schedule with jitter, unknown `kid` with a cooldown,
//!   single flight, last-known-good keys when the issuer is down.
//! - [`issuer`]: the `iss` rule: exact, or a `{tenantid}` template filled from `tid`.
//! - [`claims`]: the claims of an outside token (`sub`, `oid`, `tid`, `roles`, `scp`, `acct`, `idp`).
//! - [`verifier`]: [`OidcVerifier`], which puts them together.
//! - [`router`]: [`verify_routed`]: several issuers, one payload parse routes and verifies.

pub mod claims;
pub mod discovery;
pub mod issuer;
pub mod keyset;
pub mod policy;
pub mod router;
pub mod verifier;

pub use claims::{OidcClaims, UserFields, UserMapping};
pub use discovery::Discovery;
pub use issuer::IssuerRule;
pub use keyset::KeySet;
pub use policy::{Decision, JwksPolicy, PolicyConfig, Ticket};
pub use router::{verify_routed, verify_routed_now};
pub use verifier::{OidcConfig, OidcVerifier};

use crate::error::Error;

/// A refused setting of an outside issuer ([`OidcConfig`]'s fields are arguments of
/// [`OidcVerifier::new`]); names the setting. The one place such errors are built.
pub(crate) fn setting_error(setting: &'static str, reason: impl Into<String>) -> Error {
    Error::input(setting, reason)
}

/// A fetched document (discovery document, JWKS) that cannot be used; names it.
pub(crate) fn document_error(document: &'static str, reason: impl Into<String>) -> Error {
    Error::input(document, reason)
}
