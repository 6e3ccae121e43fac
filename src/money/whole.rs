//! Whole numbers the caller sets (`unitdp`, days, limits): read so that a misfit is said in the
//! caller's terms ("expected a whole number, got NaN"), never as serde's `expected u32` or, for a
//! JS `NaN` or `Infinity` (which the JS entry writes as `{"$nonFinite": …}`), `invalid type: map`.

use std::fmt;
use std::marker::PhantomData;

use serde::de::{self, Deserializer, MapAccess, Unexpected, Visitor};

use super::NumKey;

/// `#[serde(deserialize_with = "crate::money::whole::required")]` for a `u32`/`u64`/`usize`.
pub(crate) fn required<'de, D, T>(deserializer: D) -> Result<T, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    deserializer.deserialize_any(WholeVisitor(PhantomData))
}

/// As [`required`], for an optional field (`null` is `None`); pair it with `#[serde(default)]`.
pub(crate) fn optional<'de, D, T>(deserializer: D) -> Result<Option<T>, D::Error>
where
    D: Deserializer<'de>,
    T: TryFrom<u64>,
{
    deserializer.deserialize_option(OptionalVisitor(PhantomData))
}

struct OptionalVisitor<T>(PhantomData<T>);

impl<'de, T: TryFrom<u64>> Visitor<'de> for OptionalVisitor<T> {
    type Value = Option<T>;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number or null")
    }

    fn visit_none<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_unit<E: de::Error>(self) -> Result<Self::Value, E> {
        Ok(None)
    }

    fn visit_some<D: Deserializer<'de>>(self, d: D) -> Result<Self::Value, D::Error> {
        required(d).map(Some)
    }
}

struct WholeVisitor<T>(PhantomData<T>);

impl<T: TryFrom<u64>> WholeVisitor<T> {
    fn fit<E: de::Error>(v: u64) -> Result<T, E> {
        T::try_from(v)
            .map_err(|_| E::invalid_value(Unexpected::Unsigned(v), &"a smaller whole number"))
    }
}

impl<'de, T: TryFrom<u64>> Visitor<'de> for WholeVisitor<T> {
    type Value = T;

    fn expecting(&self, f: &mut fmt::Formatter) -> fmt::Result {
        f.write_str("a whole number")
    }

    fn visit_u64<E: de::Error>(self, v: u64) -> Result<T, E> {
        Self::fit(v)
    }

    fn visit_i64<E: de::Error>(self, v: i64) -> Result<T, E> {
        match u64::try_from(v) {
            Ok(v) => Self::fit(v),
            Err(_) => Err(E::invalid_value(
                Unexpected::Signed(v),
                &"a whole number, 0 or more",
            )),
        }
    }

    // A fraction is refused by serde's default `visit_f64`; from JSON text it arrives as text
    // (below), so no float is ever read here.

    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<T, A::Error> {
        match map.next_key::<NumKey>()? {
            // A JSON number, kept as its text by serde_json's `arbitrary_precision`.
            Some(NumKey::Number) => {
                let text: String = map.next_value()?;
                match super::Num::parse(&text) {
                    super::Num::Value(d) if d.fract().is_zero() && !d.is_sign_negative() => {
                        match u64::try_from(d) {
                            Ok(v) => Self::fit(v),
                            Err(_) => Err(de::Error::invalid_value(
                                Unexpected::Other(&text),
                                &"a smaller whole number",
                            )),
                        }
                    }
                    super::Num::Value(d) if d.fract().is_zero() => Err(de::Error::invalid_value(
                        Unexpected::Other(&text),
                        &"a whole number, 0 or more",
                    )),
                    _ => Err(de::Error::invalid_value(Unexpected::Other(&text), &self)),
                }
            }
            Some(NumKey::NonFinite) => {
                let said: String = map.next_value()?;
                Err(de::Error::invalid_value(Unexpected::Other(&said), &self))
            }
            Some(NumKey::Other) | None => {
                Err(de::Error::invalid_type(Unexpected::Map, &"a whole number"))
            }
        }
    }
}
