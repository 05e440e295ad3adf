//! Boundary parsing: the text a front end receives (an HTTP body, path or query; a binding's
//! argument) turned into the engine's types. The server and every binding call these, so the
//! same bad input gets the same code from each of them:
//!
//! | input                                   | code                         |
//! |-----------------------------------------|------------------------------|
//! | unknown order status                    | `invalid_status`             |
//! | unknown shipping method                 | `invalid_shipping_method`    |
//! | unknown payment method type             | `unsupported_payment_method` |
//! | malformed order or checkout id          | `not_found` (it names none)  |
//! | malformed event id                      | `invalid_field`              |
//! | malformed device id                     | `invalid_device_id`          |
//! | malformed sync pull cursor              | `invalid_cursor`             |
//! | a full card number, under any field name | `card_number_refused`        |

use serde_json::{Map, Value};

use crate::error::{OrderlyError, ValidationError};
use crate::ids::{CheckoutId, DeviceId, EventId, OrderId, WebhookId};
use crate::model::ShippingMethod;
use crate::status::OrderStatus;
use crate::validation::looks_like_card_number;

/// The payment method types the engine knows, as they are spelled on the wire.
pub const PAYMENT_TYPES: [&str; 3] = ["card", "paypal", "cash_on_delivery"];

/// Field names under which clients commonly send a full card number. A payment method with
/// any of them is refused whatever the value, so that a number is never quietly dropped.
pub const CARD_NUMBER_FIELDS: [&str; 4] = ["number", "cardNumber", "card_number", "pan"];

/// How much of a refused value an error message repeats.
const ECHO_CHARS: usize = 32;

fn echo(text: &str) -> String {
    text.chars().take(ECHO_CHARS).collect()
}

/// `placed`, `processing`, `shipped`, `delivered` or `cancelled`; else `invalid_status`.
pub fn order_status(text: &str) -> Result<OrderStatus, ValidationError> {
    text.parse()
}

/// `standard` or `express`; else `invalid_shipping_method`.
pub fn shipping_method(text: &str) -> Result<ShippingMethod, ValidationError> {
    match text {
        "standard" => Ok(ShippingMethod::Standard),
        "express" => Ok(ShippingMethod::Express),
        other => Err(ValidationError::InvalidShippingMethod(echo(other))),
    }
}

/// One of [`PAYMENT_TYPES`]; else `unsupported_payment_method`.
pub fn payment_type(text: &str) -> Result<&'static str, ValidationError> {
    PAYMENT_TYPES
        .into_iter()
        .find(|known| *known == text)
        .ok_or_else(|| ValidationError::UnsupportedPaymentMethod(echo(text)))
}

/// A device id: 1 to 64 of `A-Z a-z 0-9 . _ -`; else `invalid_device_id`.
pub fn device_id(text: &str) -> Result<DeviceId, ValidationError> {
    DeviceId::new(text)
}

/// A sync pull cursor as the server issued it (`None`: from the start); else
/// `invalid_cursor`.
pub fn pull_cursor(text: Option<&str>) -> Result<crate::sync::PullCursor, ValidationError> {
    crate::sync::PullCursor::parse(text)
}

/// An order id. A malformed one cannot name an order, so it is `not_found` like an unknown
/// one.
pub fn order_id(text: &str) -> Result<OrderId, OrderlyError> {
    OrderId::parse(text).ok_or_else(|| OrderlyError::not_found("order", echo(text)))
}

/// A webhook subscription's id; malformed is `not_found`, as for [`order_id`].
pub fn webhook_id(text: &str) -> Result<WebhookId, OrderlyError> {
    WebhookId::parse(text).ok_or_else(|| OrderlyError::not_found("webhook", echo(text)))
}

/// A checkout id; malformed is `not_found`, as for [`order_id`].
pub fn checkout_id(text: &str) -> Result<CheckoutId, OrderlyError> {
    CheckoutId::parse(text).ok_or_else(|| OrderlyError::not_found("checkout", echo(text)))
}

/// An outbox event id, given in the argument `field`; malformed is `invalid_field`.
pub fn event_id(field: &str, text: &str) -> Result<EventId, ValidationError> {
    EventId::parse(text).ok_or_else(|| ValidationError::InvalidField {
        field: field.to_owned(),
        reason: format!("{:?} is not an event id", echo(text)),
    })
}

/// The checks a payment method gets in its raw JSON form, before its shape is looked at: a
/// known `type` (when it has one) and no card number under [`CARD_NUMBER_FIELDS`] or in any
/// string value.
pub fn payment_object(payment: &Map<String, Value>) -> Result<(), ValidationError> {
    if let Some(kind) = payment.get("type").and_then(Value::as_str) {
        payment_type(kind)?;
    }
    let number_sent = CARD_NUMBER_FIELDS
        .iter()
        .any(|field| payment.contains_key(*field))
        || payment
            .values()
            .filter_map(Value::as_str)
            .any(looks_like_card_number);
    if number_sent {
        return Err(ValidationError::CardNumberRefused);
    }
    Ok(())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;
    use serde_json::json;

    fn object(value: Value) -> Map<String, Value> {
        match value {
            Value::Object(map) => map,
            _ => Map::new(),
        }
    }

    #[test]
    fn each_bad_input_has_its_code() {
        assert_eq!(
            order_status("Shipped").unwrap_err().code(),
            "invalid_status"
        );
        assert_eq!(
            shipping_method("overnight").unwrap_err().code(),
            "invalid_shipping_method"
        );
        assert_eq!(
            payment_type("bitcoin").unwrap_err().code(),
            "unsupported_payment_method"
        );
        assert_eq!(order_id("42").unwrap_err().code(), "not_found");
        assert_eq!(checkout_id("not-a-uuid").unwrap_err().code(), "not_found");
        assert_eq!(
            event_id("eventIds", "x").unwrap_err().code(),
            "invalid_field"
        );
    }

    #[test]
    fn known_words_parse() {
        assert_eq!(order_status("shipped").unwrap(), OrderStatus::Shipped);
        assert_eq!(shipping_method("express").unwrap(), ShippingMethod::Express);
        for kind in PAYMENT_TYPES {
            assert_eq!(payment_type(kind).unwrap(), kind);
        }
        let id = "0190a1b2-c3d4-7e5f-8a9b-0c1d2e3f4a5b";
        assert_eq!(order_id(id).unwrap().to_string(), id);
        assert_eq!(checkout_id(id).unwrap().to_string(), id);
    }

    #[test]
    fn card_numbers_are_refused_by_field_name_or_value() {
        for field in CARD_NUMBER_FIELDS {
            let payment = object(json!({"type": "card", "token": "tok_1", field: "x"}));
            assert_eq!(
                payment_object(&payment).unwrap_err(),
                ValidationError::CardNumberRefused,
                "{field}"
            );
        }
        let in_value = object(json!({"type": "card", "brand": "4242 4242 4242 4242"}));
        assert_eq!(
            payment_object(&in_value).unwrap_err(),
            ValidationError::CardNumberRefused
        );
        let fine = object(json!({"type": "card", "token": "tok_1", "last4": "4242"}));
        assert!(payment_object(&fine).is_ok());
    }

    #[test]
    fn an_unknown_type_is_named_before_a_card_number() {
        let payment = object(json!({"type": "crypto", "number": "4242424242424242"}));
        assert_eq!(
            payment_object(&payment).unwrap_err().code(),
            "unsupported_payment_method"
        );
    }

    proptest! {
        #[test]
        fn only_the_known_words_parse(text in "[a-z_]{0,20}") {
            let is_status = OrderStatus::ALL.iter().any(|s| s.as_str() == text);
            prop_assert_eq!(order_status(&text).is_ok(), is_status);
            if !is_status {
                prop_assert_eq!(order_status(&text).unwrap_err().code(), "invalid_status");
            }
            let is_method = text == "standard" || text == "express";
            prop_assert_eq!(shipping_method(&text).is_ok(), is_method);
            prop_assert_eq!(payment_type(&text).is_ok(), PAYMENT_TYPES.contains(&text.as_str()));
        }

        #[test]
        fn status_words_round_trip(status in prop::sample::select(OrderStatus::ALL.to_vec())) {
            prop_assert_eq!(order_status(status.as_str()).unwrap(), status);
        }
    }
}
