//! Shapes shared by several resources: money, addresses, payment methods, lines, milestones.

use orderly::validation::CARD_BRANDS;
use orderly::{
    Address, Milestone, Money, OrderLine, OrderStatus, PaymentMethod, ShippingMethod, Totals,
};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;
use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};

/// An exact amount: a decimal string in the currency's minor digits, never a float.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Money, example = json!({"amount": "19.99", "currency": "USD"}))]
pub struct MoneyDto {
    #[schema(pattern = r"^-?[0-9]+(\.[0-9]+)?$", example = "19.99")]
    pub amount: String,
    /// ISO 4217 code.
    #[schema(pattern = "^[A-Z]{3}$", example = "USD")]
    pub currency: String,
}

impl From<Money> for MoneyDto {
    fn from(m: Money) -> Self {
        MoneyDto {
            amount: m.amount_string(),
            currency: m.currency().code().to_owned(),
        }
    }
}

/// A delivery address. `country` is ISO 3166-1 alpha-2.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
#[schema(as = Address)]
pub struct AddressDto {
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"\S",
        example = "Alice Example"
    )]
    pub name: String,
    #[schema(
        min_length = 1,
        max_length = 200,
        pattern = r"\S",
        example = "1 Main St"
    )]
    pub line1: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 200)]
    pub line2: Option<String>,
    #[schema(
        min_length = 1,
        max_length = 100,
        pattern = r"\S",
        example = "New York"
    )]
    pub city: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[schema(max_length = 100, example = "NY")]
    pub region: Option<String>,
    /// Checked against the country's format where the engine knows it (US, GB, DE, ...).
    #[schema(
        min_length = 1,
        max_length = 16,
        pattern = "^[A-Za-z0-9 -]*[A-Za-z0-9][A-Za-z0-9 -]*$",
        example = "10001"
    )]
    pub postal_code: String,
    #[schema(schema_with = country_schema)]
    pub country: String,
}

impl From<Address> for AddressDto {
    fn from(a: Address) -> Self {
        AddressDto {
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

impl From<AddressDto> for Address {
    fn from(a: AddressDto) -> Self {
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

/// Every ISO 3166-1 alpha-2 code, as the engine's validation knows them.
fn country_schema() -> impl Into<RefOr<Schema>> {
    let codes: Vec<&'static str> = isocountry::CountryCode::iter_alpha2()
        .map(|c| c.alpha2())
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(codes))
        .description(Some("ISO 3166-1 alpha-2 country code."))
        .examples(["US"])
}

fn card_brand_schema() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(CARD_BRANDS))
        .description(Some(
            "Card brand, lower case, as the payment provider reports it.",
        ))
}

/// How the customer will pay: a provider token, never a card number. The engine validates
/// it and does not charge it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(tag = "type", rename_all = "snake_case", deny_unknown_fields)]
#[schema(as = PaymentMethod)]
pub enum PaymentMethodDto {
    #[serde(rename_all = "camelCase")]
    Card {
        #[schema(
            min_length = 1,
            max_length = 255,
            pattern = "^[!-~]+$",
            example = "tok_visa_4242"
        )]
        token: String,
        #[schema(schema_with = card_brand_schema)]
        brand: String,
        #[schema(pattern = "^[0-9]{4}$", example = "4242")]
        last4: String,
        #[schema(minimum = 1, maximum = 12, example = 12)]
        exp_month: i64,
        #[schema(minimum = 2000, maximum = 2100, example = 2030)]
        exp_year: i64,
    },
    Paypal {
        #[schema(
            min_length = 1,
            max_length = 255,
            pattern = "^[!-~]+$",
            example = "pp_tok_1"
        )]
        token: String,
    },
    /// A struct variant (not a unit one) so that unknown fields are refused here too.
    CashOnDelivery {},
}

impl From<PaymentMethod> for PaymentMethodDto {
    fn from(p: PaymentMethod) -> Self {
        match p {
            PaymentMethod::Card {
                token,
                brand,
                last4,
                exp_month,
                exp_year,
            } => PaymentMethodDto::Card {
                token,
                brand,
                last4,
                exp_month,
                exp_year,
            },
            PaymentMethod::Paypal { token } => PaymentMethodDto::Paypal { token },
            PaymentMethod::CashOnDelivery => PaymentMethodDto::CashOnDelivery {},
        }
    }
}

impl From<PaymentMethodDto> for PaymentMethod {
    fn from(p: PaymentMethodDto) -> Self {
        match p {
            PaymentMethodDto::Card {
                token,
                brand,
                last4,
                exp_month,
                exp_year,
            } => PaymentMethod::Card {
                token,
                brand,
                last4,
                exp_month,
                exp_year,
            },
            PaymentMethodDto::Paypal { token } => PaymentMethod::Paypal { token },
            PaymentMethodDto::CashOnDelivery {} => PaymentMethod::CashOnDelivery,
        }
    }
}

/// Delivery speed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = ShippingMethod)]
pub enum ShippingMethodDto {
    Standard,
    Express,
}

impl From<ShippingMethod> for ShippingMethodDto {
    fn from(m: ShippingMethod) -> Self {
        match m {
            ShippingMethod::Standard => ShippingMethodDto::Standard,
            ShippingMethod::Express => ShippingMethodDto::Express,
        }
    }
}

impl From<ShippingMethodDto> for ShippingMethod {
    fn from(m: ShippingMethodDto) -> Self {
        match m {
            ShippingMethodDto::Standard => ShippingMethod::Standard,
            ShippingMethodDto::Express => ShippingMethod::Express,
        }
    }
}

/// An order's status: placed → processing → shipped → delivered, or cancelled from placed or
/// processing.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = OrderStatus)]
pub enum OrderStatusDto {
    Placed,
    Processing,
    Shipped,
    Delivered,
    Cancelled,
}

impl From<OrderStatus> for OrderStatusDto {
    fn from(s: OrderStatus) -> Self {
        match s {
            OrderStatus::Placed => OrderStatusDto::Placed,
            OrderStatus::Processing => OrderStatusDto::Processing,
            OrderStatus::Shipped => OrderStatusDto::Shipped,
            OrderStatus::Delivered => OrderStatusDto::Delivered,
            OrderStatus::Cancelled => OrderStatusDto::Cancelled,
        }
    }
}

impl From<OrderStatusDto> for OrderStatus {
    fn from(s: OrderStatusDto) -> Self {
        match s {
            OrderStatusDto::Placed => OrderStatus::Placed,
            OrderStatusDto::Processing => OrderStatus::Processing,
            OrderStatusDto::Shipped => OrderStatus::Shipped,
            OrderStatusDto::Delivered => OrderStatus::Delivered,
            OrderStatusDto::Cancelled => OrderStatus::Cancelled,
        }
    }
}

/// `total = subtotal + shipping + tax - discount`, all non-negative.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Totals)]
pub struct TotalsDto {
    pub subtotal: MoneyDto,
    pub shipping: MoneyDto,
    pub tax: MoneyDto,
    pub discount: MoneyDto,
    pub total: MoneyDto,
}

impl From<Totals> for TotalsDto {
    fn from(t: Totals) -> Self {
        TotalsDto {
            subtotal: t.subtotal.into(),
            shipping: t.shipping.into(),
            tax: t.tax.into(),
            discount: t.discount.into(),
            total: t.total.into(),
        }
    }
}

/// One priced line; `discount` is this line's share of the order discount.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderLine)]
pub struct OrderLineDto {
    pub product_id: String,
    pub name: String,
    #[schema(minimum = 1)]
    pub quantity: u32,
    pub unit_price: MoneyDto,
    pub line_total: MoneyDto,
    pub discount: MoneyDto,
}

impl From<OrderLine> for OrderLineDto {
    fn from(l: OrderLine) -> Self {
        OrderLineDto {
            product_id: l.product_id.as_str().to_owned(),
            name: l.name,
            quantity: l.quantity,
            unit_price: l.unit_price.into(),
            line_total: l.line_total.into(),
            discount: l.discount.into(),
        }
    }
}

/// One step of an order's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = Milestone)]
pub struct MilestoneDto {
    pub status: OrderStatusDto,
    #[schema(format = DateTime)]
    pub at: String,
    /// Who made the change: `customer:alice`, `admin:bob`, `service:warehouse`.
    pub actor: String,
    /// The note or cancellation reason given with the change, `null` when none was.
    #[schema(required = true)]
    pub note: Option<String>,
}

impl From<Milestone> for MilestoneDto {
    fn from(m: Milestone) -> Self {
        MilestoneDto {
            status: m.status.into(),
            at: m.at.to_rfc3339(),
            actor: m.actor,
            note: m.note,
        }
    }
}
