//! Request and response shapes of the service's use cases.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::document::OrderDocument;
use crate::ids::{CheckoutId, OrderId, UserId};
use crate::model::{Address, Metadata, Milestone, Order, PaymentMethod, ShippingMethod};
use crate::shipping::Shipment;
use crate::status::OrderStatus;

/// Input to `checkout`: what to price the user's current cart for.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutRequest {
    /// Whose cart to price.
    pub user_id: UserId,
    /// Where the order would be delivered.
    pub delivery_address: Address,
    /// How the customer would pay.
    pub payment_method: PaymentMethod,
    /// `None` means [`ShippingMethod::Standard`].
    #[serde(default)]
    pub shipping_method: Option<ShippingMethod>,
    /// An optional discount code.
    #[serde(default)]
    pub discount_code: Option<String>,
}

/// What the idempotency fingerprint covers: the whole request, as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaceOrderRequest {
    /// Who the order is for; the cart is this user's.
    pub user_id: UserId,
    /// Where the order is delivered.
    pub delivery_address: Address,
    /// How the customer pays; with `checkout_id`, must equal the quote's.
    pub payment_method: PaymentMethod,
    /// `None` means standard, or with `checkout_id` the quote's method, which a given method
    /// must equal.
    #[serde(default)]
    pub shipping_method: Option<ShippingMethod>,
    /// A quote from `checkout` to honour; `None` prices the cart now.
    #[serde(default)]
    pub checkout_id: Option<CheckoutId>,
    /// An optional discount code; with `checkout_id`, a given code must be the quote's.
    #[serde(default)]
    pub discount_code: Option<String>,
    /// Free-form data stored with the order; `None` stores an empty object.
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// The result of `place_order`: the order, and whether this call created it (`false` when the
/// idempotency key had already placed it).
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    /// The order.
    pub order: Order,
    /// `order` as the store holds it, for callers that pass it on as JSON.
    pub document: OrderDocument,
    /// `true` when this call placed the order, `false` when it replays an earlier placement.
    pub created: bool,
}

/// Input to `orders_for_user`: page size, position and an optional status filter.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryRequest {
    /// 1 to 100; `None` means 20.
    pub limit: Option<i64>,
    /// An opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    /// Only orders in this status; `None` lists all.
    pub status: Option<OrderStatus>,
}

/// One page of a user's orders, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderPage {
    /// The orders on this page.
    pub orders: Vec<Order>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// A page of a user's orders as stored, undecoded: for callers that pass orders on as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentPage {
    /// The orders on this page, as stored.
    pub documents: Vec<OrderDocument>,
    /// `None` on the last page.
    pub next_cursor: Option<String>,
}

/// An order's status and every milestone, oldest first, starting with `placed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    /// The order.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub order_id: OrderId,
    /// Its current status.
    pub status: OrderStatus,
    /// When the order last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// The order's version (see [`Order::version`]).
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: u32,
    /// Every milestone, oldest first, starting with `placed`.
    pub history: Vec<Milestone>,
    /// The order's shipments with their tracking, oldest first; absent while it has none.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<Shipment>,
}

/// Options for a status change.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusUpdate {
    /// A note recorded on the milestone (the reason, when the move cancels the order).
    pub note: Option<String>,
    /// When set, the update applies only if the order is still at this version.
    pub expected_version: Option<u32>,
}
