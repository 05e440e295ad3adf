//! Stored checkout quotes, deleted once expired for a retention period.

use orderly_core::{Checkout, CheckoutId, Timestamp};
use rusqlite::{Connection, params};

use crate::codec::{IdText, from_json};
use crate::error::OpError;

// Saving the same quote again (a retried call) overwrites it with identical content.
const SAVE: &str = "INSERT INTO checkouts (id, user_id, created_at, expires_at, doc) \
     VALUES (?1, ?2, ?3, ?4, ?5) \
     ON CONFLICT (id) DO UPDATE SET user_id = excluded.user_id, \
     created_at = excluded.created_at, expires_at = excluded.expires_at, doc = excluded.doc";

const GET: &str = "SELECT doc FROM checkouts WHERE id = ?1";

const PURGE_EXPIRED: &str = "DELETE FROM checkouts WHERE id IN \
     (SELECT id FROM checkouts WHERE expires_at < ?1 LIMIT ?2)";

pub(crate) fn save(conn: &Connection, checkout: &Checkout, doc: &str) -> Result<(), OpError> {
    let id = IdText::new(checkout.checkout_id.as_uuid());
    conn.prepare_cached(SAVE)?.execute(params![
        id.as_str(),
        checkout.user_id.as_str(),
        checkout.created_at.unix_millis(),
        checkout.expires_at.unix_millis(),
        doc
    ])?;
    Ok(())
}

pub(crate) fn get(conn: &Connection, id: &CheckoutId) -> Result<Option<Checkout>, OpError> {
    let id = IdText::new(id.as_uuid());
    let mut stmt = conn.prepare_cached(GET)?;
    let mut rows = stmt.query([id.as_str()])?;
    match rows.next()? {
        Some(row) => Ok(Some(from_json(row.get_ref(0)?.as_str()?, "checkout")?)),
        None => Ok(None),
    }
}

/// Deletes at most `limit` checkouts that expired before `before`; returns how many.
pub(crate) fn purge_expired(
    conn: &Connection,
    before: Timestamp,
    limit: u32,
) -> Result<u64, OpError> {
    let deleted = conn
        .prepare_cached(PURGE_EXPIRED)?
        .execute(params![before.unix_millis(), i64::from(limit)])?;
    Ok(deleted as u64)
}
