//! Filling the package's frozen pydantic models from claims the engine verified, without
//! validating them a second time: the model's storage is set directly, as pydantic's
//! `model_construct` does, and its values are built the cheap way (UTC datetimes from
//! their calendar fields, one shared read-only list per distinct list of strings).
//!
//! A distinct token builds one model, which lives as long as its verified-token cache
//! entry: fewer and smaller objects also mean less work for Python's garbage collector.

use std::collections::HashMap;
use std::sync::Mutex;

use pyo3::exceptions::PyValueError;
use pyo3::prelude::*;
use pyo3::types::{PyDict, PyList, PyString, PyTuple, PyType};
use pyo3::{ffi, intern};
use time::OffsetDateTime;

/// A new instance of the model class `cls` holding `fields` (every field, each already of
/// its type) and `fields_set` (shared: pydantic never changes a frozen model's set in place).
pub fn fill<'py>(
    cls: &Bound<'py, PyType>,
    fields: &Bound<'py, PyDict>,
    fields_set: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    let py = cls.py();
    // `object.__new__(cls)` without its argument checks: the model class defines no
    // `__new__` of its own, so this allocates exactly what that would.
    // SAFETY: `cls` is a live type object and the empty tuple a live tuple.
    let model = unsafe {
        let raw = ffi::PyType_GenericNew(
            cls.as_ptr().cast::<ffi::PyTypeObject>(),
            PyTuple::empty(py).as_ptr(),
            std::ptr::null_mut(),
        );
        Bound::from_owned_ptr_or_err(py, raw)?
    };
    let none = py.None().into_bound(py);
    set_attribute(&model, intern!(py, "__dict__"), fields.as_any())?;
    set_attribute(&model, intern!(py, "__pydantic_fields_set__"), fields_set)?;
    set_attribute(&model, intern!(py, "__pydantic_extra__"), &none)?;
    set_attribute(&model, intern!(py, "__pydantic_private__"), &none)?;
    Ok(model)
}

/// `fill(cls, fields, fields_set)` for Python: what the package checks once, at import,
/// against a model pydantic validates (see `netrun_auth.oidc`).
#[pyfunction]
pub fn fill_model<'py>(
    cls: &Bound<'py, PyType>,
    fields: &Bound<'py, PyDict>,
    fields_set: &Bound<'py, PyAny>,
) -> PyResult<Bound<'py, PyAny>> {
    fill(cls, fields, fields_set)
}

/// `object.__setattr__(target, name, value)`: past a frozen model's own `__setattr__`.
fn set_attribute(
    target: &Bound<'_, PyAny>,
    name: &Bound<'_, PyString>,
    value: &Bound<'_, PyAny>,
) -> PyResult<()> {
    // SAFETY: the three pointers are live, owned by `Bound`s held for the whole call.
    let status =
        unsafe { ffi::PyObject_GenericSetAttr(target.as_ptr(), name.as_ptr(), value.as_ptr()) };
    if status < 0 {
        Err(PyErr::fetch(target.py()))
    } else {
        Ok(())
    }
}

/// The aware `datetime` (class `datetime`, zone `utc`) of `epoch` seconds: the same value
/// as `datetime.fromtimestamp(epoch, utc)`, made from its calendar fields, which costs
/// about half as much. `ValueError` outside the years `datetime` can hold (1 to 9999).
pub fn utc_datetime<'py>(
    datetime: &Bound<'py, PyAny>,
    utc: &Bound<'py, PyAny>,
    epoch: i64,
) -> PyResult<Bound<'py, PyAny>> {
    let at = OffsetDateTime::from_unix_timestamp(epoch)
        .map_err(|_| PyValueError::new_err(format!("timestamp {epoch} is out of range")))?;
    let (hour, minute, second) = at.to_hms();
    datetime.call1((
        at.year(),
        u8::from(at.month()),
        at.day(),
        hour,
        minute,
        second,
        0,
        utc,
    ))
}

/// Read-only lists of strings, one per distinct content: the roles and permissions of
/// most tokens repeat, and a list that cannot change can be shared by every model.
/// Bounded: when `capacity` distinct lists are kept, the table starts over.
#[pyclass(frozen, module = "netrun_auth._core", name = "SharedLists")]
pub struct SharedLists {
    list_type: Py<PyType>,
    capacity: usize,
    table: Mutex<HashMap<Vec<String>, Py<PyAny>>>,
}

#[pymethods]
impl SharedLists {
    /// Lists of `list_type` (a `list` subclass taking the items), at most `capacity` kept.
    #[new]
    fn new(list_type: Bound<'_, PyType>, capacity: usize) -> Self {
        SharedLists {
            list_type: list_type.unbind(),
            capacity,
            table: Mutex::new(HashMap::new()),
        }
    }

    /// The shared list holding `items`.
    fn get<'py>(&self, py: Python<'py>, items: Vec<String>) -> PyResult<Bound<'py, PyAny>> {
        self.of(py, &items)
    }

    /// How many distinct lists are kept.
    fn __len__(&self) -> usize {
        self.table.lock().map(|t| t.len()).unwrap_or(0)
    }
}

impl SharedLists {
    /// The shared list holding `items` (made and kept on first sight).
    pub fn of<'py>(&self, py: Python<'py>, items: &[String]) -> PyResult<Bound<'py, PyAny>> {
        let kept = self
            .table
            .lock()
            .ok()
            .and_then(|table| table.get(items).map(|list| list.clone_ref(py)));
        if let Some(list) = kept {
            return Ok(list.into_bound(py));
        }
        let list = self.list_type.bind(py).call1((PyList::new(py, items)?,))?;
        if let Ok(mut table) = self.table.lock() {
            if table.len() >= self.capacity {
                table.clear();
            }
            table.insert(items.to_vec(), list.clone().unbind());
        }
        Ok(list)
    }
}
