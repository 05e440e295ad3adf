//! The order domain's data: carts, addresses, payment methods, totals, orders, checkouts and
//! milestones. Serialized field names are the API's camelCase names.

use std::fmt;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::ids::{CheckoutId, OrderId, ProductId, UserId};
use crate::money::{Currency, Money};
use crate::status::OrderStatus;

/// A cart exactly as the Cart Service sends it, before any rule is applied.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawCart {
    pub user_id: String,
    pub currency: String,
    pub items: Vec<RawCartItem>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub updated_at: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RawCartItem {
    pub product_id: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price: String,
}

/// One line of a cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct CartLine {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub product_id: ProductId,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 1000))]
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
}

/// A user's cart as the Cart Service holds it, validated and totalled: what
/// `GET /cart/{userId}` shows and what checkout prices.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Cart {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub user_id: UserId,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Z]{3}$"))]
    pub currency: Currency,
    pub items: Vec<CartLine>,
    pub subtotal: Money,
}

/// A delivery address. `country` is ISO 3166-1 alpha-2.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct Address {
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
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(max_length = 200))]
    pub line2: Option<String>,
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
    #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::country_schema))]
    pub country: String,
}

/// How the customer will pay, as a request gives it. The engine validates it and never
/// charges it. The token is a credential: it is stored beside the order (see
/// `Store::payment_token`) and never shown; orders, events, caches and logs carry the
/// [`PaymentSummary`], and `Debug` prints the token redacted.
#[derive(Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
pub enum PaymentMethod {
    /// A card token from the payment provider, never a card number.
    #[serde(rename_all = "camelCase")]
    Card {
        token: String,
        brand: String,
        last4: String,
        exp_month: i64,
        exp_year: i64,
    },
    Paypal {
        token: String,
    },
    CashOnDelivery,
}

impl PaymentMethod {
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
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum PaymentSummary {
    #[serde(rename_all = "camelCase")]
    Card {
        #[cfg_attr(feature = "openapi", schema(schema_with = crate::openapi::card_brand_schema))]
        brand: String,
        #[cfg_attr(feature = "openapi", schema(pattern = "^[0-9]{4}$", example = "4242"))]
        last4: String,
        #[cfg_attr(feature = "openapi", schema(minimum = 1, maximum = 12, example = 12))]
        exp_month: i64,
        #[cfg_attr(
            feature = "openapi",
            schema(minimum = 2000, maximum = 2100, example = 2030)
        )]
        exp_year: i64,
    },
    Paypal,
    CashOnDelivery,
}

impl PaymentSummary {
    pub fn type_name(&self) -> &'static str {
        match self {
            PaymentSummary::Card { .. } => "card",
            PaymentSummary::Paypal => "paypal",
            PaymentSummary::CashOnDelivery => "cash_on_delivery",
        }
    }
}

/// Delivery speed; prices come from the `PricingPolicy`.
#[derive(
    Debug, Clone, Copy, Default, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize,
)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShippingMethod {
    #[default]
    Standard,
    Express,
}

impl ShippingMethod {
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
    pub subtotal: Money,
    pub shipping: Money,
    pub tax: Money,
    pub discount: Money,
    pub total: Money,
}

/// One priced line of an order. `discount` is this line's share of the order discount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct OrderLine {
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub product_id: ProductId,
    pub name: String,
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub quantity: u32,
    pub unit_price: Money,
    pub line_total: Money,
    pub discount: Money,
}

/// One step of an order's life: when it happened, who did it, and why.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Milestone {
    pub status: OrderStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who made the change: `customer:alice`, `admin:bob`, `service:warehouse`.
    pub actor: String,
    /// The note or cancellation reason given with the change; always written, `null` when
    /// none was given.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: Option<String>,
}

/// Free-form JSON object for data the schema does not model (bounded in size).
pub type Metadata = serde_json::Map<String, serde_json::Value>;

/// A placed order.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Order {
    #[serde(rename = "orderId")]
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub id: OrderId,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub user_id: UserId,
    pub status: OrderStatus,
    #[cfg_attr(feature = "openapi", schema(value_type = String, pattern = "^[A-Z]{3}$"))]
    pub currency: Currency,
    pub items: Vec<OrderLine>,
    pub totals: Totals,
    pub delivery_address: Address,
    /// Without its token, which the store keeps beside the order.
    pub payment_method: PaymentSummary,
    pub shipping_method: ShippingMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = "uuid"))]
    pub checkout_id: Option<CheckoutId>,
    /// Free-form data the client attached when placing the order.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(value_type = Object, required = true))]
    pub metadata: Metadata,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub updated_at: Timestamp,
    /// Starts at 1 and grows by one with every change (the `ETag` is this number, quoted); it
    /// is also the sequence number of the outbox event that change wrote.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub version: u32,
    /// Every milestone, oldest first, starting with `placed`.
    pub history: Vec<Milestone>,
}

/// A stored quote that `place_order` may honour until `expires_at` if the cart has not
/// changed. It keeps the request's payment method, token included, to compare it with the
/// order's; [`Checkout::quote`] is what `POST /checkout` shows.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct Checkout {
    pub checkout_id: CheckoutId,
    pub user_id: UserId,
    pub currency: Currency,
    pub items: Vec<OrderLine>,
    pub totals: Totals,
    pub payment_method: PaymentMethod,
    pub delivery_address: Address,
    pub shipping_method: ShippingMethod,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    /// Hash of the cart that was priced; a different cart at order time is `CartChanged`.
    pub cart_fingerprint: String,
    pub created_at: Timestamp,
    pub expires_at: Timestamp,
}

/// Who is calling. Ownership and role rules are enforced by the engine, not by its callers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Caller {
    pub role: Role,
    pub id: String,
    /// Passed on to the Cart Service (`X-Request-Id`) so one request can be traced end to end.
    pub request_id: Option<String>,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// May touch only its own carts and orders (`id` is the user id).
    Customer,
    /// Staff: may read any order, move statuses and read analytics.
    Admin,
    /// Another system (warehouse, the embedding application): same rights as admin.
    Service,
}

impl Caller {
    pub fn customer(user: &UserId) -> Self {
        Caller {
            role: Role::Customer,
            id: user.as_str().to_owned(),
            request_id: None,
        }
    }
    pub fn admin(name: impl Into<String>) -> Self {
        Caller {
            role: Role::Admin,
            id: name.into(),
            request_id: None,
        }
    }
    pub fn service(name: impl Into<String>) -> Self {
        Caller {
            role: Role::Service,
            id: name.into(),
            request_id: None,
        }
    }
    pub fn with_request_id(mut self, request_id: impl Into<String>) -> Self {
        self.request_id = Some(request_id.into());
        self
    }
    pub fn is_staff(&self) -> bool {
        matches!(self.role, Role::Admin | Role::Service)
    }
    pub fn is_user(&self, user: &UserId) -> bool {
        self.role == Role::Customer && self.id == user.as_str()
    }
    /// The milestone actor: `customer:alice`, `admin:bob`, `service:warehouse`.
    pub fn actor(&self) -> String {
        let role = match self.role {
            Role::Customer => "customer",
            Role::Admin => "admin",
            Role::Service => "service",
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
