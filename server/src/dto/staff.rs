//! What staff read beyond orders: an order's timeline.

use orderly::timeline::TimelineEntry;
use serde::Serialize;
use utoipa::ToSchema;

/// `GET /order/{orderId}/timeline`: the order's milestones, its shipments' steps and the staff
/// notes, oldest first.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
pub struct Timeline {
    #[schema(format = "uuid")]
    pub order_id: String,
    pub entries: Vec<TimelineEntry>,
}
