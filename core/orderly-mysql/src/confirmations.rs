//! Sent order confirmations (one row per order) and shipping emails (one row per shipment),
//! each written once.

use mysql::prelude::Queryable;
use orderly_core::store::{SentConfirmation, SentShippingNotice};
use orderly_core::{EventId, OrderId, ShipmentId, StoreError, Timestamp, UserId};

use crate::codec::parse_id;
use crate::error::{DbResult, corrupt};

// A second record for the same order changes nothing and counts zero rows.
const RECORD: &str = "INSERT IGNORE INTO sent_confirmations (order_id, user_id, event_id, sent_at) \
    VALUES (?, ?, ?, ?)";

// Likewise a second record for the same shipment.
const RECORD_NOTICE: &str = "INSERT IGNORE INTO sent_shipping_notices \
    (order_id, shipment_id, event_id, sent_at) VALUES (?, ?, ?, ?)";

const NOTICE_SENT: &str =
    "SELECT 1 FROM sent_shipping_notices WHERE order_id = ? AND shipment_id = ?";

const GET: &str =
    "SELECT order_id, user_id, event_id, sent_at FROM sent_confirmations WHERE order_id = ?";

/// Records `sent`; false when the order already had a confirmation recorded.
pub(crate) fn record(
    conn: &mut impl Queryable,
    sent: &SentConfirmation,
) -> Result<bool, StoreError> {
    let inserted = conn
        .exec_iter(
            RECORD,
            (
                sent.order_id.to_string(),
                sent.user_id.as_str(),
                sent.event_id.to_string(),
                sent.sent_at.unix_millis(),
            ),
        )
        .db()?;
    Ok(inserted.affected_rows() == 1)
}

pub(crate) fn get(
    conn: &mut impl Queryable,
    id: &OrderId,
) -> Result<Option<SentConfirmation>, StoreError> {
    let row: Option<(String, String, String, i64)> =
        conn.exec_first(GET, (id.to_string(),)).db()?;
    row.map(|(order_id, user_id, event_id, sent_at)| {
        Ok(SentConfirmation {
            order_id: parse_id("order id", &order_id, OrderId::parse)?,
            user_id: UserId::new(user_id)
                .map_err(|e| corrupt(format!("stored confirmation user id: {e}")))?,
            event_id: parse_id("event id", &event_id, EventId::parse)?,
            sent_at: Timestamp::from_unix_millis(sent_at),
        })
    })
    .transpose()
}

/// Records `sent`; false when the shipment already had its email recorded.
pub(crate) fn record_notice(
    conn: &mut impl Queryable,
    sent: &SentShippingNotice,
) -> Result<bool, StoreError> {
    let inserted = conn
        .exec_iter(
            RECORD_NOTICE,
            (
                sent.order_id.to_string(),
                sent.shipment_id.to_string(),
                sent.event_id.to_string(),
                sent.sent_at.unix_millis(),
            ),
        )
        .db()?;
    Ok(inserted.affected_rows() == 1)
}

pub(crate) fn notice_sent(
    conn: &mut impl Queryable,
    order_id: &OrderId,
    shipment: &ShipmentId,
) -> Result<bool, StoreError> {
    let row: Option<i64> = conn
        .exec_first(NOTICE_SENT, (order_id.to_string(), shipment.to_string()))
        .db()?;
    Ok(row.is_some())
}
