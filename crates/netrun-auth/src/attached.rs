//! [`Attached`]: a value a front end builds once from verified claims (Python's
//! `User`), kept with those claims in the verified-token cache.
//!
//! A repeated token then reuses what was built for it the first time, instead of
//! converting the claims again. The value is not part of the claims: `==` ignores it
//! and `clone` does not copy it, so cached claims compare and clone as before.

use std::any::Any;
use std::fmt;
use std::sync::OnceLock;

/// At most one value of any `Send + Sync` type, set once (the first set wins).
#[derive(Default)]
pub struct Attached(OnceLock<Box<dyn Any + Send + Sync>>);

impl Attached {
    /// The value attached, if one of type `T` was.
    pub fn get<T: Any>(&self) -> Option<&T> {
        self.0.get()?.downcast_ref()
    }

    /// Attach `value` unless a value is attached already; the value held afterwards
    /// (`value`, or the earlier one when another caller won), if it is a `T`.
    pub fn attach<T: Any + Send + Sync>(&self, value: T) -> Option<&T> {
        self.0.get_or_init(|| Box::new(value)).downcast_ref()
    }
}

impl Clone for Attached {
    /// An empty slot: the value belongs to one cache entry.
    fn clone(&self) -> Self {
        Attached::default()
    }
}

impl PartialEq for Attached {
    /// Always equal: the value is derived from the claims, not part of them.
    fn eq(&self, _: &Self) -> bool {
        true
    }
}

impl fmt::Debug for Attached {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(if self.0.get().is_some() {
            "Attached(set)"
        } else {
            "Attached(empty)"
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn first_value_wins_and_is_not_cloned() {
        let slot = Attached::default();
        assert_eq!(slot.get::<u32>(), None);
        assert_eq!(slot.attach(1u32), Some(&1));
        assert_eq!(slot.attach(2u32), Some(&1));
        assert_eq!(slot.attach("other type"), None);
        assert_eq!(slot.get::<u32>(), Some(&1));
        assert_eq!(slot.clone().get::<u32>(), None);
        assert_eq!(slot, Attached::default());
    }
}
