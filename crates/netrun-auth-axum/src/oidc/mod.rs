//! Tokens of OpenID Connect issuers and Microsoft Entra ID, next to our own (the
//! `oidc` cargo feature; the Python `netrun_auth.oidc` and `integrations.azure_ad`).
//!
//! - [`OidcConfig`] / [`AzureAdConfig`]: the settings, with the Python names
//!   (`AzureAdConfig::from_env` reads the same `NETRUN_AUTH_AZURE_*` variables).
//! - [`OidcProvider`]: discovery document, JWKS fetched with `reqwest` (rustls) when
//!   the engine's policy says so, the engine's `OidcVerifier` for every rule.
//!
//! Give providers to the layer ([`AuthLayer::provider`](crate::AuthLayer::provider)):
//! each token is routed by its `iss` ([`provider`](crate::provider)) to our own
//! [`Auth`](crate::Auth) or to the provider whose issuer matches; an unknown issuer is
//! 401 `issuer_unknown`. [`User::scopes`](crate::User::scopes) and
//! [`User::issuer`](crate::User::issuer) work for every issuer, and
//! [`require_scopes`](crate::guard::require_scopes) answers 403 `insufficient_scope`.

pub mod config;
mod fetch;
pub mod provider;

pub use config::{AzureAdConfig, OidcConfig};
pub use provider::{OidcProvider, IDP_UNAVAILABLE};
