//! Analytics read from rollups: sales per currency over hours, top products and status
//! counts, with cancelled orders taken out of sales and products.

use orderly::{Currency, Order, OrderStatus, SalesSummary, StatusUpdate, Timestamp, TopBy};

use crate::StoreFactory;
use crate::fixtures::*;

fn sum(orders: &[&Order]) -> i64 {
    orders.iter().map(|o| o.totals.total.minor()).sum()
}

fn summary(env: &Env, from: Timestamp, to: Timestamp, currency: Currency) -> Option<SalesSummary> {
    env.service
        .sales(&admin(), from, to)
        .unwrap()
        .into_iter()
        .find(|s| s.currency == currency)
}

/// alice and bob (EUR) at 10:15, carol at 11:30, dave at 13:05, all on one day.
fn four_orders(env: &Env) -> [Order; 4] {
    env.set_cart("alice", "USD", &[("sku-a", "Mug", 2, "7.50")]);
    env.set_cart("bob", "EUR", &[("sku-a", "Mug", 1, "6.90")]);
    env.set_cart("carol", "USD", &[("sku-b", "Kettle", 1, "45.00")]);
    env.set_cart("dave", "USD", &[("sku-a", "Mug", 4, "7.50")]);
    let alice = env.place("alice", "k");
    let mut bob_req = request("bob");
    bob_req.delivery_address = de_address();
    let bob = env
        .service
        .place_order(&customer("bob"), &bob_req, &idem("k"))
        .unwrap()
        .order;
    env.advance(75 * MINUTE_MS);
    let carol = env.place("carol", "k");
    env.advance(95 * MINUTE_MS);
    let dave = env.place("dave", "k");
    [alice, bob, carol, dave]
}

pub fn sales_per_currency_over_a_range(factory: &StoreFactory) {
    let env = Env::new(factory);
    let [alice, bob, carol, dave] = four_orders(&env);
    let ten = Timestamp::from_unix_millis(START_MS - 15 * MINUTE_MS);

    // 10:00 to 12:00 covers alice, bob and carol.
    let usd = summary(&env, ten, ten.plus_millis(2 * HOUR_MS), Currency::USD).unwrap();
    assert_eq!(usd.orders, 2);
    assert_eq!(usd.total.minor(), sum(&[&alice, &carol]));
    assert_eq!(
        usd,
        SalesSummary::new(Currency::USD, sum(&[&alice, &carol]), 2)
    );
    let eur = summary(&env, ten, ten.plus_millis(2 * HOUR_MS), Currency::EUR).unwrap();
    assert_eq!((eur.orders, eur.total), (1, bob.totals.total));
    assert_eq!(eur.average_order_value, bob.totals.total);

    // 10:00 to 11:00 is alice and bob only; the whole day is everyone.
    let first_hour = summary(&env, ten, ten.plus_millis(HOUR_MS), Currency::USD).unwrap();
    assert_eq!(
        (first_hour.orders, first_hour.total),
        (1, alice.totals.total)
    );
    let day = summary(&env, ten, ten.plus_millis(12 * HOUR_MS), Currency::USD).unwrap();
    assert_eq!(day.orders, 3);
    assert_eq!(day.total.minor(), sum(&[&alice, &carol, &dave]));
    // A range with no orders has no rows.
    let later = ten.plus_millis(24 * HOUR_MS);
    assert!(
        env.service
            .sales(&admin(), later, later.plus_millis(HOUR_MS))
            .unwrap()
            .is_empty()
    );
}

pub fn cancelled_orders_leave_sales_and_products(factory: &StoreFactory) {
    let env = Env::new(factory);
    let [alice, _bob, carol, dave] = four_orders(&env);
    let ten = Timestamp::from_unix_millis(START_MS - 15 * MINUTE_MS);
    env.service
        .cancel(&customer("carol"), &carol.id, None)
        .unwrap();
    env.service
        .update_status(
            &admin(),
            &dave.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap();
    env.service
        .cancel(&admin(), &dave.id, Some("fraud check"))
        .unwrap();

    let day = summary(&env, ten, ten.plus_millis(12 * HOUR_MS), Currency::USD).unwrap();
    assert_eq!((day.orders, day.total), (1, alice.totals.total));
    // carol's only product is gone from the ranking; dave's mugs no longer count.
    let top = env
        .service
        .top_products(&admin(), TopBy::Quantity, 10, Some(Currency::USD))
        .unwrap();
    assert_eq!(top.len(), 1);
    assert_eq!((top[0].product_id.as_str(), top[0].quantity), ("sku-a", 2));
    assert_eq!(top[0].revenue, alice.items[0].line_total);
}

pub fn top_products_by_quantity_and_by_revenue(factory: &StoreFactory) {
    let env = Env::new(factory);
    env.set_cart(
        "alice",
        "USD",
        &[
            ("sku-filters", "Paper filters", 10, "1.00"),
            ("sku-grinder", "Burr grinder", 1, "89.00"),
            ("sku-beans", "Espresso beans", 2, "19.99"),
        ],
    );
    env.place("alice", "k1");
    env.set_cart(
        "bob",
        "USD",
        &[
            ("sku-filters", "Paper filters", 5, "1.00"),
            ("sku-beans", "Espresso beans", 1, "19.99"),
        ],
    );
    env.place("bob", "k1");
    env.set_cart("carol", "EUR", &[("sku-moka", "Moka pot", 50, "34.90")]);
    let mut carol = request("carol");
    carol.delivery_address = de_address();
    env.service
        .place_order(&customer("carol"), &carol, &idem("k1"))
        .unwrap();

    let by = |by, limit| {
        env.service
            .top_products(&admin(), by, limit, Some(Currency::USD))
            .unwrap()
            .into_iter()
            .map(|p| {
                (
                    p.product_id.as_str().to_owned(),
                    p.name,
                    p.quantity,
                    p.revenue.minor(),
                )
            })
            .collect::<Vec<_>>()
    };
    let row = |id: &str, name: &str, q, r| (id.to_owned(), name.to_owned(), q, r);
    assert_eq!(
        by(TopBy::Quantity, 10),
        vec![
            row("sku-filters", "Paper filters", 15, 1500),
            row("sku-beans", "Espresso beans", 3, 5997),
            row("sku-grinder", "Burr grinder", 1, 8900),
        ]
    );
    assert_eq!(
        by(TopBy::Revenue, 10),
        vec![
            row("sku-grinder", "Burr grinder", 1, 8900),
            row("sku-beans", "Espresso beans", 3, 5997),
            row("sku-filters", "Paper filters", 15, 1500),
        ]
    );
    assert_eq!(
        by(TopBy::Revenue, 1),
        vec![row("sku-grinder", "Burr grinder", 1, 8900)]
    );
    let eur = env
        .service
        .top_products(&admin(), TopBy::Quantity, 10, Some(Currency::EUR))
        .unwrap();
    assert_eq!(eur.len(), 1);
    assert_eq!((eur[0].quantity, eur[0].revenue.minor()), (50, 174_500));
    assert!(
        env.service
            .top_products(&admin(), TopBy::Quantity, 10, Some(Currency::GBP))
            .unwrap()
            .is_empty()
    );
}

pub fn status_counts_list_every_status(factory: &StoreFactory) {
    let env = Env::new(factory);
    let empty = env.service.orders_by_status(&admin()).unwrap();
    assert_eq!(
        empty
            .iter()
            .map(|c| (c.status, c.orders))
            .collect::<Vec<_>>(),
        OrderStatus::ALL.iter().map(|s| (*s, 0)).collect::<Vec<_>>()
    );

    let orders: Vec<_> = (0..5)
        .map(|i| env.place_simple("alice", &format!("k{i}")))
        .collect();
    let move_to = |i: usize, to| {
        env.service
            .update_status(&admin(), &orders[i].id, to, &StatusUpdate::default())
            .unwrap();
    };
    move_to(0, OrderStatus::Processing);
    move_to(1, OrderStatus::Processing);
    move_to(1, OrderStatus::Shipped);
    move_to(2, OrderStatus::Processing);
    move_to(2, OrderStatus::Shipped);
    move_to(2, OrderStatus::Delivered);
    env.service
        .cancel(&customer("alice"), &orders[3].id, None)
        .unwrap();

    let counts = env.service.orders_by_status(&admin()).unwrap();
    let count = |s| counts.iter().find(|c| c.status == s).unwrap().orders;
    assert_eq!(counts.len(), OrderStatus::ALL.len());
    assert_eq!(count(OrderStatus::PartiallyShipped), 0);
    assert_eq!(count(OrderStatus::Placed), 1);
    assert_eq!(count(OrderStatus::Processing), 1);
    assert_eq!(count(OrderStatus::Shipped), 1);
    assert_eq!(count(OrderStatus::Delivered), 1);
    assert_eq!(count(OrderStatus::Cancelled), 1);
    assert_code(
        env.service.orders_by_status(&customer("alice")),
        "forbidden",
    );
}
