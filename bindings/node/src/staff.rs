//! What staff do beyond moving statuses: shipments, search and export, notes, the timeline and
//! the cancellation counts, each run on the libuv thread pool and returning a Promise.
//!
//! Search filters are read from the caller's object as name/value pairs, every property that
//! is set, and handed to the engine, which parses them (`orderly::search::OrderSearch`): the
//! names are `GET /orders`'s, so a misspelt one is refused with the engine's code, as over
//! HTTP. `Date` values become RFC 3339 text, arrays one pair per element.

use napi::bindgen_prelude::{AsyncTask, JsObjectValue, JsValue, Object, Unknown};
use napi::{Status, ValueType};
use napi_derive::napi;
use orderly::{ActAs as CoreActAs, ShipmentInput, ShipmentLineInput, ShipmentStatus, Timestamp};

use crate::engine::Engine;
use crate::errors::Failure;
use crate::inputs::{
    ActAs, CreateShipmentInput, StaffNoteOptions, StaffOptions, UpdateShipmentOptions, whole_field,
};
use crate::results::{CancellationCount, Order, OrderPage, StaffNote, TimelineEntry};
use crate::task::{Job, run};

fn who(user_id: Option<String>, actor: Option<String>) -> CoreActAs {
    CoreActAs { user_id, actor }
}

fn shipment_status(text: &str) -> Result<ShipmentStatus, Failure> {
    Ok(text.parse::<ShipmentStatus>()?)
}

/// One filter value as text: strings as they are, `Date`s as RFC 3339, other values as
/// JavaScript writes them (`String(value)`); arrays give one pair per element.
fn push_filter(
    pairs: &mut Vec<(String, String)>,
    name: &str,
    value: &Unknown<'_>,
) -> napi::Result<()> {
    match value.get_type()? {
        ValueType::Undefined | ValueType::Null => {}
        ValueType::Object if value.is_array()? => {
            let items = value.coerce_to_object()?;
            for i in 0..items.get_array_length()? {
                let item: Unknown<'_> = items.get_element(i)?;
                push_filter(pairs, name, &item)?;
            }
        }
        ValueType::Object if value.is_date()? => {
            let ms = value.coerce_to_number()?.get_double()?;
            let text = if ms.is_finite() {
                Timestamp::from_unix_millis(ms.floor() as i64).to_rfc3339()
            } else {
                // An invalid Date: its text, which the engine refuses like any bad time.
                value.coerce_to_string()?.into_utf8()?.into_owned()?
            };
            pairs.push((name.to_owned(), text));
        }
        ValueType::String | ValueType::Number | ValueType::Boolean | ValueType::BigInt => {
            let text = value.coerce_to_string()?.into_utf8()?.into_owned()?;
            pairs.push((name.to_owned(), text));
        }
        other => {
            return Err(napi::Error::new(
                Status::InvalidArg,
                format!("search filter {name} cannot be a {other}"),
            ));
        }
    }
    Ok(())
}

/// Every set property of the filters object as a name/value pair, in property order.
fn filter_pairs(filters: Option<Object<'_>>, skip: &[&str]) -> napi::Result<Vec<(String, String)>> {
    let mut pairs = Vec::new();
    let Some(filters) = filters else {
        return Ok(pairs);
    };
    let names = filters.get_property_names()?;
    for i in 0..names.get_array_length()? {
        let name: String = names.get_element(i)?;
        if skip.contains(&name.as_str()) {
            continue;
        }
        let value: Unknown<'_> = filters.get_named_property(&name)?;
        push_filter(&mut pairs, &name, &value)?;
    }
    Ok(pairs)
}

#[napi]
impl Engine {
    /// Adds a shipment to an order in `processing` or `partially_shipped` (staff only); the
    /// order's status follows (`partially_shipped`, `shipped`). More units than are left
    /// reject with `code: "shipment_exceeds_order"`.
    #[napi(ts_return_type = "Promise<Order>")]
    pub fn create_shipment(
        &self,
        order_id: String,
        shipment: Option<CreateShipmentInput>,
    ) -> AsyncTask<Job<Order>> {
        let engine = self.engine.clone();
        run(move || {
            let s = shipment.unwrap_or_default();
            let lines = match s.lines {
                None => None,
                Some(lines) => Some(
                    lines
                        .into_iter()
                        .map(|l| {
                            Ok(ShipmentLineInput {
                                product_id: l.product_id,
                                quantity: whole_field("lines", l.quantity)?,
                            })
                        })
                        .collect::<Result<Vec<_>, Failure>>()?,
                ),
            };
            let input = ShipmentInput {
                lines,
                carrier: s.carrier,
                tracking_number: s.tracking_number,
                tracking_url: s.tracking_url,
                status: s.status.as_deref().map(shipment_status).transpose()?,
                note: s.note,
            };
            let order = engine.create_shipment(
                &order_id,
                input,
                s.idempotency_key.as_deref(),
                &who(s.user_id, s.actor),
            )?;
            Ok(order.into())
        })
    }

    /// Moves a shipment (staff only) to `shipped`, `delivered`, or `cancelled` while pending;
    /// the order's status follows (`delivered` once every shipment is).
    #[napi(
        ts_args_type = "orderId: string, shipmentId: string, status: ShipmentStatus, options?: UpdateShipmentOptions | undefined | null",
        ts_return_type = "Promise<Order>"
    )]
    pub fn update_shipment(
        &self,
        order_id: String,
        shipment_id: String,
        status: String,
        options: Option<UpdateShipmentOptions>,
    ) -> AsyncTask<Job<Order>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let to = shipment_status(&status)?;
            let order = engine.update_shipment(
                &order_id,
                &shipment_id,
                to,
                o.note.as_deref(),
                &who(o.user_id, o.actor),
            )?;
            Ok(order.into())
        })
    }

    /// Orders across all users (staff, as the service `actor`) matching every filter given,
    /// `limit` at a time; pass the page's `nextCursor` as `cursor` with the same filters for
    /// the next page.
    #[napi(
        ts_args_type = "filters?: SearchFilters | undefined | null, options?: StaffOptions | undefined | null",
        ts_return_type = "Promise<OrderPage>"
    )]
    pub fn search_orders(
        &self,
        filters: Option<Object<'_>>,
        options: Option<StaffOptions>,
    ) -> napi::Result<AsyncTask<Job<OrderPage>>> {
        let pairs = filter_pairs(filters, &[])?;
        let engine = self.engine.clone();
        Ok(run(move || {
            let actor = options.unwrap_or_default().actor;
            Ok(engine.search_orders(&pairs, &who(None, actor))?.into())
        }))
    }

    /// Writes every order matching the filters (`cursor` and `limit` aside) to the file at
    /// `path` as CSV, a header row then one row per order line, a page of orders at a time
    /// (memory stays flat). Resolves with how many orders were written. Staff only.
    #[napi(
        ts_args_type = "path: string, filters?: Omit<SearchFilters, 'cursor' | 'limit'> | undefined | null, options?: StaffOptions | undefined | null",
        ts_return_type = "Promise<number>"
    )]
    pub fn export_orders_csv(
        &self,
        path: String,
        filters: Option<Object<'_>>,
        options: Option<StaffOptions>,
    ) -> napi::Result<AsyncTask<Job<i64>>> {
        let pairs = filter_pairs(filters, &["cursor", "limit"])?;
        let engine = self.engine.clone();
        Ok(run(move || {
            let actor = options.unwrap_or_default().actor;
            let written =
                engine.export_csv(std::path::Path::new(&path), &pairs, &who(None, actor))?;
            Ok(i64::try_from(written).unwrap_or(i64::MAX))
        }))
    }

    /// Keeps an internal note on an order (staff only; customers never see it).
    #[napi(ts_return_type = "Promise<StaffNote>")]
    pub fn add_staff_note(
        &self,
        order_id: String,
        text: String,
        options: Option<StaffNoteOptions>,
    ) -> AsyncTask<Job<StaffNote>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let note = engine.add_staff_note(
                &order_id,
                &text,
                o.idempotency_key.as_deref(),
                &who(o.user_id, o.actor),
            )?;
            Ok(note.into())
        })
    }

    /// An order's timeline (staff only): milestones, shipment steps and staff notes, oldest
    /// first.
    #[napi(ts_return_type = "Promise<TimelineEntry[]>")]
    pub fn timeline(
        &self,
        order_id: String,
        options: Option<ActAs>,
    ) -> AsyncTask<Job<Vec<TimelineEntry>>> {
        let engine = self.engine.clone();
        run(move || {
            let o = options.unwrap_or_default();
            let entries = engine.timeline(&order_id, &who(o.user_id, o.actor))?;
            Ok(entries.into_iter().map(Into::into).collect())
        })
    }

    /// Cancelled orders per reason, every reason listed.
    #[napi(ts_return_type = "Promise<CancellationCount[]>")]
    pub fn cancellations_by_reason(
        &self,
        options: Option<StaffOptions>,
    ) -> AsyncTask<Job<Vec<CancellationCount>>> {
        let engine = self.engine.clone();
        run(move || {
            let actor = options.unwrap_or_default().actor;
            let rows = engine.cancellations_by_reason(&who(None, actor))?;
            Ok(rows.into_iter().map(Into::into).collect())
        })
    }
}
