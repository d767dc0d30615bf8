//! [`Memo`]: a slot a language binding fills once with its own view of a value.
//!
//! The Python bindings keep the pydantic `TokenClaims` built from our verified claims,
//! and the `User` built from an outside issuer's claims, in the claims' memo. The claims of a cached token are shared with the verified-token
//! cache entry, so the view is built once per cached token and dies with the entry.
//! The engine itself never reads a memo.

use std::any::Any;
use std::fmt;
use std::sync::OnceLock;

/// A write-once slot holding any `Send + Sync` value.
///
/// It takes no part in comparisons (every memo equals every other) and is not
/// copied by `clone` (a clone starts empty), so it never changes what the value
/// holding it means.
#[derive(Default)]
pub struct Memo(OnceLock<Box<dyn Any + Send + Sync>>);

impl Memo {
    /// The value kept, if one of type `T` was.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.get().and_then(|kept| kept.downcast_ref())
    }

    /// The value kept, keeping `make()` first if the slot is empty. `None` when the
    /// slot already holds a value of another type.
    pub fn get_or_init<T: Any + Send + Sync>(&self, make: impl FnOnce() -> T) -> Option<&T> {
        self.0.get_or_init(|| Box::new(make())).downcast_ref()
    }
}

impl Clone for Memo {
    fn clone(&self) -> Self {
        Memo::default()
    }
}

impl PartialEq for Memo {
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Memo {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("Memo")
    }
}

#[cfg(test)]
mod tests {
    use super::Memo;

    #[test]
    fn keeps_the_first_value_only() {
        let memo = Memo::default();
        assert_eq!(memo.get::<u32>(), None);
        assert_eq!(memo.get_or_init(|| 1u32), Some(&1));
        assert_eq!(memo.get_or_init(|| 2u32), Some(&1));
        assert_eq!(memo.get_or_init(|| "other type"), None);
        assert_eq!(memo.clone().get::<u32>(), None);
        assert_eq!(memo, Memo::default());
    }
}
