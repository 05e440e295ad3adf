//! Staff search, export, notes and the timeline through the service. Every search is checked
//! against the same filter applied by hand to every order, in both sorts and directions, page
//! by page.

use orderly::search::{OrderSearch, SortKey};
use orderly::timeline::{ActorKind, TimelineKind};
use orderly::{
    Cancellation, Order, OrderStatus, PlaceOrderRequest, ProductId, ShipmentLine, ShipmentRequest,
    StatusUpdate,
};

use crate::StoreFactory;
use crate::fixtures::*;

/// Twelve orders across four users, two currencies, three products, metadata and statuses,
/// one with a tracking number; a millisecond apart, some in the same millisecond.
fn catalogue(env: &Env) -> Vec<Order> {
    let mut orders = Vec::new();
    for i in 0..12u32 {
        let user = ["alice", "bob", "carol@example.com", "dave"][(i % 4) as usize];
        let currency = if i % 3 == 0 { "EUR" } else { "USD" };
        let product = ["sku-a", "sku-b", "sku-c"][(i % 3) as usize];
        let quantity = i64::from(i % 5 + 1);
        env.set_cart(user, currency, &[(product, "Thing", quantity, "7.25")]);
        let mut request: PlaceOrderRequest = request(user);
        if currency == "EUR" {
            request.delivery_address = de_address();
        }
        let mut metadata = orderly::Metadata::new();
        metadata.insert(
            "channel".into(),
            serde_json::json!(["web", "pos"][(i % 2) as usize]),
        );
        request.metadata = Some(metadata);
        let placed = env
            .service
            .place_order(&customer(user), &request, &idem(&format!("k{i}")))
            .unwrap();
        orders.push(placed.order);
        if i % 4 != 3 {
            env.advance(1);
        }
    }
    for order in &orders[..4] {
        env.service
            .update_status(
                &admin(),
                &order.id,
                OrderStatus::Processing,
                &StatusUpdate::default(),
            )
            .unwrap();
    }
    let shipped = &orders[1];
    env.service
        .create_shipment(
            &admin(),
            &shipped.id,
            &ShipmentRequest {
                carrier: Some("dhl".into()),
                tracking_number: Some("JD0002".into()),
                ..ShipmentRequest::default()
            },
            None,
            None,
        )
        .unwrap();
    env.service
        .cancel_with(&admin(), &orders[5].id, &Cancellation::default(), None)
        .unwrap();
    orders
        .iter()
        .map(|o| env.service.order(&admin(), &o.id).unwrap())
        .collect()
}

/// What the search should find, by hand, in its order.
fn expected(
    orders: &[Order],
    search: &OrderSearch,
    matches: impl Fn(&Order) -> bool,
) -> Vec<String> {
    let mut found: Vec<&Order> = orders.iter().filter(|o| matches(o)).collect();
    found.sort_by_key(|o| {
        let key = match search.sort {
            SortKey::CreatedAt => o.created_at.unix_millis(),
            SortKey::Total => o.totals.total.minor(),
        };
        (key, o.id)
    });
    if search.descending {
        found.reverse();
    }
    found.iter().map(|o| o.id.to_string()).collect()
}

/// Every order the search finds, walking pages of `limit`.
fn walk(env: &Env, search: &OrderSearch, limit: u32) -> Vec<String> {
    let mut query = OrderSearch {
        limit,
        ..search.clone()
    };
    let mut ids = Vec::new();
    loop {
        let page = env.service.search_orders(&admin(), &query).unwrap();
        assert!(page.documents.len() <= limit as usize);
        ids.extend(page.documents.iter().map(|d| d.id.to_string()));
        let Some(cursor) = page.next_cursor else {
            return ids;
        };
        let mut pairs = vec![("cursor", cursor.as_str())];
        if search.sort == SortKey::Total {
            pairs.push(("sort", "total"));
        }
        query.after = OrderSearch::from_params(pairs).unwrap().after;
        assert!(ids.len() <= 100, "pages never end");
    }
}

fn parse(pairs: &[(&str, &str)]) -> OrderSearch {
    OrderSearch::from_params(pairs.iter().copied()).unwrap()
}

/// Which orders a search should find, decided by hand.
type Matches = Box<dyn Fn(&Order) -> bool>;

pub fn search_finds_exactly_the_matching_orders_page_by_page(factory: &StoreFactory) {
    let env = Env::new(factory);
    let orders = catalogue(&env);
    let has_product = |o: &Order, p: &str| o.items.iter().any(|l| l.product_id.as_str() == p);
    let cases: Vec<(Vec<(&str, &str)>, Matches)> = vec![
        (vec![], Box::new(|_| true)),
        (
            vec![("status", "processing,cancelled")],
            Box::new(|o| matches!(o.status, OrderStatus::Processing | OrderStatus::Cancelled)),
        ),
        (
            vec![("status", "partially_shipped,shipped")],
            Box::new(|o| o.status == OrderStatus::Shipped),
        ),
        (
            vec![("currency", "EUR")],
            Box::new(|o| o.currency.code() == "EUR"),
        ),
        (
            vec![("userId", "bob")],
            Box::new(|o| o.user_id.as_str() == "bob"),
        ),
        (
            vec![("productId", "sku-b")],
            Box::new(move |o| has_product(o, "sku-b")),
        ),
        (
            vec![("trackingNumber", "jd0002")],
            Box::new(|o| !o.shipments.is_empty()),
        ),
        (
            vec![("metadataKey", "channel"), ("metadataValue", "pos")],
            Box::new(|o| o.metadata.get("channel") == Some(&serde_json::json!("pos"))),
        ),
        (
            vec![("q", "Carol@Example.com")],
            Box::new(|o| o.user_id.as_str() == "carol@example.com"),
        ),
        (
            vec![
                ("currency", "USD"),
                ("totalMin", "20.00"),
                ("totalMax", "40.00"),
            ],
            Box::new(|o| {
                o.currency.code() == "USD" && (2000..=4000).contains(&o.totals.total.minor())
            }),
        ),
        (
            vec![
                ("createdFrom", "2026-11-24T10:15:00.003Z"),
                ("createdTo", "2026-11-24T10:15:00.007Z"),
                ("status", "placed"),
            ],
            Box::new(|o| {
                (START_MS + 3..START_MS + 7).contains(&o.created_at.unix_millis())
                    && o.status == OrderStatus::Placed
            }),
        ),
    ];
    for (pairs, matches) in &cases {
        for (sort, direction) in [
            ("createdAt", "desc"),
            ("createdAt", "asc"),
            ("total", "desc"),
            ("total", "asc"),
        ] {
            let mut all = pairs.clone();
            all.push(("sort", sort));
            all.push(("direction", direction));
            let search = parse(&all);
            let want = expected(&orders, &search, matches);
            assert_eq!(walk(&env, &search, 5), want, "{all:?}");
            assert_eq!(walk(&env, &search, 100), want, "{all:?}");
        }
    }
    // The first characters of an order id find it.
    let prefix = &orders[7].id.to_string()[..30];
    assert_eq!(
        walk(&env, &parse(&[("q", prefix)]), 10),
        vec![orders[7].id.to_string()]
    );
    // A word of the delivery name finds every order delivered to it.
    let name_word = us_address()
        .name
        .split_whitespace()
        .next()
        .unwrap()
        .to_lowercase();
    let by_name = walk(&env, &parse(&[("q", &name_word)]), 100);
    let named = |o: &&Order| {
        o.user_id.as_str() == name_word
            || o.delivery_address
                .name
                .to_lowercase()
                .split_whitespace()
                .any(|w| w == name_word)
    };
    assert_eq!(by_name.len(), orders.iter().filter(named).count());
    assert_code(
        env.service
            .search_orders(&customer("alice"), &OrderSearch::default()),
        "forbidden",
    );
}

pub fn export_writes_one_row_per_line_for_the_matching_orders(factory: &StoreFactory) {
    let env = Env::new(factory);
    let orders = catalogue(&env);
    let mut csv = String::new();
    let written = env
        .service
        .export_csv(&admin(), &parse(&[("currency", "EUR")]), |chunk| {
            csv.push_str(&chunk);
            true
        })
        .unwrap();
    let eur: Vec<_> = orders
        .iter()
        .filter(|o| o.currency.code() == "EUR")
        .collect();
    assert_eq!(written, eur.len() as u64);
    let rows: Vec<&str> = csv.split("\r\n").filter(|r| !r.is_empty()).collect();
    assert_eq!(rows[0], orderly::export::COLUMNS.join(","));
    assert_eq!(
        rows.len() - 1,
        eur.iter().map(|o| o.items.len()).sum::<usize>()
    );
    for order in eur {
        assert!(csv.contains(&order.id.to_string()));
    }
    // A reader that goes away stops the export.
    let mut chunks = 0;
    env.service
        .export_csv(&admin(), &OrderSearch::default(), |_| {
            chunks += 1;
            false
        })
        .unwrap();
    assert_eq!(chunks, 1);
    assert_code(
        env.service
            .export_csv(&customer("alice"), &OrderSearch::default(), |_| true),
        "forbidden",
    );
}

pub fn staff_notes_join_the_timeline_and_stay_internal(factory: &StoreFactory) {
    let env = Env::new(factory);
    env.set_cart("alice", "USD", &[("sku-a", "Beans", 2, "5.00")]);
    let order = env.place("alice", "k");
    env.advance(MINUTE_MS);
    let note = env
        .service
        .add_staff_note(
            &admin(),
            &order.id,
            "  called the customer  ",
            Some(&idem("n1")),
        )
        .unwrap();
    assert_eq!(note.text, "called the customer");
    env.advance(MINUTE_MS);
    // The same key keeps one note.
    let again = env
        .service
        .add_staff_note(
            &admin(),
            &order.id,
            "called the customer",
            Some(&idem("n1")),
        )
        .unwrap();
    assert_eq!(again, note);
    env.service
        .update_status(
            &warehouse(),
            &order.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap();
    env.advance(MINUTE_MS);
    env.service
        .create_shipment(
            &admin(),
            &order.id,
            &ShipmentRequest {
                lines: Some(vec![ShipmentLine {
                    product_id: ProductId::new("sku-a").unwrap(),
                    quantity: 1,
                }]),
                ..ShipmentRequest::default()
            },
            None,
            None,
        )
        .unwrap();
    let timeline = env.service.timeline(&admin(), &order.id).unwrap();
    let summary: Vec<_> = timeline
        .iter()
        .map(|e| (e.kind, e.actor_kind, e.status.clone(), e.internal))
        .collect();
    assert_eq!(
        summary,
        [
            (
                TimelineKind::Status,
                ActorKind::Customer,
                Some("placed".into()),
                false
            ),
            (TimelineKind::Note, ActorKind::Staff, None, true),
            (
                TimelineKind::Status,
                ActorKind::Service,
                Some("processing".into()),
                false
            ),
            (
                TimelineKind::Status,
                ActorKind::Staff,
                Some("partially_shipped".into()),
                false
            ),
            (
                TimelineKind::Shipment,
                ActorKind::Staff,
                Some("shipped".into()),
                false
            ),
        ]
    );
    assert!(timeline.windows(2).all(|w| w[0].at <= w[1].at));
    // Notes never reach the order customers read.
    let seen = env.service.order(&customer("alice"), &order.id).unwrap();
    assert!(
        !serde_json::to_string(&seen)
            .unwrap()
            .contains("called the customer")
    );
    assert_code(
        env.service.timeline(&customer("alice"), &order.id),
        "forbidden",
    );
    assert_code(
        env.service
            .add_staff_note(&customer("alice"), &order.id, "hi", None),
        "forbidden",
    );
    assert_code(
        env.service.add_staff_note(&admin(), &order.id, "   ", None),
        "invalid_field",
    );
    assert_code(
        env.service
            .add_staff_note(&admin(), &order.id, "card 4242 4242 4242 4242", None),
        "card_number_refused",
    );
}
