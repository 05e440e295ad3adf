//! The outbox API, leases, sent confirmations and analytics.

use crate::analytics::{
    CancellationCount, DailySales, DayRange, HourRange, ProductSales, SalesSummary, StatusCount,
    TopBy, sales_by_day,
};
use crate::clock::Timestamp;
use crate::error::{Result, ValidationError};
use crate::events::OutboxEvent;
use crate::ids::{EventId, OrderId, ShipmentId};
use crate::model::{Caller, Order};
use crate::money::Currency;
use crate::store::{SentConfirmation, SentShippingNotice};

use super::OrderService;

impl OrderService {
    /// Undelivered events, oldest first (per order, in sequence order).
    pub fn pending_events(&self, limit: u32) -> Result<Vec<OutboxEvent>> {
        let limit = limit.clamp(1, 10_000);
        self.with_retry(|| self.store.pending_events(limit))
    }

    /// Marks events delivered once the consumer (a relay, the embedding app) has them.
    pub fn mark_events_delivered(&self, ids: &[EventId]) -> Result<u64> {
        let now = self.clock.now();
        self.with_retry(|| self.store.mark_delivered(ids, now))
    }

    /// Takes or renews the named lease for `owner` for `ttl` from now (see
    /// [`LeaseStore::acquire_lease`](crate::store::LeaseStore::acquire_lease)); true while `owner` holds it.
    pub fn acquire_lease(&self, name: &str, owner: &str, ttl: std::time::Duration) -> Result<bool> {
        let now = self.clock.now();
        let ttl_ms = i64::try_from(ttl.as_millis()).unwrap_or(i64::MAX);
        self.with_retry(|| self.store.acquire_lease(name, owner, now, ttl_ms))
    }

    /// Gives the named lease up if `owner` holds it.
    pub fn release_lease(&self, name: &str, owner: &str) -> Result<()> {
        self.with_retry(|| self.store.release_lease(name, owner))
    }

    /// The confirmation recorded as sent for an order, if any (see
    /// [`ConfirmationStore`](crate::store::ConfirmationStore)).
    pub fn sent_confirmation(&self, order_id: &OrderId) -> Result<Option<SentConfirmation>> {
        self.with_retry(|| self.store.sent_confirmation(order_id))
    }

    /// Records that the confirmation of `order` was sent for `event_id`, now; false when one
    /// was recorded already.
    pub fn record_confirmation(&self, order: &Order, event_id: EventId) -> Result<bool> {
        let sent = SentConfirmation {
            order_id: order.id,
            user_id: order.user_id.clone(),
            event_id,
            sent_at: self.clock.now(),
        };
        self.with_retry(|| self.store.record_confirmation(&sent))
    }

    /// Sales per currency for orders created in `[from, to)`, widened to whole UTC hours;
    /// cancelled orders are excluded.
    pub fn sales(
        &self,
        caller: &Caller,
        from: Timestamp,
        to: Timestamp,
    ) -> Result<Vec<SalesSummary>> {
        self.require_staff(caller, "read analytics")?;
        if to < from {
            return Err(ValidationError::InvalidField {
                field: "to".into(),
                reason: "must not be before from".into(),
            }
            .into());
        }
        let range = HourRange::covering(from, to);
        let rows =
            self.with_retry(|| self.store.sales(range.from_hour, range.to_hour_exclusive))?;
        Ok(rows
            .into_iter()
            .filter(|r| r.orders > 0)
            .map(|r| {
                SalesSummary::new(
                    r.currency,
                    r.total_minor,
                    u64::try_from(r.orders).unwrap_or(0),
                )
            })
            .collect())
    }

    /// Best-selling products in a currency (the policy's default currency when `None`).
    pub fn top_products(
        &self,
        caller: &Caller,
        by: TopBy,
        limit: u32,
        currency: Option<Currency>,
        days: DayRange,
    ) -> Result<Vec<ProductSales>> {
        self.require_staff(caller, "read analytics")?;
        if !(1..=100).contains(&limit) {
            return Err(ValidationError::LimitOutOfRange(i64::from(limit)).into());
        }
        let currency = currency.unwrap_or(self.policy.default_currency);
        self.with_retry(|| self.store.top_products(currency, by, limit, days))
    }

    /// Sales per UTC day and currency of the orders placed on `days` and not cancelled
    /// (staff only); days without sales are left out.
    pub fn sales_by_day(&self, caller: &Caller, days: DayRange) -> Result<Vec<DailySales>> {
        self.require_staff(caller, "read analytics")?;
        let hours = days.hours();
        let rows = self.with_retry(|| {
            self.store
                .hourly_sales(hours.from_hour, hours.to_hour_exclusive)
        })?;
        Ok(sales_by_day(&rows))
    }

    /// How many of the orders placed on `days` are in each status now ([`DayRange::ALL`]:
    /// every order).
    pub fn orders_by_status(&self, caller: &Caller, days: DayRange) -> Result<Vec<StatusCount>> {
        self.require_staff(caller, "read analytics")?;
        self.with_retry(|| self.store.status_counts(days))
    }

    /// The cancelled orders among those placed on `days`, per reason, every reason listed
    /// (staff only).
    pub fn cancellations_by_reason(
        &self,
        caller: &Caller,
        days: DayRange,
    ) -> Result<Vec<CancellationCount>> {
        self.require_staff(caller, "read analytics")?;
        self.with_retry(|| self.store.cancellation_counts(days))
    }

    /// Whether the shipping email for `shipment` was sent.
    pub fn shipping_notice_sent(&self, order_id: &OrderId, shipment: &ShipmentId) -> Result<bool> {
        self.with_retry(|| self.store.shipping_notice_sent(order_id, shipment))
    }

    /// Records that the shipping email for `shipment` was sent for `event_id`, now; false when
    /// one was recorded already.
    pub fn record_shipping_notice(
        &self,
        order_id: &OrderId,
        shipment: &ShipmentId,
        event_id: EventId,
    ) -> Result<bool> {
        let sent = SentShippingNotice {
            order_id: *order_id,
            shipment_id: *shipment,
            event_id,
            sent_at: self.clock.now(),
        };
        self.with_retry(|| self.store.record_shipping_notice(&sent))
    }
}
