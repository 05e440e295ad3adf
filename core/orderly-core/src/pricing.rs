//! Pricing: subtotal, discount, shipping, tax and total in integer minor units.
//!
//! Order of operations (documented, and fixed so that totals are reproducible):
//! 1. `subtotal` = sum of line totals (`unit_price * quantity`).
//! 2. `discount` from the code: a percentage of the subtotal (rounded by the policy's mode) or
//!    a fixed amount in the cart's currency, never more than the subtotal. It is allocated
//!    across lines by largest remainder, so line shares sum to it exactly.
//! 3. `shipping`: the method's flat rate for the currency, free when `subtotal - discount`
//!    reaches the method's free-shipping threshold.
//! 4. `tax` = rate x (`subtotal - discount`, plus `shipping` when the policy taxes shipping),
//!    rounded once per order by the policy's mode. The rate is the region's if the policy has
//!    one for the address's region, else the country's, else zero.
//! 5. `total` = `subtotal + shipping + tax - discount`.
//!
//! Rates are integer parts per million (8.875 % is 88 750 ppm); arithmetic is i128 and checked.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::error::ValidationError;
use crate::model::{Address, Cart, OrderLine, ShippingMethod, Totals};
use crate::money::{Currency, Money, MoneyError};

/// How a fraction of a minor unit is settled.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum RoundingMode {
    /// Ties go to the even neighbour (banker's rounding); no bias over many orders.
    #[default]
    HalfEven,
    /// Ties go up, as many tax authorities specify.
    HalfUp,
}

/// `numerator / denominator` for non-negative numerator and positive denominator, rounded.
pub fn div_round(numerator: i128, denominator: i128, mode: RoundingMode) -> i128 {
    let q = numerator / denominator;
    let r = numerator % denominator;
    let twice = r * 2;
    if twice > denominator {
        q + 1
    } else if twice < denominator {
        q
    } else {
        match mode {
            RoundingMode::HalfUp => q + 1,
            RoundingMode::HalfEven => q + (q & 1),
        }
    }
}

/// A rate in parts per million: `Rate::percent("8.875")` is 88 750 ppm.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(transparent)]
pub struct Rate(u32);

impl Rate {
    /// 0 %.
    pub const ZERO: Rate = Rate(0);
    /// 100 %, the largest rate.
    pub const MAX_PPM: u32 = 1_000_000;

    /// A rate of `ppm` parts per million; more than [`Rate::MAX_PPM`] is an error.
    pub fn from_ppm(ppm: u32) -> Result<Rate, ValidationError> {
        if ppm <= Self::MAX_PPM {
            Ok(Rate(ppm))
        } else {
            Err(ValidationError::InvalidField {
                field: "rate".into(),
                reason: "must be between 0 and 100 percent".into(),
            })
        }
    }

    /// Parses a percentage with up to four decimals, e.g. `"19"`, `"8.875"`.
    pub fn percent(s: &str) -> Result<Rate, ValidationError> {
        let bad = || ValidationError::InvalidField {
            field: "rate".into(),
            reason: format!("{s:?} is not a percentage with at most 4 decimals"),
        };
        let (whole, frac) = s.split_once('.').unwrap_or((s, ""));
        let digits_only = |p: &str| p.bytes().all(|b| b.is_ascii_digit());
        if whole.is_empty()
            || whole.len() > 3
            || frac.len() > 4
            || !digits_only(whole)
            || !digits_only(frac)
            || (s.contains('.') && frac.is_empty())
        {
            return Err(bad());
        }
        let whole: u32 = whole.parse().map_err(|_| bad())?;
        let mut frac_ppm: u32 = if frac.is_empty() {
            0
        } else {
            frac.parse().map_err(|_| bad())?
        };
        for _ in frac.len()..4 {
            frac_ppm *= 10;
        }
        Rate::from_ppm(whole * 10_000 + frac_ppm)
    }

    /// The rate in parts per million.
    pub fn ppm(&self) -> u32 {
        self.0
    }

    /// Applies the rate to an amount, rounding once.
    pub fn apply(&self, amount: i64, mode: RoundingMode) -> Result<i64, MoneyError> {
        if amount < 0 {
            return Err(MoneyError::Negative(amount.to_string()));
        }
        let v = div_round(i128::from(amount) * i128::from(self.0), 1_000_000, mode);
        i64::try_from(v).map_err(|_| MoneyError::Overflow)
    }
}

/// Tax for one country, optionally overridden per region (state, province).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct CountryTax {
    /// The country's rate, for addresses in regions not listed.
    pub rate: Rate,
    /// Rates by upper-case region code (e.g. `NY`), overriding `rate`.
    #[serde(default)]
    pub regions: BTreeMap<String, Rate>,
}

/// A shipping method's price in one currency, in minor units.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct ShippingRate {
    /// The price, minor units.
    pub flat: i64,
    /// Shipping is free when `subtotal - discount` is at least this.
    #[serde(default)]
    pub free_over: Option<i64>,
}

/// What a discount code takes off.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case", tag = "kind")]
#[non_exhaustive]
pub enum Discount {
    /// A share of the subtotal.
    Percent {
        /// The share taken off.
        rate: Rate,
    },
    /// A fixed amount per currency, in minor units; not offered in other currencies.
    Fixed {
        /// The amount taken off, minor units, by currency.
        amounts: BTreeMap<Currency, i64>,
    },
}

/// Everything that decides an order's price. Construct with `PricingPolicy::default()` and
/// adjust; every field is public and serializable so deployments can load it from config.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PricingPolicy {
    /// How tax and percentage discounts are rounded.
    pub rounding: RoundingMode,
    /// Tax by ISO country code. Countries not listed are taxed at zero.
    pub tax: BTreeMap<String, CountryTax>,
    /// Whether shipping is part of the taxable amount.
    pub tax_shipping: bool,
    /// Shipping prices by method and currency; a method not priced in a currency is refused.
    pub shipping: BTreeMap<ShippingMethod, BTreeMap<Currency, ShippingRate>>,
    /// Discount codes, upper case; lookups ignore case and surrounding space.
    pub discounts: BTreeMap<String, Discount>,
    /// Largest total (minor units) payable by cash on delivery, per currency; a currency not
    /// listed does not offer cash on delivery.
    pub cash_on_delivery_limits: BTreeMap<Currency, i64>,
    /// Currency shown for an empty cart (the Cart Service sends none when there is no cart).
    pub default_currency: Currency,
}

impl Default for PricingPolicy {
    /// Illustrative defaults for a shop selling in USD, EUR, GBP and JPY. Real deployments set
    /// their own rates: this table is a starting point, not tax advice.
    ///
    /// - Rounding: half-even. Shipping is not taxed.
    /// - Tax: DE 19 %, FR 20 %, GB 20 %, NL 21 %, ES 21 %, IT 22 %, JP 10 %; CA 5 % (ON 13 %,
    ///   QC 14.975 %); US 0 % federal with CA 7.25 %, NY 4 %, TX 6.25 % by state; others 0 %.
    /// - Standard shipping: 4.99 USD/EUR, 3.99 GBP, 500 JPY; free from 50 USD/EUR, 40 GBP,
    ///   5000 JPY. Express: 14.99 USD/EUR, 11.99 GBP, 1500 JPY, never free.
    /// - Cash on delivery up to 500 USD/EUR, 400 GBP, 50000 JPY.
    /// - No discount codes.
    fn default() -> Self {
        let pct = |s: &str| Rate::percent(s).unwrap_or(Rate::ZERO);
        let mut tax = BTreeMap::new();
        for (country, rate) in [
            ("DE", "19"),
            ("FR", "20"),
            ("GB", "20"),
            ("NL", "21"),
            ("ES", "21"),
            ("IT", "22"),
            ("JP", "10"),
        ] {
            tax.insert(
                country.to_owned(),
                CountryTax {
                    rate: pct(rate),
                    regions: BTreeMap::new(),
                },
            );
        }
        let regions = |pairs: &[(&str, &str)]| {
            pairs
                .iter()
                .map(|(r, p)| ((*r).to_owned(), pct(p)))
                .collect()
        };
        tax.insert(
            "CA".into(),
            CountryTax {
                rate: pct("5"),
                regions: regions(&[("ON", "13"), ("QC", "14.975")]),
            },
        );
        tax.insert(
            "US".into(),
            CountryTax {
                rate: Rate::ZERO,
                regions: regions(&[("CA", "7.25"), ("NY", "4"), ("TX", "6.25")]),
            },
        );

        let mut standard = BTreeMap::new();
        let mut express = BTreeMap::new();
        let mut cod = BTreeMap::new();
        for (c, std_flat, free_over, exp_flat, cod_limit) in [
            (Currency::USD, 499, 5000, 1499, 50000),
            (Currency::EUR, 499, 5000, 1499, 50000),
            (Currency::GBP, 399, 4000, 1199, 40000),
            (Currency::JPY, 500, 5000, 1500, 50000),
        ] {
            standard.insert(
                c,
                ShippingRate {
                    flat: std_flat,
                    free_over: Some(free_over),
                },
            );
            express.insert(
                c,
                ShippingRate {
                    flat: exp_flat,
                    free_over: None,
                },
            );
            cod.insert(c, cod_limit);
        }
        let mut shipping = BTreeMap::new();
        shipping.insert(ShippingMethod::Standard, standard);
        shipping.insert(ShippingMethod::Express, express);

        PricingPolicy {
            rounding: RoundingMode::HalfEven,
            tax,
            tax_shipping: false,
            shipping,
            discounts: BTreeMap::new(),
            cash_on_delivery_limits: cod,
            default_currency: Currency::USD,
        }
    }
}

impl PricingPolicy {
    /// The tax rate for an address.
    pub fn tax_rate(&self, address: &Address) -> Rate {
        let Some(country) = self.tax.get(&address.country) else {
            return Rate::ZERO;
        };
        address
            .region
            .as_ref()
            .and_then(|r| country.regions.get(&r.to_ascii_uppercase()))
            .copied()
            .unwrap_or(country.rate)
    }

    /// Normalizes a code the way lookups see it.
    pub fn normalize_code(code: &str) -> String {
        code.trim().to_ascii_uppercase()
    }

    fn discount_amount(&self, code: &str, subtotal: Money) -> Result<i64, ValidationError> {
        let normalized = Self::normalize_code(code);
        let unknown = || ValidationError::UnknownDiscountCode(code.chars().take(64).collect());
        let discount = self.discounts.get(&normalized).ok_or_else(unknown)?;
        let raw = match discount {
            Discount::Percent { rate } => rate.apply(subtotal.minor(), self.rounding)?,
            Discount::Fixed { amounts } => {
                *amounts.get(&subtotal.currency()).ok_or_else(unknown)?
            }
        };
        Ok(raw.clamp(0, subtotal.minor()))
    }
}

/// A priced cart: lines with their discount shares, and the totals.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Priced {
    /// The priced lines, each with its share of the discount.
    pub items: Vec<OrderLine>,
    /// The order's money.
    pub totals: Totals,
    /// The code as the policy knows it (normalized), if one was applied.
    pub discount_code: Option<String>,
}

/// Splits `amount` across `weights` in proportion, by largest remainder: shares sum to
/// `amount` exactly, and no share exceeds its weight when `amount <= sum(weights)`.
/// Ties go to the earlier weight. All weights zero gives all shares zero (amount must be 0).
pub fn allocate(amount: i64, weights: &[i64]) -> Result<Vec<i64>, MoneyError> {
    let total: i128 = weights.iter().map(|w| i128::from(*w)).sum();
    if amount == 0 || total == 0 {
        return Ok(vec![0; weights.len()]);
    }
    if amount < 0 || weights.iter().any(|w| *w < 0) {
        return Err(MoneyError::Negative(amount.to_string()));
    }
    let amount = i128::from(amount);
    let mut shares = Vec::with_capacity(weights.len());
    let mut remainders = Vec::with_capacity(weights.len());
    let mut given: i128 = 0;
    for (i, w) in weights.iter().enumerate() {
        let exact = amount * i128::from(*w);
        shares.push(exact / total);
        remainders.push((exact % total, i));
        given += exact / total;
    }
    // Largest remainder first; equal remainders by position.
    remainders.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
    let leftover = usize::try_from(amount - given).map_err(|_| MoneyError::Overflow)?;
    for (_, i) in remainders.iter().take(leftover) {
        if let Some(s) = shares.get_mut(*i) {
            *s += 1;
        }
    }
    shares
        .into_iter()
        .map(|s| i64::try_from(s).map_err(|_| MoneyError::Overflow))
        .collect()
}

/// Prices a validated cart for an address, shipping method and optional discount code.
pub fn price(
    cart: &Cart,
    address: &Address,
    method: ShippingMethod,
    discount_code: Option<&str>,
    policy: &PricingPolicy,
) -> Result<Priced, ValidationError> {
    let currency = cart.currency;
    let money = |minor: i64| Money::from_minor(minor, currency);
    let subtotal = Money::sum(currency, cart.items.iter().map(|l| &l.line_total))?;

    let (discount, discount_code) = match discount_code.map(str::trim).filter(|c| !c.is_empty()) {
        Some(code) => (
            policy.discount_amount(code, subtotal)?,
            Some(PricingPolicy::normalize_code(code)),
        ),
        None => (0, None),
    };
    let weights: Vec<i64> = cart.items.iter().map(|l| l.line_total.minor()).collect();
    let shares = allocate(discount, &weights)?;

    let after_discount = subtotal.minor() - discount;
    let rate = policy
        .shipping
        .get(&method)
        .and_then(|by_currency| by_currency.get(&currency))
        .ok_or_else(|| ValidationError::ShippingUnavailable {
            method: method.to_string(),
            currency: currency.to_string(),
        })?;
    let shipping = match rate.free_over {
        Some(threshold) if after_discount >= threshold => 0,
        _ => rate.flat.max(0),
    };

    let taxable = if policy.tax_shipping {
        after_discount
            .checked_add(shipping)
            .ok_or(MoneyError::Overflow)?
    } else {
        after_discount
    };
    let tax = policy.tax_rate(address).apply(taxable, policy.rounding)?;
    let total = after_discount
        .checked_add(shipping)
        .and_then(|t| t.checked_add(tax))
        .ok_or(MoneyError::Overflow)?;

    let items = cart
        .items
        .iter()
        .zip(shares)
        .map(|(line, share)| OrderLine {
            product_id: line.product_id.clone(),
            name: line.name.clone(),
            quantity: line.quantity,
            unit_price: line.unit_price,
            line_total: line.line_total,
            discount: money(share),
        })
        .collect();
    Ok(Priced {
        items,
        totals: Totals {
            subtotal,
            shipping: money(shipping),
            tax: money(tax),
            discount: money(discount),
            total: money(total),
        },
        discount_code,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::ids::{ProductId, UserId};
    use crate::model::CartLine;
    use proptest::prelude::*;

    fn usd() -> Currency {
        Currency::from_code("USD").unwrap()
    }

    fn cart(prices_and_qty: &[(i64, u32)], c: Currency) -> Cart {
        let items: Vec<CartLine> = prices_and_qty
            .iter()
            .enumerate()
            .map(|(i, (p, q))| CartLine {
                product_id: ProductId::new(format!("sku-{i}")).unwrap(),
                name: format!("Product {i}"),
                quantity: *q,
                unit_price: Money::from_minor(*p, c),
                line_total: Money::from_minor(p * i64::from(*q), c),
            })
            .collect();
        let subtotal = Money::sum(c, items.iter().map(|l| &l.line_total)).unwrap();
        Cart {
            user_id: UserId::new("alice").unwrap(),
            currency: c,
            items,
            subtotal,
        }
    }

    fn address(country: &str, region: Option<&str>) -> Address {
        Address {
            name: "Alice".into(),
            line1: "1 Main St".into(),
            line2: None,
            city: "Springfield".into(),
            region: region.map(Into::into),
            postal_code: "12345".into(),
            country: country.into(),
        }
    }

    #[test]
    fn rounding_modes_differ_only_on_ties() {
        assert_eq!(div_round(5, 2, RoundingMode::HalfEven), 2);
        assert_eq!(div_round(7, 2, RoundingMode::HalfEven), 4);
        assert_eq!(div_round(5, 2, RoundingMode::HalfUp), 3);
        assert_eq!(div_round(6, 4, RoundingMode::HalfEven), 2);
        assert_eq!(div_round(5, 4, RoundingMode::HalfUp), 1);
    }

    #[test]
    fn rates_parse_exactly() {
        assert_eq!(Rate::percent("8.875").unwrap().ppm(), 88_750);
        assert_eq!(Rate::percent("19").unwrap().ppm(), 190_000);
        assert_eq!(Rate::percent("100").unwrap().ppm(), 1_000_000);
        for bad in ["101", "1.23456", "-1", "1e2", "", "1.", "abc"] {
            assert!(Rate::percent(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn worked_example_with_tax_shipping_and_discount() {
        let mut policy = PricingPolicy::default();
        policy.discounts.insert(
            "WELCOME10".into(),
            Discount::Percent {
                rate: Rate::percent("10").unwrap(),
            },
        );
        // 2 x 19.99 + 1 x 5.01 = 44.99; 10 % off is 449.9 cents, which rounds to 4.50.
        let c = cart(&[(1999, 2), (501, 1)], usd());
        let p = price(
            &c,
            &address("US", Some("ny")),
            ShippingMethod::Standard,
            Some(" welcome10 "),
            &policy,
        )
        .unwrap();
        assert_eq!(p.totals.subtotal.minor(), 4499);
        assert_eq!(p.totals.discount.minor(), 450); // 449.9 -> 450
        assert_eq!(p.totals.shipping.minor(), 499); // 40.49 < 50.00
        assert_eq!(p.totals.tax.minor(), 162); // 4 % of 40.49 = 1.6196 -> 1.62
        assert_eq!(p.totals.total.minor(), 4499 - 450 + 499 + 162);
        assert_eq!(p.discount_code.as_deref(), Some("WELCOME10"));
        assert_eq!(p.items.iter().map(|l| l.discount.minor()).sum::<i64>(), 450);
    }

    #[test]
    fn free_shipping_threshold_and_unknown_things() {
        let policy = PricingPolicy::default();
        let c = cart(&[(5000, 1)], usd());
        let p = price(
            &c,
            &address("DE", None),
            ShippingMethod::Standard,
            None,
            &policy,
        )
        .unwrap();
        assert_eq!(p.totals.shipping.minor(), 0);
        assert_eq!(p.totals.tax.minor(), 950);
        let express = price(
            &c,
            &address("ZZ", None),
            ShippingMethod::Express,
            None,
            &policy,
        )
        .unwrap();
        assert_eq!(express.totals.shipping.minor(), 1499);
        assert_eq!(express.totals.tax.minor(), 0);
        let err = price(
            &c,
            &address("US", None),
            ShippingMethod::Standard,
            Some("NOPE"),
            &policy,
        )
        .unwrap_err();
        assert_eq!(err.code(), "unknown_discount_code");
        let chf = cart(&[(100, 1)], Currency::from_code("CHF").unwrap());
        assert_eq!(
            price(
                &chf,
                &address("CH", None),
                ShippingMethod::Standard,
                None,
                &policy
            )
            .unwrap_err()
            .code(),
            "shipping_unavailable"
        );
    }

    #[test]
    fn allocation_sums_exactly_and_breaks_ties_by_position() {
        assert_eq!(allocate(10, &[1, 1, 1]).unwrap(), vec![4, 3, 3]);
        assert_eq!(allocate(0, &[5, 5]).unwrap(), vec![0, 0]);
        assert_eq!(allocate(7, &[0, 0]).unwrap(), vec![0, 0]);
        assert_eq!(allocate(100, &[100]).unwrap(), vec![100]);
    }

    fn arb_policy() -> impl Strategy<Value = PricingPolicy> {
        (
            0u32..=300_000,
            any::<bool>(),
            any::<bool>(),
            0i64..5_000,
            proptest::option::of(0i64..20_000),
            proptest::option::of(0u32..=1_000_000),
            proptest::option::of(0i64..100_000),
        )
            .prop_map(
                |(tax_ppm, half_up, tax_shipping, flat, free_over, pct, fixed)| {
                    let mut p = PricingPolicy {
                        rounding: if half_up {
                            RoundingMode::HalfUp
                        } else {
                            RoundingMode::HalfEven
                        },
                        tax_shipping,
                        ..PricingPolicy::default()
                    };
                    p.tax.insert(
                        "US".into(),
                        CountryTax {
                            rate: Rate::from_ppm(tax_ppm).unwrap(),
                            regions: BTreeMap::new(),
                        },
                    );
                    p.shipping
                        .entry(ShippingMethod::Standard)
                        .or_default()
                        .insert(usd(), ShippingRate { flat, free_over });
                    if let Some(ppm) = pct {
                        p.discounts.insert(
                            "PCT".into(),
                            Discount::Percent {
                                rate: Rate::from_ppm(ppm).unwrap(),
                            },
                        );
                    }
                    if let Some(f) = fixed {
                        p.discounts.insert(
                            "FIXED".into(),
                            Discount::Fixed {
                                amounts: BTreeMap::from([(usd(), f)]),
                            },
                        );
                    }
                    p
                },
            )
    }

    proptest! {
        #[test]
        fn pricing_invariants(
            lines in proptest::collection::vec((0i64..10_000_000, 1u32..=1000), 1..50),
            policy in arb_policy(),
            code in proptest::sample::select(vec![None, Some("PCT"), Some("FIXED")]),
        ) {
            let c = cart(&lines, usd());
            let result = price(&c, &address("US", None), ShippingMethod::Standard, code, &policy);
            let p = match result {
                Ok(p) => p,
                Err(e) => {
                    // Only a code the policy does not have may fail.
                    prop_assert_eq!(e.code(), "unknown_discount_code");
                    return Ok(());
                }
            };
            let t = p.totals;
            let line_sum: i64 = p.items.iter().map(|l| l.line_total.minor()).sum();
            prop_assert_eq!(t.subtotal.minor(), line_sum);
            prop_assert_eq!(t.total.minor(), t.subtotal.minor() + t.shipping.minor() + t.tax.minor() - t.discount.minor());
            for m in [t.subtotal, t.shipping, t.tax, t.discount, t.total] {
                prop_assert!(m.minor() >= 0);
                prop_assert_eq!(m.currency(), usd());
            }
            prop_assert!(t.discount.minor() <= t.subtotal.minor());
            prop_assert_eq!(p.items.iter().map(|l| l.discount.minor()).sum::<i64>(), t.discount.minor());
            for l in &p.items {
                prop_assert!(l.discount.minor() >= 0 && l.discount.minor() <= l.line_total.minor());
                prop_assert_eq!(l.line_total.minor(), l.unit_price.minor() * i64::from(l.quantity));
            }
        }

        #[test]
        fn allocation_is_exact(amount_frac in 0u32..=1000, weights in proptest::collection::vec(0i64..1_000_000_000, 1..60)) {
            let total: i64 = weights.iter().sum();
            let amount = (i128::from(total) * i128::from(amount_frac) / 1000) as i64;
            let shares = allocate(amount, &weights).unwrap();
            prop_assert_eq!(shares.iter().sum::<i64>(), if total == 0 { 0 } else { amount });
            for (s, w) in shares.iter().zip(&weights) {
                prop_assert!(*s >= 0 && s <= w);
            }
        }
    }
}
