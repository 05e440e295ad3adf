//! Request bodies and their conversion into the engine's requests.
//!
//! Each body first gets a look at the raw JSON (`precheck`) so that the commonest mistakes
//! get their own code (an unknown payment type, a card number, an unknown status) instead of a
//! generic "invalid body"; the engine then applies every business rule.

use orderly::{
    Address, CheckoutRequest, Metadata, OrderStatus, OrderlyError, PlaceOrderRequest, ProductId,
    ShipmentLine, ShipmentRequest, ShipmentStatus, ShippingMethod, UserId, ValidationError, parse,
};
use serde::Deserialize;
use serde_json::Value;
use utoipa::ToSchema;

use super::common::PaymentMethodDto;
use crate::extract::ApiBody;
use crate::problem::Problem;

/// Body of `POST /checkout`.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = CheckoutRequest)]
pub struct CheckoutBody {
    #[schema(pattern = "^[A-Za-z0-9_.@-]{1,64}$", example = "alice")]
    pub user_id: String,
    pub delivery_address: Address,
    pub payment_method: PaymentMethodDto,
    /// `standard` when absent.
    #[serde(default)]
    pub shipping_method: Option<ShippingMethod>,
    #[serde(default)]
    #[schema(max_length = 64)]
    pub discount_code: Option<String>,
}

impl CheckoutBody {
    pub fn into_request(self) -> Result<CheckoutRequest, OrderlyError> {
        Ok(CheckoutRequest {
            user_id: UserId::new(self.user_id)?,
            delivery_address: self.delivery_address,
            payment_method: self.payment_method.into(),
            shipping_method: self.shipping_method,
            discount_code: self.discount_code,
        })
    }
}

impl ApiBody for CheckoutBody {
    fn precheck(value: &Value) -> Result<(), Problem> {
        precheck_order_like(value)
    }
}

/// Body of `POST /order`.
#[derive(Debug, Clone, PartialEq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = PlaceOrderRequest)]
pub struct PlaceOrderBody {
    #[schema(pattern = "^[A-Za-z0-9_.@-]{1,64}$", example = "alice")]
    pub user_id: String,
    pub delivery_address: Address,
    pub payment_method: PaymentMethodDto,
    /// Price the order as this checkout quoted it (it must not have expired, and the cart
    /// must not have changed since).
    #[serde(default)]
    #[schema(format = "uuid")]
    pub checkout_id: Option<String>,
    /// `standard` when absent (or the checkout's method).
    #[serde(default)]
    pub shipping_method: Option<ShippingMethod>,
    #[serde(default)]
    #[schema(max_length = 64)]
    pub discount_code: Option<String>,
    /// Free-form JSON object kept with the order (at most 16 KiB).
    #[serde(default)]
    #[schema(value_type = Option<Object>)]
    pub metadata: Option<Metadata>,
}

impl PlaceOrderBody {
    pub fn into_request(self) -> Result<PlaceOrderRequest, OrderlyError> {
        let checkout_id = self
            .checkout_id
            .as_deref()
            .map(parse::checkout_id)
            .transpose()?;
        Ok(PlaceOrderRequest {
            user_id: UserId::new(self.user_id)?,
            delivery_address: self.delivery_address,
            payment_method: self.payment_method.into(),
            shipping_method: self.shipping_method,
            checkout_id,
            discount_code: self.discount_code,
            metadata: self.metadata,
        })
    }
}

impl ApiBody for PlaceOrderBody {
    fn precheck(value: &Value) -> Result<(), Problem> {
        precheck_order_like(value)
    }
}

/// Body of `PUT /order/{orderId}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = StatusUpdateRequest)]
pub struct StatusBody {
    pub status: OrderStatus,
    /// Kept in the order's history with the milestone.
    #[serde(default)]
    #[schema(max_length = 1000)]
    pub note: Option<String>,
}

impl ApiBody for StatusBody {
    fn precheck(value: &Value) -> Result<(), Problem> {
        if let Some(status) = value.get("status").and_then(Value::as_str) {
            parse_status(status)?;
        }
        Ok(())
    }
}

/// A status word from a body or a query; an unknown one is 422 `invalid_status`.
pub fn parse_status(status: &str) -> Result<orderly::OrderStatus, Problem> {
    parse::order_status(status).map_err(|e| OrderlyError::from(e).into())
}

/// Specific codes for the payment method and shipping method of checkout and order bodies,
/// from the engine's boundary parsers.
fn precheck_order_like(value: &Value) -> Result<(), Problem> {
    if let Some(payment) = value.get("paymentMethod").and_then(Value::as_object) {
        parse::payment_object(payment).map_err(OrderlyError::from)?;
    }
    if let Some(method) = value.get("shippingMethod").and_then(Value::as_str) {
        parse::shipping_method(method).map_err(OrderlyError::from)?;
    }
    Ok(())
}

/// One line of a shipment as `POST /order/{orderId}/shipments` gives it.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = ShipmentLineRequest)]
pub struct ShipmentLineBody {
    /// A product on the order.
    #[schema(example = "sku-1")]
    pub product_id: String,
    /// Units of it, at least 1 and at most what no other shipment carries yet.
    pub quantity: u32,
}

/// Body of `POST /order/{orderId}/shipments`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = ShipmentCreateRequest)]
pub struct ShipmentBody {
    /// What the shipment carries; everything not yet in a shipment when absent.
    #[serde(default)]
    pub lines: Option<Vec<ShipmentLineBody>>,
    /// The carrier, e.g. `ups`, `Royal Mail` or any other name.
    #[serde(default)]
    #[schema(example = "ups")]
    pub carrier: Option<String>,
    /// The carrier's tracking number.
    #[serde(default)]
    #[schema(example = "1Z999AA10123456784")]
    pub tracking_number: Option<String>,
    /// Where the customer follows the parcel; made from the carrier's template for a known
    /// carrier when absent.
    #[serde(default)]
    pub tracking_url: Option<String>,
    /// `shipped` when absent; `pending` reserves the quantities without shipping them yet.
    #[serde(default)]
    pub status: Option<NewShipmentStatus>,
    /// Kept with the shipment's first milestone (the engine's note rules: at most 1000
    /// characters).
    #[serde(default)]
    pub note: Option<String>,
}

/// The states a shipment may start in.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum NewShipmentStatus {
    Pending,
    Shipped,
}

impl From<NewShipmentStatus> for ShipmentStatus {
    fn from(status: NewShipmentStatus) -> Self {
        match status {
            NewShipmentStatus::Pending => ShipmentStatus::Pending,
            NewShipmentStatus::Shipped => ShipmentStatus::Shipped,
        }
    }
}

impl ShipmentBody {
    pub fn into_request(self) -> Result<ShipmentRequest, OrderlyError> {
        let lines = self
            .lines
            .map(|lines| {
                lines
                    .into_iter()
                    .map(|line| {
                        Ok(ShipmentLine {
                            product_id: ProductId::new(line.product_id)?,
                            quantity: line.quantity,
                        })
                    })
                    .collect::<Result<Vec<_>, ValidationError>>()
            })
            .transpose()?;
        Ok(ShipmentRequest {
            lines,
            carrier: self.carrier,
            tracking_number: self.tracking_number,
            tracking_url: self.tracking_url,
            status: self.status.map(ShipmentStatus::from),
            note: self.note,
        })
    }
}

impl ApiBody for ShipmentBody {
    fn precheck(value: &Value) -> Result<(), Problem> {
        precheck_shipment_status(value)
    }
}

// The bodies that come with If-Match document no constraint that only the engine checks (a
// longest note, a least quantity): the engine weighs If-Match first, so such a body under a
// stale tag is a 412, not the 4xx a schema violation calls for.

/// Body of `PUT /order/{orderId}/shipments/{shipmentId}/status`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = ShipmentStatusUpdateRequest)]
pub struct ShipmentStatusBody {
    /// `shipped`, `delivered`, or `cancelled` while pending.
    pub status: ShipmentStatus,
    /// Kept with the shipment's milestone (the engine's note rules: at most 1000
    /// characters).
    #[serde(default)]
    pub note: Option<String>,
}

impl ApiBody for ShipmentStatusBody {
    fn precheck(value: &Value) -> Result<(), Problem> {
        precheck_shipment_status(value)
    }
}

/// An unknown shipment state is `invalid_field` (the engine's parser says why), not a generic
/// shape error.
fn precheck_shipment_status(value: &Value) -> Result<(), Problem> {
    if let Some(status) = value.get("status").and_then(Value::as_str) {
        status
            .parse::<ShipmentStatus>()
            .map_err(OrderlyError::from)?;
    }
    Ok(())
}

/// Body of `POST /order/{orderId}/notes`.
#[derive(Debug, Clone, PartialEq, Eq, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
#[schema(as = StaffNoteRequest)]
pub struct NoteBody {
    /// The note, 1 to 4000 characters; never shown to customers.
    #[schema(min_length = 1, max_length = 4000)]
    pub text: String,
}

impl ApiBody for NoteBody {}
