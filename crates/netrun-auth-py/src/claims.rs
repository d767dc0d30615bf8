//! `Claims`: the verified claims of one token, shared with the engine's cache.

use std::sync::{Arc, OnceLock};

use netrun_auth::claims::Audience;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyTuple, PyType};
use pyo3::{intern, IntoPyObjectExt};

use crate::json::map_to_py;
use crate::model::{self, SharedLists};

/// Verified claims (immutable).
#[pyclass(frozen, module = "netrun_auth._core", name = "Claims")]
pub struct PyClaims(pub Arc<netrun_auth::Claims>);

#[pymethods]
impl PyClaims {
    #[getter]
    fn user_id(&self) -> &str {
        &self.0.subject
    }
    #[getter]
    fn organization_id(&self) -> Option<&str> {
        self.0.organization_id.as_deref()
    }
    #[getter]
    fn roles(&self) -> Vec<String> {
        self.0.roles.clone()
    }
    #[getter]
    fn permissions(&self) -> Vec<String> {
        self.0.permissions.clone()
    }
    #[getter]
    fn jti(&self) -> &str {
        &self.0.jti
    }
    #[getter]
    fn session_id(&self) -> Option<&str> {
        self.0.session_id.as_deref()
    }
    #[getter]
    fn token_type(&self) -> &'static str {
        self.0.token_type.as_str()
    }
    #[getter]
    fn issued_at(&self) -> Option<i64> {
        self.0.issued_at
    }
    #[getter]
    fn not_before(&self) -> Option<i64> {
        self.0.not_before
    }
    #[getter]
    fn expires_at(&self) -> i64 {
        self.0.expires_at
    }
    #[getter]
    fn issuer(&self) -> &str {
        &self.0.issuer
    }
    #[getter]
    fn audience<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        match &self.0.audience {
            Audience::One(aud) => aud.into_bound_py_any(py),
            Audience::Many(auds) => auds.into_bound_py_any(py),
        }
    }
    #[getter]
    fn extra<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        map_to_py(py, &self.0.extra)
    }

    /// The claims keyed by `TokenClaims` field names (times as epoch seconds).
    fn to_dict<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let c = &self.0;
        let dict = PyDict::new(py);
        dict.set_item("user_id", &c.subject)?;
        dict.set_item("organization_id", c.organization_id.as_deref())?;
        dict.set_item("roles", &c.roles)?;
        dict.set_item("permissions", &c.permissions)?;
        dict.set_item("jti", &c.jti)?;
        dict.set_item("session_id", c.session_id.as_deref())?;
        dict.set_item("token_type", c.token_type.as_str())?;
        dict.set_item("issued_at", c.issued_at)?;
        dict.set_item("not_before", c.not_before)?;
        dict.set_item("expires_at", c.expires_at)?;
        dict.set_item("issuer", &c.issuer)?;
        dict.set_item("audience", self.audience(py)?)?;
        dict.set_item("extra", self.extra(py)?)?;
        Ok(dict)
    }

    /// The model of these claims: the one kept with them (shared with the token's cache
    /// entry), else one built without validation (the engine verified the claims), as
    /// `TokenClaims` documents, and kept. `spec` is `(cls, lists, freeze, empty,
    /// datetime, utc, fields_set)`: the model class, the `SharedLists` of its read-only
    /// lists, the function making `extra` read-only, the empty read-only `extra`, the
    /// `datetime` class and UTC zone of its times, and the set of every field name
    /// (shared by every such model).
    pub(crate) fn model_of<'py>(
        &self,
        py: Python<'py>,
        spec: &Bound<'py, PyTuple>,
    ) -> PyResult<Py<PyAny>> {
        let views = self.views();
        if let Some(kept) = views.model.get() {
            return Ok(kept.clone_ref(py));
        }
        let model = self.build_model(py, spec)?.unbind();
        Ok(views.model.get_or_init(|| model).clone_ref(py))
    }

    /// The `User` kept with these claims (shared with the token's cache entry, so every
    /// request of one token gets the same one), else `build(self)`, kept.
    pub(crate) fn user_of(slf: &Bound<'_, Self>, build: &Bound<'_, PyAny>) -> PyResult<Py<PyAny>> {
        let py = slf.py();
        let views = slf.get().views();
        if let Some(kept) = views.user.get() {
            return Ok(kept.clone_ref(py));
        }
        let user = build.call1((slf,))?.unbind();
        Ok(views.user.get_or_init(|| user).clone_ref(py))
    }

    fn __repr__(&self) -> String {
        format!(
            "Claims(user_id={:?}, token_type={:?}, jti={:?})",
            self.0.subject,
            self.0.token_type.as_str(),
            self.0.jti
        )
    }
}

/// What the bindings keep with verified claims (in their memo slot, so with the token's
/// verified-token cache entry): the `TokenClaims` model and the request `User`, each
/// made once.
#[derive(Default)]
struct Views {
    model: OnceLock<Py<PyAny>>,
    user: OnceLock<Py<PyAny>>,
}

impl PyClaims {
    /// The views kept with these claims (made empty on first use).
    fn views(&self) -> &Views {
        self.0
            .memo
            .get_or_init(Views::default)
            .expect("the memo of our own claims holds only their views")
    }

    /// A new model of these claims (see `model_of`).
    fn build_model<'py>(
        &self,
        py: Python<'py>,
        spec: &Bound<'py, PyTuple>,
    ) -> PyResult<Bound<'py, PyAny>> {
        let item = |i| spec.get_item(i);
        let (cls, lists, datetime, utc) = (item(0)?, item(1)?, item(4)?, item(5)?);
        let lists = lists.cast::<SharedLists>()?.get();
        let c = &self.0;
        let time = |at: i64| model::utc_datetime(&datetime, &utc, at);
        let expires_at = time(c.expires_at)?;
        let issued_at = c.issued_at.map(time).transpose()?;
        let not_before = match (c.not_before, &issued_at) {
            (Some(nbf), Some(iat)) if Some(nbf) == c.issued_at => Some(iat.clone()),
            (nbf, _) => nbf.map(time).transpose()?,
        };
        let audience = match &c.audience {
            Audience::One(aud) => aud.into_bound_py_any(py)?,
            Audience::Many(auds) => lists.of(py, auds)?,
        };
        let extra = if c.extra.is_empty() {
            item(3)?
        } else {
            item(2)?.call1((map_to_py(py, &c.extra)?,))?
        };
        let fields = PyDict::new(py);
        fields.set_item(intern!(py, "user_id"), &c.subject)?;
        fields.set_item(intern!(py, "organization_id"), c.organization_id.as_deref())?;
        fields.set_item(intern!(py, "roles"), lists.of(py, &c.roles)?)?;
        fields.set_item(intern!(py, "permissions"), lists.of(py, &c.permissions)?)?;
        fields.set_item(intern!(py, "jti"), &c.jti)?;
        fields.set_item(intern!(py, "session_id"), c.session_id.as_deref())?;
        fields.set_item(intern!(py, "token_type"), c.token_type.as_str())?;
        fields.set_item(intern!(py, "issued_at"), issued_at)?;
        fields.set_item(intern!(py, "not_before"), not_before)?;
        fields.set_item(intern!(py, "expires_at"), expires_at)?;
        fields.set_item(intern!(py, "issuer"), &c.issuer)?;
        fields.set_item(intern!(py, "audience"), audience)?;
        fields.set_item(intern!(py, "extra"), extra)?;
        model::fill(cls.cast::<PyType>()?, &fields, &item(6)?)
    }
}
