//! Staff notes: internal, kept beside orders and never in their documents.

use orderly_core::timeline::StaffNote;
use orderly_core::{NoteId, OrderId, Timestamp};
use rusqlite::{Connection, params};

use crate::codec::{IdText, parse_id};
use crate::error::OpError;

const ADD: &str = "INSERT INTO staff_notes (note_id, order_id, at, actor, body) \
     VALUES (?1, ?2, ?3, ?4, ?5) ON CONFLICT (note_id) DO NOTHING";

const FOR_ORDER: &str = "SELECT note_id, at, actor, body FROM staff_notes \
     WHERE order_id = ?1 ORDER BY at, note_id";

/// Keeps `note`; false when a note with its id exists.
pub(crate) fn add(conn: &Connection, note: &StaffNote) -> Result<bool, OpError> {
    let inserted = conn.prepare_cached(ADD)?.execute(params![
        IdText::new(note.note_id.as_uuid()).as_str(),
        IdText::new(note.order_id.as_uuid()).as_str(),
        note.at.unix_millis(),
        note.actor,
        note.text,
    ])?;
    Ok(inserted == 1)
}

pub(crate) fn for_order(conn: &Connection, order: &OrderId) -> Result<Vec<StaffNote>, OpError> {
    let id = IdText::new(order.as_uuid());
    let mut stmt = conn.prepare_cached(FOR_ORDER)?;
    let mut rows = stmt.query([id.as_str()])?;
    let mut notes = Vec::new();
    while let Some(row) = rows.next()? {
        notes.push(StaffNote {
            note_id: parse_id(row.get_ref(0)?.as_str()?, NoteId::parse, "note id")?,
            order_id: *order,
            at: Timestamp::from_unix_millis(row.get(1)?),
            actor: row.get(2)?,
            text: row.get(3)?,
        });
    }
    Ok(notes)
}
