//! The searches measured: every single filter, the common combinations, both sorts and a
//! page deep into a result, each with values varied across the data.

use orderly::search::{OrderSearch, SortKey};
use orderly::{OrderId, Store};

use crate::data::{self, CAMPAIGNS, LAST_NAMES, Rng, USERS};

pub struct Case {
    pub name: &'static str,
    pub searches: Vec<OrderSearch>,
}

/// Order ids spread over the store, for the baseline and the id-prefix search.
pub fn sample_ids(store: &dyn Store, count: usize) -> Vec<OrderId> {
    let first = store
        .search_orders(&OrderSearch {
            limit: 200,
            ..OrderSearch::default()
        })
        .unwrap();
    let last = store
        .search_orders(&OrderSearch {
            limit: 200,
            descending: false,
            ..OrderSearch::default()
        })
        .unwrap();
    first
        .iter()
        .chain(&last)
        .map(|hit| hit.document.id)
        .cycle()
        .take(count)
        .collect()
}

pub fn parse(pairs: &[(&str, &str)]) -> OrderSearch {
    OrderSearch::from_params(pairs.iter().copied()).unwrap()
}

fn day(rng: &mut Rng) -> (String, String) {
    let start = data::FIRST_MS + i64::try_from(rng.below(364)).unwrap() * 86_400_000;
    let time = |ms| orderly::Timestamp::from_unix_millis(ms).to_rfc3339();
    (time(start), time(start + 86_400_000))
}

pub fn cases(orders: u64, count: usize) -> Vec<Case> {
    let mut rng = Rng::new(42);
    let statuses = [
        "placed",
        "processing",
        "partially_shipped",
        "shipped",
        "delivered",
        "cancelled",
    ];
    let mut make = |name, f: &mut dyn FnMut(&mut Rng) -> OrderSearch| Case {
        name,
        searches: (0..count).map(|_| f(&mut rng)).collect(),
    };
    vec![
        make("newest first, no filter", &mut |_| OrderSearch::default()),
        make("status", &mut |r| {
            parse(&[("status", statuses[usize::try_from(r.below(6)).unwrap()])])
        }),
        make("two statuses", &mut |_| {
            parse(&[("status", "placed,processing")])
        }),
        make("created in one day", &mut |r| {
            let (from, to) = day(r);
            parse(&[("createdFrom", &from), ("createdTo", &to)])
        }),
        make("currency", &mut |r| {
            parse(&[(
                "currency",
                ["USD", "EUR", "GBP"][usize::try_from(r.below(3)).unwrap()],
            )])
        }),
        make("user", &mut |r| {
            parse(&[("userId", &data::user_name(r.below(USERS)))])
        }),
        make("product (popular to rare)", &mut |r| {
            parse(&[("productId", &format!("sku-{}", data::product(r)))])
        }),
        make("total range, by total", &mut |r| {
            let low = 1_000 + r.below(100_000);
            let (min, max) = (format!("{}.00", low / 100), format!("{}.00", low / 100 + 5));
            parse(&[
                ("currency", "USD"),
                ("totalMin", &min),
                ("totalMax", &max),
                ("sort", "total"),
            ])
        }),
        make("tracking number", &mut |r| {
            parse(&[("trackingNumber", &data::tracking(r.below(orders)))])
        }),
        make("metadata pair", &mut |r| {
            parse(&[
                ("metadataKey", "campaign"),
                ("metadataValue", &format!("c{}", r.below(CAMPAIGNS))),
            ])
        }),
        make("text: a last name", &mut |r| {
            parse(&[("q", &format!("family{}", r.below(LAST_NAMES)))])
        }),
        make("text: an email", &mut |r| {
            parse(&[("q", &data::user_name(r.below(USERS / 4) * 4))])
        }),
        make("status + day", &mut |r| {
            let (from, to) = day(r);
            parse(&[
                ("status", statuses[usize::try_from(r.below(6)).unwrap()]),
                ("createdFrom", &from),
                ("createdTo", &to),
            ])
        }),
        make("status + user", &mut |r| {
            parse(&[
                ("status", "delivered"),
                ("userId", &data::user_name(r.below(USERS))),
            ])
        }),
        make("status + text", &mut |r| {
            parse(&[
                ("status", "shipped"),
                ("q", &format!("family{}", r.below(LAST_NAMES))),
            ])
        }),
        make("currency + day, by total", &mut |r| {
            let (from, to) = day(r);
            parse(&[
                ("currency", "EUR"),
                ("createdFrom", &from),
                ("createdTo", &to),
                ("sort", "total"),
            ])
        }),
        make("all by total, largest first", &mut |_| OrderSearch {
            sort: SortKey::Total,
            ..OrderSearch::default()
        }),
        make("rare status by total", &mut |_| {
            parse(&[
                ("status", "partially_shipped"),
                ("sort", "total"),
                ("direction", "asc"),
            ])
        }),
    ]
}

/// The 21st page of delivered orders, from the cursor the 20th page gave.
pub fn deep_page(store: &dyn Store, count: usize) -> Case {
    let mut search = parse(&[("status", "delivered")]);
    for _ in 0..20 {
        let hits = store.search_orders(&search).unwrap();
        search.after = hits.last().map(|hit| search.position_of(hit));
    }
    Case {
        name: "status, page 21",
        searches: vec![search; count],
    }
}
