//! OpenAPI schemas (utoipa) for what cannot derive its own: `Money`'s wire form and the value
//! lists the engine validates against (countries, card brands). Types that serialize in the
//! API's shape derive `ToSchema` beside their serde attributes, so a server documents exactly
//! the bytes the engine writes.

use std::borrow::Cow;

use utoipa::openapi::RefOr;
use utoipa::openapi::schema::{ObjectBuilder, Schema, Type};
use utoipa::{PartialSchema, ToSchema};

use crate::money::Money;
use crate::validation::CARD_BRANDS;

/// An exact amount: a decimal string in the currency's minor digits, never a float.
#[derive(ToSchema)]
#[schema(as = Money, example = json!({"amount": "19.99", "currency": "USD"}))]
#[allow(dead_code)]
struct MoneyWire {
    #[schema(pattern = r"^-?[0-9]+(\.[0-9]+)?$", example = "19.99")]
    amount: String,
    /// ISO 4217 code.
    #[schema(pattern = "^[A-Z]{3}$", example = "USD")]
    currency: String,
}

/// `Money` crosses the wire as `MoneyWire` shows.
impl PartialSchema for Money {
    fn schema() -> RefOr<Schema> {
        <MoneyWire as PartialSchema>::schema()
    }
}

impl ToSchema for Money {
    fn name() -> Cow<'static, str> {
        Cow::Borrowed("Money")
    }
}

/// Every ISO 3166-1 alpha-2 code, as the engine's validation knows them.
pub fn country_schema() -> impl Into<RefOr<Schema>> {
    let codes: Vec<&'static str> = isocountry::CountryCode::iter_alpha2()
        .map(|c| c.alpha2())
        .collect();
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(codes))
        .description(Some("ISO 3166-1 alpha-2 country code."))
        .examples(["US"])
}

/// The card brands the engine accepts.
pub fn card_brand_schema() -> impl Into<RefOr<Schema>> {
    ObjectBuilder::new()
        .schema_type(Type::String)
        .enum_values(Some(CARD_BRANDS))
        .description(Some(
            "Card brand, lower case, as the payment provider reports it.",
        ))
}
