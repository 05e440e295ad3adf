//! Placing orders and reading them back: exact round trips of everything, including hostile
//! and maximal input, and exactly-once placement per idempotency key.

use orderly::DayRange;
use orderly::{
    Address, IdGenerator, Metadata, OrderId, OrderStatus, PaymentMethod, ShippingMethod, TopBy,
    UuidV7Generator,
};
use serde_json::json;

use crate::StoreFactory;
use crate::fixtures::*;

pub fn place_and_read_back_round_trips_every_field(factory: &StoreFactory) {
    let env = Env::new(factory);
    env.set_cart(
        "alice",
        "USD",
        &[
            ("sku-espresso", "Espresso beans 1kg", 2, "19.99"),
            ("sku-filters", "Paper filters ×100", 3, "4.25"),
        ],
    );
    let mut metadata = Metadata::new();
    metadata.insert("channel".into(), json!("web"));
    metadata.insert(
        "nested".into(),
        json!({ "list": [1, 2.5, -42, "Caffè ☕ 🇮🇹", null, true], "empty": {} }),
    );
    metadata.insert("big".into(), json!(4_294_967_296_i64));
    let mut req = request("alice");
    req.shipping_method = Some(ShippingMethod::Express);
    req.metadata = Some(metadata.clone());
    let placed = env
        .service
        .place_order(&customer("alice"), &req, &idem("k-1"))
        .unwrap();
    assert!(placed.created);
    let order = placed.order;

    // What the engine promised.
    assert_eq!(order.status, OrderStatus::Placed);
    assert_eq!(order.version, 1);
    assert_eq!(order.created_at, start());
    assert_eq!(order.updated_at, start());
    assert_eq!(order.metadata, metadata);
    assert_eq!(order.shipping_method, ShippingMethod::Express);
    assert_eq!(order.delivery_address, us_address());
    assert_eq!(order.payment_method, card().summary());
    assert_eq!(order.items.len(), 2);
    assert_eq!(order.totals.subtotal.amount_string(), "52.73");
    assert_eq!(order.totals.shipping.amount_string(), "14.99");
    assert_eq!(order.history.len(), 1);

    // What the store gives back, every way it can.
    assert_eq!(env.store.order(&order.id).unwrap().as_ref(), Some(&order));
    assert_eq!(
        env.service.order(&customer("alice"), &order.id).unwrap(),
        order
    );
    assert_eq!(env.service.order(&admin(), &order.id).unwrap(), order);
    let page = env
        .service
        .orders_for_user(&customer("alice"), &user("alice"), &Default::default())
        .unwrap();
    assert_eq!(page.orders, vec![order.clone()]);
    let record = env
        .store
        .idempotency_record(&user("alice"), &idem("k-1"))
        .unwrap()
        .unwrap();
    assert_eq!(record.order_id, order.id);
    let events = env.store.pending_events(10).unwrap();
    assert_eq!(events.len(), 1);
    assert_eq!(
        payload_json(&events[0])["order"],
        serde_json::to_value(&order).unwrap()
    );
}

/// 4-byte UTF-8, SQL-looking text and every maximal length survive storage unchanged.
pub fn hostile_and_maximal_input_round_trips(factory: &StoreFactory) {
    let env = Env::new(factory);
    let sql = "'); DROP TABLE orders;--";
    let long_user = format!("{}@ex.io", "a".repeat(58));
    assert_eq!(long_user.len(), 64);
    let long_key: String = format!("{sql} \"quoted\" \\ `tick` %_ ")
        .chars()
        .chain(std::iter::repeat('~'))
        .take(255)
        .collect();
    let long_product: String = format!("{sql}☕🇮🇹")
        .chars()
        .chain(std::iter::repeat('🍕'))
        .take(128)
        .collect();
    let long_name: String = "🍕".repeat(200);
    assert_eq!(long_product.chars().count(), 128);
    env.set_cart(
        &long_user,
        "EUR",
        &[
            (sql, "Caffè ☕ 🇮🇹", 2, "3.50"),
            (&long_product, &long_name, 1, "10.00"),
            (
                "sku-\"quote\"\\slash",
                "Robert'); DROP TABLE students;--",
                1,
                "0.99",
            ),
        ],
    );
    let address = Address {
        name: "Zoë O'Brien \"Ψ\" 🇮🇹".into(),
        line1: sql.into(),
        line2: Some("Robert'); DROP TABLE students;--".into()),
        city: "Città di Castello".into(),
        region: Some("PG".into()),
        postal_code: "06012".into(),
        country: "IT".into(),
    };
    let mut metadata = Metadata::new();
    metadata.insert(sql.into(), json!(sql));
    metadata.insert("emoji 🇮🇹".into(), json!("☕".repeat(50)));
    let mut req = request(&long_user);
    req.delivery_address = address.clone();
    req.payment_method = PaymentMethod::Paypal {
        token: format!("{}'--", "t".repeat(200)),
    };
    req.metadata = Some(metadata.clone());
    let placed = env
        .service
        .place_order(&customer(&long_user), &req, &idem(&long_key))
        .unwrap();
    let order = placed.order;
    assert_eq!(order.items[0].product_id.as_str(), sql);
    assert_eq!(order.items[0].name, "Caffè ☕ 🇮🇹");
    assert_eq!(order.items[1].product_id.as_str(), long_product);
    assert_eq!(order.items[1].name, long_name);
    assert_eq!(order.delivery_address, address);
    assert_eq!(order.metadata, metadata);

    assert_eq!(env.store.order(&order.id).unwrap().as_ref(), Some(&order));
    let page = env
        .service
        .orders_for_user(
            &customer(&long_user),
            &user(&long_user),
            &Default::default(),
        )
        .unwrap();
    assert_eq!(page.orders, vec![order.clone()]);
    let again = env
        .service
        .place_order(&customer(&long_user), &req, &idem(&long_key))
        .unwrap();
    assert_eq!((again.order, again.created), (order.clone(), false));

    // Rollups keep the names and ids too.
    let top = env
        .service
        .top_products(
            &admin(),
            TopBy::Quantity,
            10,
            Some(orderly::Currency::EUR),
            DayRange::ALL,
        )
        .unwrap();
    assert_eq!(top.len(), 3);
    assert_eq!(top[0].product_id.as_str(), sql);
    assert_eq!(top[0].name, "Caffè ☕ 🇮🇹");
    assert!(
        top.iter()
            .any(|p| p.product_id.as_str() == long_product && p.name == long_name)
    );
    // And the tables are all still there.
    assert_eq!(env.store.pending_events(10).unwrap().len(), 1);
}

pub fn same_key_same_request_returns_the_same_order(factory: &StoreFactory) {
    let env = Env::new(factory);
    let first = env.place_simple("alice", "k-1");
    // Even with the cart changed since, the key answers with the order it placed.
    env.set_cart("alice", "USD", &[("sku-2", "Grinder", 1, "89.00")]);
    let again = env
        .service
        .place_order(&customer("alice"), &request("alice"), &idem("k-1"))
        .unwrap();
    assert!(!again.created);
    assert_eq!(again.order, first);

    let page = env
        .service
        .orders_for_user(&customer("alice"), &user("alice"), &Default::default())
        .unwrap();
    assert_eq!(page.orders.len(), 1);
    assert_eq!(env.store.pending_events(10).unwrap().len(), 1);
    let placed = env.store.status_counts(DayRange::ALL).unwrap();
    assert_eq!(
        placed
            .iter()
            .find(|c| c.status == OrderStatus::Placed)
            .unwrap()
            .orders,
        1
    );
}

pub fn same_key_different_request_is_a_conflict(factory: &StoreFactory) {
    let env = Env::new(factory);
    let first = env.place_simple("alice", "k-1");
    let mut other = request("alice");
    other.delivery_address.line2 = None;
    assert_code(
        env.service
            .place_order(&customer("alice"), &other, &idem("k-1")),
        "idempotency_conflict",
    );
    other.payment_method = paypal();
    assert_code(
        env.service
            .place_order(&customer("alice"), &other, &idem("k-1")),
        "idempotency_conflict",
    );
    let page = env
        .service
        .orders_for_user(&customer("alice"), &user("alice"), &Default::default())
        .unwrap();
    assert_eq!(page.orders, vec![first]);
}

pub fn keys_are_scoped_to_the_user(factory: &StoreFactory) {
    let env = Env::new(factory);
    let a = env.place_simple("alice", "shared-key");
    let b = env.place_simple("bob", "shared-key");
    assert_ne!(a.id, b.id);
    assert_eq!(a.user_id, user("alice"));
    assert_eq!(b.user_id, user("bob"));
    for (who, id) in [("alice", a.id), ("bob", b.id)] {
        let record = env
            .store
            .idempotency_record(&user(who), &idem("shared-key"))
            .unwrap()
            .unwrap();
        assert_eq!(record.order_id, id);
    }
}

pub fn orders_of_others_are_not_found(factory: &StoreFactory) {
    let env = Env::new(factory);
    let a = env.place_simple("alice", "k-1");
    assert_code(env.service.order(&customer("bob"), &a.id), "not_found");
    let missing = OrderId::from_uuid(UuidV7Generator.new_uuid());
    assert_code(env.service.order(&admin(), &missing), "not_found");
    assert_code(
        env.service
            .orders_for_user(&customer("bob"), &user("alice"), &Default::default()),
        "forbidden",
    );
}
