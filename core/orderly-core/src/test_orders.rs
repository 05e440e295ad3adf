//! Orders for unit tests across the crate.
#![allow(clippy::unwrap_used)]

use crate::clock::Timestamp;
use crate::ids::{OrderId, ProductId, UserId};
use crate::model::{Address, Milestone, Order, OrderLine, PaymentSummary, ShippingMethod, Totals};
use crate::money::{Currency, Money};
use crate::status::OrderStatus;

/// A placed order of one line, by `alice`, in USD.
pub(crate) fn sample_order() -> Order {
    let usd = Currency::from_code("USD").unwrap();
    let at = Timestamp::from_unix_millis(1_700_000_000_000);
    let price = Money::from_minor(1999, usd);
    Order {
        id: OrderId::parse("01890a5d-ac96-774b-bcce-b302099a8057").unwrap(),
        user_id: UserId::new("alice").unwrap(),
        status: OrderStatus::Placed,
        currency: usd,
        items: vec![OrderLine {
            product_id: ProductId::new("sku-1").unwrap(),
            name: "Beans".to_owned(),
            quantity: 1,
            unit_price: price,
            line_total: price,
            discount: Money::zero(usd),
        }],
        totals: Totals {
            subtotal: price,
            shipping: Money::zero(usd),
            tax: Money::zero(usd),
            discount: Money::zero(usd),
            total: price,
        },
        delivery_address: Address {
            name: "Alice".to_owned(),
            line1: "1 Main St".to_owned(),
            line2: None,
            city: "New York".to_owned(),
            region: Some("NY".to_owned()),
            postal_code: "10001".to_owned(),
            country: "US".to_owned(),
        },
        payment_method: PaymentSummary::Card {
            brand: "visa".to_owned(),
            last4: "4242".to_owned(),
            exp_month: 12,
            exp_year: 2030,
        },
        shipping_method: ShippingMethod::Standard,
        discount_code: None,
        checkout_id: None,
        metadata: Default::default(),
        created_at: at,
        updated_at: at,
        version: 1,
        history: vec![Milestone {
            status: OrderStatus::Placed,
            at,
            actor: "customer:alice".to_owned(),
            note: None,
            reason: None,
        }],
        shipments: Vec::new(),
        offline: None,
    }
}
