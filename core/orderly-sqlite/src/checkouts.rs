//! Stored checkout quotes.

use orderly_core::{Checkout, CheckoutId};
use rusqlite::{Connection, params};

use crate::codec::{IdText, from_json};
use crate::error::OpError;

// Saving the same quote again (a retried call) overwrites it with identical content.
const SAVE: &str = "INSERT INTO checkouts (id, user_id, expires_at, doc) VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT (id) DO UPDATE \
     SET user_id = excluded.user_id, expires_at = excluded.expires_at, doc = excluded.doc";

const LOAD: &str = "SELECT doc FROM checkouts WHERE id = ?1";

pub(crate) fn save(conn: &Connection, checkout: &Checkout, doc: &str) -> Result<(), OpError> {
    let id = IdText::new(checkout.checkout_id.as_uuid());
    conn.prepare_cached(SAVE)?.execute(params![
        id.as_str(),
        checkout.user_id.as_str(),
        checkout.expires_at.unix_millis(),
        doc
    ])?;
    Ok(())
}

pub(crate) fn load(conn: &Connection, id: &CheckoutId) -> Result<Option<Checkout>, OpError> {
    let id = IdText::new(id.as_uuid());
    let mut stmt = conn.prepare_cached(LOAD)?;
    let mut rows = stmt.query([id.as_str()])?;
    match rows.next()? {
        Some(row) => Ok(Some(from_json(row.get_ref(0)?.as_str()?, "checkout")?)),
        None => Ok(None),
    }
}
