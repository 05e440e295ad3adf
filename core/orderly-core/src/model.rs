//! The order domain's data: carts, addresses, payment methods, totals, orders, checkouts and
//! milestones. Serialized field names are the API's camelCase names.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::cancellation::CancelReason;
use crate::clock::Timestamp;
use crate::ids::{CheckoutId, DeviceId, OrderId, ProductId, UserId};
use crate::money::{Currency, Money};
use crate::shipping::Shipment;
use crate::status::OrderStatus;

/// A cart exactly as the Cart Service sends it, before any rule is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawCart {
    /// The cart owner's user id, unchecked.
    pub user_id: String,
    /// ISO 4217 currency code, unchecked.
    pub currency: String,
    /// The cart's lines, as sent.
    pub items: Vec<RawCartItem>,
    /// When the Cart Service last changed the cart, as it sent it; the engine does not use it.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

/// One line of a [`RawCart`], unchecked: `validate_cart` turns it into a [`CartLine`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawCartItem {
    /// The product's id.
    pub product_id: String,
    /// The product's display name.
    pub name: String,
    /// How many units; valid carts have 1 to `MAX_QUANTITY`.
    pub quantity: i64,
    /// Price of one unit as a decimal string in the cart's currency, e.g. `"19.99"`.
    pub unit_price: String,
}

/// One line of a cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CartLine {
    /// The product.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub product_id: ProductId,
    /// The product's display name (1 to 200 characters, no control characters).
    pub name: String,
    /// How many units, 1 to 1000.
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000))]
    pub quantity: u32,
    /// Price of one unit.
    pub unit_price: Money,
    /// `unit_price * quantity`.
    pub line_total: Money,
}

/// A user's cart as the Cart Service holds it, validated and totalled: what
/// `GET /cart/{userId}` shows and what checkout prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Cart {
    /// The cart's owner.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub user_id: UserId,
    /// The currency of every amount in the cart.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Z]{3}$"))]
    pub currency: Currency,
    /// The lines, each product at most once.
    pub items: Vec<CartLine>,
    /// Sum of the lines' totals.
    pub subtotal: Money,
}

/// A delivery address. `country` is ISO 3166-1 alpha-2.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
    /// The recipient's name.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"\S",
            example = "Alice Example"
        )
    )]
    pub name: String,
    /// First address line: street and number.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 200,
            pattern = r"\S",
            example = "1 Main St"
        )
    )]
    pub line1: String,
    /// Optional second address line.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub line2: Option<String>,
    /// City or town.
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 100,
            pattern = r"\S",
            example = "New York"
        )
    )]
    pub city: String,
    /// State, province or region, where the country uses one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 100, example = "NY"))]
    pub region: Option<String>,
    /// Checked against the country's format where the engine knows it (US, GB, DE, ...).
    #[cfg_attr(
        feature = "openapi",
        schema(
            min_length = 1,
            max_length = 16,
            pattern = "^[A-Za-z0-9 -]*[A-Za-z0-9][A-Za-z0-9 -]*$",
            example = "10001"
        )
    )]
    pub postal_code: String,
    /// ISO 3166-1 alpha-2 country code, e.g. `US`.
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::country_schema))]
    pub country: String,
}

/// How the customer will pay, as a request gives it. The engine validates it and never
/// charges it. The token is a credential: it is stored beside the order (see
/// `Store::payment_token`) and never shown; orders, events, caches and logs carry the
/// [`PaymentSummary`], and `Debug` prints the token redacted.
// Deliberately exhaustive (not `#[non_exhaustive]`): the REST schema and the Python, Node and
// Swift bindings each mirror it, so a new variant must fail to compile in every front end
// rather than reach one at run time.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PaymentMethod {
    /// A card token from the payment provider, never a card number.
    #[serde(rename_all = "camelCase")]
    Card {
        /// The provider's opaque token; a secret, never shown.
        token: String,
        /// Card brand, e.g. `visa`.
        brand: String,
        /// The card number's last four digits.
        last4: String,
        /// Expiry month, 1 to 12.
        exp_month: i64,
        /// Expiry year, four digits.
        exp_year: i64,
    },
    /// A PayPal payment, by the provider's token.
    Paypal {
        /// The provider's opaque token; a secret, never shown.
        token: String,
    },
    /// Paid in cash on delivery; the service limits it by the order total.
    CashOnDelivery,
}

impl PaymentMethod {
    /// The serialized `type` tag: `card`, `paypal` or `cash_on_delivery`.
    pub fn type_name(&self) -> &'static str {
        match self {
            PaymentMethod::Card { .. } => "card",
            PaymentMethod::Paypal { .. } => "paypal",
            PaymentMethod::CashOnDelivery => "cash_on_delivery",
        }
    }

    /// The provider's token, for whoever charges the order; `None` for cash on delivery.
    pub fn token(&self) -> Option<&str> {
        match self {
            PaymentMethod::Card { token, .. } | PaymentMethod::Paypal { token } => Some(token),
            PaymentMethod::CashOnDelivery => None,
        }
    }

    /// The method without its token: what an order shows.
    pub fn summary(&self) -> PaymentSummary {
        match self {
            PaymentMethod::Card {
                brand,
                last4,
                exp_month,
                exp_year,
                ..
            } => PaymentSummary::Card {
                brand: brand.clone(),
                last4: last4.clone(),
                exp_month: *exp_month,
                exp_year: *exp_year,
            },
            PaymentMethod::Paypal { .. } => PaymentSummary::Paypal,
            PaymentMethod::CashOnDelivery => PaymentSummary::CashOnDelivery,
        }
    }
}

/// Written by hand so that no log line, panic message or error report prints a token.
impl fmt::Debug for PaymentMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        const REDACTED: &str = "<redacted>";
        match self {
            PaymentMethod::Card {
                brand,
                last4,
                exp_month,
                exp_year,
                ..
            } => f
                .debug_struct("Card")
                .field("token", &REDACTED)
                .field("brand", brand)
                .field("last4", last4)
                .field("exp_month", exp_month)
                .field("exp_year", exp_year)
                .finish(),
            PaymentMethod::Paypal { .. } => {
                f.debug_struct("Paypal").field("token", &REDACTED).finish()
            }
            PaymentMethod::CashOnDelivery => f.write_str("CashOnDelivery"),
        }
    }
}

/// A payment method as orders, events and caches show it: its type and, for cards, the
/// brand, last four digits and expiry. Never a token.
// Deliberately exhaustive (not `#[non_exhaustive]`): the REST schema and the Python, Node and
// Swift bindings each mirror it, so a new variant must fail to compile in every front end
// rather than reach one at run time.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaymentSummary {
    /// A card, by brand, last four digits and expiry.
    #[serde(rename_all = "camelCase")]
    Card {
        /// Card brand, e.g. `visa`.
        #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::card_brand_schema))]
        brand: String,
        /// The card number's last four digits.
        #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{4}$", example = "4242"))]
        last4: String,
        /// Expiry month, 1 to 12.
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 12, example = 12))]
        exp_month: i64,
        /// Expiry year, four digits.
        #[cfg_attr(
            feature = "openapi",
            schema(minimum = 2000, maximum = 2100, example = 2030)
        )]
        exp_year: i64,
    },
    /// A PayPal payment.
    Paypal,
    /// Paid in cash on delivery.
    CashOnDelivery,
}

impl PaymentSummary {
    /// The serialized `type` tag: `card`, `paypal` or `cash_on_delivery`.
    pub fn type_name(&self) -> &'static str {
        match self {
            PaymentSummary::Card { .. } => "card",
            PaymentSummary::Paypal => "paypal",
            PaymentSummary::CashOnDelivery => "cash_on_delivery",
        }
    }
}

/// Delivery speed; prices come from the `PricingPolicy`.
// Deliberately exhaustive (not `#[non_exhaustive]`): the REST schema and the Python, Node and
// Swift bindings each mirror it, so a new variant must fail to compile in every front end
// rather than reach one at run time.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShippingMethod {
    /// Standard delivery; the default.
    #[default]
    Standard,
    /// Express delivery.
    Express,
}

impl ShippingMethod {
    /// The serialized name: `standard` or `express`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ShippingMethod::Standard => "standard",
            ShippingMethod::Express => "express",
        }
    }
}

impl fmt::Display for ShippingMethod {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// An order's money: `total = subtotal + shipping + tax - discount`, all non-negative.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Totals {
    /// Sum of the lines' totals, before discount.
    pub subtotal: Money,
    /// The shipping charge.
    pub shipping: Money,
    /// The tax, computed on `subtotal - discount` (plus `shipping` when the policy taxes it).
    pub tax: Money,
    /// What the discount code takes off.
    pub discount: Money,
    /// What the customer pays.
    pub total: Money,
}

/// One priced line of an order. `discount` is this line's share of the order discount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    /// The product.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub product_id: ProductId,
    /// The product's display name.
    pub name: String,
    /// How many units.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub quantity: u32,
    /// Price of one unit.
    pub unit_price: Money,
    /// `unit_price * quantity`.
    pub line_total: Money,
    /// This line's share of the order's discount.
    pub discount: Money,
}

/// One step of an order's life: when it happened, who did it, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Milestone {
    /// The status the order entered.
    pub status: OrderStatus,
    /// When the change happened.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who made the change: `customer:alice`, `admin:bob`, `service:warehouse`.
    pub actor: String,
    /// The note given with the change; always written, `null` when none was given.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: Option<String>,
    /// For a cancellation, why (absent on other milestones, and on cancellations recorded
    /// before reasons were).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<CancelReason>,
}

/// Free-form JSON object for data the schema does not model (bounded in size).
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// A placed order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Order {
    /// The order's id (serialized as `orderId`).
    #[serde(rename = "orderId")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub id: OrderId,
    /// The customer who placed the order.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub user_id: UserId,
    /// Where the order is in its life.
    pub status: OrderStatus,
    /// The currency of every amount in the order.
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Z]{3}$"))]
    pub currency: Currency,
    /// The ordered lines.
    pub items: Vec<OrderLine>,
    /// The order's money.
    pub totals: Totals,
    /// Where the order is delivered.
    pub delivery_address: Address,
    /// Without its token, which the store keeps beside the order.
    pub payment_method: PaymentSummary,
    /// How the order is delivered.
    pub shipping_method: ShippingMethod,
    /// The discount code applied, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    /// The checkout quote the order was placed from, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = "uuid"))]
    pub checkout_id: Option<CheckoutId>,
    /// Free-form data the client attached when placing the order.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object, required = true))]
    pub metadata: Metadata,
    /// When the order was placed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// When the order last changed.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// Starts at 1 and grows by one with every change (the `ETag` is this number, quoted); it
    /// is also the sequence number of the outbox event that change wrote.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: u32,
    /// Every milestone, oldest first, starting with `placed`.
    pub history: Vec<Milestone>,
    /// The order's shipments, oldest first; absent until the first.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub shipments: Vec<Shipment>,
    /// For an order captured offline by a device and pushed through sync: where and when it
    /// was captured, and whether staff must review it. Absent for orders placed online.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub offline: Option<OfflineCapture>,
}

impl Order {
    /// The order's email address, for confirmations and search: `metadata.email` when it is a
    /// string, else the user id when it looks like an address (has an `@`).
    pub fn email(&self) -> Option<&str> {
        match self.metadata.get("email") {
            Some(serde_json::Value::String(email)) => Some(email.as_str()),
            _ => Some(self.user_id.as_str()).filter(|id| id.contains('@')),
        }
    }
}

/// Where and when an order captured offline was taken, as the server received it.
///
/// `created_at` of such an order is `corrected_captured_at`, never later than `received_at`.
/// `review` is set when the order was stored as `needs_review` (its code:
/// `offline_limit_exceeded` or `offline_amount_exceeded`); staff resolve a review by moving
/// the order's status (`processing` to accept it, `cancelled` to refuse it), and any status
/// move clears the flag.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OfflineCapture {
    /// The device that captured the order (its pull feed shows the order's changes).
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub device_id: DeviceId,
    /// When the device captured it, by the device's clock.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub captured_at: Timestamp,
    /// When the server received the push that carried it.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub received_at: Timestamp,
    /// `captured_at` corrected by the device's clock offset (server receipt time minus the
    /// push's `deviceTime`), at most `received_at`.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub corrected_captured_at: Timestamp,
    /// Why staff must review the order, if they must.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub review: Option<String>,
}

/// A stored quote that `place_order` may honour until `expires_at` if the cart has not
/// changed. It keeps the request's payment method, token included, to compare it with the
/// order's; what `POST /checkout` shows carries only its [`PaymentMethod::summary`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkout {
    /// The quote's id, which `place_order` is given to honour it.
    pub checkout_id: CheckoutId,
    /// The customer the quote was made for.
    pub user_id: UserId,
    /// The currency of every amount in the quote.
    pub currency: Currency,
    /// The priced lines.
    pub items: Vec<OrderLine>,
    /// The quoted money.
    pub totals: Totals,
    /// The payment method as requested, token included.
    pub payment_method: PaymentMethod,
    /// Where the order would be delivered.
    pub delivery_address: Address,
    /// How the order would be delivered.
    pub shipping_method: ShippingMethod,
    /// The discount code applied, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    /// Hash of the cart that was priced; a different cart at order time is `CartChanged`.
    pub cart_fingerprint: String,
    /// When the quote was made.
    pub created_at: Timestamp,
    /// After this instant the quote is no longer honoured.
    pub expires_at: Timestamp,
}

/// Who is calling. Ownership and role rules are enforced by the engine, not by its callers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    /// What kind of caller this is.
    pub role: Role,
    /// The caller's name; for a customer, the user id.
    pub id: String,
    /// Passed on to the Cart Service (`X-Request-Id`) so one request can be traced end to end.
    pub request_id: Option<String>,
}

/// The kind of caller, which decides what it may do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Role {
    /// May touch only its own carts and orders (`id` is the user id).
    Customer,
    /// Staff: may read any order, move statuses and read analytics.
    Admin,
    /// Another system (warehouse, the embedding application): same rights as admin.
    Service,
    /// A device that captures orders offline (`id` is the device id): may only push its
    /// operations and pull the changes to the orders it captured.
    Device,
}

impl Caller {
    /// A customer acting for `user`.
    pub fn customer(user: &UserId) -> Self {
        Caller {
            role: Role::Customer,
            id: user.as_str().to_owned(),
            request_id: None,
        }
    }
    /// A staff member, by name.
    pub fn admin(name: impl Into<String>) -> Self {
        Caller {
            role: Role::Admin,
            id: name.into(),
            request_id: None,
        }
    }
    /// Another system, by name.
    pub fn service(name: impl Into<String>) -> Self {
        Caller {
            role: Role::Service,
            id: name.into(),
            request_id: None,
        }
    }
    /// A device, by its id.
    pub fn device(device: &DeviceId) -> Self {
        Caller {
            role: Role::Device,
            id: device.as_str().to_owned(),
            request_id: None,
        }
    }
    /// Whether the caller is the device `device`.
    pub fn is_device(&self, device: &DeviceId) -> bool {
        self.role == Role::Device && self.id == device.as_str()
    }
    /// Attaches a request id to pass on to the Cart Service.
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }
    /// Whether the caller is admin or service, which may act on any user's orders.
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Service)
    }
    /// Whether the caller is the customer `user`.
    pub fn is_user(&self, user: &UserId) -> bool {
        self.role == Role::Customer && self.id == user.as_str()
    }
    /// The milestone actor: `customer:alice`, `admin:bob`, `service:warehouse`.
    pub fn actor(&self) -> String {
        let role = match self.role {
            Role::Customer => "customer",
            Role::Admin => "admin",
            Role::Service => "service",
            Role::Device => "device",
        };
        format!("{role}:{}", self.id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn card() -> PaymentMethod {
        PaymentMethod::Card {
            token: "tok_secret_4242".to_owned(),
            brand: "visa".to_owned(),
            last4: "4242".to_owned(),
            exp_month: 12,
            exp_year: 2030,
        }
    }

    #[test]
    fn debug_output_never_shows_a_token() {
        let methods = [
            card(),
            PaymentMethod::Paypal {
                token: "pp_secret".to_owned(),
            },
        ];
        for method in methods {
            let printed = format!("{method:?} {method:#?}");
            assert!(!printed.contains("secret"), "{printed}");
            assert!(printed.contains("<redacted>"), "{printed}");
        }
        assert!(format!("{:?}", card()).contains("4242"));
    }

    #[test]
    fn the_summary_keeps_everything_but_the_token() {
        let summary = serde_json::to_value(card().summary()).unwrap_or_default();
        assert_eq!(
            summary,
            serde_json::json!({"type": "card", "brand": "visa", "last4": "4242", "expMonth": 12, "expYear": 2030})
        );
        let paypal = PaymentMethod::Paypal {
            token: "pp".to_owned(),
        };
        assert_eq!(paypal.token(), Some("pp"));
        assert_eq!(
            serde_json::to_value(paypal.summary()).unwrap_or_default(),
            serde_json::json!({"type": "paypal"})
        );
        assert_eq!(PaymentMethod::CashOnDelivery.token(), None);
        assert_eq!(
            PaymentMethod::CashOnDelivery.summary().type_name(),
            PaymentMethod::CashOnDelivery.type_name()
        );
    }
}
