//! Checkout quotes: saved whole as JSON, read back by id, deleted once expired for a retention
//! period.

use mysql::prelude::Queryable;
use orderly_core::{Checkout, CheckoutId, StoreError, Timestamp};

use crate::codec::{from_json, to_json};
use crate::error::DbResult;

/// Saving the same checkout again (a retried call) replaces it with the same content.
const UPSERT: &str = "INSERT INTO checkouts (id, user_id, created_at, expires_at, doc) \
    VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), \
    created_at = VALUES(created_at), expires_at = VALUES(expires_at), doc = VALUES(doc)";

const GET: &str = "SELECT doc FROM checkouts WHERE id = ?";

const PURGE_EXPIRED: &str =
    "DELETE FROM checkouts WHERE expires_at < ? ORDER BY expires_at LIMIT ?";

pub(crate) fn save(conn: &mut impl Queryable, checkout: &Checkout) -> Result<(), StoreError> {
    conn.exec_drop(
        UPSERT,
        (
            checkout.checkout_id.to_string(),
            checkout.user_id.as_str(),
            checkout.created_at.unix_millis(),
            checkout.expires_at.unix_millis(),
            to_json(checkout)?,
        ),
    )
    .db()
}

pub(crate) fn get(
    conn: &mut impl Queryable,
    id: &CheckoutId,
) -> Result<Option<Checkout>, StoreError> {
    let doc: Option<Vec<u8>> = conn.exec_first(GET, (id.to_string(),)).db()?;
    doc.map(|d| from_json("checkout", &d)).transpose()
}

/// Deletes at most `limit` checkouts that expired before `before`; returns how many.
pub(crate) fn purge_expired(
    conn: &mut impl Queryable,
    before: Timestamp,
    limit: u32,
) -> Result<u64, StoreError> {
    let deleted = conn
        .exec_iter(PURGE_EXPIRED, (before.unix_millis(), limit))
        .db()?;
    Ok(deleted.affected_rows())
}
