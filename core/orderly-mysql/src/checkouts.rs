//! Checkout quotes: saved whole as JSON, read back by id.

use mysql::prelude::Queryable;
use orderly_core::{Checkout, CheckoutId, StoreError};

use crate::codec::{from_json, to_json};
use crate::error::DbResult;

/// Saving the same checkout again (a retried call) replaces it with the same content.
const UPSERT: &str = "INSERT INTO checkouts (id, user_id, created_at, expires_at, doc) \
    VALUES (?, ?, ?, ?, ?) ON DUPLICATE KEY UPDATE user_id = VALUES(user_id), \
    created_at = VALUES(created_at), expires_at = VALUES(expires_at), doc = VALUES(doc)";

const SELECT: &str = "SELECT doc FROM checkouts WHERE id = ?";

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
    let doc: Option<Vec<u8>> = conn.exec_first(SELECT, (id.to_string(),)).db()?;
    doc.map(|d| from_json("checkout", &d)).transpose()
}
