//! # orderly-swift
//!
//! The Orderly order engine for iOS and macOS apps, through UniFFI: this crate exports the
//! engine's use cases as an `Engine` object with plain records, enums and one error type, and
//! `uniffi-bindgen` turns it into the Swift module `Orderly` (see `bindings/swift/README.md`).
//! It converts types and nothing else: every rule stays in the engine.
//!
//! Storage is embedded SQLite (`sqlite:///abs/path.db`, `sqlite://relative.db`,
//! `sqlite::memory:`); this build has no MySQL.
//!
//! ## Quick start
//!
//! The Swift API is this crate's API with Swift names (`set_cart` is `setCart(userId:...)`).
//! The same flow from Rust:
//!
//! ```
//! use orderly_ffi::{Address, CartItem, Engine, OrderStatus, OrderlyError, PaymentMethod};
//!
//! let engine = Engine::open("sqlite::memory:".into(), None, None)?;
//! engine.set_cart(
//!     "alice".into(),
//!     "USD".into(),
//!     vec![CartItem {
//!         product_id: "sku-1".into(),
//!         name: "Espresso beans".into(),
//!         quantity: 2,
//!         unit_price: "19.99".into(),
//!     }],
//! );
//! let home = Address {
//!     name: "Alice".into(),
//!     line1: "350 Fifth Ave".into(),
//!     line2: None,
//!     city: "New York".into(),
//!     region: Some("NY".into()),
//!     postal_code: "10118".into(),
//!     country: "US".into(),
//! };
//! let placed = engine.place_order(
//!     "alice".into(),
//!     home,
//!     PaymentMethod::CashOnDelivery,
//!     "order-1".into(),
//!     None,
//!     None,
//!     None,
//!     None,
//! )?;
//! // 39.98 + 4.99 standard shipping + 1.60 NY tax (4 %, half-even).
//! assert_eq!(placed.order.totals.total.amount, "46.57");
//!
//! let id = placed.order.order_id;
//! engine.update_status(id.clone(), OrderStatus::Processing, None, None, None)?;
//! let err = engine
//!     .update_status(id, OrderStatus::Delivered, None, None, None)
//!     .unwrap_err();
//! assert!(matches!(err, OrderlyError::Conflict { .. }));
//! assert_eq!(err.code(), "invalid_transition");
//! # Ok::<(), OrderlyError>(())
//! ```

uniffi::setup_scaffolding!("orderly");

mod engine;
mod errors;
mod results;
mod staff;
mod sync;
mod values;
mod webhooks;

pub use engine::{Engine, default_policy_json};
pub use errors::OrderlyError;
pub use results::{
    CancellationCount, Cart, CartLine, Checkout, Milestone, Order, OrderLine, OrderPage,
    OutboxEvent, Placement, ProductSales, SalesSummary, Shipment, ShipmentLine, ShipmentMilestone,
    StaffNote, StatusCount, StatusView, TimelineEntry, Totals,
};
pub use staff::SearchFilters;
pub use sync::{SyncOutcome, SyncReport, SyncResult, SyncState};
pub use values::{
    ActorKind, Address, CancelReason, CartItem, EventType, Money, OrderStatus, PaymentMethod,
    PaymentSummary, SearchSort, ShipmentStatus, ShippingMethod, SortDirection, TimelineKind, TopBy,
};
