//! Between Rust values and column values: JSON documents, ids and the rollup slot.

use orderly_core::{StoreError, StoreErrorKind, UserId};
use serde::Serialize;
use serde::de::DeserializeOwned;

use crate::error::{BACKEND, corrupt};

/// Serializes a document for a JSON column.
pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, StoreError> {
    serde_json::to_string(value).map_err(|e| {
        StoreError::new(
            StoreErrorKind::Other,
            BACKEND,
            format!("cannot encode a document: {e}"),
        )
    })
}

/// Decodes a JSON column; a document that does not decode is corrupt data.
pub(crate) fn from_json<T: DeserializeOwned>(what: &str, bytes: &[u8]) -> Result<T, StoreError> {
    serde_json::from_slice(bytes)
        .map_err(|e| corrupt(format!("stored {what} does not decode: {e}")))
}

/// Parses an id column with the id type's own parser.
pub(crate) fn parse_id<T>(
    what: &str,
    text: &str,
    parse: impl FnOnce(&str) -> Option<T>,
) -> Result<T, StoreError> {
    parse(text).ok_or_else(|| corrupt(format!("stored {what} {text:?} is not a valid id")))
}

/// Text from a binary column (product ids are stored as bytes to compare exactly).
pub(crate) fn utf8(what: &str, bytes: Vec<u8>) -> Result<String, StoreError> {
    String::from_utf8(bytes).map_err(|_| corrupt(format!("stored {what} is not UTF-8")))
}

/// How many rows each hot rollup row is spread over.
pub(crate) const SLOTS: u8 = 16;

/// The rollup slot of a user: FNV-1a of the id, so it is stable across builds and platforms.
pub(crate) fn slot(user: &UserId) -> u8 {
    let hash = user
        .as_str()
        .bytes()
        .fold(0xcbf2_9ce4_8422_2325_u64, |h, b| {
            (h ^ u64::from(b)).wrapping_mul(0x0000_0100_0000_01b3)
        });
    u8::try_from(hash % u64::from(SLOTS)).unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn slots_are_stable_and_spread() {
        let alice = UserId::new("alice").unwrap();
        assert_eq!(slot(&alice), slot(&UserId::new("alice").unwrap()));
        let used: std::collections::HashSet<u8> = (0..200)
            .map(|i| slot(&UserId::new(format!("user-{i}")).unwrap()))
            .collect();
        assert!(used.iter().all(|s| *s < SLOTS));
        assert_eq!(used.len(), usize::from(SLOTS));
    }

    #[test]
    fn bad_documents_are_corrupt() {
        let err = from_json::<serde_json::Value>("order", b"{not json").unwrap_err();
        assert_eq!(err.kind, StoreErrorKind::Corrupt);
        assert!(utf8("product id", vec![0xff]).is_err());
    }
}
