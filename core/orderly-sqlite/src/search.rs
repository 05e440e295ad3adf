//! Staff search over all orders, on indexes only: the order table's columns lead the
//! `orders_*` indexes, and products, tracking numbers, metadata pairs and words are found
//! through `order_index`. The statement is built from the filters given, with every value
//! bound, never spliced into the text; statements are cached per shape.

use orderly_core::search::{IndexKind, OrderSearch, SearchHit, SortKey, metadata_value};
use rusqlite::{Connection, ToSql};

use crate::codec::IdText;
use crate::error::OpError;
use crate::orders::document;

/// One bound value of the statement being built.
enum Value {
    Text(String),
    Int(i64),
}

impl ToSql for Value {
    fn to_sql(&self) -> rusqlite::Result<rusqlite::types::ToSqlOutput<'_>> {
        match self {
            Value::Text(s) => s.to_sql(),
            Value::Int(i) => i.to_sql(),
        }
    }
}

/// A statement being built: its text and the values bound to its `?`s, in order.
#[derive(Default)]
struct Statement {
    sql: String,
    values: Vec<Value>,
}

impl Statement {
    fn push(&mut self, text: &str) {
        self.sql.push_str(text);
    }

    fn bind(&mut self, text: &str, value: Value) {
        self.sql.push_str(text);
        self.values.push(value);
    }
}

fn text(value: impl Into<String>) -> Value {
    Value::Text(value.into())
}

/// Where a search reads its candidates from, in the order it shows them.
enum Driver {
    /// The orders table, through whichever `orders_*` index fits: a user's history index,
    /// or the one its status, currency or sort leads.
    Orders,
    /// The `order_index` rows of one (kind, value), which come in creation order, so a page
    /// by creation time stops after the rows it shows. Sorted by total, every match is read
    /// and sorted: as many as that value has orders.
    Entry(IndexKind, String),
}

/// The entry a search is best read through: a tracking number (one order or a few), a word,
/// a product, a metadata pair. A user's orders are fewer still, and the text with an id prefix
/// is two lookups joined, so those read the orders table.
fn driver(search: &OrderSearch) -> Driver {
    if search.user_id.is_some() {
        return Driver::Orders;
    }
    if let Some(number) = &search.tracking_number {
        return Driver::Entry(IndexKind::Tracking, number.clone());
    }
    if let Some(words) = &search.text
        && search.id_prefix().is_none()
    {
        return Driver::Entry(IndexKind::Word, words.clone());
    }
    if let Some(product) = &search.product_id {
        return Driver::Entry(IndexKind::Product, product.as_str().to_owned());
    }
    if let Some(meta) = &search.metadata {
        return Driver::Entry(IndexKind::Metadata, metadata_value(&meta.key, &meta.value));
    }
    Driver::Orders
}

/// The statement for `search`. Several statuses read one branch per status, each a page in
/// its status's index order, merged: an `IN` list would read every order of those statuses
/// to sort them.
fn statement(search: &OrderSearch) -> Statement {
    let driver = driver(search);
    if search.statuses.len() > 1 && matches!(driver, Driver::Orders) {
        let mut s = Statement::default();
        s.push("SELECT * FROM (");
        for (i, status) in search.statuses.iter().enumerate() {
            if i > 0 {
                s.push(" UNION ALL ");
            }
            s.push("SELECT * FROM (");
            let branch = OrderSearch {
                statuses: vec![*status],
                ..search.clone()
            };
            branch_into(&mut s, &branch, &driver);
            s.push(")");
        }
        let dir = if search.descending { "DESC" } else { "ASC" };
        s.bind(
            &format!(") ORDER BY sort_key {dir}, id {dir} LIMIT ?"),
            Value::Int(i64::from(search.limit)),
        );
        return s;
    }
    let mut s = Statement::default();
    branch_into(&mut s, search, &driver);
    s
}

/// One `SELECT` of `search` (whose statuses, if several, share one `IN` list), read through
/// `driver`, ordered and limited.
fn branch_into(s: &mut Statement, search: &OrderSearch, driver: &Driver) {
    let entry = matches!(driver, Driver::Entry(..));
    // Sorted by creation through an entry, its own copy of the time keeps the index order.
    let (key, id) = match (search.sort, entry) {
        (SortKey::CreatedAt, true) => ("x.created_at", "x.order_id"),
        (SortKey::CreatedAt, false) => ("o.created_at", "o.id"),
        (SortKey::Total, _) => ("o.total", "o.id"),
    };
    s.push(&format!(
        "SELECT o.id, o.user_id, o.version, o.created_at, o.doc_format, o.doc, {key} AS sort_key"
    ));
    if let Driver::Entry(kind, value) = driver {
        // CROSS JOIN keeps the entry rows as the outer loop, in their index order.
        s.bind(
            " FROM order_index x CROSS JOIN orders o ON o.id = x.order_id WHERE x.kind = ?",
            text(kind.code()),
        );
        s.bind(" AND x.value = ?", text(value.as_str()));
    } else {
        s.push(" FROM orders o WHERE 1");
    }
    let created = if entry {
        "x.created_at"
    } else {
        "o.created_at"
    };
    for (i, status) in search.statuses.iter().enumerate() {
        let clause = if i == 0 { " AND o.status IN (?" } else { ", ?" };
        s.bind(clause, text(status.as_str()));
    }
    if !search.statuses.is_empty() {
        s.push(")");
    }
    if let Some(from) = search.created_from {
        s.bind(
            &format!(" AND {created} >= ?"),
            Value::Int(from.unix_millis()),
        );
    }
    if let Some(to) = search.created_to {
        s.bind(&format!(" AND {created} < ?"), Value::Int(to.unix_millis()));
    }
    if let Some(currency) = search.currency {
        s.bind(" AND o.currency = ?", text(currency.code()));
    }
    if let Some(user) = &search.user_id {
        s.bind(" AND o.user_id = ?", text(user.as_str()));
    }
    if let Some(min) = search.total_min {
        s.bind(" AND o.total >= ?", Value::Int(min));
    }
    if let Some(max) = search.total_max {
        s.bind(" AND o.total <= ?", Value::Int(max));
    }
    let mut others = Vec::new();
    if let Some(product) = &search.product_id {
        others.push((IndexKind::Product, product.as_str().to_owned()));
    }
    if let Some(number) = &search.tracking_number {
        others.push((IndexKind::Tracking, number.clone()));
    }
    if let Some(meta) = &search.metadata {
        others.push((IndexKind::Metadata, metadata_value(&meta.key, &meta.value)));
    }
    if let Some(words) = &search.text {
        others.push((IndexKind::Word, words.clone()));
    }
    for (kind, value) in others {
        if matches!(driver, Driver::Entry(k, v) if *k == kind && *v == value) {
            continue;
        }
        if let Some(prefix) = search.id_prefix().filter(|_| kind == IndexKind::Word) {
            // The orders with the word and those whose id starts with the prefix: two index
            // lookups whose union is read and sorted. Ids are lower-case hex and dashes, so
            // every id with the prefix sorts from the prefix up to the prefix followed by a
            // character after 'f'.
            s.bind(
                " AND (o.id IN (SELECT order_id FROM order_index WHERE kind = ?",
                text(kind.code()),
            );
            s.bind(" AND value = ?)", text(value));
            s.bind(" OR (o.id >= ?", text(prefix));
            s.bind(" AND o.id < ?))", text(format!("{prefix}g")));
            continue;
        }
        // One primary-key probe per candidate.
        s.bind(
            " AND EXISTS (SELECT 1 FROM order_index y WHERE y.kind = ?",
            text(kind.code()),
        );
        s.bind(
            " AND y.value = ? AND y.created_at = o.created_at AND y.order_id = o.id)",
            text(value),
        );
    }
    let (cmp, dir) = if search.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(after) = search.after {
        s.bind(
            &format!(" AND ({key}, {id}) {cmp} (?"),
            Value::Int(after.key),
        );
        s.bind(", ?)", text(IdText::new(after.order_id.as_uuid()).as_str()));
    }
    s.bind(
        &format!(" ORDER BY {key} {dir}, {id} {dir} LIMIT ?"),
        Value::Int(i64::from(search.limit)),
    );
}

pub(crate) fn search(conn: &Connection, search: &OrderSearch) -> Result<Vec<SearchHit>, OpError> {
    let statement = statement(search);
    let mut stmt = conn.prepare_cached(&statement.sql)?;
    let params: Vec<&dyn ToSql> = statement.values.iter().map(|v| v as &dyn ToSql).collect();
    let mut rows = stmt.query(params.as_slice())?;
    let mut hits = Vec::new();
    while let Some(row) = rows.next()? {
        hits.push(SearchHit {
            key: row.get(6)?,
            document: document(row)?,
        });
    }
    Ok(hits)
}

/// The query plan of `search`, one line per step, as `EXPLAIN QUERY PLAN` gives it.
pub(crate) fn explain(conn: &Connection, search: &OrderSearch) -> Result<Vec<String>, OpError> {
    let statement = statement(search);
    let mut stmt = conn.prepare(&format!("EXPLAIN QUERY PLAN {}", statement.sql))?;
    let params: Vec<&dyn ToSql> = statement.values.iter().map(|v| v as &dyn ToSql).collect();
    let mut rows = stmt.query(params.as_slice())?;
    let mut plan = Vec::new();
    while let Some(row) = rows.next()? {
        plan.push(row.get::<_, String>(3)?);
    }
    Ok(plan)
}
