//! Key generation (`netrun_auth::keys`).

use pyo3::prelude::*;

use crate::errors::to_py_err;
use crate::text::Text;

/// A new key pair as (PKCS#8 private PEM, SPKI public PEM).
#[pyfunction]
pub fn generate_key(py: Python<'_>, kind: Text) -> PyResult<(Vec<u8>, Vec<u8>)> {
    let (private, public) = py
        .detach(|| netrun_auth::keys::generate_pem(&kind.0))
        .map_err(to_py_err)?;
    Ok((private.into_bytes(), public.into_bytes()))
}
