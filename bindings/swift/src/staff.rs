//! What staff do beyond moving statuses: shipments, search and export, notes, the timeline and
//! the cancellation counts, as more `Engine` methods. Search filters are a record whose fields
//! become the name/value pairs `GET /orders` takes; the engine parses and checks them, so the
//! codes are the REST API's.

use std::path::Path;
use std::time::SystemTime;

use orderly::{ActAs, ShipmentInput, ShipmentLineInput};

use crate::engine::Engine;
use crate::errors::OrderlyError;
use crate::results::{CancellationCount, Order, OrderPage, ShipmentLine, StaffNote, TimelineEntry};
use crate::values::{OrderStatus, SearchSort, ShipmentStatus, SortDirection, timestamp};

type Result<T, E = OrderlyError> = std::result::Result<T, E>;

/// A staff search: every filter given must hold. Amounts are decimal strings in `currency`.
#[derive(Debug, Clone, Default, PartialEq, Eq, Hash, uniffi::Record)]
pub struct SearchFilters {
    /// Any of these statuses.
    #[uniffi(default = None)]
    pub statuses: Option<Vec<OrderStatus>>,
    /// Created at or after.
    #[uniffi(default = None)]
    pub created_from: Option<SystemTime>,
    /// Created before.
    #[uniffi(default = None)]
    pub created_to: Option<SystemTime>,
    /// ISO 4217 code; needed with `total_min` and `total_max`.
    #[uniffi(default = None)]
    pub currency: Option<String>,
    #[uniffi(default = None)]
    pub user_id: Option<String>,
    /// Orders with a line of this product.
    #[uniffi(default = None)]
    pub product_id: Option<String>,
    #[uniffi(default = None)]
    pub total_min: Option<String>,
    #[uniffi(default = None)]
    pub total_max: Option<String>,
    /// Orders with a shipment of this tracking number.
    #[uniffi(default = None)]
    pub tracking_number: Option<String>,
    /// With `metadata_value`: orders whose metadata has this pair.
    #[uniffi(default = None)]
    pub metadata_key: Option<String>,
    #[uniffi(default = None)]
    pub metadata_value: Option<String>,
    /// A whole word of the delivery name, user id or email, or the start of the order id.
    #[uniffi(default = None)]
    pub q: Option<String>,
    #[uniffi(default = None)]
    pub sort: Option<SearchSort>,
    #[uniffi(default = None)]
    pub direction: Option<SortDirection>,
    /// A previous page's `next_cursor`, with the same filters.
    #[uniffi(default = None)]
    pub cursor: Option<String>,
    /// 1 to 200, 50 when nil.
    #[uniffi(default = None)]
    pub limit: Option<u32>,
}

impl SearchFilters {
    /// The filters as `GET /orders` names them.
    fn pairs(self) -> Result<Vec<(String, String)>> {
        let mut pairs: Vec<(String, String)> = Vec::new();
        for status in self.statuses.unwrap_or_default() {
            let status: orderly::OrderStatus = status.into();
            pairs.push(("status".into(), status.as_str().into()));
        }
        for (name, at) in [
            ("createdFrom", self.created_from),
            ("createdTo", self.created_to),
        ] {
            if let Some(at) = at {
                pairs.push((name.into(), timestamp(at, name)?.to_rfc3339()));
            }
        }
        let sort = self.sort.map(|s| match s {
            SearchSort::CreatedAt => "createdAt".to_owned(),
            SearchSort::Total => "total".to_owned(),
        });
        let direction = self.direction.map(|d| match d {
            SortDirection::Descending => "desc".to_owned(),
            SortDirection::Ascending => "asc".to_owned(),
        });
        for (name, value) in [
            ("currency", self.currency),
            ("userId", self.user_id),
            ("productId", self.product_id),
            ("totalMin", self.total_min),
            ("totalMax", self.total_max),
            ("trackingNumber", self.tracking_number),
            ("metadataKey", self.metadata_key),
            ("metadataValue", self.metadata_value),
            ("q", self.q),
            ("sort", sort),
            ("direction", direction),
            ("cursor", self.cursor),
            ("limit", self.limit.map(|l| l.to_string())),
        ] {
            if let Some(value) = value {
                pairs.push((name.into(), value));
            }
        }
        Ok(pairs)
    }
}

fn staff(actor: Option<String>) -> ActAs {
    ActAs {
        user_id: None,
        actor,
    }
}

#[uniffi::export]
impl Engine {
    /// Adds a shipment to an order in processing or partially shipped (staff only); the
    /// order's status follows. Without `lines`, everything not yet in a shipment; `status` is
    /// shipped (the default) or pending. A known carrier's tracking link is made from the
    /// tracking number unless `tracking_url` is given. With `idempotency_key`, a retry finds
    /// the shipment it created. More units than are left throw `Conflict` with code
    /// `shipment_exceeds_order`.
    #[uniffi::method(default(
        lines = None,
        carrier = None,
        tracking_number = None,
        tracking_url = None,
        status = None,
        note = None,
        idempotency_key = None,
        user_id = None,
        actor = None
    ))]
    #[allow(clippy::too_many_arguments)]
    pub fn create_shipment(
        &self,
        order_id: String,
        lines: Option<Vec<ShipmentLine>>,
        carrier: Option<String>,
        tracking_number: Option<String>,
        tracking_url: Option<String>,
        status: Option<ShipmentStatus>,
        note: Option<String>,
        idempotency_key: Option<String>,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<Order> {
        let input = ShipmentInput {
            lines: lines.map(|lines| {
                lines
                    .into_iter()
                    .map(|l| ShipmentLineInput {
                        product_id: l.product_id,
                        quantity: i64::from(l.quantity),
                    })
                    .collect()
            }),
            carrier,
            tracking_number,
            tracking_url,
            status: status.map(Into::into),
            note,
        };
        let who = ActAs { user_id, actor };
        let order =
            self.engine
                .create_shipment(&order_id, input, idempotency_key.as_deref(), &who)?;
        Ok(order.into())
    }

    /// Moves a shipment (staff only) to shipped, delivered, or cancelled while pending; the
    /// order's status follows (delivered once every shipment is).
    #[uniffi::method(default(note = None, user_id = None, actor = None))]
    pub fn update_shipment(
        &self,
        order_id: String,
        shipment_id: String,
        status: ShipmentStatus,
        note: Option<String>,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<Order> {
        let who = ActAs { user_id, actor };
        let order = self.engine.update_shipment(
            &order_id,
            &shipment_id,
            status.into(),
            note.as_deref(),
            &who,
        )?;
        Ok(order.into())
    }

    /// Orders across all users (staff, as the service `actor`) matching `filters`, a page at
    /// a time; pass the page's `next_cursor` in the same filters for the next page.
    #[uniffi::method(default(actor = None))]
    pub fn search_orders(
        &self,
        filters: SearchFilters,
        actor: Option<String>,
    ) -> Result<OrderPage> {
        let pairs = filters.pairs()?;
        Ok(self.engine.search_orders(&pairs, &staff(actor))?.into())
    }

    /// Writes every order matching `filters` (their cursor and limit aside) to the file at
    /// `path` as CSV, a header row then one row per order line, a page of orders at a time
    /// (memory stays flat). Returns how many orders were written. Staff only.
    #[uniffi::method(default(actor = None))]
    pub fn export_orders_csv(
        &self,
        path: String,
        filters: SearchFilters,
        actor: Option<String>,
    ) -> Result<u64> {
        let pairs = SearchFilters {
            cursor: None,
            limit: None,
            ..filters
        }
        .pairs()?;
        Ok(self
            .engine
            .export_csv(Path::new(&path), &pairs, &staff(actor))?)
    }

    /// Keeps an internal note on an order (staff only; customers never see it). With
    /// `idempotency_key`, a retry keeps one note.
    #[uniffi::method(default(idempotency_key = None, user_id = None, actor = None))]
    pub fn add_staff_note(
        &self,
        order_id: String,
        text: String,
        idempotency_key: Option<String>,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<StaffNote> {
        let who = ActAs { user_id, actor };
        let note =
            self.engine
                .add_staff_note(&order_id, &text, idempotency_key.as_deref(), &who)?;
        Ok(note.into())
    }

    /// An order's timeline (staff only): milestones, shipment steps and staff notes, oldest
    /// first.
    #[uniffi::method(default(user_id = None, actor = None))]
    pub fn timeline(
        &self,
        order_id: String,
        user_id: Option<String>,
        actor: Option<String>,
    ) -> Result<Vec<TimelineEntry>> {
        let who = ActAs { user_id, actor };
        let entries = self.engine.timeline(&order_id, &who)?;
        Ok(entries.into_iter().map(Into::into).collect())
    }

    /// Cancelled orders per reason, every reason listed.
    #[uniffi::method(default(actor = None))]
    pub fn cancellations_by_reason(&self, actor: Option<String>) -> Result<Vec<CancellationCount>> {
        let rows = self.engine.cancellations_by_reason(&staff(actor))?;
        Ok(rows.into_iter().map(Into::into).collect())
    }
}
