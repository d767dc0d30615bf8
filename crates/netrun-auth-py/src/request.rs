//! `RequestAuthenticator`: the middleware's path for a request bearing a token of this
//! API's own issuer, in one call (the request's token, its verification, the store's
//! verdict when it has one at once, the request `User` kept with the claims).
//!
//! Each step is the one the Python API documents: the engine's `request_token`, the
//! engine's `verify` (access), the store's `check_now`, `Claims.user_of`. Nothing is
//! decided here that those do not decide.

use pyo3::exceptions::PyAttributeError;
use pyo3::intern;
use pyo3::prelude::*;
use pyo3::types::{PyString, PyTuple};
use pyo3::{PyTraverseError, PyVisit};

use crate::claims::PyClaims;
use crate::credentials::{header_pairs, token_of};
use crate::text::Text;
use crate::token::PyTokenEngine;

/// See the [module documentation](self).
#[pyclass(frozen, module = "netrun_auth._core", name = "RequestAuthenticator")]
pub struct RequestAuthenticator {
    engine: Py<PyTokenEngine>,
    /// Its `store` is read on every call: `use_redis` may replace it.
    manager: Py<PyAny>,
    build_user: Py<PyAny>,
    cookie_name: Option<String>,
    max_bytes: usize,
}

#[pymethods]
impl RequestAuthenticator {
    #[new]
    #[pyo3(signature = (engine, manager, build_user, cookie_name, max_bytes))]
    fn new(
        engine: Py<PyTokenEngine>,
        manager: Py<PyAny>,
        build_user: Py<PyAny>,
        cookie_name: Option<Text>,
        max_bytes: usize,
    ) -> Self {
        RequestAuthenticator {
            engine,
            manager,
            build_user,
            cookie_name: cookie_name.map(|name| name.0),
            max_bytes,
        }
    }

    /// The Python objects held (the manager may hold what holds this object).
    fn __traverse__(&self, visit: PyVisit<'_>) -> Result<(), PyTraverseError> {
        visit.call(&self.engine)?;
        visit.call(&self.manager)?;
        visit.call(&self.build_user)
    }

    /// `None` for a request without a token; `(token, claims, user)` when the store
    /// decided at once; `(token, None, None)` when the store must be awaited.
    fn __call__<'py>(
        &self,
        py: Python<'py>,
        headers: &Bound<'py, PyAny>,
    ) -> PyResult<Option<Bound<'py, PyTuple>>> {
        let pairs = header_pairs(headers)?;
        let Some(token) = token_of(&pairs, self.cookie_name.as_deref(), self.max_bytes)? else {
            return Ok(None);
        };
        let text = PyString::new(py, &token).into_any();
        let claims = Bound::new(py, self.engine.get().verify_access(py, &token)?)?;
        let store = self.manager.bind(py).getattr(intern!(py, "store"))?;
        let decided = match store.getattr(intern!(py, "check_now")) {
            Ok(check_now) => check_now.call1((&claims,))?.is_truthy()?,
            // A store without check_now is always awaited.
            Err(error) if error.is_instance_of::<PyAttributeError>(py) => false,
            Err(error) => return Err(error),
        };
        let found = if decided {
            let user = PyClaims::user_of(&claims, self.build_user.bind(py))?;
            [text, claims.into_any(), user.into_bound(py)]
        } else {
            [text, py.None().into_bound(py), py.None().into_bound(py)]
        };
        PyTuple::new(py, found).map(Some)
    }
}
