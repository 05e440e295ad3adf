//! Request and response shapes of the service's use cases.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::document::OrderDocument;
use crate::ids::{CheckoutId, OrderId, UserId};
use crate::model::{Address, Metadata, Milestone, Order, PaymentMethod, ShippingMethod};
use crate::status::OrderStatus;

#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct CheckoutRequest {
    pub user_id: UserId,
    pub delivery_address: Address,
    pub payment_method: PaymentMethod,
    #[serde(default)]
    pub shipping_method: Option<ShippingMethod>,
    #[serde(default)]
    pub discount_code: Option<String>,
}

/// What the idempotency fingerprint covers: the whole request, as sent.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PlaceOrderRequest {
    pub user_id: UserId,
    pub delivery_address: Address,
    pub payment_method: PaymentMethod,
    #[serde(default)]
    pub shipping_method: Option<ShippingMethod>,
    #[serde(default)]
    pub checkout_id: Option<CheckoutId>,
    #[serde(default)]
    pub discount_code: Option<String>,
    #[serde(default)]
    pub metadata: Option<Metadata>,
}

/// The result of `place_order`: the order, and whether this call created it (`false` when the
/// idempotency key had already placed it).
#[derive(Debug, Clone, PartialEq)]
pub struct Placement {
    pub order: Order,
    /// `order` as the store holds it, for callers that pass it on as JSON.
    pub document: OrderDocument,
    pub created: bool,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct HistoryRequest {
    /// 1 to 100; `None` means 20.
    pub limit: Option<i64>,
    /// An opaque cursor from a previous page's `next_cursor`.
    pub cursor: Option<String>,
    pub status: Option<OrderStatus>,
}

/// One page of a user's orders, newest first.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderPage {
    pub orders: Vec<Order>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub next_cursor: Option<String>,
}

/// A page of a user's orders as stored, undecoded: for callers that pass orders on as JSON.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct DocumentPage {
    pub documents: Vec<OrderDocument>,
    /// `None` on the last page.
    pub next_cursor: Option<String>,
}

/// An order's status and every milestone, oldest first, starting with `placed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StatusView {
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub order_id: OrderId,
    pub status: OrderStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: u32,
    /// Every milestone, oldest first, starting with `placed`.
    pub history: Vec<Milestone>,
}

#[derive(Debug, Clone, PartialEq, Eq, Default)]
pub struct StatusUpdate {
    pub note: Option<String>,
    /// When set, the update applies only if the order is still at this version.
    pub expected_version: Option<u32>,
}
