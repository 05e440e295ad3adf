//! The wire format of `POST /sync/push` and `GET /sync/pull`, exactly as the offline sync
//! contract fixes it (camelCase; fields may be added, never renamed or removed). Amounts are
//! decimal strings and the captured currency a code, checked when the server applies an
//! operation, so that a bad value is one operation's `rejected` result rather than a refusal
//! of the whole push.

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::{DeviceId, IdempotencyKey, OrderId, ProductId, UserId};
use crate::model::{Address, Metadata, Milestone, PaymentMethod, ShippingMethod};
use crate::shipping::Shipment;
use crate::status::OrderStatus;

/// The most operations one push may carry.
pub const MAX_PUSH_OPERATIONS: usize = 500;

/// The body of `POST /sync/push`: a device's pending operations, in `seq` order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PushRequest {
    /// The pushing device; must be the `sub` of its token.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Za-z0-9._-]{1,64}$"))]
    pub device_id: DeviceId,
    /// The device's clock when it sent the push; the server derives the clock offset from it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub device_time: Timestamp,
    /// At most [`MAX_PUSH_OPERATIONS`], in `seq` order.
    #[cfg_attr(feature = "openapi", schema(max_items = 500))]
    pub operations: Vec<Operation>,
}

/// One operation a device recorded, numbered by its per-device sequence (1, 2, 3, … no gaps).
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Operation {
    /// The operation's sequence number on its device.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub seq: u64,
    /// What the operation does (`op` and its fields, flattened).
    #[serde(flatten)]
    pub op: OpBody,
}

/// What an operation does: the `op` tag and its fields.
// Deliberately exhaustive: each front end mirrors it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "op", rename_all = "snake_case")]
pub enum OpBody {
    /// An order as the device priced it.
    Place {
        /// The key the order was placed with (scoped to its user, as online).
        #[serde(rename = "idempotencyKey")]
        #[cfg_attr(feature = "openapi", schema(value_type = String))]
        idempotency_key: IdempotencyKey,
        /// The order as captured.
        order: Box<CapturedOrder>,
    },
    /// A cancellation of an order this device captured.
    Cancel {
        /// The order cancelled.
        #[serde(rename = "orderId")]
        #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
        order_id: OrderId,
        /// Why, kept as the cancellation's note.
        #[serde(default)]
        reason: Option<String>,
    },
}

impl OpBody {
    /// The order the operation is about.
    pub fn order_id(&self) -> OrderId {
        match self {
            OpBody::Place { order, .. } => order.order_id,
            OpBody::Cancel { order_id, .. } => *order_id,
        }
    }

    /// `place` or `cancel`.
    pub fn kind(&self) -> &'static str {
        match self {
            OpBody::Place { .. } => "place",
            OpBody::Cancel { .. } => "cancel",
        }
    }
}

/// An order as a device captured and priced it. The payment method carries its token (the
/// server stores it beside the order, as online); nothing the server answers carries it.
#[derive(Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CapturedOrder {
    /// The order's id, a UUIDv7 made on the device.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub order_id: OrderId,
    /// The customer.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub user_id: UserId,
    /// ISO 4217 code of every amount.
    pub currency: String,
    /// The lines as the device priced them.
    pub items: Vec<CapturedLine>,
    /// The totals as the device computed them.
    pub totals: CapturedTotals,
    /// Where the order goes.
    pub delivery_address: Address,
    /// How it is paid, token included.
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub payment_method: PaymentMethod,
    /// How it is delivered.
    #[serde(default)]
    pub shipping_method: ShippingMethod,
    /// The discount code the device applied, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    /// When the device captured it, by the device's clock.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub captured_at: Timestamp,
    /// Free-form data attached on the device.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object))]
    pub metadata: Metadata,
}

/// Written by hand so that the payment token is printed redacted (see [`PaymentMethod`]).
impl std::fmt::Debug for CapturedOrder {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("CapturedOrder")
            .field("order_id", &self.order_id)
            .field("user_id", &self.user_id)
            .field("currency", &self.currency)
            .field("items", &self.items)
            .field("totals", &self.totals)
            .field("payment_method", &self.payment_method)
            .field("captured_at", &self.captured_at)
            .finish_non_exhaustive()
    }
}

/// One captured line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CapturedLine {
    /// The product.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub product_id: ProductId,
    /// Its display name.
    pub name: String,
    /// How many units.
    pub quantity: u32,
    /// Price of one unit, a decimal string in the order's currency.
    pub unit_price: String,
}

/// Captured totals, decimal strings in the order's currency:
/// `total = subtotal + shipping + tax - discount`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CapturedTotals {
    /// Sum of the lines.
    pub subtotal: String,
    /// Shipping charge.
    pub shipping: String,
    /// Tax.
    pub tax: String,
    /// Discount.
    pub discount: String,
    /// What the customer pays.
    pub total: String,
}

/// The answer to a push.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PushResponse {
    /// The highest `seq` the server holds a result for: the device resumes after it.
    pub last_seq: u64,
    /// The server's clock when it answered.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub server_time: Timestamp,
    /// One result per operation received and applied (or applied before), in `seq` order;
    /// none for operations after a gap.
    pub results: Vec<OperationResult>,
}

/// What became of one operation.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OperationResult {
    /// The operation's `seq`.
    pub seq: u64,
    /// The order it was about.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub order_id: OrderId,
    /// What happened.
    pub outcome: Outcome,
    /// Why, for every outcome but `accepted` (a stable code such as `price_variance`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    /// For people.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

impl OperationResult {
    /// An `accepted` result.
    pub fn accepted(seq: u64, order_id: OrderId) -> Self {
        OperationResult {
            seq,
            order_id,
            outcome: Outcome::Accepted,
            code: None,
            detail: None,
        }
    }

    /// A result with an outcome other than `accepted`, its code and detail.
    pub fn with(
        seq: u64,
        order_id: OrderId,
        outcome: Outcome,
        code: &str,
        detail: impl Into<String>,
    ) -> Self {
        OperationResult {
            seq,
            order_id,
            outcome,
            code: Some(code.to_owned()),
            detail: Some(detail.into()),
        }
    }
}

/// What the server did with an operation.
// Deliberately exhaustive: each front end mirrors it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// Stored as captured.
    Accepted,
    /// Stored as captured; the server's own pricing differs (kept in the order's history).
    AcceptedWithVariance,
    /// Stored and flagged for staff.
    NeedsReview,
    /// Not stored.
    Rejected,
    /// The idempotency key is already used for a different order; nothing stored.
    Conflict,
}

impl Outcome {
    /// The wire name, e.g. `accepted_with_variance`.
    pub fn as_str(&self) -> &'static str {
        match self {
            Outcome::Accepted => "accepted",
            Outcome::AcceptedWithVariance => "accepted_with_variance",
            Outcome::NeedsReview => "needs_review",
            Outcome::Rejected => "rejected",
            Outcome::Conflict => "conflict",
        }
    }

    /// The outcome named `text`, if any.
    pub fn parse(text: &str) -> Option<Outcome> {
        [
            Outcome::Accepted,
            Outcome::AcceptedWithVariance,
            Outcome::NeedsReview,
            Outcome::Rejected,
            Outcome::Conflict,
        ]
        .into_iter()
        .find(|o| o.as_str() == text)
    }

    /// Whether the order was stored on the server.
    pub fn stored(&self) -> bool {
        matches!(
            self,
            Outcome::Accepted | Outcome::AcceptedWithVariance | Outcome::NeedsReview
        )
    }
}

/// One page of `GET /sync/pull`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct PullPage {
    /// Changes, oldest first.
    pub changes: Vec<Change>,
    /// Where the next pull starts (always present; on the last page, where new changes will
    /// appear).
    pub next_cursor: String,
    /// Whether more changes follow right now.
    pub has_more: bool,
}

/// One change the server made to an order a device captured.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Change {
    /// The order.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub order_id: OrderId,
    /// The order's version after the change.
    pub version: u32,
    /// Its status after the change.
    pub status: OrderStatus,
    /// The milestone the change appended; for a change that moved no status (a shipment),
    /// the order's last milestone, which the device already has.
    pub milestone: Milestone,
    /// The order's shipments after the change (absent while it has none).
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<Shipment>,
    /// When the change was made (absent from servers that sent only the milestone, whose
    /// time it then is).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = DateTime))]
    pub updated_at: Option<Timestamp>,
}
