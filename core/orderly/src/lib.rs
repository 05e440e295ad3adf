//! # orderly
//!
//! An order-management engine that is exact to the cent and never places an order twice:
//! carts, checkout quotes, idempotent ordering, the order status machine with its milestones,
//! cursor-paginated history, a transactional outbox and analytics rollups.
//!
//! This crate is the one to depend on. It re-exports the whole core (`orderly_core`: every
//! type at the root, every module by name) and opens a storage backend from a URL:
//!
//! | URL | backend | feature |
//! |---|---|---|
//! | `sqlite://orders.db` (relative path), `sqlite:///var/lib/orders.db` (absolute) | SQLite file, WAL | `sqlite` (default) |
//! | `sqlite::memory:` | private in-memory SQLite | `sqlite` (default) |
//! | `mysql://user:pass@host:3306/db` | MySQL / MariaDB | `mysql` |
//!
//! SQLite files are durable by default: a write returns only once the commit holding it is
//! synced to disk, and concurrent writes share commits (group commit).
//! `?synchronous=may_lose_last_transactions` trades that for speed: it **may lose the last
//! transactions on power loss** (never on an application crash). `?readers=N` sets the reader
//! connections beside the writer (default 4).
//!
//! ## Quick start
//!
//! ```
//! use std::sync::Arc;
//!
//! use orderly::{
//!     Address, Caller, CheckoutRequest, IdempotencyKey, InMemoryCarts, OrderStatus,
//!     PaymentMethod, PlaceOrderRequest, RawCart, RawCartItem, UserId,
//! };
//!
//! // Carts normally come from the Cart Service; embedded apps and tests keep them in memory.
//! let carts = Arc::new(InMemoryCarts::new());
//! carts.set(RawCart {
//!     user_id: "alice".into(),
//!     currency: "USD".into(),
//!     items: vec![RawCartItem {
//!         product_id: "sku-espresso".into(),
//!         name: "Espresso beans 1kg".into(),
//!         quantity: 2,
//!         unit_price: "19.99".into(),
//!     }],
//!     updated_at: None,
//! });
//! let engine = orderly::open("sqlite::memory:", carts)?;
//!
//! let alice = UserId::new("alice")?;
//! let caller = Caller::customer(&alice);
//! let address = Address {
//!     name: "Alice Martin".into(),
//!     line1: "350 Fifth Avenue".into(),
//!     line2: None,
//!     city: "New York".into(),
//!     region: Some("NY".into()),
//!     postal_code: "10118".into(),
//!     country: "US".into(),
//! };
//! let card = PaymentMethod::Card {
//!     token: "tok_visa_4242".into(),
//!     brand: "visa".into(),
//!     last4: "4242".into(),
//!     exp_month: 12,
//!     exp_year: 2099,
//! };
//!
//! // Checkout prices the cart and stores the quote: 39.98 + 4.99 standard shipping + 1.60
//! // NY tax (4 % of 39.98, rounded half-even).
//! let quote = engine.checkout(
//!     &caller,
//!     &CheckoutRequest {
//!         user_id: alice.clone(),
//!         delivery_address: address.clone(),
//!         payment_method: card.clone(),
//!         shipping_method: None,
//!         discount_code: None,
//!     },
//! )?;
//! assert_eq!(quote.totals.total.to_string(), "46.57 USD");
//!
//! // Placing the order from the quote, with an idempotency key: a retry returns the same order.
//! let request = PlaceOrderRequest {
//!     user_id: alice.clone(),
//!     delivery_address: address,
//!     payment_method: card,
//!     shipping_method: None,
//!     checkout_id: Some(quote.checkout_id),
//!     discount_code: None,
//!     metadata: None,
//! };
//! let key = IdempotencyKey::new("checkout-button-1")?;
//! let placed = engine.place_order(&caller, &request, &key)?;
//! assert!(placed.created);
//! assert_eq!(placed.order.status, OrderStatus::Placed);
//! assert_eq!(placed.order.totals, quote.totals);
//!
//! let retried = engine.place_order(&caller, &request, &key)?;
//! assert_eq!((retried.order.id, retried.created), (placed.order.id, false));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! For a custom clock, pricing policy or id generator, open the store with [`open_store`] and
//! use [`OrderService::builder`].

#![warn(missing_docs)]

pub use orderly_core::*;

mod backends;
mod device;
pub mod embedded;
mod open_error;
#[cfg(feature = "sqlite")]
mod sqlite_url;
#[cfg(feature = "sync-client")]
pub mod sync_client;
#[cfg(feature = "sync-client")]
mod sync_json;

pub use embedded::{ActAs, Embedded, OrderInput, ShipmentInput, ShipmentLineInput};
pub use open_error::OpenError;
#[cfg(feature = "sqlite")]
pub use orderly_sqlite::{
    SCHEMA_VERSION as SQLITE_SCHEMA_VERSION, SqliteOptions, SqliteStore, Synchronous,
};
#[cfg(feature = "sync-client")]
pub use sync_client::{SyncClientError, SyncOptions, SyncReport};

use std::sync::Arc;

/// Opens the store a URL names; see the crate docs for the URL forms.
pub fn open_store(url: &str) -> Result<Arc<dyn Store>, OpenError> {
    let Some((scheme, rest)) = url.split_once(':') else {
        return Err(OpenError::InvalidUrl(
            "expected a URL such as sqlite://orders.db, sqlite::memory: or mysql://host/db".into(),
        ));
    };
    match scheme.to_ascii_lowercase().as_str() {
        "sqlite" => backends::sqlite(rest),
        "mysql" => backends::mysql(url),
        _ => Err(OpenError::UnsupportedScheme(
            scheme.chars().take(32).collect(),
        )),
    }
}

/// Opens the store a URL names and builds an [`OrderService`] over it with the default clock,
/// pricing policy and ids.
pub fn open(url: &str, carts: Arc<dyn CartSource>) -> Result<OrderService, OpenError> {
    Ok(OrderService::builder(open_store(url)?, carts).build())
}

#[cfg(test)]
mod tests;
