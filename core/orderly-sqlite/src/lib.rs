//! # orderly-sqlite
//!
//! Orderly's [`Store`](orderly_core::Store) on SQLite (rusqlite with SQLite bundled).
//!
//! - **Durable by default**: a write returns only after the commit holding it is synced to
//!   disk (`synchronous=FULL`), so no acknowledged order is lost to a power cut or a flat
//!   battery. [`Synchronous::MayLoseLastTransactions`] trades that away for speed.
//! - **Group commit**: one writer connection; concurrent writes share one `BEGIN IMMEDIATE`
//!   transaction and one sync, each in its own savepoint (a failing write is rolled back alone),
//!   and every writer is answered once that commit is synced. A small pool of reader
//!   connections runs beside the writer under WAL.
//! - Lock contention from other processes (`SQLITE_BUSY`, `SQLITE_LOCKED`) is waited out for
//!   the 50 ms busy timeout, then reported as `StoreErrorKind::Contention`, which the engine's
//!   retry policy retries if its deadline allows; the store does not retry on its own.
//! - The schema is versioned with `PRAGMA user_version`; pending migrations are applied in one
//!   transaction at open, and a database from a newer build is refused.
//! - The schema is the MySQL store's: the same tables, columns, names and constraints, and
//!   the same modules here as there, one per concern.
//! - An order is one row: its full JSON in `doc`, plus scalar columns for indexes and
//!   reporting. Money is stored in minor units, times in Unix milliseconds, ids as canonical
//!   UUID text made by the engine.
//!
//! ## Quick start
//!
//! ```
//! use std::sync::Arc;
//!
//! use orderly_core::{
//!     Address, Caller, IdempotencyKey, InMemoryCarts, OrderService, OrderStatus, PaymentMethod,
//!     PlaceOrderRequest, RawCart, RawCartItem, Store, UserId,
//! };
//! use orderly_sqlite::{SqliteOptions, SqliteStore};
//!
//! // A file database: `SqliteStore::open("orders.db", SqliteOptions::default())`.
//! let store = Arc::new(SqliteStore::open_in_memory()?);
//! let carts = Arc::new(InMemoryCarts::new());
//! carts.set(RawCart {
//!     user_id: "alice".into(),
//!     currency: "USD".into(),
//!     items: vec![RawCartItem {
//!         product_id: "sku-1".into(),
//!         name: "Espresso beans".into(),
//!         quantity: 2,
//!         unit_price: "12.50".into(),
//!     }],
//!     updated_at: None,
//! });
//! let service = OrderService::builder(store.clone(), carts).build();
//!
//! let alice = UserId::new("alice")?;
//! let request = PlaceOrderRequest {
//!     user_id: alice.clone(),
//!     delivery_address: Address {
//!         name: "Alice Doe".into(),
//!         line1: "1 Market St".into(),
//!         line2: None,
//!         city: "San Francisco".into(),
//!         region: Some("CA".into()),
//!         postal_code: "94105".into(),
//!         country: "US".into(),
//!     },
//!     payment_method: PaymentMethod::Paypal { token: "pp-token-1".into() },
//!     shipping_method: None,
//!     checkout_id: None,
//!     discount_code: None,
//!     metadata: None,
//! };
//! let key = IdempotencyKey::new("order-1")?;
//! let placed = service.place_order(&Caller::customer(&alice), &request, &key)?;
//! assert!(placed.created);
//! assert_eq!(placed.order.status, OrderStatus::Placed);
//!
//! // The same key and request give back the same order, never a second one.
//! let again = service.place_order(&Caller::customer(&alice), &request, &key)?;
//! assert_eq!((again.order.id, again.created), (placed.order.id, false));
//! assert_eq!(store.order(&placed.order.id)?, Some(placed.order));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

mod checkouts;
mod codec;
mod config;
mod confirmations;
mod connection;
mod error;
mod group_commit;
mod leases;
mod migrate;
mod notes;
mod orders;
mod outbox;
mod pool;
mod rollups;
mod search;
mod store;
mod sync;
mod webhooks;

pub use config::{SqliteOptions, Synchronous};
pub use group_commit::GroupCommitStats;
pub use migrate::SCHEMA_VERSION;
pub use store::SqliteStore;

#[cfg(test)]
mod tests;
