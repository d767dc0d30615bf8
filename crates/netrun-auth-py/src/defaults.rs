//! The engine's defaults and bounds (`netrun_auth::defaults`), as module constants,
//! so `AuthConfig` takes them from the one place they are defined.

use netrun_auth::defaults as d;
use pyo3::prelude::*;

/// Add every default and bound to `module`.
pub fn add_to(module: &Bound<'_, PyModule>) -> PyResult<()> {
    module.add("DEFAULT_ACCESS_TTL_SECONDS", d::ACCESS_TTL_SECONDS)?;
    module.add("DEFAULT_REFRESH_TTL_SECONDS", d::REFRESH_TTL_SECONDS)?;
    module.add("DEFAULT_LEEWAY_SECONDS", d::LEEWAY_SECONDS)?;
    module.add("MAX_LEEWAY_SECONDS", d::MAX_LEEWAY_SECONDS)?;
    module.add("DEFAULT_MAX_TOKEN_BYTES", d::MAX_TOKEN_BYTES)?;
    module.add(
        "MAX_TOKEN_BYTES_LOWER_BOUND",
        d::MAX_TOKEN_BYTES_LOWER_BOUND,
    )?;
    module.add(
        "MAX_TOKEN_BYTES_UPPER_BOUND",
        d::MAX_TOKEN_BYTES_UPPER_BOUND,
    )?;
    module.add("DEFAULT_TOKEN_CACHE_SIZE", d::TOKEN_CACHE_SIZE)?;
    module.add("DEFAULT_ARGON2_MEMORY_KIB", d::ARGON2_MEMORY_KIB)?;
    module.add("DEFAULT_ARGON2_ITERATIONS", d::ARGON2_ITERATIONS)?;
    module.add("DEFAULT_ARGON2_PARALLELISM", d::ARGON2_PARALLELISM)?;
    module.add("DEFAULT_PASSWORD_MIN_LENGTH", d::PASSWORD_MIN_LENGTH)?;
    module.add("DEFAULT_PASSWORD_MAX_LENGTH", d::PASSWORD_MAX_LENGTH)?;
    Ok(())
}
