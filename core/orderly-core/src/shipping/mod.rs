//! Shipments: an order ships in one or more shipments, each covering some of its lines and
//! quantities, with a carrier and tracking, and states of its own (pending → shipped →
//! delivered, or cancelled while pending).
//!
//! The order's status follows its shipments ([`derived_status`]): `partially_shipped` while
//! some but not all quantities have shipped, `shipped` when all have, `delivered` when every
//! shipment that was not cancelled is delivered. The rules are pure functions over an
//! [`Order`](crate::model::Order) in [`rules`]; the service drives them.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::clock::Timestamp;
use crate::error::ValidationError;
use crate::ids::{ProductId, ShipmentId};

pub mod carrier;
pub mod rules;

pub use rules::{ShipmentRequest, derived_status};

/// Where one shipment is in its life.
// Deliberately exhaustive (not `#[non_exhaustive]`): the REST schema and the bindings mirror it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum ShipmentStatus {
    /// Packed or labelled, not yet handed to the carrier; its quantities are reserved.
    Pending,
    /// Handed to the carrier.
    Shipped,
    /// Delivered to the customer; final.
    Delivered,
    /// Called off before it shipped; final. Its quantities are free to ship again.
    Cancelled,
}

impl ShipmentStatus {
    /// Every shipment status, in the order of its life.
    pub const ALL: [ShipmentStatus; 4] = [
        ShipmentStatus::Pending,
        ShipmentStatus::Shipped,
        ShipmentStatus::Delivered,
        ShipmentStatus::Cancelled,
    ];

    /// The serialized name, e.g. `shipped`.
    pub fn as_str(&self) -> &'static str {
        match self {
            ShipmentStatus::Pending => "pending",
            ShipmentStatus::Shipped => "shipped",
            ShipmentStatus::Delivered => "delivered",
            ShipmentStatus::Cancelled => "cancelled",
        }
    }

    /// Whether the shipment's goods have left (shipped or delivered).
    pub fn has_left(&self) -> bool {
        matches!(self, ShipmentStatus::Shipped | ShipmentStatus::Delivered)
    }

    /// Whether the machine allows `self -> to`: pending → shipped → delivered, pending →
    /// cancelled.
    pub fn can_move_to(&self, to: ShipmentStatus) -> bool {
        use ShipmentStatus::*;
        matches!(
            (self, to),
            (Pending, Shipped) | (Shipped, Delivered) | (Pending, Cancelled)
        )
    }
}

impl fmt::Display for ShipmentStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for ShipmentStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        ShipmentStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| ValidationError::InvalidField {
                field: "status".to_owned(),
                reason: format!(
                    "{:?} is not one of pending, shipped, delivered, cancelled",
                    s.chars().take(32).collect::<String>()
                ),
            })
    }
}

/// How many units of one order line a shipment carries.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase", deny_unknown_fields)]
pub struct ShipmentLine {
    /// The order line's product.
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub product_id: ProductId,
    /// How many units, at least 1 and at most what is left of the line.
    #[cfg_attr(feature = "openapi", schema(minimum = 1))]
    pub quantity: u32,
}

/// One step of a shipment's life.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct ShipmentMilestone {
    /// The state the shipment entered.
    pub status: ShipmentStatus,
    /// When.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub at: Timestamp,
    /// Who: `admin:bob`, `service:warehouse`.
    pub actor: String,
    /// The note given with the change, `null` when none was.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub note: Option<String>,
}

/// A shipment of some of an order's lines.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "camelCase")]
pub struct Shipment {
    /// The shipment's id.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = "uuid"))]
    pub shipment_id: ShipmentId,
    /// Where the shipment is in its life.
    pub status: ShipmentStatus,
    /// What it carries.
    pub lines: Vec<ShipmentLine>,
    /// The carrier, e.g. `ups`, `royal_mail` or any other name.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub carrier: Option<String>,
    /// The carrier's tracking number.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub tracking_number: Option<String>,
    /// Where the customer follows the parcel: given explicitly, or made from the carrier's
    /// template for a known carrier.
    #[serde(default)]
    #[cfg_attr(feature = "openapi", schema(required = true))]
    pub tracking_url: Option<String>,
    /// When the shipment was created.
    #[cfg_attr(feature = "openapi", schema(value_type = String, format = DateTime))]
    pub created_at: Timestamp,
    /// Every step, oldest first.
    pub history: Vec<ShipmentMilestone>,
}
