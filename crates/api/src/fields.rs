//! serde_with adapters for the two kinds of optional field a partial update has: serde alone
//! reads `null` and an absent field alike, and an update must tell them apart. Written back
//! (the edge forwards a validated update to its ledger) with absent fields skipped, so they
//! read back as they came.

use std::marker::PhantomData;

use serde::de::{Error, Unexpected};
use serde::{Deserializer, Serializer};
use serde_with::{DeserializeAs, SerializeAs};

/// A field that may be left out, but when present must not be `null`: `None` = absent.
pub struct Present<T>(PhantomData<T>);

impl<'de, T, As: DeserializeAs<'de, T>> DeserializeAs<'de, Option<T>> for Present<As> {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<Option<T>, D::Error> {
        // Read as an option so that `null` gets one clear message whatever the type (serde_json
        // would call a null enum "expected value", as if the JSON were broken).
        match <Option<As>>::deserialize_as(deserializer)? {
            Some(value) => Ok(Some(value)),
            None => {
                Err(D::Error::invalid_type(Unexpected::Unit, &"a value (leave the field out to keep it)"))
            }
        }
    }
}

impl<T, As: SerializeAs<T>> SerializeAs<Option<T>> for Present<As> {
    fn serialize_as<S: Serializer>(value: &Option<T>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(value) => As::serialize_as(value, serializer),
            None => serializer.serialize_none(),
        }
    }
}

/// A field that may be left out (`None`), cleared with `null` (`Some(None)`) or set.
pub struct Nullable<T>(PhantomData<T>);

impl<'de, T, As: DeserializeAs<'de, T>> DeserializeAs<'de, Option<Option<T>>> for Nullable<As> {
    fn deserialize_as<D: Deserializer<'de>>(deserializer: D) -> Result<Option<Option<T>>, D::Error> {
        <Option<As>>::deserialize_as(deserializer).map(Some)
    }
}

impl<T, As: SerializeAs<T>> SerializeAs<Option<Option<T>>> for Nullable<As> {
    fn serialize_as<S: Serializer>(value: &Option<Option<T>>, serializer: S) -> Result<S::Ok, S::Error> {
        match value {
            Some(Some(value)) => As::serialize_as(value, serializer),
            _ => serializer.serialize_none(),
        }
    }
}
