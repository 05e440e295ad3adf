//! Shared set-up for this crate's integration tests: the server to test against, scratch
//! databases, raw connections for checking what is stored, and an engine over a store.

#![allow(dead_code)]

use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use orderly_core::DayRange;
use orderly_core::store::prelude::*;
use orderly_core::{
    Address, Caller, Currency, IdempotencyKey, InMemoryCarts, Order, OrderId, OrderService,
    OrderStatus, PaymentMethod, PlaceOrderRequest, RawCart, RawCartItem, Store, TopBy, UserId,
};
use orderly_mysql::{MysqlStore, ScratchDatabase};

pub const URL_VAR: &str = "ORDERLY_TEST_MYSQL_URL";

/// The server to test against, or `None` (the test passes after saying it was skipped) when
/// none is configured outside CI. Under CI a missing server is a failure.
pub fn server_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{URL_VAR} must name a MySQL/MariaDB server in CI")
        }
        _ => {
            eprintln!("{URL_VAR} is not set: MySQL tests skipped");
            None
        }
    }
}

/// Evaluates to the server URL or ends the test (passing) when there is none.
#[macro_export]
macro_rules! require_server {
    () => {
        match common::server_url() {
            Some(url) => url,
            None => return,
        }
    };
}

/// A scratch database and a store on it. Fields drop in order: the store, then the database.
pub struct Fixture {
    pub store: Arc<MysqlStore>,
    pub db: ScratchDatabase,
}

impl Fixture {
    pub fn new(server: &str) -> Fixture {
        let db = ScratchDatabase::create(server).expect("create a scratch database");
        let store = Arc::new(MysqlStore::open(db.url()).expect("open the store"));
        Fixture { store, db }
    }

    /// A plain connection to the same database, for looking at rows directly.
    pub fn raw(&self) -> Conn {
        raw(self.db.url())
    }

    /// An engine over this store with the given carts.
    pub fn engine(&self, carts: &Arc<InMemoryCarts>) -> OrderService {
        let store: Arc<dyn Store> = self.store.clone();
        OrderService::builder(store, carts.clone()).build()
    }
}

/// A connection outside the store's pool (TCP, even to 127.0.0.1).
pub fn raw(url: &str) -> Conn {
    let sep = if url.contains('?') { '&' } else { '?' };
    let opts = Opts::from_url(&format!("{url}{sep}prefer_socket=false")).expect("test URL");
    Conn::new(opts).expect("connect")
}

/// One integer from a query.
pub fn count(conn: &mut Conn, sql: &str) -> i64 {
    let value: Option<Option<i64>> = conn.query_first(sql).expect(sql);
    value.flatten().unwrap_or(0)
}

pub fn user(id: &str) -> UserId {
    UserId::new(id).expect("user id")
}

pub fn key(k: &str) -> IdempotencyKey {
    IdempotencyKey::new(k).expect("idempotency key")
}

pub fn customer(id: &str) -> Caller {
    Caller::customer(&user(id))
}

/// A USD cart: `(product id, name, quantity, unit price)` lines.
pub fn cart(user: &str, items: &[(&str, &str, i64, &str)]) -> RawCart {
    RawCart {
        user_id: user.into(),
        currency: "USD".into(),
        items: items
            .iter()
            .map(|(product, name, quantity, price)| RawCartItem {
                product_id: (*product).into(),
                name: (*name).into(),
                quantity: *quantity,
                unit_price: (*price).into(),
            })
            .collect(),
        updated_at: None,
    }
}

pub fn request(user_id: &str) -> PlaceOrderRequest {
    PlaceOrderRequest {
        user_id: user(user_id),
        delivery_address: Address {
            name: "Ada Lovelace".into(),
            line1: "1 Main St".into(),
            line2: None,
            city: "Springfield".into(),
            region: Some("IL".into()),
            postal_code: "62701".into(),
            country: "US".into(),
        },
        payment_method: PaymentMethod::Paypal {
            token: "tok_test".into(),
        },
        shipping_method: None,
        checkout_id: None,
        discount_code: None,
        metadata: None,
    }
}

/// What the rollups must say, recomputed from the orders themselves.
pub fn assert_rollups_match_orders(store: &MysqlStore, orders: &[Order]) {
    let mut sales: BTreeMap<Currency, (i64, i64)> = BTreeMap::new();
    let mut products: BTreeMap<String, (u64, i64)> = BTreeMap::new();
    let mut statuses: HashMap<OrderStatus, u64> = HashMap::new();
    for o in orders {
        *statuses.entry(o.status).or_default() += 1;
        if o.status == OrderStatus::Cancelled {
            continue;
        }
        let s = sales.entry(o.currency).or_default();
        s.0 += o.totals.total.minor();
        s.1 += 1;
        for line in &o.items {
            let p = products.entry(line.product_id.to_string()).or_default();
            p.0 += u64::from(line.quantity);
            p.1 += line.line_total.minor() - line.discount.minor();
        }
    }
    let got_sales: BTreeMap<Currency, (i64, i64)> = store
        .sales(0, i64::MAX)
        .expect("rollup read")
        .into_iter()
        .filter(|r| r.orders != 0)
        .map(|r| (r.currency, (r.total_minor, r.orders)))
        .collect();
    assert_eq!(got_sales, sales, "sales rollup");
    // The all-time rows, and the daily rows over every day (a range other than `ALL` reads
    // the daily tables), must both match.
    let every_day = DayRange {
        from_day: i64::MIN + 1,
        to_day_exclusive: i64::MAX,
    };
    for days in [DayRange::ALL, every_day] {
        let got_products: BTreeMap<String, (u64, i64)> = store
            .top_products(Currency::USD, TopBy::Quantity, 100, days)
            .expect("rollup read")
            .into_iter()
            .map(|p| (p.product_id.to_string(), (p.quantity, p.revenue.minor())))
            .collect();
        assert_eq!(got_products, products, "product rollup over {days:?}");
        for c in store.status_counts(days).expect("rollup read") {
            assert_eq!(
                c.orders,
                statuses.get(&c.status).copied().unwrap_or(0),
                "{} count over {days:?}",
                c.status
            );
        }
    }
}

/// Every order in the database, read back through the store.
pub fn all_orders(store: &MysqlStore, raw: &mut Conn) -> Vec<Order> {
    let ids: Vec<String> = raw.query("SELECT id FROM orders").expect("order ids");
    ids.iter()
        .map(|id| {
            let id = OrderId::parse(id).expect("stored order id");
            store.order(&id).expect("read").expect("order exists")
        })
        .collect()
}

pub const PRODUCTS: [(&str, &str, &str); 4] = [
    ("sku-tea", "Tea", "4.99"),
    ("sku-cup", "Cup", "12.50"),
    ("sku-pot", "Teapot", "39.00"),
    ("sku-lid", "Lid", "0.99"),
];

/// A cart for user number `i` from the shared products, so that product rows are contended.
pub fn cart_for(i: usize) -> orderly_core::RawCart {
    let lines: Vec<(&str, &str, i64, &str)> = (0..1 + i % 3)
        .map(|j| {
            let (id, name, price) = PRODUCTS[(i + j) % PRODUCTS.len()];
            (
                id,
                name,
                i64::try_from(1 + (i + j) % 4).expect("small"),
                price,
            )
        })
        .collect();
    cart(&format!("user-{i}"), &lines)
}

pub fn carts_for(users: usize) -> Arc<InMemoryCarts> {
    let carts = Arc::new(InMemoryCarts::new());
    for i in 0..users {
        carts.set(cart_for(i));
    }
    carts
}
