//! `ClaimsView`: the other claims of an outside token (`User.extra`), converted to Python
//! objects only when first read.
//!
//! An Entra ID token carries a score of claims most APIs never read; building them for
//! every distinct token was most of what filling its `User` cost. The view holds the
//! verified claims and, from the first read on, the read-only mapping
//! (`types.MappingProxyType`, nested values read-only too) that every read then uses.
//! Registered as a `collections.abc.Mapping` by the package.

use std::sync::{Arc, OnceLock};

use netrun_auth::oidc::OidcClaims;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple};

use crate::json::{freeze, frozen_entries};

/// A read-only mapping of the claims not read into the `User`'s own fields.
#[pyclass(frozen, module = "netrun_auth._core", name = "ClaimsView", mapping)]
pub struct ClaimsView {
    claims: Arc<OidcClaims>,
    entries: OnceLock<Py<PyAny>>,
}

impl ClaimsView {
    pub fn new(claims: Arc<OidcClaims>) -> Self {
        ClaimsView {
            claims,
            entries: OnceLock::new(),
        }
    }

    /// The read-only mapping, made on first use.
    fn entries<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        if let Some(entries) = self.entries.get() {
            return Ok(entries.bind(py).clone());
        }
        let made = freeze(&extra_entries(py, &self.claims)?)?.unbind();
        Ok(self.entries.get_or_init(|| made).bind(py).clone())
    }
}

/// The claims `User.extra` holds: the other claims, then `oid`, `tid`, `idp`, `acct`,
/// `sub` when present and `is_guest` (each value read-only), in a new dict.
pub fn extra_entries<'py>(py: Python<'py>, c: &OidcClaims) -> PyResult<Bound<'py, PyDict>> {
    let extra = frozen_entries(py, &c.extra)?;
    // (read out of `extra` by the engine: never there already)
    for (name, value) in [
        (intern!(py, "oid"), &c.object_id),
        (intern!(py, "tid"), &c.tenant_id),
        (intern!(py, "idp"), &c.identity_provider),
    ] {
        if let Some(value) = value {
            extra.set_item(name, value)?;
        }
    }
    if let Some(acct) = c.account_type {
        extra.set_item(intern!(py, "acct"), acct)?;
    }
    extra.set_item(intern!(py, "sub"), &c.subject)?;
    extra.set_item(intern!(py, "is_guest"), c.is_guest)?;
    Ok(extra)
}

#[pymethods]
impl ClaimsView {
    fn __getitem__<'py>(
        &self,
        py: Python<'py>,
        key: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        self.entries(py)?.get_item(key)
    }

    fn __len__(&self, py: Python<'_>) -> PyResult<usize> {
        self.entries(py)?.len()
    }

    fn __iter__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        Ok(self.entries(py)?.try_iter()?.into_any())
    }

    fn __contains__(&self, py: Python<'_>, key: Bound<'_, PyAny>) -> PyResult<bool> {
        self.entries(py)?.contains(key)
    }

    #[pyo3(signature = (key, default = None))]
    fn get<'py>(
        &self,
        py: Python<'py>,
        key: Bound<'py, PyAny>,
        default: Option<Bound<'py, PyAny>>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let default = default.unwrap_or_else(|| py.None().into_bound(py));
        self.entries(py)?
            .call_method1(intern!(py, "get"), (key, default))
    }

    fn keys<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.entries(py)?.call_method0(intern!(py, "keys"))
    }

    fn values<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.entries(py)?.call_method0(intern!(py, "values"))
    }

    fn items<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        self.entries(py)?.call_method0(intern!(py, "items"))
    }

    /// Equal to any mapping of the same entries (as a dict is).
    fn __eq__<'py>(
        &self,
        py: Python<'py>,
        other: Bound<'py, PyAny>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let other = match other.cast::<ClaimsView>() {
            Ok(view) => view.get().entries(py)?,
            Err(_) => other,
        };
        self.entries(py)?
            .rich_compare(other, pyo3::basic::CompareOp::Eq)
    }

    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let entries = self.entries(py)?;
        let dict = entries.call_method0(intern!(py, "copy"))?;
        Ok(format!("ClaimsView({})", dict.repr()?))
    }

    /// Pickled and copied as the read-only mapping it reads as.
    fn __reduce__<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyTuple>> {
        let entries = self.entries(py)?;
        let dict = entries.call_method0(intern!(py, "copy"))?;
        PyTuple::new(
            py,
            [
                entries.get_type().into_any(),
                PyTuple::new(py, [dict])?.into_any(),
            ],
        )
    }
}
