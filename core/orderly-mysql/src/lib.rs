//! # orderly-mysql
//!
//! Orderly's [`Store`](orderly_core::Store) on MySQL 8 and MariaDB 10.6+, written so that it
//! runs unchanged on MySQL-protocol distributed SQL (TiDB, Vitess/PlanetScale):
//!
//! * InnoDB, utf8mb4, money as `BIGINT` minor units, orders, checkouts and event payloads as
//!   JSON documents; versioned migrations embedded in the binary and applied on open under a
//!   server lock, so several processes may open the same database at once.
//! * Ids are made by the engine (UUIDv7), never `AUTO_INCREMENT`. Every order statement is
//!   keyed by the order id or by `user_id`, the shard key. No foreign keys, cascades, triggers
//!   or stored procedures.
//! * Each `Store` call is one transaction. Placing an order claims its idempotency key first:
//!   InnoDB makes a concurrent request with the same key wait for the first to commit and then
//!   returns the first one's order, so there is exactly one order per key even across
//!   processes. Status changes are conditional on the version (`VersionConflict` for the
//!   loser). A lock is waited for at most 1 s. Deadlocks, lock-wait timeouts and lost
//!   connections are reported as transient (`Contention`, `Connection`) and not retried here:
//!   the engine's one retry policy runs the call again, whole, if its deadline allows, and a
//!   retry after a lost commit finds its own order or event and reports success rather than
//!   writing twice.
//! * A commit is durable when the server is set up for it: `innodb_flush_log_at_trx_commit=1`
//!   and, with the binary log on, `sync_binlog=1` (InnoDB then groups concurrent commits into
//!   one sync by itself). [`Store::durability_warnings`](orderly_core::Store::durability_warnings)
//!   says in words when the server is set weaker.
//! * Every statement is parameterised: ids and text that look like SQL, 4-byte UTF-8 and
//!   maximal lengths are stored and returned exactly (idempotency keys and product ids are
//!   compared byte for byte, trailing spaces included).
//!
//! ## Quick start
//!
//! Needs a running server, hence `no_run`:
//!
//! ```no_run
//! use std::sync::Arc;
//!
//! use orderly_core::{
//!     Address, Caller, HistoryRequest, IdempotencyKey, InMemoryCarts, OrderService,
//!     PaymentMethod, PlaceOrderRequest, RawCart, RawCartItem, UserId,
//! };
//! use orderly_mysql::MysqlStore;
//!
//! // `prefer_socket=false` is implied: 127.0.0.1 stays TCP.
//! let store = MysqlStore::open("mysql://orderly:secret@127.0.0.1:3306/orderly")?;
//! let carts = Arc::new(InMemoryCarts::new());
//! let service = OrderService::builder(Arc::new(store), carts.clone()).build();
//!
//! carts.set(RawCart {
//!     user_id: "alice".into(),
//!     currency: "USD".into(),
//!     items: vec![RawCartItem {
//!         product_id: "sku-1".into(),
//!         name: "Teapot".into(),
//!         quantity: 2,
//!         unit_price: "19.99".into(),
//!     }],
//!     updated_at: None,
//! });
//! let alice = UserId::new("alice")?;
//! let request = PlaceOrderRequest {
//!     user_id: alice.clone(),
//!     delivery_address: Address {
//!         name: "Alice Doe".into(),
//!         line1: "1 Main St".into(),
//!         line2: None,
//!         city: "Springfield".into(),
//!         region: Some("IL".into()),
//!         postal_code: "62701".into(),
//!         country: "US".into(),
//!     },
//!     payment_method: PaymentMethod::Paypal { token: "tok_123".into() },
//!     shipping_method: None,
//!     checkout_id: None,
//!     discount_code: None,
//!     metadata: None,
//! };
//! let key = IdempotencyKey::new("order-2026-0001")?;
//! let caller = Caller::customer(&alice);
//! let placed = service.place_order(&caller, &request, &key)?;
//! // The same key again returns the same order, from any process.
//! let again = service.place_order(&caller, &request, &key)?;
//! assert_eq!(placed.order.id, again.order.id);
//! assert!(!again.created);
//!
//! let page = service.orders_for_user(&caller, &alice, &HistoryRequest::default())?;
//! assert_eq!(page.orders.len(), 1);
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! ## URLs
//!
//! `mysql://user:pass@host:port/db` (or `mariadb://`). Any parameter of the `mysql` crate may
//! follow; the store's defaults apply only to those not given: `prefer_socket=false`, a pool of
//! 1 to 16 connections, no connection reset between uses (it would drop the prepared-statement
//! cache), no ping on every checkout (the store pings connections that sat idle for over a
//! second instead), 10 s connect timeout. Each connection runs in READ COMMITTED with strict SQL mode
//! and a 1 s lock-wait timeout.

#![warn(missing_docs)]

mod backfill;
mod batch;
mod checkouts;
mod codec;
mod config;
mod confirmations;
mod durability;
mod error;
mod leases;
pub mod migrate;
mod notes;
mod orders;
mod outbox;
mod pool;
mod rollups;
pub mod scratch;
mod search;
mod store;
mod sync;
mod webhooks;

pub use config::{InvalidUrl, MysqlOptions};
pub use scratch::ScratchDatabase;
pub use store::MysqlStore;
