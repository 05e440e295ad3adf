//! The payment method as requests give it. Every shape the server sends (orders, carts,
//! status views, pages, money, addresses) is the engine's own type with its derived schema.

use orderly::PaymentMethod;
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

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
        #[schema(schema_with = orderly::openapi::card_brand_schema)]
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
