//! One pass over a document through serde, keeping nothing but counts and the keys of the
//! mappings being walked: duplicate keys, YAML tags, non-finite numbers, depth and the element
//! and expanded-byte allowances are enforced here for JSON and YAML alike. An alias is walked
//! as its expansion, so a YAML "billion laughs" stops at the allowance instead of at the
//! machine's memory.

use super::{Allowance, Over, MAX_DEPTH};
use serde::de::{self, DeserializeSeed, Deserializer, EnumAccess, MapAccess, SeqAccess, Visitor};
use std::collections::HashSet;
use std::fmt;

/// The walker's state.
pub(super) struct Walk {
    allowance: Allowance,
    /// Elements seen so far
    pub(super) elements: u64,
    /// Scalar bytes seen so far
    bytes: u64,
    depth: usize,
    /// Set when an allowance was exceeded
    pub(super) over: Option<Over>,
    /// Set when a key was repeated in one mapping (the key as text)
    pub(super) duplicate: Option<String>,
}

impl Walk {
    pub(super) fn new(allowance: Allowance) -> Walk {
        Walk {
            allowance,
            elements: 0,
            bytes: 0,
            depth: 0,
            over: None,
            duplicate: None,
        }
    }

    /// Walks one whole document.
    pub(super) fn run<'de, D: Deserializer<'de>>(&mut self, d: D) -> Result<(), D::Error> {
        Node(self).deserialize(d)
    }

    fn element<E: de::Error>(&mut self) -> Result<(), E> {
        self.elements = self.elements.saturating_add(1);
        if self.elements > self.allowance.elements {
            let limit = self.allowance.elements;
            self.over = Some(Over::Elements { limit });
            return Err(E::custom(format_args!(
                "more than {limit} elements (scalars and collections, aliases expanded); the limit is {limit}"
            )));
        }
        Ok(())
    }

    fn scalar_bytes<E: de::Error>(&mut self, n: usize) -> Result<(), E> {
        self.element()?;
        self.bytes = self
            .bytes
            .saturating_add(u64::try_from(n).unwrap_or(u64::MAX));
        if self.bytes > self.allowance.expanded_bytes {
            let limit = self.allowance.expanded_bytes;
            self.over = Some(Over::ExpandedBytes { limit });
            return Err(E::custom(format_args!(
                "more than {limit} bytes of text once aliases are expanded; the limit is {limit}"
            )));
        }
        Ok(())
    }

    fn enter<E: de::Error>(&mut self) -> Result<(), E> {
        self.element()?;
        self.depth = self.depth.saturating_add(1);
        if self.depth > MAX_DEPTH {
            return Err(E::custom(format_args!(
                "nesting is deeper than {MAX_DEPTH} levels"
            )));
        }
        Ok(())
    }
}

fn finite<E: de::Error>(v: f64) -> Result<(), E> {
    if v.is_finite() {
        Ok(())
    } else {
        Err(E::custom(format_args!(
            "`{v}` is not a finite number: NaN and infinities are not evidence"
        )))
    }
}

fn tag_error<E: de::Error>() -> E {
    E::custom("a YAML tag (`!name` or `!!type`) is not allowed: write the plain value")
}

/// Any node.
struct Node<'w>(&'w mut Walk);

impl<'de> DeserializeSeed<'de> for Node<'_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Node<'_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML or JSON value")
    }

    fn visit_bool<E: de::Error>(self, _: bool) -> Result<(), E> {
        self.0.element()
    }
    fn visit_i64<E: de::Error>(self, _: i64) -> Result<(), E> {
        self.0.element()
    }
    fn visit_i128<E: de::Error>(self, _: i128) -> Result<(), E> {
        self.0.element()
    }
    fn visit_u64<E: de::Error>(self, _: u64) -> Result<(), E> {
        self.0.element()
    }
    fn visit_u128<E: de::Error>(self, _: u128) -> Result<(), E> {
        self.0.element()
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        finite(v)?;
        self.0.element()
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.0.scalar_bytes(v.len())
    }
    fn visit_bytes<E: de::Error>(self, v: &[u8]) -> Result<(), E> {
        self.0.scalar_bytes(v.len())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.0.element()
    }
    fn visit_none<E: de::Error>(self) -> Result<(), E> {
        self.0.element()
    }
    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        Node(self.0).deserialize(d)
    }
    fn visit_newtype_struct<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        Node(self.0).deserialize(d)
    }
    fn visit_enum<A: EnumAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        // yaml_serde hands a `!tag`ged node to `deserialize_any` as an enum.
        Err(tag_error())
    }

    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<(), A::Error> {
        self.0.enter()?;
        while seq.next_element_seed(Node(&mut *self.0))?.is_some() {}
        self.0.depth = self.0.depth.saturating_sub(1);
        Ok(())
    }

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<(), A::Error> {
        self.0.enter()?;
        let mut keys = HashSet::new();
        while map
            .next_key_seed(Key {
                walk: &mut *self.0,
                seen: &mut keys,
            })?
            .is_some()
        {
            map.next_value_seed(Node(&mut *self.0))?;
        }
        self.0.depth = self.0.depth.saturating_sub(1);
        Ok(())
    }
}

/// A mapping key: a scalar, compared as text with the other keys of its mapping. The check runs
/// while the key is read, so the parser locates the error at the repeated key.
struct Key<'w, 's> {
    walk: &'w mut Walk,
    seen: &'s mut HashSet<String>,
}

impl Key<'_, '_> {
    fn add<E: de::Error>(self, text: String) -> Result<(), E> {
        self.walk.scalar_bytes(text.len())?;
        if self.seen.contains(&text) {
            let err = E::custom(format_args!(
                "duplicate key `{text}`: each key may appear once in a mapping"
            ));
            self.walk.duplicate = Some(text);
            return Err(err);
        }
        self.seen.insert(text);
        Ok(())
    }
}

impl<'de> DeserializeSeed<'de> for Key<'_, '_> {
    type Value = ();
    fn deserialize<D: Deserializer<'de>>(self, d: D) -> Result<(), D::Error> {
        d.deserialize_any(self)
    }
}

impl<'de> Visitor<'de> for Key<'_, '_> {
    type Value = ();

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a scalar mapping key")
    }

    fn visit_bool<E: de::Error>(self, v: bool) -> Result<(), E> {
        self.add(v.to_string())
    }
    fn visit_i64<E: de::Error>(self, v: i64) -> Result<(), E> {
        self.add(v.to_string())
    }
    fn visit_i128<E: de::Error>(self, v: i128) -> Result<(), E> {
        self.add(v.to_string())
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<(), E> {
        self.add(v.to_string())
    }
    fn visit_u128<E: de::Error>(self, v: u128) -> Result<(), E> {
        self.add(v.to_string())
    }
    fn visit_f64<E: de::Error>(self, v: f64) -> Result<(), E> {
        finite(v)?;
        self.add(v.to_string())
    }
    fn visit_str<E: de::Error>(self, v: &str) -> Result<(), E> {
        self.add(v.to_string())
    }
    fn visit_unit<E: de::Error>(self) -> Result<(), E> {
        self.add("null".to_string())
    }
    fn visit_enum<A: EnumAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(tag_error())
    }
    fn visit_seq<A: SeqAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(
            "a mapping key must be a scalar, not a sequence",
        ))
    }
    fn visit_map<A: MapAccess<'de>>(self, _: A) -> Result<(), A::Error> {
        Err(de::Error::custom(
            "a mapping key must be a scalar, not a mapping",
        ))
    }
}
