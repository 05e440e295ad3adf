//! Exact money: integer minor units in an ISO 4217 currency.
//!
//! Amounts are `i64` minor units (cents for USD, yen for JPY). The exponent of every currency
//! comes from the `iso_currency` crate, so the table is maintained upstream rather than here.
//! Parsing and formatting go through decimal strings; no float ever touches an amount.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// Errors from parsing or combining money.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum MoneyError {
    /// The code is not an ISO 4217 currency (the offending code, cut to 16 characters).
    #[error("unknown currency code {0:?}")]
    UnknownCurrency(String),
    /// The currency exists but has no usable minor-unit exponent.
    #[error("currency {0} has no minor-unit exponent (it is not a circulating currency)")]
    NoMinorUnits(String),
    /// The input is not a decimal amount the currency can hold exactly.
    #[error(
        "{input:?} is not a decimal amount in {currency} (at most {digits} fraction digits, digits only)"
    )]
    InvalidAmount {
        /// The rejected input, cut to 40 characters.
        input: String,
        /// The currency it was parsed for.
        currency: Currency,
        /// The most fraction digits the currency allows.
        digits: u8,
    },
    /// A negative amount where only zero or more is allowed (the input, cut to 40 characters).
    #[error("amount {0:?} must not be negative")]
    Negative(String),
    /// The result does not fit in `i64` minor units.
    #[error("amount overflows the supported range")]
    Overflow,
    /// Two amounts in different currencies were combined.
    #[error("cannot combine {left} with {right}")]
    CurrencyMismatch {
        /// The first amount's currency.
        left: Currency,
        /// The second amount's currency.
        right: Currency,
    },
}

impl MoneyError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            MoneyError::UnknownCurrency(_) | MoneyError::NoMinorUnits(_) => "unknown_currency",
            MoneyError::InvalidAmount { .. } => "invalid_amount",
            MoneyError::Negative(_) => "negative_amount",
            MoneyError::Overflow => "amount_overflow",
            MoneyError::CurrencyMismatch { .. } => "currency_mismatch",
        }
    }
}

/// An ISO 4217 currency with a defined minor-unit exponent.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Currency {
    inner: iso_currency::Currency,
    exponent: u8,
}

impl Currency {
    /// US dollar (2 minor digits).
    pub const USD: Currency = Currency {
        inner: iso_currency::Currency::USD,
        exponent: 2,
    };
    /// Euro (2 minor digits).
    pub const EUR: Currency = Currency {
        inner: iso_currency::Currency::EUR,
        exponent: 2,
    };
    /// Pound sterling (2 minor digits).
    pub const GBP: Currency = Currency {
        inner: iso_currency::Currency::GBP,
        exponent: 2,
    };
    /// Japanese yen (no minor digits).
    pub const JPY: Currency = Currency {
        inner: iso_currency::Currency::JPY,
        exponent: 0,
    };

    /// Looks up a three-letter code (upper case, as ISO 4217 writes it).
    pub fn from_code(code: &str) -> Result<Self, MoneyError> {
        // The ISO table is one long `match` (about 100 ns for "USD"), and a stored order
        // names its currency some fifteen times: remember the last code this thread found.
        thread_local! {
            static LAST: std::cell::Cell<Option<([u8; 3], Currency)>> =
                const { std::cell::Cell::new(None) };
        }
        let key: Option<[u8; 3]> = code.as_bytes().try_into().ok();
        let cached = LAST.with(|last| last.get());
        if let Some((_, hit)) = cached.filter(|(k, _)| Some(*k) == key) {
            return Ok(hit);
        }
        let currency = Self::from_table(code)?;
        if let Some(key) = key {
            LAST.with(|last| last.set(Some((key, currency))));
        }
        Ok(currency)
    }

    fn from_table(code: &str) -> Result<Self, MoneyError> {
        let inner = iso_currency::Currency::from_code(code)
            .ok_or_else(|| MoneyError::UnknownCurrency(code.chars().take(16).collect()))?;
        let exponent = inner
            .exponent()
            .and_then(|e| u8::try_from(e).ok())
            .filter(|e| *e <= 6)
            .ok_or_else(|| MoneyError::NoMinorUnits(code.to_owned()))?;
        Ok(Currency { inner, exponent })
    }

    /// The three-letter code, e.g. `"USD"`.
    pub fn code(&self) -> &'static str {
        self.inner.code()
    }

    /// Number of minor digits: 2 for USD, 0 for JPY, 3 for KWD.
    pub fn exponent(&self) -> u8 {
        self.exponent
    }

    /// 10^exponent, the number of minor units in one major unit.
    pub fn minor_per_major(&self) -> i64 {
        10_i64.pow(u32::from(self.exponent))
    }
}

impl fmt::Display for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl fmt::Debug for Currency {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.code())
    }
}

impl FromStr for Currency {
    type Err = MoneyError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Currency::from_code(s)
    }
}

impl Serialize for Currency {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.code())
    }
}

impl<'de> Deserialize<'de> for Currency {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        // Visit the string in place: decoding stored orders allocates nothing per currency.
        struct CodeVisitor;
        impl serde::de::Visitor<'_> for CodeVisitor {
            type Value = Currency;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an ISO 4217 currency code")
            }
            fn visit_str<E: serde::de::Error>(self, code: &str) -> Result<Currency, E> {
                Currency::from_code(code).map_err(E::custom)
            }
        }
        d.deserialize_str(CodeVisitor)
    }
}

/// An exact amount of one currency.
#[derive(Clone, Copy, PartialEq, Eq, Hash)]
pub struct Money {
    minor: i64,
    currency: Currency,
}

impl Money {
    /// An amount of `minor` units (cents for USD) of `currency`.
    pub const fn from_minor(minor: i64, currency: Currency) -> Self {
        Money { minor, currency }
    }

    /// Zero in `currency`.
    pub fn zero(currency: Currency) -> Self {
        Money::from_minor(0, currency)
    }

    /// The amount in minor units.
    pub fn minor(&self) -> i64 {
        self.minor
    }

    /// The amount's currency.
    pub fn currency(&self) -> Currency {
        self.currency
    }

    /// Whether the amount is below zero.
    pub fn is_negative(&self) -> bool {
        self.minor < 0
    }

    /// Parses a decimal string such as `"19.99"` (USD) or `"1500"` (JPY).
    ///
    /// Accepted: an optional leading `-`, digits, and optionally `.` followed by 1 to
    /// `exponent` digits. Rejected: exponents (`1e3`), more fraction digits than the currency
    /// has, `+`, spaces, empty parts (`"1."`, `".5"`), and anything that overflows `i64`.
    pub fn parse(input: &str, currency: Currency) -> Result<Self, MoneyError> {
        let invalid = || MoneyError::InvalidAmount {
            input: input.chars().take(40).collect(),
            currency,
            digits: currency.exponent(),
        };
        let (negative, body) = match input.strip_prefix('-') {
            Some(rest) => (true, rest),
            None => (false, input),
        };
        let (whole, fraction) = match body.split_once('.') {
            Some((w, f)) => (w, Some(f)),
            None => (body, None),
        };
        if whole.is_empty() || !whole.bytes().all(|b| b.is_ascii_digit()) {
            return Err(invalid());
        }
        let digits = usize::from(currency.exponent());
        let fraction = match fraction {
            None => "",
            Some(f)
                if !f.is_empty() && f.len() <= digits && f.bytes().all(|b| b.is_ascii_digit()) =>
            {
                f
            }
            Some(_) => return Err(invalid()),
        };
        // Accumulate in i128 so that i64::MIN, whose magnitude i64 cannot hold, still parses.
        let mut magnitude: i128 = 0;
        for b in whole.bytes().chain(fraction.bytes()) {
            magnitude = magnitude
                .checked_mul(10)
                .and_then(|m| m.checked_add(i128::from(b - b'0')))
                .ok_or(MoneyError::Overflow)?;
        }
        for _ in fraction.len()..digits {
            magnitude = magnitude.checked_mul(10).ok_or(MoneyError::Overflow)?;
        }
        let signed = if negative { -magnitude } else { magnitude };
        let minor = i64::try_from(signed).map_err(|_| MoneyError::Overflow)?;
        Ok(Money { minor, currency })
    }

    /// Parses an amount that must be zero or more (prices, limits).
    pub fn parse_non_negative(input: &str, currency: Currency) -> Result<Self, MoneyError> {
        let m = Money::parse(input, currency)?;
        if m.is_negative() || input.starts_with('-') {
            return Err(MoneyError::Negative(input.chars().take(40).collect()));
        }
        Ok(m)
    }

    /// The decimal string in the currency's minor digits: `"19.99"`, `"1500"`, `"-0.05"`.
    pub fn amount_string(&self) -> String {
        let digits = u32::from(self.currency.exponent());
        let abs = self.minor.unsigned_abs();
        let sign = if self.minor < 0 { "-" } else { "" };
        if digits == 0 {
            return format!("{sign}{abs}");
        }
        let scale = 10_u64.pow(digits);
        format!(
            "{sign}{}.{:0width$}",
            abs / scale,
            abs % scale,
            width = digits as usize
        )
    }

    fn same_currency(&self, other: &Money) -> Result<(), MoneyError> {
        if self.currency == other.currency {
            Ok(())
        } else {
            Err(MoneyError::CurrencyMismatch {
                left: self.currency,
                right: other.currency,
            })
        }
    }

    /// `self + other`; fails on different currencies or overflow.
    pub fn checked_add(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_add(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// `self - other`; fails on different currencies or overflow.
    pub fn checked_sub(&self, other: &Money) -> Result<Money, MoneyError> {
        self.same_currency(other)?;
        let minor = self
            .minor
            .checked_sub(other.minor)
            .ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// `self * factor`; fails on overflow.
    pub fn checked_mul(&self, factor: i64) -> Result<Money, MoneyError> {
        let minor = self.minor.checked_mul(factor).ok_or(MoneyError::Overflow)?;
        Ok(Money::from_minor(minor, self.currency))
    }

    /// Sums amounts of one currency; an empty iterator gives zero in `currency`.
    pub fn sum<'a>(
        currency: Currency,
        items: impl IntoIterator<Item = &'a Money>,
    ) -> Result<Money, MoneyError> {
        items
            .into_iter()
            .try_fold(Money::zero(currency), |acc, m| acc.checked_add(m))
    }
}

impl fmt::Display for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{} {}", self.amount_string(), self.currency)
    }
}

impl fmt::Debug for Money {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        fmt::Display::fmt(self, f)
    }
}

/// The wire form: `{"amount": "12.34", "currency": "USD"}`. The amount is borrowed from the
/// input when it can be, so decoding allocates only for escaped strings.
#[derive(Serialize, Deserialize)]
struct MoneyRepr<'a> {
    #[serde(borrow)]
    amount: std::borrow::Cow<'a, str>,
    currency: Currency,
}

impl Serialize for Money {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        MoneyRepr {
            amount: self.amount_string().into(),
            currency: self.currency,
        }
        .serialize(s)
    }
}

impl<'de> Deserialize<'de> for Money {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        let repr = MoneyRepr::deserialize(d)?;
        Money::parse(&repr.amount, repr.currency).map_err(serde::de::Error::custom)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }
    fn jpy() -> Currency {
        Currency::from_code("JPY").unwrap()
    }

    #[test]
    fn constants_agree_with_the_table() {
        for c in [Currency::USD, Currency::EUR, Currency::GBP, Currency::JPY] {
            assert_eq!(Currency::from_code(c.code()).unwrap(), c);
        }
    }

    #[test]
    fn repeated_lookups_answer_like_the_table() {
        for code in [
            "USD", "USD", "usd", "JPY", "USD", "ZZZ", "KWD", "KWD", "US", "USDX",
        ] {
            assert_eq!(
                Currency::from_code(code),
                Currency::from_table(code),
                "{code}"
            );
        }
    }

    #[test]
    fn exponents_come_from_the_iso_table() {
        assert_eq!(usd().exponent(), 2);
        assert_eq!(jpy().exponent(), 0);
        assert_eq!(Currency::from_code("KWD").unwrap().exponent(), 3);
        assert_eq!(
            Currency::from_code("usd").unwrap_err().code(),
            "unknown_currency"
        );
        assert!(Currency::from_code("XXX").is_err(), "no minor units");
        assert!(Currency::from_code("ZZZ").is_err());
    }

    #[test]
    fn parses_exact_decimals() {
        assert_eq!(Money::parse("19.99", usd()).unwrap().minor(), 1999);
        assert_eq!(Money::parse("19.9", usd()).unwrap().minor(), 1990);
        assert_eq!(Money::parse("19", usd()).unwrap().minor(), 1900);
        assert_eq!(Money::parse("0.01", usd()).unwrap().minor(), 1);
        assert_eq!(Money::parse("1500", jpy()).unwrap().minor(), 1500);
        assert_eq!(Money::parse("-0.01", usd()).unwrap().minor(), -1);
    }

    #[test]
    fn rejects_inexact_or_odd_decimals() {
        for bad in [
            "1.999", "1e3", "", ".5", "1.", "+1", " 1", "1,00", "0x10", "1.0.0", "--1", "١٢",
        ] {
            assert!(
                Money::parse(bad, usd()).is_err(),
                "{bad:?} should be rejected"
            );
        }
        assert!(Money::parse("15.5", jpy()).is_err());
        assert_eq!(
            Money::parse_non_negative("-0.01", usd())
                .unwrap_err()
                .code(),
            "negative_amount"
        );
        assert!(Money::parse_non_negative("-0", usd()).is_err());
    }

    #[test]
    fn overflow_is_an_error() {
        assert_eq!(
            Money::parse("92233720368547758.08", usd()).unwrap_err(),
            MoneyError::Overflow
        );
        assert!(Money::parse("92233720368547758.07", usd()).is_ok());
        let max = Money::from_minor(i64::MAX, usd());
        assert_eq!(
            max.checked_add(&Money::from_minor(1, usd())).unwrap_err(),
            MoneyError::Overflow
        );
        assert_eq!(max.checked_mul(2).unwrap_err(), MoneyError::Overflow);
    }

    #[test]
    fn formats_in_minor_digits() {
        assert_eq!(Money::from_minor(1999, usd()).amount_string(), "19.99");
        assert_eq!(Money::from_minor(5, usd()).amount_string(), "0.05");
        assert_eq!(Money::from_minor(-5, usd()).amount_string(), "-0.05");
        assert_eq!(Money::from_minor(1500, jpy()).amount_string(), "1500");
        assert_eq!(
            Money::from_minor(i64::MIN, usd()).amount_string(),
            "-92233720368547758.08"
        );
    }

    #[test]
    fn mixing_currencies_is_an_error() {
        let err = Money::zero(usd())
            .checked_add(&Money::zero(jpy()))
            .unwrap_err();
        assert_eq!(err.code(), "currency_mismatch");
    }

    #[test]
    fn serde_round_trip_uses_strings() {
        let m = Money::from_minor(1234, usd());
        let json = serde_json::to_string(&m).unwrap();
        assert_eq!(json, r#"{"amount":"12.34","currency":"USD"}"#);
        assert_eq!(serde_json::from_str::<Money>(&json).unwrap(), m);
        assert!(serde_json::from_str::<Money>(r#"{"amount":12.34,"currency":"USD"}"#).is_err());
    }

    proptest::proptest! {
        #[test]
        fn format_then_parse_is_identity(minor in proptest::num::i64::ANY, code in proptest::sample::select(vec!["USD", "JPY", "KWD", "EUR"])) {
            let c = Currency::from_code(code).unwrap();
            let m = Money::from_minor(minor, c);
            proptest::prop_assert_eq!(Money::parse(&m.amount_string(), c).unwrap(), m);
        }
    }
}
