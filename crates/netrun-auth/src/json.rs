//! Strict JSON for token segments: objects only, duplicate keys refused at any depth.
//!
//! `serde_json` keeps the last of duplicate keys; RFC 7515 §5.2 lets a verifier
//! refuse them, and differing parsers disagreeing on which one wins is a known
//! source of bypasses, so this parser refuses them. Nesting is bounded by
//! `serde_json`'s recursion limit.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_json::map::Entry;
use serde_json::{Map, Number, Value};

/// Parse `bytes` as one JSON object with unique keys.
pub fn parse_object(bytes: &[u8]) -> Option<Map<String, Value>> {
    match serde_json::from_slice::<Strict>(bytes).ok()?.0 {
        Value::Object(map) => Some(map),
        _ => None,
    }
}

struct Strict(Value);

impl<'de> Deserialize<'de> for Strict {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(StrictVisitor).map(Strict)
    }
}

struct StrictVisitor;

impl<'de> Visitor<'de> for StrictVisitor {
    type Value = Value;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a JSON value")
    }

    fn visit_bool<E>(self, v: bool) -> Result<Value, E> {
        Ok(Value::Bool(v))
    }

    fn visit_i64<E>(self, v: i64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_u64<E>(self, v: u64) -> Result<Value, E> {
        Ok(Value::Number(v.into()))
    }

    fn visit_f64<E: de::Error>(self, v: f64) -> Result<Value, E> {
        Number::from_f64(v)
            .map(Value::Number)
            .ok_or_else(|| E::custom("non-finite number"))
    }

    fn visit_str<E>(self, v: &str) -> Result<Value, E> {
        Ok(Value::String(v.to_owned()))
    }

    fn visit_string<E>(self, v: String) -> Result<Value, E> {
        Ok(Value::String(v))
    }

    fn visit_unit<E>(self) -> Result<Value, E> {
        Ok(Value::Null)
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Value, A::Error> {
        let mut items = Vec::new();
        while let Some(Strict(item)) = seq.next_element()? {
            items.push(item);
        }
        Ok(Value::Array(items))
    }

    fn visit_map<A: MapAccess<'de>>(self, mut access: A) -> Result<Value, A::Error> {
        let mut map = Map::new();
        while let Some(key) = access.next_key::<String>()? {
            // One lookup per key: the slot found vacant is the one filled.
            let Entry::Vacant(slot) = map.entry(key) else {
                return Err(de::Error::custom("duplicate key"));
            };
            let Strict(value) = access.next_value()?;
            slot.insert(value);
        }
        Ok(Value::Object(map))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn accepts_objects_and_refuses_duplicates_at_any_depth() {
        assert!(parse_object(br#"{"a":1,"b":{"c":[1,2,{"d":null}]}}"#).is_some());
        assert!(parse_object(br#"{"a":1,"a":2}"#).is_none());
        assert!(parse_object(br#"{"a":{"b":1,"b":1}}"#).is_none());
        assert!(parse_object(br#"{"a":[{"b":1,"b":1}]}"#).is_none());
        assert!(parse_object(br#"[1]"#).is_none());
        assert!(parse_object(br#"{"a":1} x"#).is_none());
        assert!(parse_object(br#"{"a":1e400}"#).is_none());
    }

    /// Found by the round-trip property: without serde_json's `float_roundtrip`,
    /// a float claim came back one ulp off after signing and verifying.
    #[test]
    fn floats_survive_a_round_trip_exactly() {
        for text in [
            "-197978018756.24585",
            "0.1",
            "1.7976931348623157e308",
            "5e-324",
        ] {
            let parsed = parse_object(format!(r#"{{"a":{text}}}"#).as_bytes()).unwrap();
            let expected: f64 = text.parse().unwrap();
            assert_eq!(parsed["a"].as_f64().unwrap().to_bits(), expected.to_bits());
            let again = parse_object(Value::Object(parsed.clone()).to_string().as_bytes());
            assert_eq!(again.unwrap(), parsed);
        }
    }

    #[test]
    fn refuses_nesting_bombs() {
        let deep = "[".repeat(10_000) + &"]".repeat(10_000);
        assert!(parse_object(format!(r#"{{"a":{deep}}}"#).as_bytes()).is_none());
    }
}
