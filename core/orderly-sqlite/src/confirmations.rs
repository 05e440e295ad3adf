//! Sent order confirmations: one row per order, written once.

use orderly_core::store::{SentConfirmation, SentShippingNotice};
use orderly_core::{EventId, OrderId, ShipmentId, Timestamp, UserId};
use rusqlite::{Connection, params};

use crate::codec::{IdText, parse_id};
use crate::error::OpError;

// A second record for the same order changes nothing and counts zero rows.
const RECORD: &str = "INSERT INTO sent_confirmations (order_id, user_id, event_id, sent_at) \
     VALUES (?1, ?2, ?3, ?4) ON CONFLICT (order_id) DO NOTHING";

const GET: &str =
    "SELECT order_id, user_id, event_id, sent_at FROM sent_confirmations WHERE order_id = ?1";

const RECORD_NOTICE: &str = "INSERT INTO sent_shipping_notices \
     (order_id, shipment_id, event_id, sent_at) VALUES (?1, ?2, ?3, ?4) \
     ON CONFLICT (order_id, shipment_id) DO NOTHING";

const NOTICE_SENT: &str =
    "SELECT 1 FROM sent_shipping_notices WHERE order_id = ?1 AND shipment_id = ?2";

/// Records a sent shipping email; false when the shipment already had one recorded.
pub(crate) fn record_notice(conn: &Connection, sent: &SentShippingNotice) -> Result<bool, OpError> {
    let inserted = conn.prepare_cached(RECORD_NOTICE)?.execute(params![
        IdText::new(sent.order_id.as_uuid()).as_str(),
        IdText::new(sent.shipment_id.as_uuid()).as_str(),
        IdText::new(sent.event_id.as_uuid()).as_str(),
        sent.sent_at.unix_millis(),
    ])?;
    Ok(inserted == 1)
}

/// Whether the shipping email of `shipment` was recorded as sent.
pub(crate) fn notice_sent(
    conn: &Connection,
    order: &OrderId,
    shipment: &ShipmentId,
) -> Result<bool, OpError> {
    let found = conn.prepare_cached(NOTICE_SENT)?.exists(params![
        IdText::new(order.as_uuid()).as_str(),
        IdText::new(shipment.as_uuid()).as_str()
    ])?;
    Ok(found)
}

/// Records `sent`; false when the order already had a confirmation recorded.
pub(crate) fn record(conn: &Connection, sent: &SentConfirmation) -> Result<bool, OpError> {
    let order_id = IdText::new(sent.order_id.as_uuid());
    let event_id = IdText::new(sent.event_id.as_uuid());
    let inserted = conn.prepare_cached(RECORD)?.execute(params![
        order_id.as_str(),
        sent.user_id.as_str(),
        event_id.as_str(),
        sent.sent_at.unix_millis(),
    ])?;
    Ok(inserted == 1)
}

pub(crate) fn get(conn: &Connection, id: &OrderId) -> Result<Option<SentConfirmation>, OpError> {
    let id = IdText::new(id.as_uuid());
    let mut stmt = conn.prepare_cached(GET)?;
    let mut rows = stmt.query([id.as_str()])?;
    let Some(row) = rows.next()? else {
        return Ok(None);
    };
    let text = |i: usize| -> Result<&str, OpError> { Ok(row.get_ref(i)?.as_str()?) };
    let user = text(1)?;
    Ok(Some(SentConfirmation {
        order_id: parse_id(text(0)?, OrderId::parse, "confirmation order id")?,
        user_id: UserId::new(user)
            .map_err(|_| OpError::corrupt(format!("stored confirmation user id {user:?}")))?,
        event_id: parse_id(text(2)?, EventId::parse, "confirmation event id")?,
        sent_at: Timestamp::from_unix_millis(row.get(3)?),
    }))
}
