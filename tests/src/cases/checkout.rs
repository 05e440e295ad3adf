//! Checkout quotes: stored whole, honoured until they expire, and only for the same user,
//! request and cart.

use orderly::pricing::{Rate, ShippingRate};
use orderly::{CheckoutRequest, Currency, PricingPolicy, ShippingMethod};

use crate::StoreFactory;
use crate::fixtures::*;

fn quote_request(user_id: &str) -> CheckoutRequest {
    CheckoutRequest {
        user_id: user(user_id),
        delivery_address: us_address(),
        payment_method: card(),
        shipping_method: None,
        discount_code: None,
    }
}

fn alice_env(factory: &StoreFactory) -> Env {
    let env = Env::new(factory);
    env.set_cart(
        "alice",
        "USD",
        &[("sku-espresso", "Espresso beans 1kg", 2, "19.99")],
    );
    env
}

pub fn quotes_round_trip(factory: &StoreFactory) {
    let env = alice_env(factory);
    let quote = env
        .service
        .checkout(&customer("alice"), &quote_request("alice"))
        .unwrap();
    assert_eq!(quote.expires_at, start().plus_millis(15 * MINUTE_MS));
    assert_eq!(env.store.checkout(&quote.checkout_id).unwrap(), Some(quote));
}

pub fn order_from_a_quote_keeps_the_quote_totals(factory: &StoreFactory) {
    let env = alice_env(factory);
    let quote = env
        .service
        .checkout(&customer("alice"), &quote_request("alice"))
        .unwrap();
    assert_eq!(quote.totals.total.amount_string(), "46.57");

    // Prices change after the quote: New York tax doubles and shipping costs more.
    let mut policy = PricingPolicy::default();
    if let Some(us) = policy.tax.get_mut("US") {
        us.regions.insert("NY".into(), Rate::percent("8").unwrap());
    }
    if let Some(standard) = policy.shipping.get_mut(&ShippingMethod::Standard) {
        standard.insert(
            Currency::USD,
            ShippingRate {
                flat: 999,
                free_over: None,
            },
        );
    }
    let repriced = env.service_with(policy);
    env.advance(5 * MINUTE_MS);

    let mut req = request("alice");
    req.checkout_id = Some(quote.checkout_id);
    let order = repriced
        .place_order(&customer("alice"), &req, &idem("from-quote"))
        .unwrap()
        .order;
    assert_eq!(order.totals, quote.totals);
    assert_eq!(order.items, quote.items);
    assert_eq!(order.checkout_id, Some(quote.checkout_id));
    assert_eq!(env.store.order(&order.id).unwrap(), Some(order.clone()));

    // Without the quote the new prices apply, so the quote really was what priced it.
    let fresh = repriced
        .place_order(&customer("alice"), &request("alice"), &idem("no-quote"))
        .unwrap()
        .order;
    assert_ne!(fresh.totals, quote.totals);
    assert_eq!(fresh.totals.total.amount_string(), "53.17");
}

pub fn expired_quote_is_refused(factory: &StoreFactory) {
    let env = alice_env(factory);
    let first = env
        .service
        .checkout(&customer("alice"), &quote_request("alice"))
        .unwrap();
    // One millisecond before expiry the quote still holds.
    env.advance(15 * MINUTE_MS - 1);
    let mut req = request("alice");
    req.checkout_id = Some(first.checkout_id);
    env.service
        .place_order(&customer("alice"), &req, &idem("in-time"))
        .unwrap();

    let second = env
        .service
        .checkout(&customer("alice"), &quote_request("alice"))
        .unwrap();
    env.advance(15 * MINUTE_MS);
    req.checkout_id = Some(second.checkout_id);
    assert_code(
        env.service
            .place_order(&customer("alice"), &req, &idem("late")),
        "checkout_expired",
    );
    assert!(
        env.store
            .idempotency_record(&user("alice"), &idem("late"))
            .unwrap()
            .is_none()
    );
}

pub fn changed_cart_is_refused(factory: &StoreFactory) {
    let env = alice_env(factory);
    let quote = env
        .service
        .checkout(&customer("alice"), &quote_request("alice"))
        .unwrap();
    env.set_cart(
        "alice",
        "USD",
        &[("sku-espresso", "Espresso beans 1kg", 3, "19.99")],
    );
    let mut req = request("alice");
    req.checkout_id = Some(quote.checkout_id);
    assert_code(
        env.service
            .place_order(&customer("alice"), &req, &idem("k")),
        "cart_changed",
    );
}

pub fn another_users_quote_is_not_found(factory: &StoreFactory) {
    let env = alice_env(factory);
    env.set_cart(
        "bob",
        "USD",
        &[("sku-espresso", "Espresso beans 1kg", 2, "19.99")],
    );
    let quote = env
        .service
        .checkout(&customer("alice"), &quote_request("alice"))
        .unwrap();
    let mut req = request("bob");
    req.checkout_id = Some(quote.checkout_id);
    assert_code(
        env.service.place_order(&customer("bob"), &req, &idem("k")),
        "not_found",
    );
}

pub fn mismatching_address_is_refused(factory: &StoreFactory) {
    let env = alice_env(factory);
    let quote = env
        .service
        .checkout(&customer("alice"), &quote_request("alice"))
        .unwrap();
    let mut req = request("alice");
    req.checkout_id = Some(quote.checkout_id);
    req.delivery_address.line1 = "1 Other Street".into();
    assert_code(
        env.service
            .place_order(&customer("alice"), &req, &idem("k")),
        "checkout_mismatch",
    );
}
