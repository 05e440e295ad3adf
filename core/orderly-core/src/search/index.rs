//! The index entries an order is found by: one row per (kind, value) in the store's side
//! table, written with the order and replaced when its tracking numbers change.

use std::collections::BTreeSet;

use crate::model::Order;

/// What an index entry's value is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum IndexKind {
    /// A product on one of the order's lines.
    Product,
    /// A tracking number of one of its shipments.
    Tracking,
    /// A top-level metadata pair, `key=value`.
    Metadata,
    /// A lower-case word the text search finds it by: the user id, the email address, the
    /// delivery name and each word of it.
    Word,
}

impl IndexKind {
    /// The one-letter code stores keep: `p`, `t`, `m`, `w`.
    pub fn code(&self) -> &'static str {
        match self {
            IndexKind::Product => "p",
            IndexKind::Tracking => "t",
            IndexKind::Metadata => "m",
            IndexKind::Word => "w",
        }
    }
}

/// One index row of an order.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct IndexEntry {
    /// What the value is.
    pub kind: IndexKind,
    /// The value, at most [`MAX_INDEX_VALUE_CHARS`] characters.
    pub value: String,
}

/// The longest value kept; longer metadata pairs and words are not indexed.
pub const MAX_INDEX_VALUE_CHARS: usize = 190;

/// A text search term as it is indexed and looked up: trimmed and lower case.
pub fn normalize_term(text: &str) -> String {
    text.trim().to_lowercase()
}

/// Every index entry of `order`, sorted and without repeats.
pub fn index_entries(order: &Order) -> Vec<IndexEntry> {
    let mut entries = BTreeSet::new();
    let mut add = |kind: IndexKind, value: String| {
        if !value.is_empty() && value.chars().count() <= MAX_INDEX_VALUE_CHARS {
            entries.insert(IndexEntry { kind, value });
        }
    };
    for line in &order.items {
        add(IndexKind::Product, line.product_id.as_str().to_owned());
    }
    for number in order
        .shipments
        .iter()
        .filter_map(|s| s.tracking_number.as_ref())
    {
        add(IndexKind::Tracking, number.clone());
    }
    for (key, value) in &order.metadata {
        let text = match value {
            serde_json::Value::String(s) => s.clone(),
            serde_json::Value::Number(n) => n.to_string(),
            serde_json::Value::Bool(b) => b.to_string(),
            _ => continue,
        };
        add(IndexKind::Metadata, metadata_value(key, &text));
    }
    add(IndexKind::Word, normalize_term(order.user_id.as_str()));
    if let Some(email) = order.email() {
        add(IndexKind::Word, normalize_term(email));
    }
    let name = normalize_term(&order.delivery_address.name);
    for word in name.split_whitespace() {
        add(IndexKind::Word, word.to_owned());
    }
    add(IndexKind::Word, name);
    entries.into_iter().collect()
}

/// The indexed form of a metadata pair.
pub fn metadata_value(key: &str, value: &str) -> String {
    format!("{key}={value}")
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::test_orders::sample_order;

    #[test]
    fn an_order_is_found_by_its_products_words_and_metadata() {
        let mut order = sample_order();
        order.delivery_address.name = "Ada  Lovelace".to_owned();
        order
            .metadata
            .insert("email".to_owned(), serde_json::json!("Ada@Example.com"));
        order
            .metadata
            .insert("channel".to_owned(), serde_json::json!("web"));
        order
            .metadata
            .insert("nested".to_owned(), serde_json::json!({"a": 1}));
        let entries = index_entries(&order);
        let has = |kind, value: &str| {
            entries.contains(&IndexEntry {
                kind,
                value: value.to_owned(),
            })
        };
        assert!(has(IndexKind::Word, "ada"));
        assert!(has(IndexKind::Word, "lovelace"));
        assert!(has(IndexKind::Word, "ada  lovelace"));
        assert!(has(IndexKind::Word, "ada@example.com"));
        assert!(has(IndexKind::Metadata, "channel=web"));
        assert!(has(IndexKind::Product, order.items[0].product_id.as_str()));
        assert!(!entries.iter().any(|e| e.value.starts_with("nested=")));
    }
}
