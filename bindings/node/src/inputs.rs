//! What callers pass in, as plain objects, and its conversion to the engine's request types.
//! Values the engine validates (ids, addresses, payment details, amounts) pass through
//! unchanged so that the engine's rules and error codes apply.

use napi_derive::napi;
use orderly::{
    Address as CoreAddress, OrderStatus, PaymentMethod as CorePaymentMethod, RawCartItem,
    ShippingMethod, ValidationError, parse,
};
use serde::Deserialize;

use crate::errors::{Failure, invalid_field};

/// A delivery address; `country` is an ISO 3166-1 alpha-2 code.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct Address {
    pub name: String,
    pub line1: String,
    pub line2: Option<String>,
    pub city: String,
    pub region: Option<String>,
    pub postal_code: String,
    pub country: String,
}

impl From<Address> for CoreAddress {
    fn from(a: Address) -> Self {
        CoreAddress {
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

impl From<CoreAddress> for Address {
    fn from(a: CoreAddress) -> Self {
        Address {
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

/// How the customer will pay: a card token (never a card number), a PayPal token, or cash on
/// delivery. The engine validates it and never charges it.
#[napi(discriminant = "type", discriminant_case = "snake_case")]
#[derive(Debug, Clone)]
pub enum PaymentMethod {
    Card {
        token: String,
        brand: String,
        last4: String,
        exp_month: f64,
        exp_year: f64,
    },
    Paypal {
        token: String,
    },
    CashOnDelivery,
}

/// A payment method as the caller wrote it. It is read from the raw object, not through
/// [`PaymentMethod`], so that the engine's boundary checks see all of it: an unknown `type`
/// and a card number under any field name get their codes instead of being dropped by the
/// object conversion.
#[derive(Debug, Deserialize)]
#[serde(
    tag = "type",
    rename_all = "snake_case",
    rename_all_fields = "camelCase"
)]
enum PaymentInput {
    Card {
        token: String,
        brand: String,
        last4: String,
        exp_month: f64,
        exp_year: f64,
    },
    Paypal {
        token: String,
    },
    CashOnDelivery,
}

/// The engine's payment method from a `PaymentMethod` object.
pub fn payment_method(value: serde_json::Value) -> Result<CorePaymentMethod, Failure> {
    let serde_json::Value::Object(fields) = &value else {
        return Err(invalid_field("paymentMethod", "must be an object"));
    };
    parse::payment_object(fields)?;
    let input: PaymentInput =
        serde_json::from_value(value).map_err(|e| invalid_field("paymentMethod", e.to_string()))?;
    Ok(match input {
        PaymentInput::Card {
            token,
            brand,
            last4,
            exp_month,
            exp_year,
        } => {
            let expiry = |v: f64| whole(v).ok_or(ValidationError::InvalidCardExpiry);
            CorePaymentMethod::Card {
                token,
                brand,
                last4,
                exp_month: expiry(exp_month)?,
                exp_year: expiry(exp_year)?,
            }
        }
        PaymentInput::Paypal { token } => CorePaymentMethod::Paypal { token },
        PaymentInput::CashOnDelivery => CorePaymentMethod::CashOnDelivery,
    })
}

impl From<CorePaymentMethod> for PaymentMethod {
    fn from(p: CorePaymentMethod) -> Self {
        match p {
            CorePaymentMethod::Card {
                token,
                brand,
                last4,
                exp_month,
                exp_year,
            } => PaymentMethod::Card {
                token,
                brand,
                last4,
                exp_month: exp_month as f64,
                exp_year: exp_year as f64,
            },
            CorePaymentMethod::Paypal { token } => PaymentMethod::Paypal { token },
            CorePaymentMethod::CashOnDelivery => PaymentMethod::CashOnDelivery,
        }
    }
}

/// One line of a cart the application sets with `engine.setCart`. `unitPrice` is a decimal
/// string in the currency's minor digits (`"19.99"`), never a number.
#[napi(object)]
#[derive(Debug, Clone)]
pub struct CartItem {
    pub product_id: String,
    pub name: String,
    pub quantity: f64,
    pub unit_price: String,
}

impl TryFrom<CartItem> for RawCartItem {
    type Error = napi::Error;
    /// A fractional quantity is refused here: it cannot even reach the engine's rules.
    fn try_from(i: CartItem) -> napi::Result<Self> {
        let quantity = whole(i.quantity).ok_or_else(|| {
            napi::Error::new(
                napi::Status::InvalidArg,
                format!(
                    "CartItem.quantity must be a whole number, got {}",
                    i.quantity
                ),
            )
        })?;
        Ok(RawCartItem {
            product_id: i.product_id,
            name: i.name,
            quantity,
            unit_price: i.unit_price,
        })
    }
}

#[napi(object)]
#[derive(Debug, Clone)]
pub struct CheckoutInput {
    pub user_id: String,
    pub delivery_address: Address,
    #[napi(ts_type = "PaymentMethod")]
    pub payment_method: serde_json::Value,
    #[napi(ts_type = "ShippingMethod")]
    pub shipping_method: Option<String>,
    pub discount_code: Option<String>,
}

#[napi(object)]
#[derive(Debug, Clone)]
pub struct PlaceOrderInput {
    pub user_id: String,
    pub delivery_address: Address,
    #[napi(ts_type = "PaymentMethod")]
    pub payment_method: serde_json::Value,
    /// The same key with the same request returns the order it placed; with a different
    /// request the Promise rejects with `code: "idempotency_conflict"`. Scoped to the user.
    pub idempotency_key: String,
    #[napi(ts_type = "ShippingMethod")]
    pub shipping_method: Option<String>,
    /// Place the order as this checkout quote priced it.
    pub checkout_id: Option<String>,
    pub discount_code: Option<String>,
    /// Free-form JSON object kept with the order (at most 16 KiB).
    #[napi(ts_type = "Record<string, unknown>")]
    pub metadata: Option<serde_json::Map<String, serde_json::Value>>,
}

/// Who reads or cancels: the customer `userId` (who must own the order) when given, else the
/// service `actor` (default `"app"`).
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct ActAs {
    pub user_id: Option<String>,
    pub actor: Option<String>,
}

#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct CancelOptions {
    /// One of the `CancelReason` words (customers may give only `customer`; the default is
    /// `customer` for them, `staff` otherwise). Other text given without `note` is kept as
    /// the note, with the default reason.
    #[napi(ts_type = "CancelReason | string")]
    pub reason: Option<String>,
    /// Kept in the order's history.
    pub note: Option<String>,
    pub user_id: Option<String>,
    pub actor: Option<String>,
}

/// A shipment as staff ask for it: every field optional.
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct CreateShipmentInput {
    /// What it carries; everything not yet in a shipment when absent.
    pub lines: Option<Vec<crate::results::ShipmentLine>>,
    /// `ups`, `fedex`, `Royal Mail` or any other name.
    pub carrier: Option<String>,
    pub tracking_number: Option<String>,
    /// An absolute `https://` link; a known carrier's template makes one otherwise.
    pub tracking_url: Option<String>,
    /// `shipped` (the default) or `pending`.
    #[napi(ts_type = "ShipmentStatus")]
    pub status: Option<String>,
    /// A note for the shipment's first step.
    pub note: Option<String>,
    /// A retry with the same key finds the shipment it created.
    pub idempotency_key: Option<String>,
    pub user_id: Option<String>,
    pub actor: Option<String>,
}

#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct UpdateShipmentOptions {
    pub note: Option<String>,
    pub user_id: Option<String>,
    pub actor: Option<String>,
}

#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct StaffNoteOptions {
    /// A retry with the same key keeps one note.
    pub idempotency_key: Option<String>,
    pub user_id: Option<String>,
    pub actor: Option<String>,
}

/// Staff search filters, named as `GET /orders` names them; every filter given must hold.
/// The engine parses them all, so a misspelt name is refused (`invalid_field`) rather than
/// ignored.
// Only its TypeScript declaration is used: `searchOrders` reads the caller's object property by
// property (staff.rs), so that names this struct does not know reach the engine too.
#[allow(dead_code)]
#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct SearchFilters {
    /// One status or several.
    #[napi(ts_type = "OrderStatus | OrderStatus[]")]
    pub status: Option<serde_json::Value>,
    /// Created at or after (a `Date` or RFC 3339 text).
    #[napi(ts_type = "Date | string")]
    pub created_from: Option<serde_json::Value>,
    /// Created before (a `Date` or RFC 3339 text).
    #[napi(ts_type = "Date | string")]
    pub created_to: Option<serde_json::Value>,
    pub currency: Option<String>,
    pub user_id: Option<String>,
    pub product_id: Option<String>,
    /// A decimal amount (`"25.00"`), with `currency`.
    pub total_min: Option<String>,
    /// A decimal amount, with `currency`.
    pub total_max: Option<String>,
    pub tracking_number: Option<String>,
    /// With `metadataValue`: orders whose metadata has this pair.
    pub metadata_key: Option<String>,
    pub metadata_value: Option<String>,
    /// A whole word of the delivery name, user id or email, or the start of the order id.
    pub q: Option<String>,
    #[napi(ts_type = "'createdAt' | 'total'")]
    pub sort: Option<String>,
    #[napi(ts_type = "'desc' | 'asc'")]
    pub direction: Option<String>,
    /// A previous page's `nextCursor`, with the same filters.
    pub cursor: Option<String>,
    /// 1 to 200, default 50.
    pub limit: Option<f64>,
}

#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct UpdateStatusOptions {
    pub note: Option<String>,
    /// Apply only if the order is still at this version (else `code: "version_conflict"`).
    pub expected_version: Option<f64>,
    /// The service acting (default `"app"`); milestones record `service:<actor>`.
    pub actor: Option<String>,
}

#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct HistoryOptions {
    /// 1 to 100, default 20.
    pub limit: Option<f64>,
    /// A previous page's `nextCursor`.
    pub cursor: Option<String>,
    #[napi(ts_type = "OrderStatus")]
    pub status: Option<String>,
}

#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct TopProductsOptions {
    #[napi(ts_type = "'quantity' | 'revenue'")]
    pub by: Option<String>,
    /// 1 to 100, default 10.
    pub limit: Option<f64>,
    /// ISO 4217 code; the policy's default currency when absent.
    pub currency: Option<String>,
    pub actor: Option<String>,
}

#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct StaffOptions {
    /// The service acting (default `"app"`).
    pub actor: Option<String>,
}

#[napi(object)]
#[derive(Debug, Clone, Default)]
pub struct OpenOptions {
    /// A pricing policy in the engine's JSON shape; start from `defaultPolicy()`.
    #[napi(ts_type = "Record<string, unknown>")]
    pub policy: Option<serde_json::Value>,
    /// Opens the store as this device (1 to 64 of `A-Z a-z 0-9 . _ -`), for offline capture
    /// and `sync`; the database keeps the id.
    pub device_id: Option<String>,
}

/// A JavaScript number that is a whole number in the safe integer range (JavaScript has no
/// integer type, and napi would truncate `1.5` to `1` without a word).
pub fn whole(value: f64) -> Option<i64> {
    const MAX_SAFE: f64 = 9_007_199_254_740_991.0;
    (value.fract() == 0.0 && value.abs() <= MAX_SAFE).then_some(value as i64)
}

/// A whole-number option such as `limit`, or an `invalid_field` error naming it.
pub fn whole_field(field: &str, value: f64) -> Result<i64, Failure> {
    whole(value).ok_or_else(|| invalid_field(field, format!("must be a whole number, got {value}")))
}

pub fn status(value: &str) -> Result<OrderStatus, Failure> {
    Ok(parse::order_status(value)?)
}

/// One of the engine's snake_case enumerations, through its serde names.
pub fn enum_value<T: serde::de::DeserializeOwned>(field: &str, value: &str) -> Result<T, Failure> {
    serde_json::from_value(serde_json::Value::String(value.to_owned()))
        .map_err(|_| invalid_field(field, format!("{value:?} is not a valid {field}")))
}

pub fn shipping(method: Option<&str>) -> Result<Option<ShippingMethod>, Failure> {
    Ok(method.map(parse::shipping_method).transpose()?)
}
