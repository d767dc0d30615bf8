//! `netrun_auth._core`: the Python bindings of the netrun-auth engine.
//!
//! Thin by design: convert types, convert errors (in [`errors`] only), release
//! the GIL around expensive work. All logic lives in the `netrun-auth` crate.

mod claims;
mod engine;
mod errors;
mod issuer;
mod json;
mod oidc;
mod password;
mod rbac;
mod revocation;
mod store;

use pyo3::prelude::*;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add("__version__", env!("CARGO_PKG_VERSION"))?;
    // Tokens
    m.add_class::<claims::PyClaims>()?;
    m.add_class::<engine::PyTokenEngine>()?;
    m.add_class::<engine::PyIssuedPair>()?;
    m.add_function(wrap_pyfunction!(engine::insecure_decode_unverified, m)?)?;
    m.add_function(wrap_pyfunction!(engine::generate_key, m)?)?;
    m.add_function(wrap_pyfunction!(issuer::peek_issuer, m)?)?;
    // Outside OpenID Connect issuers
    m.add_class::<oidc::PyOidcVerifier>()?;
    m.add_class::<oidc::PyOidcClaims>()?;
    m.add_function(wrap_pyfunction!(oidc::parse_discovery, m)?)?;
    // Revocation
    m.add_class::<store::PyMemoryStore>()?;
    m.add_class::<revocation::PyKeyspace>()?;
    m.add_function(wrap_pyfunction!(revocation::decide, m)?)?;
    m.add_function(wrap_pyfunction!(revocation::retain_until, m)?)?;
    m.add_function(wrap_pyfunction!(revocation::redis_scripts, m)?)?;
    // RBAC
    m.add_class::<rbac::RoleRegistry>()?;
    m.add(
        "CROSS_TENANT_PERMISSION",
        netrun_auth::rbac::CROSS_TENANT_PERMISSION,
    )?;
    // Passwords
    m.add_class::<password::PasswordHasher>()?;
    m.add_class::<password::PasswordPolicy>()?;
    Ok(())
}
