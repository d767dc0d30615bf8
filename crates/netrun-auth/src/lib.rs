pub mod error;
pub mod password;
pub mod rbac;

pub fn x() {}
