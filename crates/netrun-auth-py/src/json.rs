//! JSON values to Python objects.

use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyMappingProxy, PyTuple};
use pyo3::IntoPyObjectExt;
use serde_json::{Map, Value};

/// A JSON value as the equivalent Python object.
pub fn to_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Value::Null => Ok(py.None().into_bound(py)),
        Value::Bool(b) => b.into_bound_py_any(py),
        Value::Number(n) => match (n.as_i64(), n.as_u64()) {
            (Some(i), _) => i.into_bound_py_any(py),
            (None, Some(u)) => u.into_bound_py_any(py),
            _ => n.as_f64().unwrap_or(f64::NAN).into_bound_py_any(py),
        },
        Value::String(s) => s.into_bound_py_any(py),
        Value::Array(items) => {
            let list = PyList::empty(py);
            for item in items {
                list.append(to_py(py, item)?)?;
            }
            Ok(list.into_any())
        }
        Value::Object(map) => map_to_py(py, map).map(Bound::into_any),
    }
}

/// A JSON object as a Python dict.
pub fn map_to_py<'py>(py: Python<'py>, map: &Map<String, Value>) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in map {
        dict.set_item(key, to_py(py, value)?)?;
    }
    Ok(dict)
}

/// A JSON value as a read-only Python object, as `User.extra` holds its values:
/// objects become read-only mappings (`types.MappingProxyType`), arrays tuples.
pub fn to_frozen_py<'py>(py: Python<'py>, value: &Value) -> PyResult<Bound<'py, PyAny>> {
    match value {
        Value::Array(items) => {
            let items = items
                .iter()
                .map(|item| to_frozen_py(py, item))
                .collect::<PyResult<Vec<_>>>()?;
            Ok(PyTuple::new(py, items)?.into_any())
        }
        Value::Object(map) => freeze(&frozen_entries(py, map)?),
        scalar => to_py(py, scalar),
    }
}

/// A new dict of `map`'s entries, each value read-only ([`to_frozen_py`]); the caller
/// may add entries, then [`freeze`] it.
pub fn frozen_entries<'py>(
    py: Python<'py>,
    map: &Map<String, Value>,
) -> PyResult<Bound<'py, PyDict>> {
    let dict = PyDict::new(py);
    for (key, value) in map {
        dict.set_item(key, to_frozen_py(py, value)?)?;
    }
    Ok(dict)
}

/// A read-only view of `dict` (nobody else holds the dict).
pub fn freeze<'py>(dict: &Bound<'py, PyDict>) -> PyResult<Bound<'py, PyAny>> {
    Ok(PyMappingProxy::new(dict.py(), dict.as_mapping()).into_any())
}
