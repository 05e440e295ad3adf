//! The cart's wire shape and the user id rule, exactly as the contract states them.
//!
//! This service checks shape only: a quantity of 0 or a price of "-3" is stored as given,
//! because applying cart rules is the order engine's job, not the Cart Service's.

use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// A user's cart. Fields the contract does not name are kept and served back unchanged.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Cart {
    pub user_id: String,
    /// ISO 4217 code; every `unit_price` is in it.
    pub currency: String,
    pub items: Vec<CartItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
    /// Extra fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

/// One cart line.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CartItem {
    pub product_id: String,
    pub name: String,
    pub quantity: i64,
    /// A decimal string such as `"19.99"`; never a JSON number.
    pub unit_price: String,
    /// Extra fields, kept as given.
    #[serde(flatten)]
    pub extra: Map<String, Value>,
}

impl CartItem {
    /// A line with no extra fields.
    pub fn new(
        product_id: impl Into<String>,
        name: impl Into<String>,
        quantity: i64,
        unit_price: impl Into<String>,
    ) -> Self {
        CartItem {
            product_id: product_id.into(),
            name: name.into(),
            quantity,
            unit_price: unit_price.into(),
            extra: Map::new(),
        }
    }
}

impl Cart {
    /// A cart with no extra fields and no `updatedAt`.
    pub fn new(
        user_id: impl Into<String>,
        currency: impl Into<String>,
        items: Vec<CartItem>,
    ) -> Self {
        Cart {
            user_id: user_id.into(),
            currency: currency.into(),
            items,
            updated_at: None,
            extra: Map::new(),
        }
    }
}

/// The contract's user id rule: 1 to 64 characters of `A-Z a-z 0-9 _ - . @`.
pub fn is_valid_user_id(user_id: &str) -> bool {
    !user_id.is_empty()
        && user_id.len() <= 64
        && user_id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || matches!(b, b'_' | b'-' | b'.' | b'@'))
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn user_id_rule_matches_the_contract() {
        assert!(is_valid_user_id("alice"));
        assert!(is_valid_user_id("a.b-c_d@example.com"));
        assert!(is_valid_user_id(&"x".repeat(64)));
        assert!(!is_valid_user_id(""));
        assert!(!is_valid_user_id(&"x".repeat(65)));
        assert!(!is_valid_user_id("al ice"));
        assert!(!is_valid_user_id("alice/../bob"));
        assert!(!is_valid_user_id("ålice"));
    }

    #[test]
    fn unknown_fields_survive_a_round_trip() {
        let json = r#"{"userId":"u","currency":"USD","items":[{"productId":"p","name":"n",
            "quantity":1,"unitPrice":"1.00","color":"red"}],"promo":{"code":"X"}}"#;
        let cart: Cart = serde_json::from_str(json).unwrap();
        let back = serde_json::to_value(&cart).unwrap();
        assert_eq!(back["promo"]["code"], "X");
        assert_eq!(back["items"][0]["color"], "red");
    }

    #[test]
    fn numeric_prices_and_fractional_quantities_are_not_the_shape() {
        let numeric = r#"{"userId":"u","currency":"USD","items":[{"productId":"p","name":"n",
            "quantity":1,"unitPrice":1.5}]}"#;
        assert!(serde_json::from_str::<Cart>(numeric).is_err());
        let fractional = r#"{"userId":"u","currency":"USD","items":[{"productId":"p","name":"n",
            "quantity":1.5,"unitPrice":"1.50"}]}"#;
        assert!(serde_json::from_str::<Cart>(fractional).is_err());
    }
}
