//! Staff search: the index rows each order is found by, written with it, and searches that run
//! on indexes only.
//!
//! A search reads its candidates from one source, the filter most likely to be selective: the
//! text (its word rows, with the orders whose id starts with it), else a tracking number, else
//! the user's orders (`orders_history`), else a product or a metadata pair, else the order
//! columns' own indexes. Each other index filter is one primary-key lookup per candidate.
//! When the candidates come from index rows of one value they already come in creation order,
//! so a page sorted by creation reads about as many rows as it shows.

use std::collections::{BTreeSet, VecDeque};

use mysql::prelude::Queryable;
use mysql::{Params, Value};
use orderly_core::search::{
    IndexEntry, IndexKind, OrderSearch, SearchHit, SortKey, metadata_value,
};
use orderly_core::{OrderId, StoreError, Timestamp};

use crate::batch::{self, RowsStatement};
use crate::error::DbResult;
use crate::orders;

const INSERT_ENTRIES: RowsStatement = (
    "INSERT INTO order_index (kind, value, created_at, order_id) VALUES ",
    "(?, ?, ?, ?)",
    "",
);

/// The backfill may run again after a partial failure and find its rows there.
const BACKFILL_ENTRIES: RowsStatement = (
    "INSERT INTO order_index (kind, value, created_at, order_id) VALUES ",
    "(?, ?, ?, ?)",
    " ON DUPLICATE KEY UPDATE order_id = order_id",
);

const DELETE_ENTRIES: &str = "DELETE FROM order_index WHERE order_id = ?";

/// The rows of `entries`, sorted (so that concurrent writers lock them in one order) and
/// without repeats.
fn entry_rows(
    order_id: &OrderId,
    created_at: Timestamp,
    entries: &[IndexEntry],
) -> Vec<Vec<Value>> {
    let unique: BTreeSet<(&str, &str)> = entries
        .iter()
        .map(|e| (e.kind.code(), e.value.as_str()))
        .collect();
    let id = order_id.to_string();
    unique
        .into_iter()
        .map(|(kind, value)| {
            vec![
                kind.into(),
                value.as_bytes().into(),
                created_at.unix_millis().into(),
                id.as_str().into(),
            ]
        })
        .collect()
}

/// Writes a new order's index rows inside its transaction.
pub(crate) fn write_entries(
    tx: &mut impl Queryable,
    order_id: &OrderId,
    created_at: Timestamp,
    entries: &[IndexEntry],
) -> Result<(), StoreError> {
    batch::execute(
        tx,
        INSERT_ENTRIES,
        entry_rows(order_id, created_at, entries),
    )
}

/// Replaces an order's index rows with `entries`, inside the transaction that changes it.
pub(crate) fn replace_entries(
    tx: &mut impl Queryable,
    order_id: &OrderId,
    created_at: Timestamp,
    entries: &[IndexEntry],
) -> Result<(), StoreError> {
    tx.exec_drop(DELETE_ENTRIES, (order_id.to_string(),)).db()?;
    write_entries(tx, order_id, created_at, entries)
}

/// Writes the index rows of every stored order, a page of orders per transaction; returns how
/// many orders it read. For the migration that adds the index.
pub(crate) fn backfill(conn: &mut impl Queryable) -> Result<u64, StoreError> {
    crate::backfill::each_page(conn, |conn, orders| {
        let mut rows = Vec::new();
        for order in orders {
            let entries = orderly_core::search::index_entries(order);
            rows.extend(entry_rows(&order.id, order.created_at, &entries));
        }
        conn.query_drop("START TRANSACTION").db()?;
        match batch::execute(conn, BACKFILL_ENTRIES, rows) {
            Ok(()) => conn.query_drop("COMMIT").db(),
            Err(e) => {
                // The write's error is the one to report; a failed rollback ends with the session.
                let _ = conn.query_drop("ROLLBACK");
                Err(e)
            }
        }
    })
}

/// Where a search reads its candidates from.
#[derive(Debug, PartialEq, Eq)]
enum Source<'a> {
    /// Orders with a word row equal to the text, and orders whose id starts with it.
    WordOrIdPrefix { word: &'a str, prefix: &'a str },
    /// Orders with the index row `(kind, value)`, in creation order.
    Entry(IndexKind, String),
    /// The orders table, through whichever of its indexes fits the filters best.
    Orders,
}

/// A search as one statement and its parameters.
#[derive(Debug, PartialEq)]
struct Statement {
    sql: String,
    params: Vec<Value>,
}

/// The one statement that runs `search`. Every value is a bound parameter.
fn statement(search: &OrderSearch) -> Statement {
    let mut entries: VecDeque<(IndexKind, String)> = VecDeque::new();
    if let Some(number) = &search.tracking_number {
        entries.push_back((IndexKind::Tracking, number.clone()));
    }
    if let Some(product) = &search.product_id {
        entries.push_back((IndexKind::Product, product.as_str().to_owned()));
    }
    if let Some(pair) = &search.metadata {
        entries.push_back((IndexKind::Metadata, metadata_value(&pair.key, &pair.value)));
    }
    let source = match search.text.as_deref() {
        Some(word) => match search.id_prefix() {
            Some(prefix) => Source::WordOrIdPrefix { word, prefix },
            None => Source::Entry(IndexKind::Word, word.to_owned()),
        },
        // A user's orders are usually fewer than a product's or a metadata pair's.
        None if search.tracking_number.is_none() && search.user_id.is_some() => Source::Orders,
        None => entries
            .pop_front()
            .map_or(Source::Orders, |(kind, value)| Source::Entry(kind, value)),
    };

    let mut params: Vec<Value> = Vec::new();
    let mut conditions: Vec<String> = Vec::new();
    let from = match &source {
        Source::WordOrIdPrefix { word, prefix } => {
            params.push(IndexKind::Word.code().into());
            params.push(word.as_bytes().into());
            // `id_prefix` admits only hex digits and dashes: nothing LIKE would read as a
            // wildcard.
            params.push(format!("{prefix}%").into());
            "(SELECT order_id AS id FROM order_index WHERE kind = ? AND value = ? \
             UNION SELECT id FROM orders WHERE id LIKE ?) m JOIN orders o ON o.id = m.id"
        }
        Source::Entry(kind, value) => {
            conditions.push("d.kind = ?".to_owned());
            params.push(kind.code().into());
            conditions.push("d.value = ?".to_owned());
            params.push(value.as_bytes().into());
            "order_index d JOIN orders o ON o.id = d.order_id"
        }
        Source::Orders => "orders o",
    };
    // Index rows repeat the order's creation time and id: filtering and sorting on theirs
    // keeps to the index row order.
    let (created, id) = match source {
        Source::Entry(..) => ("d.created_at", "d.order_id"),
        _ => ("o.created_at", "o.id"),
    };

    if !search.statuses.is_empty() {
        conditions.push(format!(
            "o.status IN ({})",
            vec!["?"; search.statuses.len()].join(", ")
        ));
        params.extend(search.statuses.iter().map(|s| s.as_str().into()));
    }
    if let Some(from) = search.created_from {
        conditions.push(format!("{created} >= ?"));
        params.push(from.unix_millis().into());
    }
    if let Some(to) = search.created_to {
        conditions.push(format!("{created} < ?"));
        params.push(to.unix_millis().into());
    }
    if let Some(currency) = search.currency {
        conditions.push("o.currency = ?".to_owned());
        params.push(currency.code().into());
    }
    if let Some(user) = &search.user_id {
        conditions.push("o.user_id = ?".to_owned());
        params.push(user.as_str().into());
    }
    if let Some(min) = search.total_min {
        conditions.push("o.total >= ?".to_owned());
        params.push(min.into());
    }
    if let Some(max) = search.total_max {
        conditions.push("o.total <= ?".to_owned());
        params.push(max.into());
    }
    for (kind, value) in entries {
        // The whole primary key of the row: one lookup per candidate.
        conditions.push(
            "EXISTS (SELECT 1 FROM order_index x WHERE x.kind = ? AND x.value = ? \
             AND x.created_at = o.created_at AND x.order_id = o.id)"
                .to_owned(),
        );
        params.push(kind.code().into());
        params.push(value.into_bytes().into());
    }

    let key = match search.sort {
        SortKey::CreatedAt => created,
        SortKey::Total => "o.total",
    };
    let (op, direction) = if search.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(after) = &search.after {
        // Written with OR rather than a row comparison so that every server uses the index
        // range.
        conditions.push(format!("({key} {op} ? OR ({key} = ? AND {id} {op} ?))"));
        params.push(after.key.into());
        params.push(after.key.into());
        params.push(after.order_id.to_string().into());
    }

    let mut sql = format!(
        "SELECT o.id, o.user_id, o.version, o.created_at, o.doc_format, o.doc, {key} FROM {from}"
    );
    if !conditions.is_empty() {
        sql.push_str(" WHERE ");
        sql.push_str(&conditions.join(" AND "));
    }
    sql.push_str(&format!(
        " ORDER BY {key} {direction}, {id} {direction} LIMIT ?"
    ));
    params.push(search.limit.into());
    Statement { sql, params }
}

type HitRow = (Vec<u8>, Vec<u8>, u32, i64, u32, Vec<u8>, i64);

pub(crate) fn search(
    conn: &mut impl Queryable,
    search: &OrderSearch,
) -> Result<Vec<SearchHit>, StoreError> {
    let Statement { sql, params } = statement(search);
    let hits: Vec<Result<SearchHit, StoreError>> = conn
        .exec_map(
            sql,
            Params::Positional(params),
            |(id, user, version, created_at, format, doc, key): HitRow| {
                Ok(SearchHit {
                    key,
                    document: orders::document((id, user, version, created_at, format, doc))?,
                })
            },
        )
        .db()?;
    hits.into_iter().collect()
}

/// The plan of `search` as `EXPLAIN` gives it: one line per table read, with the index used,
/// the access type and the rows the server expects to read.
pub(crate) fn explain(
    conn: &mut impl Queryable,
    search: &OrderSearch,
) -> Result<Vec<String>, StoreError> {
    let Statement { sql, params } = statement(search);
    let rows: Vec<mysql::Row> = conn
        .exec(format!("EXPLAIN {sql}"), Params::Positional(params))
        .db()?;
    Ok(rows
        .iter()
        .map(|row| {
            let column = |name: &str| -> String {
                let value = row
                    .columns_ref()
                    .iter()
                    .position(|c| c.name_str() == name)
                    .and_then(|i| row.as_ref(i));
                match value {
                    Some(Value::Bytes(bytes)) => String::from_utf8_lossy(bytes).into_owned(),
                    Some(Value::Int(n)) => n.to_string(),
                    Some(Value::UInt(n)) => n.to_string(),
                    _ => "-".to_owned(),
                }
            };
            format!(
                "{} {} type={} key={} rows={} {}",
                column("select_type"),
                column("table"),
                column("type"),
                column("key"),
                column("rows"),
                column("Extra")
            )
        })
        .collect())
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use mysql::prelude::Queryable;
    use orderly_core::search::{MetadataFilter, SearchPosition};
    use orderly_core::{Currency, OrderStatus, ProductId, UserId};

    use super::*;

    const ID: &str = "01890a5d-ac96-774b-bcce-b302099a8057";

    fn bytes(text: &str) -> Value {
        Value::from(text.as_bytes())
    }

    /// Every placeholder has its parameter.
    fn checked(search: &OrderSearch) -> Statement {
        let s = statement(search);
        assert_eq!(s.sql.matches('?').count(), s.params.len(), "{}", s.sql);
        s
    }

    #[test]
    fn without_filters_orders_are_read_newest_first() {
        let s = checked(&OrderSearch::default());
        assert_eq!(
            s.sql,
            "SELECT o.id, o.user_id, o.version, o.created_at, o.doc_format, o.doc, o.created_at \
             FROM orders o ORDER BY o.created_at DESC, o.id DESC LIMIT ?"
        );
        assert_eq!(s.params, [Value::from(50u32)]);
    }

    #[test]
    fn a_tracking_number_leads_and_other_entries_are_looked_up() {
        let search = OrderSearch {
            tracking_number: Some("1Z999".to_owned()),
            product_id: Some(ProductId::new("sku ").unwrap()),
            created_from: Some(Timestamp::from_unix_millis(5)),
            ..OrderSearch::default()
        };
        let s = checked(&search);
        assert!(
            s.sql
                .contains("FROM order_index d JOIN orders o ON o.id = d.order_id WHERE d.kind = ? AND d.value = ?"),
            "{}",
            s.sql
        );
        assert!(s.sql.contains("d.created_at >= ?"), "{}", s.sql);
        assert!(s.sql.contains("EXISTS (SELECT 1 FROM order_index x"));
        assert!(
            s.sql
                .ends_with("ORDER BY d.created_at DESC, d.order_id DESC LIMIT ?")
        );
        assert_eq!(
            s.params,
            [
                Value::from("t"),
                bytes("1Z999"),
                Value::from(5i64),
                Value::from("p"),
                bytes("sku "),
                Value::from(50u32),
            ]
        );
    }

    #[test]
    fn a_user_leads_before_a_product_or_metadata() {
        let search = OrderSearch {
            user_id: Some(UserId::new("alice").unwrap()),
            metadata: Some(MetadataFilter {
                key: "channel".to_owned(),
                value: "web".to_owned(),
            }),
            statuses: vec![OrderStatus::Placed, OrderStatus::PartiallyShipped],
            currency: Some(Currency::from_code("EUR").unwrap()),
            total_min: Some(100),
            total_max: Some(200),
            ..OrderSearch::default()
        };
        let s = checked(&search);
        assert!(
            s.sql
                .contains(" FROM orders o WHERE o.status IN (?, ?) AND ")
        );
        assert!(s.sql.contains("o.user_id = ?"));
        assert!(s.params.contains(&bytes("channel=web")), "{:?}", s.params);
        assert!(s.params.contains(&Value::from("partially_shipped")));
    }

    #[test]
    fn text_is_a_word_or_also_an_id_prefix() {
        let word = checked(&OrderSearch {
            text: Some("ada".to_owned()),
            product_id: Some(ProductId::new("sku-1").unwrap()),
            ..OrderSearch::default()
        });
        assert!(word.sql.contains("FROM order_index d JOIN orders o"));
        assert_eq!(
            word.params.get(..2),
            Some(&[Value::from("w"), bytes("ada")][..])
        );

        let prefix = checked(&OrderSearch {
            text: Some("01890a5d".to_owned()),
            ..OrderSearch::default()
        });
        assert!(
            prefix
                .sql
                .contains("UNION SELECT id FROM orders WHERE id LIKE ?")
        );
        assert!(
            prefix
                .sql
                .ends_with("ORDER BY o.created_at DESC, o.id DESC LIMIT ?")
        );
        assert_eq!(
            prefix.params,
            [
                Value::from("w"),
                bytes("01890a5d"),
                Value::from("01890a5d%"),
                Value::from(50u32)
            ]
        );
    }

    #[test]
    fn pages_continue_after_their_position_in_either_direction() {
        let search = OrderSearch {
            sort: SortKey::Total,
            descending: false,
            after: Some(SearchPosition {
                key: 1999,
                order_id: OrderId::parse(ID).unwrap(),
            }),
            limit: 3,
            ..OrderSearch::default()
        };
        let s = checked(&search);
        assert!(s.sql.contains(", o.total FROM orders o WHERE"));
        assert!(
            s.sql.contains(
                "(o.total > ? OR (o.total = ? AND o.id > ?)) ORDER BY o.total ASC, o.id ASC LIMIT ?"
            ),
            "{}",
            s.sql
        );
        assert_eq!(
            s.params,
            [
                Value::from(1999i64),
                Value::from(1999i64),
                Value::from(ID),
                Value::from(3u32)
            ]
        );
    }

    #[test]
    fn entry_rows_are_sorted_and_unique() {
        let entry = |kind, value: &str| IndexEntry {
            kind,
            value: value.to_owned(),
        };
        let rows = entry_rows(
            &OrderId::parse(ID).unwrap(),
            Timestamp::from_unix_millis(7),
            &[
                entry(IndexKind::Word, "ada"),
                entry(IndexKind::Product, "sku"),
                entry(IndexKind::Word, "ada"),
            ],
        );
        let kinds: Vec<&Value> = rows.iter().filter_map(|r| r.first()).collect();
        assert_eq!(kinds, [&Value::from("p"), &Value::from("w")]);
        assert!(rows.iter().all(|r| r.len() == 4));
    }

    /// Orders for the plans below: 10,000 of 300 users, statuses and currencies mixed, each
    /// with a product of 40, a word, a metadata pair of 2 and (one in ten) a tracking number.
    const SEED: [&str; 6] = [
        "CREATE TEMPORARY TABLE digits (d INT NOT NULL)",
        "INSERT INTO digits VALUES (0), (1), (2), (3), (4), (5), (6), (7), (8), (9)",
        "INSERT INTO orders (id, user_id, status, currency, subtotal, shipping, tax, discount, \
         total, created_at, updated_at, version, doc, doc_format) \
         SELECT CONCAT(LPAD(HEX(n), 8, '0'), '-0000-7000-8000-000000000000'), \
         CONCAT('user-', n % 300), \
         ELT(1 + n % 6, 'placed', 'processing', 'shipped', 'delivered', 'cancelled', \
         'partially_shipped'), IF(n % 3 = 0, 'EUR', 'USD'), 0, 0, 0, 0, n * 10 % 7919, \
         1700000000000 + n * 1000, 1700000000000 + n * 1000, 1, '{}', 2 \
         FROM (SELECT a.d + 10 * b.d + 100 * c.d + 1000 * e.d AS n \
         FROM digits a, digits b, digits c, digits e) s",
        "INSERT INTO order_index (kind, value, created_at, order_id) \
         SELECT 'p', CONCAT('sku-', CONV(LEFT(id, 8), 16, 10) % 40), created_at, id FROM orders \
         UNION ALL SELECT 'w', user_id, created_at, id FROM orders \
         UNION ALL SELECT 'm', IF(created_at % 2000 = 0, 'channel=web', 'channel=app'), \
         created_at, id FROM orders \
         UNION ALL SELECT 't', CONCAT('1Z', created_at), created_at, id FROM orders \
         WHERE created_at % 10000 = 0",
        "ANALYZE TABLE orders",
        "ANALYZE TABLE order_index",
    ];

    /// Runs on a real server when `ORDERLY_TEST_MYSQL_URL` names one: no search reads a whole
    /// table, whatever its filters.
    #[test]
    fn searches_read_indexes_only() {
        let Some(server) = std::env::var("ORDERLY_TEST_MYSQL_URL")
            .ok()
            .filter(|u| !u.trim().is_empty())
        else {
            eprintln!("ORDERLY_TEST_MYSQL_URL is not set: skipped");
            return;
        };
        let db = crate::ScratchDatabase::create(&server).unwrap();
        drop(crate::MysqlStore::open(db.url()).unwrap());
        let mut conn =
            mysql::Conn::new(crate::config::options_from_url(db.url()).unwrap()).unwrap();
        for sql in SEED {
            conn.query_drop(sql).unwrap();
        }

        let after = Some(SearchPosition {
            key: 1_700_003_000_000,
            order_id: OrderId::parse(ID).unwrap(),
        });
        let product = || Some(ProductId::new("sku-3").unwrap());
        let searches = [
            OrderSearch::default(),
            OrderSearch {
                statuses: vec![OrderStatus::Placed],
                ..OrderSearch::default()
            },
            OrderSearch {
                statuses: vec![OrderStatus::Placed, OrderStatus::Cancelled],
                after,
                ..OrderSearch::default()
            },
            OrderSearch {
                currency: Some(Currency::from_code("EUR").unwrap()),
                created_from: Some(Timestamp::from_unix_millis(1_700_001_000_000)),
                created_to: Some(Timestamp::from_unix_millis(1_700_002_000_000)),
                ..OrderSearch::default()
            },
            OrderSearch {
                sort: SortKey::Total,
                total_min: Some(100),
                total_max: Some(200),
                ..OrderSearch::default()
            },
            OrderSearch {
                product_id: product(),
                after,
                ..OrderSearch::default()
            },
            OrderSearch {
                product_id: product(),
                metadata: Some(MetadataFilter {
                    key: "channel".to_owned(),
                    value: "web".to_owned(),
                }),
                ..OrderSearch::default()
            },
            OrderSearch {
                user_id: Some(UserId::new("user-7").unwrap()),
                product_id: product(),
                ..OrderSearch::default()
            },
            OrderSearch {
                text: Some("0000000a".to_owned()),
                statuses: vec![OrderStatus::Placed],
                ..OrderSearch::default()
            },
            OrderSearch {
                text: Some("user-7".to_owned()),
                sort: SortKey::Total,
                ..OrderSearch::default()
            },
            OrderSearch {
                tracking_number: Some("1Z1700000010000".to_owned()),
                statuses: vec![OrderStatus::Placed],
                ..OrderSearch::default()
            },
            OrderSearch {
                metadata: Some(MetadataFilter {
                    key: "channel".to_owned(),
                    value: "app".to_owned(),
                }),
                statuses: vec![OrderStatus::Placed],
                currency: Some(Currency::from_code("EUR").unwrap()),
                descending: false,
                ..OrderSearch::default()
            },
        ];
        for (i, search) in searches.iter().enumerate() {
            let Statement { sql, params } = statement(search);
            let plan: Vec<mysql::Row> = conn
                .exec(format!("EXPLAIN {sql}"), Params::Positional(params))
                .unwrap();
            for row in &plan {
                let table: Option<String> = row.get("table");
                let access: Option<String> = row.get("type");
                let table = table.unwrap_or_default();
                let access = access.unwrap_or_default();
                // The union of an id prefix's few candidates is read whole, as it should be.
                if table.starts_with('<') {
                    continue;
                }
                assert!(!table.is_empty() && !access.is_empty(), "{row:?}");
                assert_ne!(access, "ALL", "search {i} scans {table}: {sql}");
                // Reading an index end to end is a scan too, unless nothing filters.
                assert!(
                    access != "index" || i == 0,
                    "search {i} reads all of an index of {table}: {sql}"
                );
            }
        }
    }
}
