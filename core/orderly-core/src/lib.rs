//! # orderly-core
//!
//! The pure domain of the Orderly order engine: exact money, pricing, validation, the order
//! status machine, the `OrderService` use cases and the store traits that backends implement
//! (one per concern, combined in `Store`; see [`store`]).
//! No I/O, no async, no FFI: it embeds anywhere.
//!
//! ## Quick start
//!
//! The core needs a `Store`; the `orderly` facade crate wires one up (`orderly::open`). Here
//! the pure parts: money and pricing.
//!
//! ```
//! use orderly_core::money::{Currency, Money};
//! use orderly_core::pricing::{Rate, RoundingMode};
//!
//! let usd = Currency::from_code("USD")?;
//! let price = Money::parse("19.99", usd)?;
//! let line = price.checked_mul(3)?;
//! assert_eq!(line.amount_string(), "59.97");
//!
//! // 8.875 % tax on 59.97, rounded half-even: 5.322... -> 5.32
//! let tax = Rate::percent("8.875")?.apply(line.minor(), RoundingMode::HalfEven)?;
//! assert_eq!(Money::from_minor(tax, usd).to_string(), "5.32 USD");
//!
//! assert!(Money::parse("1.999", usd).is_err());
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

#![warn(missing_docs)]

pub mod analytics;
pub mod cancellation;
pub mod cart_source;
pub mod clock;
pub mod document;
pub mod envelope;
pub mod error;
pub mod events;
pub mod export;
pub mod ids;
pub mod model;
pub mod money;
#[cfg(feature = "openapi")]
pub mod openapi;
pub mod parse;
pub mod pricing;
pub mod retry;
pub mod search;
pub mod service;
pub mod shipping;
pub mod status;
pub mod store;
pub mod sync;
#[cfg(test)]
mod test_orders;
pub mod timeline;
pub mod validation;
pub mod webhooks;

pub use analytics::{DailySales, DayRange, ProductSales, SalesSummary, StatusCount, TopBy};
pub use cancellation::{CancelReason, Cancellation};
pub use cart_source::{CartSource, CartSourceError, FetchedCart, InMemoryCarts};
pub use clock::{Clock, ManualClock, SystemClock, Timestamp};
pub use document::OrderDocument;
pub use error::{ErrorKind, OrderlyError, Result, StoreError, StoreErrorKind, ValidationError};
pub use events::{EventType, OutboxEvent};
pub use ids::{
    CheckoutId, DeviceId, EventId, IdGenerator, IdempotencyKey, NoteId, OrderId, ProductId,
    SequentialIds, ShipmentId, UserId, UuidV7Generator, WebhookId,
};
pub use model::{
    Address, Caller, Cart, CartLine, Checkout, Metadata, Milestone, OfflineCapture, Order,
    OrderLine, PaymentMethod, PaymentSummary, RawCart, RawCartItem, Role, ShippingMethod, Totals,
};
pub use money::{Currency, Money, MoneyError};
pub use pricing::{PricingPolicy, RoundingMode};
pub use retry::{Retry, RetryPolicy};
pub use service::{
    CheckoutRequest, DocumentPage, HistoryRequest, OrderPage, OrderService, PlaceOrderRequest,
    Placement, ServiceConfig, StatusUpdate, StatusView, WebhookChange, WebhookConfig,
};
pub use shipping::{Shipment, ShipmentLine, ShipmentMilestone, ShipmentRequest, ShipmentStatus};
pub use status::OrderStatus;
pub use store::{Store, StoreDecorator};
