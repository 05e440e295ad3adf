//! An order's timeline for staff: its customer-visible milestones, its shipments' steps and
//! the staff notes customers never see, merged oldest first, each with who and when.

use serde::{Deserialize, Serialize};

use crate::cancellation::CancelReason;
use crate::clock::Timestamp;
use crate::ids::{NoteId, OrderId, ShipmentId};
use crate::model::Order;

/// The longest staff note, in characters.
pub const MAX_STAFF_NOTE_CHARS: usize = 4000;

/// A note staff keep on an order; internal, never shown to customers, not an order change.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct StaffNote {
    /// The note's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub note_id: NoteId,
    /// The order it is about.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub order_id: OrderId,
    /// When it was written.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who wrote it: `admin:bob`, `service:warehouse`.
    pub actor: String,
    /// The note.
    pub text: String,
}

/// Who made a change, as the timeline shows it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ActorKind {
    /// The customer who owns the order.
    Customer,
    /// A staff member.
    Staff,
    /// Another system (warehouse, the embedding application).
    Service,
    /// A device that captured the order offline.
    Device,
}

/// What a timeline entry records.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum TimelineKind {
    /// The order entered a status (customer-visible).
    Status,
    /// A shipment entered a state (customer-visible).
    Shipment,
    /// A staff note (internal).
    Note,
}

/// One entry of an order's timeline.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct TimelineEntry {
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// What kind of entry.
    pub kind: TimelineKind,
    /// Whether customers never see it (staff notes).
    pub internal: bool,
    /// Who, by kind.
    pub actor_kind: ActorKind,
    /// Who: the customer's user id, the staff member's, service's or device's name.
    pub actor_id: String,
    /// The order's status (`status` entries) or the shipment's (`shipment` entries).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub status: Option<String>,
    /// The shipment, for `shipment` entries.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    #[cfg_attr(feature = "openapi", schema(value_type = Option<String>, format = "uuid"))]
    pub shipment_id: Option<ShipmentId>,
    /// The cancellation reason, for a cancellation.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub reason: Option<CancelReason>,
    /// The milestone's note or the staff note's text.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub note: Option<String>,
}

/// Splits a recorded actor (`customer:alice`, `admin:bob`) into its kind and name.
pub fn actor_parts(actor: &str) -> (ActorKind, String) {
    let (role, id) = actor.split_once(':').unwrap_or(("service", actor));
    let kind = match role {
        "customer" => ActorKind::Customer,
        "admin" => ActorKind::Staff,
        "device" => ActorKind::Device,
        _ => ActorKind::Service,
    };
    (kind, id.to_owned())
}

/// The timeline of `order` with its staff `notes`, oldest first; entries of the same instant
/// keep the order status, shipment, note order.
pub fn timeline(order: &Order, notes: &[StaffNote]) -> Vec<TimelineEntry> {
    let entry = |at, kind, actor: &str, status: Option<String>| {
        let (actor_kind, actor_id) = actor_parts(actor);
        TimelineEntry {
            at,
            kind,
            internal: kind == TimelineKind::Note,
            actor_kind,
            actor_id,
            status,
            shipment_id: None,
            reason: None,
            note: None,
        }
    };
    let mut entries: Vec<TimelineEntry> = order
        .history
        .iter()
        .map(|m| TimelineEntry {
            reason: m.reason,
            note: m.note.clone(),
            ..entry(
                m.at,
                TimelineKind::Status,
                &m.actor,
                Some(m.status.to_string()),
            )
        })
        .collect();
    for shipment in &order.shipments {
        entries.extend(shipment.history.iter().map(|m| TimelineEntry {
            shipment_id: Some(shipment.shipment_id),
            note: m.note.clone(),
            ..entry(
                m.at,
                TimelineKind::Shipment,
                &m.actor,
                Some(m.status.to_string()),
            )
        }));
    }
    entries.extend(notes.iter().map(|n| TimelineEntry {
        note: Some(n.text.clone()),
        ..entry(n.at, TimelineKind::Note, &n.actor, None)
    }));
    // A stable sort keeps same-instant entries in the order they were added above.
    entries.sort_by_key(|e| e.at);
    entries
}
