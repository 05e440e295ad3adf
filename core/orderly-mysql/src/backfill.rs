//! Migrations that derive new rows from the orders already stored read them here: every order,
//! decoded, a page at a time in id order.

use mysql::prelude::Queryable;
use orderly_core::{Order, StoreError};

use crate::error::{BACKEND, DbResult};
use crate::orders::{self, DocumentRow};

const PAGE: usize = 500;

const ORDERS_AFTER: &str = "SELECT id, user_id, version, created_at, doc_format, doc \
    FROM orders WHERE id > ? ORDER BY id LIMIT ?";

/// Calls `visit` with each page of stored orders, on the same connection; returns how many
/// orders it read.
pub(crate) fn each_page<C: Queryable>(
    conn: &mut C,
    mut visit: impl FnMut(&mut C, &[Order]) -> Result<(), StoreError>,
) -> Result<u64, StoreError> {
    let mut after = String::new();
    let mut read = 0u64;
    loop {
        let page: Vec<DocumentRow> = conn.exec(ORDERS_AFTER, (after.as_str(), PAGE)).db()?;
        let full = page.len() == PAGE;
        let mut decoded = Vec::with_capacity(page.len());
        for row in page {
            decoded.push(orders::document(row)?.decode(BACKEND)?);
        }
        if let Some(last) = decoded.last() {
            after = last.id.to_string();
        }
        read += decoded.len() as u64;
        visit(conn, &decoded)?;
        if !full {
            return Ok(read);
        }
    }
}
