//! Loading carts from a seed file: either an array of carts or a map from user id to cart
//! (where the cart may leave `userId` out).

use std::collections::HashSet;
use std::path::Path;

use serde_json::Value;

use crate::cart::{Cart, is_valid_user_id};

/// Why a seed could not be loaded. Nothing is loaded when any cart is wrong.
#[derive(Debug, thiserror::Error)]
pub enum SeedError {
    #[error("cannot read seed file {path}: {source}")]
    Read {
        path: String,
        source: std::io::Error,
    },
    #[error("seed is not an array or a map of carts: {0}")]
    Shape(String),
    #[error("seed cart has an invalid user id {0:?} (1 to 64 of A-Z a-z 0-9 _ - . @)")]
    InvalidUserId(String),
    #[error("seed entry {key:?} holds the cart of {user_id:?}")]
    KeyMismatch { key: String, user_id: String },
    #[error("seed has more than one cart for {0:?}")]
    Duplicate(String),
}

impl SeedError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            SeedError::Read { .. } => "seed_unreadable",
            SeedError::Shape(_) => "seed_shape",
            SeedError::InvalidUserId(_) => "seed_invalid_user_id",
            SeedError::KeyMismatch { .. } => "seed_key_mismatch",
            SeedError::Duplicate(_) => "seed_duplicate",
        }
    }
}

/// Parses a seed document.
pub fn parse_seed(json: &str) -> Result<Vec<Cart>, SeedError> {
    let doc: Value = serde_json::from_str(json).map_err(|e| SeedError::Shape(e.to_string()))?;
    let carts = match doc {
        Value::Array(entries) => entries
            .into_iter()
            .map(cart_from_value)
            .collect::<Result<Vec<_>, _>>()?,
        Value::Object(entries) => {
            let mut carts = Vec::with_capacity(entries.len());
            for (key, mut value) in entries {
                if let Value::Object(fields) = &mut value {
                    fields
                        .entry("userId")
                        .or_insert_with(|| Value::String(key.clone()));
                }
                let cart = cart_from_value(value)?;
                if cart.user_id != key {
                    return Err(SeedError::KeyMismatch {
                        key,
                        user_id: cart.user_id,
                    });
                }
                carts.push(cart);
            }
            carts
        }
        _ => return Err(SeedError::Shape("expected an array or an object".into())),
    };
    let mut seen = HashSet::with_capacity(carts.len());
    for cart in &carts {
        if !is_valid_user_id(&cart.user_id) {
            return Err(SeedError::InvalidUserId(cart.user_id.clone()));
        }
        if !seen.insert(cart.user_id.as_str()) {
            return Err(SeedError::Duplicate(cart.user_id.clone()));
        }
    }
    Ok(carts)
}

/// Reads and parses a seed file.
pub fn read_seed_file(path: &Path) -> Result<Vec<Cart>, SeedError> {
    let text = std::fs::read_to_string(path).map_err(|source| SeedError::Read {
        path: path.display().to_string(),
        source,
    })?;
    parse_seed(&text)
}

fn cart_from_value(value: Value) -> Result<Cart, SeedError> {
    serde_json::from_value(value).map_err(|e| SeedError::Shape(e.to_string()))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn arrays_and_maps_both_load() {
        let array = r#"[{"userId":"a","currency":"USD","items":[]}]"#;
        assert_eq!(parse_seed(array).unwrap()[0].user_id, "a");
        let map = r#"{"b@x.io":{"currency":"EUR","items":[]}}"#;
        assert_eq!(parse_seed(map).unwrap()[0].user_id, "b@x.io");
    }

    #[test]
    fn bad_seeds_are_refused_with_their_cause() {
        let code = |json: &str| parse_seed(json).unwrap_err().code();
        assert_eq!(code("42"), "seed_shape");
        assert_eq!(code("[{\"userId\":\"a\"}]"), "seed_shape");
        assert_eq!(
            code(r#"[{"userId":"a b","currency":"USD","items":[]}]"#),
            "seed_invalid_user_id"
        );
        assert_eq!(
            code(r#"{"a":{"userId":"b","currency":"USD","items":[]}}"#),
            "seed_key_mismatch"
        );
        assert_eq!(
            code(
                r#"[{"userId":"a","currency":"USD","items":[]},
                    {"userId":"a","currency":"EUR","items":[]}]"#
            ),
            "seed_duplicate"
        );
    }

    #[test]
    fn the_shipped_seed_loads() {
        let carts =
            read_seed_file(&Path::new(env!("CARGO_MANIFEST_DIR")).join("carts.json")).unwrap();
        let users: Vec<_> = carts.iter().map(|c| c.user_id.as_str()).collect();
        for user in ["alice", "bob", "carol"] {
            assert!(users.contains(&user), "{user} missing from {users:?}");
        }
    }
}
