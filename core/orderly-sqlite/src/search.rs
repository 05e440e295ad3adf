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

/// The statement for `search`.
fn statement(search: &OrderSearch) -> Statement {
    let key = match search.sort {
        SortKey::CreatedAt => "o.created_at",
        SortKey::Total => "o.total",
    };
    let mut s = Statement::default();
    s.push(&format!(
        "SELECT o.id, o.user_id, o.version, o.created_at, o.doc_format, o.doc, {key} \
         FROM orders o WHERE 1"
    ));
    for (i, status) in search.statuses.iter().enumerate() {
        let clause = if i == 0 { " AND o.status IN (?" } else { ", ?" };
        s.bind(clause, text(status.as_str()));
    }
    if !search.statuses.is_empty() {
        s.push(")");
    }
    if let Some(from) = search.created_from {
        s.bind(" AND o.created_at >= ?", Value::Int(from.unix_millis()));
    }
    if let Some(to) = search.created_to {
        s.bind(" AND o.created_at < ?", Value::Int(to.unix_millis()));
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
    let mut indexed = Vec::new();
    if let Some(product) = &search.product_id {
        indexed.push((IndexKind::Product, product.as_str().to_owned()));
    }
    if let Some(number) = &search.tracking_number {
        indexed.push((IndexKind::Tracking, number.clone()));
    }
    if let Some(meta) = &search.metadata {
        indexed.push((IndexKind::Metadata, metadata_value(&meta.key, &meta.value)));
    }
    for (kind, value) in indexed {
        s.bind(
            " AND o.id IN (SELECT order_id FROM order_index WHERE kind = ?",
            text(kind.code()),
        );
        s.bind(" AND value = ?)", text(value));
    }
    if let Some(words) = &search.text {
        s.bind(
            " AND (o.id IN (SELECT order_id FROM order_index WHERE kind = 'w' AND value = ?)",
            text(words.as_str()),
        );
        if let Some(prefix) = search.id_prefix() {
            // Ids are lower-case hex and dashes: every id with the prefix sorts from the
            // prefix up to the prefix followed by a character after 'f'.
            s.bind(" OR (o.id >= ?", text(prefix));
            s.bind(" AND o.id < ?)", text(format!("{prefix}g")));
        }
        s.push(")");
    }
    let (cmp, dir) = if search.descending {
        ("<", "DESC")
    } else {
        (">", "ASC")
    };
    if let Some(after) = search.after {
        s.bind(
            &format!(" AND ({key}, o.id) {cmp} (?"),
            Value::Int(after.key),
        );
        s.bind(", ?)", text(IdText::new(after.order_id.as_uuid()).as_str()));
    }
    s.bind(
        &format!(" ORDER BY {key} {dir}, o.id {dir} LIMIT ?"),
        Value::Int(i64::from(search.limit)),
    );
    s
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
