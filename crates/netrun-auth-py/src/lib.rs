//! `netrun_auth._core`: the Python bindings of the netrun-auth engine.
//!
//! Thin by design: convert types ([`text`] for every `str`), convert errors (in
//! [`errors`] only), release the GIL around expensive work. All logic lives in
//! the `netrun-auth` crate; the modules here mirror its modules.

mod claims;
mod claims_view;
mod credentials;
mod defaults;
mod errors;
mod issuer;
mod json;
mod keys;
mod model;
mod oidc;
mod password;
mod protection;
mod rbac;
mod request;
mod revocation;
mod store;
mod text;
mod token;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    defaults::add_to(m)?;
    // Tokens and keys
    m.add_class::<claims::PyClaims>()?;
    m.add_class::<model::SharedLists>()?;
    m.add_function(wrap_pyfunction!(model::fill_model, m)?)?;
    m.add_class::<token::PyTokenEngine>()?;
    m.add_class::<token::PyIssuedPair>()?;
    m.add_function(wrap_pyfunction!(token::insecure_decode_unverified, m)?)?;
    m.add_function(wrap_pyfunction!(keys::generate_key, m)?)?;
    m.add_function(wrap_pyfunction!(issuer::peek_issuer, m)?)?;
    m.add_function(wrap_pyfunction!(credentials::request_token, m)?)?;
    m.add_class::<request::RequestAuthenticator>()?;
    // Outside OpenID Connect issuers
    m.add_class::<oidc::PyOidcVerifier>()?;
    m.add_class::<oidc::PyOidcRouter>()?;
    m.add_class::<oidc::PyOidcClaims>()?;
    m.add_class::<claims_view::ClaimsView>()?;
    m.add_function(wrap_pyfunction!(oidc::parse_discovery, m)?)?;
    // Revocation
    m.add_class::<store::PyMemoryStore>()?;
    m.add_class::<revocation::PyKeyspace>()?;
    m.add_class::<revocation::PyMirrorEntries>()?;
    m.add_function(wrap_pyfunction!(revocation::decide, m)?)?;
    m.add_function(wrap_pyfunction!(revocation::retain_until, m)?)?;
    m.add_function(wrap_pyfunction!(revocation::redis_scripts, m)?)?;
    m.add_function(wrap_pyfunction!(revocation::spend_outcome, m)?)?;
    revocation::add_constants(m)?;
    // RBAC
    m.add_class::<rbac::RoleRegistry>()?;
    m.add_class::<rbac::RoleOut>()?;
    m.add(
        "CROSS_TENANT_PERMISSION",
        netrun_auth::rbac::CROSS_TENANT_PERMISSION,
    )?;
    // Passwords
    m.add_class::<password::PasswordHasher>()?;
    m.add_class::<password::PasswordPolicy>()?;
    // Login protection
    m.add_class::<protection::PyLoginGuardCore>()?;
    m.add_class::<protection::PyLoginSubjects>()?;
    m.add_class::<protection::PyMemoryLoginGuard>()?;
    m.add_class::<protection::PyLoginVerdict>()?;
    m.add_function(wrap_pyfunction!(protection::login_guard_scripts, m)?)?;
    Ok(())
}
