//! Input rules: carts (the Cart Service contract), addresses, payment methods and metadata.
//! Each rule fails with its own `ValidationError` so that clients can say what is wrong.

use std::collections::HashSet;

use crate::clock::Timestamp;
use crate::error::ValidationError;
use crate::ids::{ProductId, UserId};
use crate::model::{Address, Cart, CartLine, Metadata, PaymentMethod, RawCart};
use crate::money::{Currency, Money};

/// The most lines a cart may have.
pub const MAX_CART_LINES: usize = 500;
/// The largest quantity of one cart line.
pub const MAX_QUANTITY: i64 = 1000;
/// The largest size of an order's metadata, as encoded JSON, in bytes.
pub const MAX_METADATA_BYTES: usize = 16 * 1024;
/// The longest note or cancellation reason, in characters.
pub const MAX_NOTE_CHARS: usize = 1000;

/// Card brands the engine accepts (lower case, as payment providers report them).
pub const CARD_BRANDS: [&str; 8] = [
    "visa",
    "mastercard",
    "amex",
    "discover",
    "jcb",
    "diners",
    "unionpay",
    "maestro",
];

/// Applies the cart rules. An empty cart is valid here (it can be shown); checkout and
/// ordering reject it with `require_non_empty`.
pub fn validate_cart(user: &UserId, raw: &RawCart) -> Result<Cart, ValidationError> {
    let currency = Currency::from_code(&raw.currency)
        .map_err(|_| ValidationError::InvalidCurrency(raw.currency.chars().take(16).collect()))?;
    if raw.items.len() > MAX_CART_LINES {
        return Err(ValidationError::CartTooManyLines {
            lines: raw.items.len(),
            max: MAX_CART_LINES,
        });
    }
    let mut seen = HashSet::with_capacity(raw.items.len());
    let mut items = Vec::with_capacity(raw.items.len());
    for item in &raw.items {
        let product_id = ProductId::new(item.product_id.as_str())?;
        if !seen.insert(item.product_id.as_str()) {
            return Err(ValidationError::DuplicateProduct(item.product_id.clone()));
        }
        let name_len = item.name.chars().count();
        if name_len == 0 || name_len > 200 || item.name.chars().any(char::is_control) {
            return Err(ValidationError::InvalidProductName(item.product_id.clone()));
        }
        if !(1..=MAX_QUANTITY).contains(&item.quantity) {
            return Err(ValidationError::QuantityOutOfRange {
                product: item.product_id.clone(),
                quantity: item.quantity,
                max: MAX_QUANTITY,
            });
        }
        let unit_price = Money::parse_non_negative(&item.unit_price, currency).map_err(|e| {
            ValidationError::InvalidPrice {
                product: item.product_id.clone(),
                reason: e.to_string(),
            }
        })?;
        let line_total = unit_price.checked_mul(item.quantity)?;
        items.push(CartLine {
            product_id,
            name: item.name.clone(),
            quantity: u32::try_from(item.quantity).unwrap_or(u32::MAX),
            unit_price,
            line_total,
        });
    }
    let subtotal = Money::sum(currency, items.iter().map(|l| &l.line_total))?;
    Ok(Cart {
        user_id: user.clone(),
        currency,
        items,
        subtotal,
    })
}

/// Fails with `CartEmpty` when the cart has no lines.
pub fn require_non_empty(cart: &Cart) -> Result<(), ValidationError> {
    if cart.items.is_empty() {
        Err(ValidationError::CartEmpty)
    } else {
        Ok(())
    }
}

fn text_field(
    field: &'static str,
    value: &str,
    min: usize,
    max: usize,
) -> Result<(), ValidationError> {
    let len = value.trim().chars().count();
    if len < min {
        return Err(ValidationError::InvalidAddress {
            field,
            reason: "is required".into(),
        });
    }
    if value.chars().count() > max {
        return Err(ValidationError::InvalidAddress {
            field,
            reason: format!("must be at most {max} characters"),
        });
    }
    if value.chars().any(char::is_control) {
        return Err(ValidationError::InvalidAddress {
            field,
            reason: "must not contain control characters".into(),
        });
    }
    if looks_like_card_number(value) {
        return Err(ValidationError::CardNumberRefused);
    }
    Ok(())
}

/// Checks an address: required fields, lengths, ISO 3166-1 alpha-2 country, postal code.
pub fn validate_address(a: &Address) -> Result<(), ValidationError> {
    text_field("name", &a.name, 1, 100)?;
    text_field("line1", &a.line1, 1, 200)?;
    if let Some(l2) = &a.line2 {
        text_field("line2", l2, 0, 200)?;
    }
    text_field("city", &a.city, 1, 100)?;
    if let Some(r) = &a.region {
        text_field("region", r, 0, 100)?;
    }
    let country_ok = a.country.len() == 2
        && a.country.bytes().all(|b| b.is_ascii_uppercase())
        && isocountry::CountryCode::for_alpha2(&a.country).is_ok();
    if !country_ok {
        return Err(ValidationError::InvalidCountry(
            a.country.chars().take(8).collect(),
        ));
    }
    if !postal_code_ok(&a.country, &a.postal_code) {
        return Err(ValidationError::InvalidPostalCode {
            code: a.postal_code.chars().take(20).collect(),
            country: a.country.clone(),
        });
    }
    Ok(())
}

/// Matches a string against a shape: `9` a digit, `A` an ASCII letter, `?` an optional space,
/// anything else itself.
fn shape(value: &str, pattern: &str) -> bool {
    let mut v = value.chars().peekable();
    for p in pattern.chars() {
        match p {
            '?' => {
                if v.peek() == Some(&' ') {
                    v.next();
                }
            }
            '9' => {
                if !v.next().is_some_and(|c| c.is_ascii_digit()) {
                    return false;
                }
            }
            'A' => {
                if !v.next().is_some_and(|c| c.is_ascii_alphabetic()) {
                    return false;
                }
            }
            lit => {
                if v.next() != Some(lit) {
                    return false;
                }
            }
        }
    }
    v.next().is_none()
}

fn postal_code_ok(country: &str, code: &str) -> bool {
    let upper = code.to_ascii_uppercase();
    let any = |patterns: &[&str]| patterns.iter().any(|p| shape(&upper, p));
    match country {
        "US" => any(&["99999", "99999-9999"]),
        "CA" => any(&["A9A?9A9"]),
        "GB" => any(&[
            "A9?9AA", "A99?9AA", "AA9?9AA", "AA99?9AA", "A9A?9AA", "AA9A?9AA",
        ]),
        "DE" | "FR" | "ES" | "IT" | "FI" | "MX" => any(&["99999"]),
        "NL" => any(&["9999?AA"]),
        "JP" => any(&["999-9999", "9999999"]),
        "AU" | "AT" | "BE" | "CH" | "DK" | "NO" => any(&["9999"]),
        _ => {
            let len = code.chars().count();
            (1..=16).contains(&len)
                && code
                    .chars()
                    .all(|c| c.is_ascii_alphanumeric() || c == ' ' || c == '-')
                && code.chars().any(|c| c.is_ascii_alphanumeric())
        }
    }
}

fn token_ok(token: &str) -> Result<(), ValidationError> {
    if token.is_empty() || token.len() > 255 || !token.bytes().all(|b| (0x21..=0x7e).contains(&b)) {
        return Err(ValidationError::InvalidPaymentToken);
    }
    if looks_like_card_number(token) {
        return Err(ValidationError::CardNumberRefused);
    }
    Ok(())
}

/// Checks a payment method against the clock. Cash on delivery's limit depends on the total
/// and is checked by the service once the order is priced.
pub fn validate_payment(p: &PaymentMethod, now: Timestamp) -> Result<(), ValidationError> {
    match p {
        PaymentMethod::Card {
            token,
            brand,
            last4,
            exp_month,
            exp_year,
        } => {
            token_ok(token)?;
            // Refused before the brand check, whose message would echo the number.
            if looks_like_card_number(brand) {
                return Err(ValidationError::CardNumberRefused);
            }
            if !CARD_BRANDS.contains(&brand.as_str()) {
                return Err(ValidationError::UnsupportedCardBrand(
                    brand.chars().take(32).collect(),
                ));
            }
            if last4.len() != 4 || !last4.bytes().all(|b| b.is_ascii_digit()) {
                if looks_like_card_number(last4) {
                    return Err(ValidationError::CardNumberRefused);
                }
                return Err(ValidationError::InvalidLast4);
            }
            if !(1..=12).contains(exp_month) || !(2000..=2100).contains(exp_year) {
                return Err(ValidationError::InvalidCardExpiry);
            }
            let (year, month) = now.year_month();
            // A card is valid through the last day of its expiry month.
            if (*exp_year, *exp_month) < (i64::from(year), i64::from(month)) {
                return Err(ValidationError::CardExpired {
                    year: i32::try_from(*exp_year).unwrap_or(0),
                    month: u8::try_from(*exp_month).unwrap_or(0),
                });
            }
            Ok(())
        }
        PaymentMethod::Paypal { token } => token_ok(token),
        PaymentMethod::CashOnDelivery => Ok(()),
    }
}

/// Checks free-form metadata: bounded size, and no card numbers hidden in it.
pub fn validate_metadata(m: &Metadata) -> Result<(), ValidationError> {
    let encoded = serde_json::to_string(m).map_err(|_| ValidationError::InvalidMetadata {
        max: MAX_METADATA_BYTES,
    })?;
    if encoded.len() > MAX_METADATA_BYTES {
        return Err(ValidationError::InvalidMetadata {
            max: MAX_METADATA_BYTES,
        });
    }
    if looks_like_card_number(&encoded) {
        return Err(ValidationError::CardNumberRefused);
    }
    Ok(())
}

/// Checks a free-text note or reason attached to a status change.
pub fn validate_note(field: &str, note: &str) -> Result<(), ValidationError> {
    if note.chars().count() > MAX_NOTE_CHARS || note.chars().any(|c| c.is_control() && c != '\n') {
        return Err(ValidationError::InvalidField {
            field: field.into(),
            reason: format!(
                "must be at most {MAX_NOTE_CHARS} characters without control characters"
            ),
        });
    }
    if looks_like_card_number(note) {
        return Err(ValidationError::CardNumberRefused);
    }
    Ok(())
}

/// True when `s` holds a run of 13 to 19 digits (single spaces or dashes between groups
/// allowed) that passes the Luhn check: a primary account number that must never be stored.
pub fn looks_like_card_number(s: &str) -> bool {
    let bytes = s.as_bytes();
    let mut start = 0;
    while start < bytes.len() {
        if !bytes.get(start).is_some_and(u8::is_ascii_digit) {
            start += 1;
            continue;
        }
        // Collect a run of digits with single separators.
        let mut digits: Vec<u8> = Vec::with_capacity(19);
        let mut i = start;
        while let Some(&b) = bytes.get(i) {
            if b.is_ascii_digit() {
                digits.push(b - b'0');
                i += 1;
            } else if (b == b' ' || b == b'-')
                && bytes.get(i + 1).is_some_and(u8::is_ascii_digit)
                && !digits.is_empty()
            {
                i += 1;
            } else {
                break;
            }
        }
        if (13..=19).contains(&digits.len()) && luhn(&digits) {
            return true;
        }
        start = i.max(start + 1);
    }
    false
}

fn luhn(digits: &[u8]) -> bool {
    let sum: u32 = digits
        .iter()
        .rev()
        .enumerate()
        .map(|(i, &d)| {
            let d = u32::from(d);
            if i % 2 == 1 {
                let doubled = d * 2;
                if doubled > 9 { doubled - 9 } else { doubled }
            } else {
                d
            }
        })
        .sum();
    sum.is_multiple_of(10)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::RawCartItem;

    fn raw(items: Vec<(&str, i64, &str)>) -> RawCart {
        RawCart {
            user_id: "alice".into(),
            currency: "USD".into(),
            items: items
                .into_iter()
                .map(|(p, q, price)| RawCartItem {
                    product_id: p.into(),
                    name: format!("Name {p}"),
                    quantity: q,
                    unit_price: price.into(),
                })
                .collect(),
            updated_at: None,
        }
    }

    fn alice() -> UserId {
        UserId::new("alice").unwrap()
    }

    #[test]
    fn cart_rules_from_the_contract() {
        let ok = validate_cart(&alice(), &raw(vec![("a", 2, "19.99"), ("b", 1, "0")])).unwrap();
        assert_eq!(ok.subtotal.minor(), 3998);
        let code = |items| validate_cart(&alice(), &raw(items)).unwrap_err().code();
        assert_eq!(code(vec![("a", 0, "1.00")]), "invalid_quantity");
        assert_eq!(code(vec![("a", 1001, "1.00")]), "invalid_quantity");
        assert_eq!(code(vec![("a", 1, "-1.00")]), "invalid_price");
        assert_eq!(code(vec![("a", 1, "1.999")]), "invalid_price");
        assert_eq!(
            code(vec![("a", 1, "1"), ("a", 2, "1")]),
            "duplicate_product"
        );
        let many: Vec<(String, i64, &str)> = (0..501).map(|i| (format!("p{i}"), 1, "1")).collect();
        let many_raw = RawCart {
            items: many
                .iter()
                .map(|(p, q, pr)| RawCartItem {
                    product_id: p.clone(),
                    name: "n".into(),
                    quantity: *q,
                    unit_price: (*pr).into(),
                })
                .collect(),
            ..raw(vec![])
        };
        assert_eq!(
            validate_cart(&alice(), &many_raw).unwrap_err().code(),
            "cart_too_many_lines"
        );
        let mut bad_currency = raw(vec![("a", 1, "1")]);
        bad_currency.currency = "DOGE".into();
        assert_eq!(
            validate_cart(&alice(), &bad_currency).unwrap_err().code(),
            "invalid_currency"
        );
        let empty = validate_cart(&alice(), &raw(vec![])).unwrap();
        assert_eq!(require_non_empty(&empty).unwrap_err().code(), "cart_empty");
    }

    fn addr() -> Address {
        Address {
            name: "Alice".into(),
            line1: "1 Main St".into(),
            line2: None,
            city: "Springfield".into(),
            region: Some("NY".into()),
            postal_code: "10001".into(),
            country: "US".into(),
        }
    }

    #[test]
    fn address_rules() {
        assert!(validate_address(&addr()).is_ok());
        let with = |f: fn(&mut Address)| {
            let mut a = addr();
            f(&mut a);
            validate_address(&a).unwrap_err().code()
        };
        assert_eq!(with(|a| a.name = "  ".into()), "invalid_address");
        assert_eq!(with(|a| a.city = "x".repeat(101)), "invalid_address");
        assert_eq!(with(|a| a.country = "XX".into()), "invalid_country");
        assert_eq!(with(|a| a.country = "us".into()), "invalid_country");
        assert_eq!(with(|a| a.country = "USA".into()), "invalid_country");
        assert_eq!(
            with(|a| a.postal_code = "1000".into()),
            "invalid_postal_code"
        );
        assert_eq!(
            with(|a| a.line2 = Some("4111 1111 1111 1111".into())),
            "card_number_refused"
        );
        let mut gb = addr();
        gb.country = "GB".into();
        gb.postal_code = "SW1A 1AA".into();
        assert!(validate_address(&gb).is_ok());
        gb.postal_code = "12345".into();
        assert!(validate_address(&gb).is_err());
    }

    fn now() -> Timestamp {
        Timestamp::parse_rfc3339("2026-11-24T10:00:00Z").unwrap()
    }

    fn card(token: &str, last4: &str, m: i64, y: i64) -> PaymentMethod {
        PaymentMethod::Card {
            token: token.into(),
            brand: "visa".into(),
            last4: last4.into(),
            exp_month: m,
            exp_year: y,
        }
    }

    #[test]
    fn payment_rules() {
        assert!(
            validate_payment(&card("tok_visa", "4242", 11, 2026), now()).is_ok(),
            "valid through its month"
        );
        assert_eq!(
            validate_payment(&card("tok_visa", "4242", 10, 2026), now())
                .unwrap_err()
                .code(),
            "card_expired"
        );
        assert_eq!(
            validate_payment(&card("tok_visa", "424", 12, 2030), now())
                .unwrap_err()
                .code(),
            "invalid_card_last4"
        );
        assert_eq!(
            validate_payment(&card("tok_visa", "4242", 13, 2030), now())
                .unwrap_err()
                .code(),
            "invalid_card_expiry"
        );
        assert_eq!(
            validate_payment(&card("4242424242424242", "4242", 12, 2030), now())
                .unwrap_err()
                .code(),
            "card_number_refused"
        );
        assert_eq!(
            validate_payment(&card("", "4242", 12, 2030), now())
                .unwrap_err()
                .code(),
            "invalid_payment_token"
        );
        assert_eq!(
            validate_payment(
                &PaymentMethod::Paypal {
                    token: "x".repeat(256)
                },
                now()
            )
            .unwrap_err()
            .code(),
            "invalid_payment_token"
        );
        assert!(validate_payment(&PaymentMethod::CashOnDelivery, now()).is_ok());
        let mut amex = card("tok", "0005", 1, 2030);
        if let PaymentMethod::Card { brand, .. } = &mut amex {
            *brand = "bitcoin".into();
        }
        assert_eq!(
            validate_payment(&amex, now()).unwrap_err().code(),
            "unsupported_card_brand"
        );
    }

    #[test]
    fn card_numbers_are_recognised() {
        assert!(looks_like_card_number("4242424242424242"));
        assert!(looks_like_card_number("pan 4111-1111-1111-1111 here"));
        assert!(looks_like_card_number("378282246310005"));
        assert!(!looks_like_card_number("4242424242424241"), "fails Luhn");
        assert!(!looks_like_card_number("order 12345 for 2 items"));
        assert!(!looks_like_card_number("tok_1N3xYz2eZvKYlo2C"));
    }

    #[test]
    fn metadata_is_bounded() {
        let mut m = Metadata::new();
        m.insert("giftNote".into(), "Happy birthday".into());
        assert!(validate_metadata(&m).is_ok());
        m.insert("big".into(), "x".repeat(MAX_METADATA_BYTES).into());
        assert_eq!(
            validate_metadata(&m).unwrap_err().code(),
            "invalid_metadata"
        );
    }
}
