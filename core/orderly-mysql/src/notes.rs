//! Staff notes: internal, kept beside orders and never in their documents.

use mysql::prelude::Queryable;
use orderly_core::timeline::StaffNote;
use orderly_core::{NoteId, OrderId, StoreError, Timestamp};

use crate::codec::parse_id;
use crate::error::{DbResult, is_duplicate_key};

const INSERT: &str =
    "INSERT INTO staff_notes (note_id, order_id, at, actor, body) VALUES (?, ?, ?, ?, ?)";

/// Oldest first; the id orders notes written in the same millisecond.
const FOR_ORDER: &str = "SELECT note_id, order_id, at, actor, body FROM staff_notes \
    WHERE order_id = ? ORDER BY at, note_id";

/// Keeps `note`; false, with nothing written, when a note with its id exists.
pub(crate) fn add(conn: &mut impl Queryable, note: &StaffNote) -> Result<bool, StoreError> {
    // A plain insert rather than INSERT IGNORE, which would also turn a failure to store the
    // text as given into a warning.
    let inserted = conn.exec_drop(
        INSERT,
        (
            note.note_id.to_string(),
            note.order_id.to_string(),
            note.at.unix_millis(),
            note.actor.as_str(),
            note.text.as_str(),
        ),
    );
    match inserted {
        Err(e) if is_duplicate_key(&e) => Ok(false),
        other => other.db().map(|()| true),
    }
}

pub(crate) fn for_order(
    conn: &mut impl Queryable,
    order_id: &OrderId,
) -> Result<Vec<StaffNote>, StoreError> {
    let rows: Vec<(String, String, i64, String, String)> =
        conn.exec(FOR_ORDER, (order_id.to_string(),)).db()?;
    rows.into_iter()
        .map(|(note_id, order_id, at, actor, text)| {
            Ok(StaffNote {
                note_id: parse_id("note id", &note_id, NoteId::parse)?,
                order_id: parse_id("order id", &order_id, OrderId::parse)?,
                at: Timestamp::from_unix_millis(at),
                actor,
                text,
            })
        })
        .collect()
}
