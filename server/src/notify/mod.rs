//! Order confirmation and shipping emails: a worker that reads order events from the Kafka
//! topic and sends each customer one plain-text + HTML confirmation per order (from
//! `order.placed`) and one shipping email per shipment (from the events whose `shipped` lists
//! it: `order.status_changed` and `order.shipment_changed`) over SMTP.
//!
//! Exactly one email per order, however often an event arrives: every confirmation the SMTP
//! server accepted is recorded in the store's sent confirmations (order id, event id, time;
//! see [`orderly::store::ConfirmationStore`]), and an order found there is skipped. While
//! sending, the worker holds the store lease `notify:order-confirmation:{orderId}` under a name
//! unique to this attempt, so that two workers handling the same event at once do not both
//! send (the second finds the lease taken and skips; the first, holding it, checks the record
//! again before sending). The lease is given back once the confirmation is recorded or the send
//! failed (a failure is retried with backoff); a worker that dies mid-send leaves a lease that
//! expires after [`NotifyConfig::claim_ttl`], after which the email is tried again (the only
//! case that can send twice: the server accepted it but the worker died before recording it).
//!
//! The worker is a Kafka consumer in the group [`NotifyConfig::group_id`]: workers of one group
//! share the topic's partitions, and a worker resumes from the group's committed offsets, so a
//! restart reads only what arrived since, not the whole topic. An offset is committed only
//! after its event was handled (sent, or found already sent), so a worker that dies re-reads at
//! most what it had not finished; the record makes that safe. The recipient is the order's
//! `metadata.email`, else its user id when that is an email address; orders without one are
//! skipped (logged).
//!
//! Shipping emails follow the same pattern, per shipment: the store's record of sent shipping
//! emails (order, shipment, event, time) and the lease
//! `notify:shipping-notice:{orderId}:{shipmentId}`. The worker reads the order as it is now
//! (through the engine, as the service caller [`WORKER_ACTOR`]) for the shipment's carrier,
//! tracking number and link; an order that is gone (purged) is skipped.

pub mod email;
pub mod process;
pub mod shipping_email;

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{SmtpTransport, Transport};
use orderly::{Caller, ErrorKind, EventId, Order, OrderId, OrderService, OrderlyError, ShipmentId};
use rdkafka::consumer::{CommitMode, Consumer, StreamConsumer};
use rdkafka::error::KafkaError;
use rdkafka::message::Message;
use rdkafka::types::RDKafkaErrorCode;
use tokio::sync::watch;

use crate::relay::{Envelope, client_config};

/// The name the worker reads orders under, as a service caller.
pub const WORKER_ACTOR: &str = "notify";

/// The consumer group workers join unless configured otherwise.
pub const DEFAULT_GROUP: &str = "orderly-notify";

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    /// Kafka bootstrap servers, `host:port`.
    pub brokers: Vec<String>,
    /// The topic the relay publishes order events to.
    pub topic: String,
    /// The Kafka consumer group: workers of one group share the work.
    pub group_id: String,
    /// Further librdkafka properties (TLS, SASL, ...), as for the relay.
    pub kafka_options: Vec<(String, String)>,
    /// The SMTP server confirmations are sent through.
    pub smtp_host: String,
    /// Its port.
    pub smtp_port: u16,
    /// The sender of every confirmation.
    pub from: Mailbox,
    /// How long a claim lasts while its email is being sent.
    pub claim_ttl: Duration,
}

/// What a worker has done since it started, for tests and diagnostics.
#[derive(Debug, Default)]
pub struct WorkerStats {
    /// Records read from the topic, of every event type.
    pub records_read: AtomicU64,
    /// Confirmations the SMTP server accepted.
    pub confirmations_sent: AtomicU64,
    /// Shipping emails the SMTP server accepted.
    pub shipping_notices_sent: AtomicU64,
}

fn claim_name(order: &Order) -> String {
    format!("notify:order-confirmation:{}", order.id)
}

fn shipping_claim_name(order: &OrderId, shipment: &ShipmentId) -> String {
    format!("notify:shipping-notice:{order}:{shipment}")
}

#[derive(Debug, thiserror::Error)]
enum NotifyError {
    #[error("kafka: {0}")]
    Kafka(#[from] KafkaError),
    #[error("store: {0}")]
    Store(#[from] OrderlyError),
    #[error("smtp: {0}")]
    Smtp(String),
    #[error("task: {0}")]
    Task(String),
}

/// Runs until `stop` turns true.
pub async fn run(service: OrderService, config: NotifyConfig, stop: watch::Receiver<bool>) {
    run_counting(service, config, stop, Arc::default()).await;
}

/// [`run`], counting what the worker does in `stats`.
pub async fn run_counting(
    service: OrderService,
    config: NotifyConfig,
    mut stop: watch::Receiver<bool>,
    stats: Arc<WorkerStats>,
) {
    tracing::info!(topic = %config.topic, smtp = %config.smtp_host, "confirmation email worker started");
    let mut delay = Duration::from_millis(100);
    loop {
        if *stop.borrow() {
            break;
        }
        if let Err(e) = consume(&service, &config, &stats, &mut stop).await {
            tracing::warn!(error = %e, retry_in_ms = delay.as_millis() as u64, "confirmation email worker failed");
            tokio::select! {
                () = tokio::time::sleep(delay) => {}
                _ = stop.changed() => {}
            }
            delay = (delay * 2).min(Duration::from_secs(10));
        } else {
            break;
        }
    }
    tracing::info!("confirmation email worker stopped");
}

/// Consumes the topic until stopped; returns an error to be retried (from the last committed
/// offsets, by a new consumer).
async fn consume(
    service: &OrderService,
    config: &NotifyConfig,
    stats: &WorkerStats,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), NotifyError> {
    let defaults = [
        ("group.id", config.group_id.clone()),
        ("auto.offset.reset", "earliest".to_owned()),
        // Offsets are stored by hand once an event was handled, then committed in the
        // background (and on close).
        ("enable.auto.offset.store", "false".to_owned()),
        ("enable.auto.commit", "true".to_owned()),
        ("auto.commit.interval.ms", "1000".to_owned()),
    ];
    let consumer: StreamConsumer = client_config(
        &config.brokers,
        "orderly-notify",
        &defaults,
        &config.kafka_options,
    )
    .create()?;
    consumer.subscribe(&[&config.topic])?;
    let outcome = handle_until_stopped(service, config, stats, &consumer, stop).await;
    // Commit what was handled, so a successor starts after it, then leave the group; both
    // block, so off the async workers. `NoOffset`: nothing new to commit.
    let closed = tokio::task::spawn_blocking(move || {
        match consumer.commit_consumer_state(CommitMode::Sync) {
            Ok(()) | Err(KafkaError::ConsumerCommit(RDKafkaErrorCode::NoOffset)) => {}
            Err(e) => tracing::debug!(error = %e, "final offset commit"),
        }
        drop(consumer);
    });
    let _ = closed.await;
    outcome
}

async fn handle_until_stopped(
    service: &OrderService,
    config: &NotifyConfig,
    stats: &WorkerStats,
    consumer: &StreamConsumer,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), NotifyError> {
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        let message = tokio::select! {
            message = consumer.recv() => message,
            changed = stop.changed() => {
                // A dropped sender means stop as well.
                if changed.is_err() {
                    return Ok(());
                }
                continue;
            }
        };
        let message = match message {
            Ok(message) => message,
            Err(e) => {
                // A topic the relay has not created yet, a broker that is restarting: the
                // consumer recovers by itself; say so and keep polling.
                tracing::debug!(error = %e, "kafka consumer");
                tokio::select! {
                    () = tokio::time::sleep(Duration::from_millis(500)) => {}
                    changed = stop.changed() => if changed.is_err() { return Ok(()) },
                }
                continue;
            }
        };
        stats.records_read.fetch_add(1, Ordering::Relaxed);
        match decode(message.payload()) {
            Some(Handled::Placed(event_id, order)) => {
                let sent = confirm(service, config, event_id, *order).await?;
                if sent {
                    stats.confirmations_sent.fetch_add(1, Ordering::Relaxed);
                }
            }
            Some(Handled::Shipped(event_id, order_id, shipments)) => {
                for shipment in shipments {
                    if announce_shipment(service, config, event_id, order_id, shipment).await? {
                        stats.shipping_notices_sent.fetch_add(1, Ordering::Relaxed);
                    }
                }
            }
            None => {}
        }
        consumer.store_offset_from_message(&message)?;
    }
}

/// An event the worker acts on.
enum Handled {
    /// `order.placed`: a confirmation for the order.
    Placed(EventId, Box<Order>),
    /// A change that shipped shipments: a shipping email for each.
    Shipped(EventId, OrderId, Vec<ShipmentId>),
}

fn decode(value: Option<&[u8]>) -> Option<Handled> {
    let envelope: Envelope = serde_json::from_slice(value?)
        .map_err(|e| tracing::warn!(error = %e, "skipping an undecodable event"))
        .ok()?;
    let kind = envelope.event_type.as_str();
    if !matches!(
        kind,
        "order.placed" | "order.status_changed" | "order.shipment_changed"
    ) {
        return None;
    }
    let Some(event_id) = EventId::parse(&envelope.event_id) else {
        tracing::warn!(event_id = %envelope.event_id, kind, "skipping an event whose event id is not a UUID");
        return None;
    };
    if kind == "order.placed" {
        let order = serde_json::from_str::<PlacedPayload>(envelope.payload.get())
            .map(|placed| placed.order)
            .map_err(|e| tracing::warn!(error = %e, event_id = %envelope.event_id, "skipping an order.placed without an order"))
            .ok()?;
        return Some(Handled::Placed(event_id, Box::new(order)));
    }
    let shipped = serde_json::from_str::<ShippedPayload>(envelope.payload.get())
        .map_err(|e| tracing::warn!(error = %e, event_id = %envelope.event_id, kind, "skipping an event with an unreadable shipped list"))
        .ok()?
        .shipped;
    if shipped.is_empty() {
        return None;
    }
    let Some(order_id) = OrderId::parse(&envelope.order_id) else {
        tracing::warn!(order_id = %envelope.order_id, kind, "skipping an event whose order id is not a UUID");
        return None;
    };
    let shipments = shipped
        .iter()
        .filter_map(|id| {
            let parsed = ShipmentId::parse(id);
            if parsed.is_none() {
                tracing::warn!(shipment_id = %id, kind, "skipping a shipped shipment whose id is not a UUID");
            }
            parsed
        })
        .collect();
    Some(Handled::Shipped(event_id, order_id, shipments))
}

/// What the worker reads of a status or shipment change: the shipments it shipped.
#[derive(serde::Deserialize)]
struct ShippedPayload {
    #[serde(default)]
    shipped: Vec<String>,
}

/// What the worker reads of an `order.placed` payload: the order, decoded straight from the
/// payload's text.
#[derive(serde::Deserialize)]
struct PlacedPayload {
    order: Order,
}

/// Sends the confirmation for `order` unless it was sent (or is being sent) already; true when
/// this call sent it.
async fn confirm(
    service: &OrderService,
    config: &NotifyConfig,
    event_id: EventId,
    order: Order,
) -> Result<bool, NotifyError> {
    let Some(to) = email::recipient(&order) else {
        tracing::info!(order_id = %order.id, "no email address for the order; no confirmation");
        return Ok(false);
    };
    let message = email::confirmation(&order, &config.from, to).map_err(NotifyError::Smtp)?;
    let name = claim_name(&order);
    let attempt = format!("notify-{}", uuid::Uuid::now_v7());
    let (host, port, ttl) = (config.smtp_host.clone(), config.smtp_port, config.claim_ttl);
    let service = service.clone();
    let task = tokio::task::spawn_blocking(move || -> Result<bool, NotifyError> {
        if service.sent_confirmation(&order.id)?.is_some() {
            tracing::debug!(order_id = %order.id, "confirmation already sent");
            return Ok(false);
        }
        if !service.acquire_lease(&name, &attempt, ttl)? {
            tracing::debug!(order_id = %order.id, "confirmation being sent by another worker");
            return Ok(false);
        }
        // Holding the lease: a worker that sent it meanwhile has recorded it.
        let sent = send_once(&service, &order, event_id, &message, (host, port));
        let _ = service.release_lease(&name, &attempt);
        sent
    });
    task.await.map_err(|e| NotifyError::Task(e.to_string()))?
}

/// Sends `message` unless the order's confirmation is recorded by now, then records it.
fn send_once(
    service: &OrderService,
    order: &Order,
    event_id: EventId,
    message: &lettre::Message,
    (host, port): (String, u16),
) -> Result<bool, NotifyError> {
    if service.sent_confirmation(&order.id)?.is_some() {
        return Ok(false);
    }
    smtp_send(message, (host, port))?;
    service.record_confirmation(order, event_id)?;
    tracing::info!(order_id = %order.id, "confirmation email sent");
    Ok(true)
}

/// Sends the shipping email for `shipment` of `order_id` unless it was sent (or is being sent)
/// already; true when this call sent it.
async fn announce_shipment(
    service: &OrderService,
    config: &NotifyConfig,
    event_id: EventId,
    order_id: OrderId,
    shipment: ShipmentId,
) -> Result<bool, NotifyError> {
    let service = service.clone();
    let from = config.from.clone();
    let (host, port, ttl) = (config.smtp_host.clone(), config.smtp_port, config.claim_ttl);
    let task = tokio::task::spawn_blocking(move || -> Result<bool, NotifyError> {
        if service.shipping_notice_sent(&order_id, &shipment)? {
            tracing::debug!(%order_id, %shipment, "shipping email already sent");
            return Ok(false);
        }
        let order = match service.order(&Caller::service(WORKER_ACTOR), &order_id) {
            Ok(order) => order,
            Err(e) if e.kind() == ErrorKind::NotFound => {
                tracing::info!(%order_id, "the order is gone; no shipping email");
                return Ok(false);
            }
            Err(e) => return Err(e.into()),
        };
        let Some(found) = order.shipments.iter().find(|s| s.shipment_id == shipment) else {
            tracing::warn!(%order_id, %shipment, "the order has no such shipment; no shipping email");
            return Ok(false);
        };
        let Some(to) = shipping_email::recipient(&order) else {
            tracing::info!(%order_id, "no email address for the order; no shipping email");
            return Ok(false);
        };
        let message =
            shipping_email::shipping_notice(&order, found, &from, to).map_err(NotifyError::Smtp)?;
        let name = shipping_claim_name(&order_id, &shipment);
        let attempt = format!("notify-{}", uuid::Uuid::now_v7());
        if !service.acquire_lease(&name, &attempt, ttl)? {
            tracing::debug!(%order_id, %shipment, "shipping email being sent by another worker");
            return Ok(false);
        }
        // Holding the lease: a worker that sent it meanwhile has recorded it.
        let sent = send_shipping_once(
            &service,
            (&order_id, &shipment),
            event_id,
            &message,
            (host, port),
        );
        let _ = service.release_lease(&name, &attempt);
        sent
    });
    task.await.map_err(|e| NotifyError::Task(e.to_string()))?
}

/// Sends `message` unless the shipment's email is recorded by now, then records it.
fn send_shipping_once(
    service: &OrderService,
    (order_id, shipment): (&OrderId, &ShipmentId),
    event_id: EventId,
    message: &lettre::Message,
    (host, port): (String, u16),
) -> Result<bool, NotifyError> {
    if service.shipping_notice_sent(order_id, shipment)? {
        return Ok(false);
    }
    smtp_send(message, (host, port))?;
    service.record_shipping_notice(order_id, shipment, event_id)?;
    tracing::info!(%order_id, %shipment, "shipping email sent");
    Ok(true)
}

/// Hands `message` to the SMTP server.
fn smtp_send(message: &lettre::Message, (host, port): (String, u16)) -> Result<(), NotifyError> {
    let transport = SmtpTransport::builder_dangerous(host)
        .port(port)
        .timeout(Some(Duration::from_secs(10)))
        .build();
    transport
        .send(message)
        .map(|_| ())
        .map_err(|e| NotifyError::Smtp(e.to_string()))
}
