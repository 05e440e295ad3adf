//! Staff search across all orders: the filters, the sort, the cursor, and the index entries
//! each order is found by.
//!
//! A search is parsed once, here, from name/value pairs ([`OrderSearch::from_params`]), so the
//! REST server and the bindings accept the same names and refuse the same mistakes with the
//! same codes. Stores run it on indexes only: the order table's columns (status, creation
//! time, currency, user, total) and one side table of [`IndexEntry`] rows (products, tracking
//! numbers, metadata pairs, words), written with the order.

use crate::clock::Timestamp;
use crate::document::OrderDocument;
use crate::ids::{OrderId, ProductId, UserId};
use crate::money::Currency;
use crate::status::OrderStatus;

mod cursor;
mod index;
mod params;

pub use index::{IndexEntry, IndexKind, index_entries, metadata_value, normalize_term};
pub use params::{DEFAULT_SEARCH_LIMIT, MAX_SEARCH_LIMIT};

/// What orders are sorted by.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum SortKey {
    /// Creation time, then id.
    #[default]
    CreatedAt,
    /// Total in minor units, then id.
    Total,
}

/// Where a page starts: after the order with this sort key and id.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SearchPosition {
    /// The sort key of the last order of the previous page: creation time in Unix
    /// milliseconds, or total in minor units.
    pub key: i64,
    /// Its id, which breaks ties.
    pub order_id: OrderId,
}

/// A metadata pair an order must carry at the top level of its metadata.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MetadataFilter {
    /// The key.
    pub key: String,
    /// The value: a string as it is, numbers and booleans as their JSON text.
    pub value: String,
}

/// A search over all orders. Every filter given must hold (they combine with AND).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderSearch {
    /// Any of these statuses; empty for all.
    pub statuses: Vec<OrderStatus>,
    /// Created at or after.
    pub created_from: Option<Timestamp>,
    /// Created strictly before.
    pub created_to: Option<Timestamp>,
    /// In this currency.
    pub currency: Option<Currency>,
    /// Placed by this user.
    pub user_id: Option<UserId>,
    /// With a line of this product.
    pub product_id: Option<ProductId>,
    /// Total at least this, minor units.
    pub total_min: Option<i64>,
    /// Total at most this, minor units.
    pub total_max: Option<i64>,
    /// With a shipment of this tracking number (normalized).
    pub tracking_number: Option<String>,
    /// With this metadata pair.
    pub metadata: Option<MetadataFilter>,
    /// Text: a whole word of the delivery name, the user id or the email address (any case),
    /// or the first 8 or more characters of the order id.
    pub text: Option<String>,
    /// The sort key.
    pub sort: SortKey,
    /// Largest first when true (the default).
    pub descending: bool,
    /// Orders after this position only.
    pub after: Option<SearchPosition>,
    /// At most this many orders (the service asks one more to learn whether a page follows).
    pub limit: u32,
}

impl Default for OrderSearch {
    fn default() -> Self {
        OrderSearch {
            statuses: Vec::new(),
            created_from: None,
            created_to: None,
            currency: None,
            user_id: None,
            product_id: None,
            total_min: None,
            total_max: None,
            tracking_number: None,
            metadata: None,
            text: None,
            sort: SortKey::CreatedAt,
            descending: true,
            after: None,
            limit: params::DEFAULT_SEARCH_LIMIT,
        }
    }
}

impl OrderSearch {
    /// The text filter as an order id prefix, when it can be one: 8 to 36 characters of
    /// lower-case hex digits and dashes.
    pub fn id_prefix(&self) -> Option<&str> {
        self.text.as_deref().filter(|t| {
            (8..=36).contains(&t.len())
                && t.bytes()
                    .all(|b| b.is_ascii_digit() || (b'a'..=b'f').contains(&b) || b == b'-')
        })
    }

    /// The sort key of `hit`'s order, as a store reports it.
    pub fn position_of(&self, hit: &SearchHit) -> SearchPosition {
        SearchPosition {
            key: hit.key,
            order_id: hit.document.id,
        }
    }
}

/// One order a search found: its document and its sort key.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchHit {
    /// The sort key: creation time in Unix milliseconds or total in minor units.
    pub key: i64,
    /// The order as stored.
    pub document: OrderDocument,
}

/// A page of search results.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SearchPage {
    /// The orders on this page, as stored.
    pub documents: Vec<OrderDocument>,
    /// Pass as `cursor` (with the same filters) for the next page; `None` on the last page.
    pub next_cursor: Option<String>,
}

pub(crate) use cursor::encode_cursor;
