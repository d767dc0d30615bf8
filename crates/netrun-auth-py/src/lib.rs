use pyo3::prelude::*;

mod errors;
mod password;
mod rbac;

#[pymodule]
fn _core(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<rbac::RoleRegistry>()?;
    m.add(
        "CROSS_TENANT_PERMISSION",
        netrun_auth::rbac::CROSS_TENANT_PERMISSION,
    )?;
    m.add_class::<password::PasswordHasher>()?;
    m.add_class::<password::PasswordPolicy>()?;
    Ok(())
}
