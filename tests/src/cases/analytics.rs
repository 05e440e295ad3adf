//! Analytics read from rollups: sales per currency over hours, top products and status
//! counts, with cancelled orders taken out of sales and products.

use orderly::clock::DAY_MS;
use orderly::{
    CancelReason, Currency, DayRange, Order, OrderStatus, SalesSummary, StatusUpdate, Timestamp,
    TopBy,
};

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
        .top_products(
            &admin(),
            TopBy::Quantity,
            10,
            Some(Currency::USD),
            DayRange::ALL,
        )
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
            .top_products(&admin(), by, limit, Some(Currency::USD), DayRange::ALL)
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
        .top_products(
            &admin(),
            TopBy::Quantity,
            10,
            Some(Currency::EUR),
            DayRange::ALL,
        )
        .unwrap();
    assert_eq!(eur.len(), 1);
    assert_eq!((eur[0].quantity, eur[0].revenue.minor()), (50, 174_500));
    assert!(
        env.service
            .top_products(
                &admin(),
                TopBy::Quantity,
                10,
                Some(Currency::GBP),
                DayRange::ALL
            )
            .unwrap()
            .is_empty()
    );
}

pub fn status_counts_list_every_status(factory: &StoreFactory) {
    let env = Env::new(factory);
    let empty = env
        .service
        .orders_by_status(&admin(), DayRange::ALL)
        .unwrap();
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

    let counts = env
        .service
        .orders_by_status(&admin(), DayRange::ALL)
        .unwrap();
    let count = |s| counts.iter().find(|c| c.status == s).unwrap().orders;
    assert_eq!(counts.len(), OrderStatus::ALL.len());
    assert_eq!(count(OrderStatus::PartiallyShipped), 0);
    assert_eq!(count(OrderStatus::Placed), 1);
    assert_eq!(count(OrderStatus::Processing), 1);
    assert_eq!(count(OrderStatus::Shipped), 1);
    assert_eq!(count(OrderStatus::Delivered), 1);
    assert_eq!(count(OrderStatus::Cancelled), 1);
    assert_code(
        env.service
            .orders_by_status(&customer("alice"), DayRange::ALL),
        "forbidden",
    );
}

/// Ranged analytics count the orders placed on the range's days: their sales per day, the
/// status each is in now, what they sold and why those cancelled were cancelled, however late
/// the change; the days before and after leave them out, and the whole range adds up to the
/// all-time figures.
pub fn analytics_over_a_range_count_the_orders_placed_on_its_days(factory: &StoreFactory) {
    let env = Env::new(factory);
    env.set_cart("alice", "USD", &[("sku-a", "Mug", 2, "7.50")]);
    env.set_cart("bob", "EUR", &[("sku-a", "Mug", 1, "6.90")]);
    env.set_cart("carol", "USD", &[("sku-b", "Kettle", 1, "45.00")]);
    env.set_cart("dave", "USD", &[("sku-a", "Mug", 4, "7.50")]);
    let first = env.service.clock().now();
    let alice = env.place("alice", "k");
    let mut bob_req = request("bob");
    bob_req.delivery_address = de_address();
    let bob = env
        .service
        .place_order(&customer("bob"), &bob_req, &idem("k"))
        .unwrap()
        .order;
    env.advance(2 * DAY_MS);
    let third = env.service.clock().now();
    let carol = env.place("carol", "k");
    let dave = env.place("dave", "k");
    env.service
        .cancel(&customer("dave"), &dave.id, None)
        .unwrap();
    // A day later carol's order moves on: it still counts on the day it was placed.
    env.advance(DAY_MS);
    env.service
        .update_status(
            &admin(),
            &carol.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap();

    let day = |t: Timestamp| DayRange::between(Some(t), Some(t)).unwrap();
    let (day1, day2, day3) = (day(first), day(first.plus_millis(DAY_MS)), day(third));
    let both = DayRange::between(Some(first), Some(third)).unwrap();

    // Sales per day and currency; dave's cancelled order is out, the empty day is absent.
    let sales = env.service.sales_by_day(&admin(), both).unwrap();
    let rows: Vec<(i64, Currency, i64, u64)> = sales
        .iter()
        .map(|d| (d.day.unix_millis(), d.currency, d.total.minor(), d.orders))
        .collect();
    let mut expected = vec![
        (
            first.day_bucket(),
            Currency::EUR,
            bob.totals.total.minor(),
            1,
        ),
        (
            first.day_bucket(),
            Currency::USD,
            alice.totals.total.minor(),
            1,
        ),
        (
            third.day_bucket(),
            Currency::USD,
            carol.totals.total.minor(),
            1,
        ),
    ];
    expected.sort_by_key(|(d, c, _, _)| (*d, c.code()));
    assert_eq!(rows, expected);

    let status = |days, status| {
        env.service
            .orders_by_status(&admin(), days)
            .unwrap()
            .into_iter()
            .find(|c| c.status == status)
            .unwrap()
            .orders
    };
    assert_eq!(status(day1, OrderStatus::Placed), 2);
    assert_eq!(status(day2, OrderStatus::Placed), 0);
    assert_eq!(status(day3, OrderStatus::Placed), 0);
    assert_eq!(status(day3, OrderStatus::Processing), 1);
    assert_eq!(status(day3, OrderStatus::Cancelled), 1);
    for s in OrderStatus::ALL {
        assert_eq!(
            status(both, s),
            status(DayRange::ALL, s),
            "{s} over both days"
        );
    }

    let top = |days| -> Vec<(String, u64)> {
        env.service
            .top_products(&admin(), TopBy::Quantity, 10, Some(Currency::USD), days)
            .unwrap()
            .into_iter()
            .map(|p| (p.name, p.quantity))
            .collect()
    };
    assert_eq!(top(day1), vec![("Mug".to_owned(), 2)]);
    assert!(top(day2).is_empty());
    assert_eq!(top(day3), vec![("Kettle".to_owned(), 1)]);
    assert_eq!(top(both), top(DayRange::ALL));

    let cancelled = |days, reason| {
        env.service
            .cancellations_by_reason(&admin(), days)
            .unwrap()
            .into_iter()
            .find(|c| c.reason == reason)
            .unwrap()
            .orders
    };
    assert_eq!(cancelled(day1, CancelReason::Customer), 0);
    assert_eq!(cancelled(day3, CancelReason::Customer), 1);
    assert_eq!(cancelled(DayRange::ALL, CancelReason::Customer), 1);

    // A range that ends before it starts is refused; customers read no analytics.
    assert!(DayRange::between(Some(third), Some(first)).is_err());
    assert!(env.service.sales_by_day(&customer("alice"), both).is_err());
}
