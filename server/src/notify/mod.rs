//! Order confirmation emails: a worker that reads `order.placed` events from the Kafka topic
//! and sends each customer one plain-text + HTML confirmation over SMTP.
//!
//! Exactly one email per order, however often an event arrives: before sending, the worker
//! claims the store lease `notify:order-confirmation:{orderId}` under a name unique to this
//! attempt (a duplicate delivery, in this or another worker, finds it taken and skips); after
//! the SMTP server accepted the message the claim is made permanent. A failed send gives the
//! claim back and is retried with backoff; a worker that dies mid-send leaves a claim that
//! expires after [`NotifyConfig::claim_ttl`], after which the email is tried again (the only
//! case that can send twice: the server accepted it but the worker died before recording it).
//!
//! The worker reads every partition from its start on each (re)start; the claims make that
//! safe. The recipient is the order's `metadata.email`, else its user id when that is an email
//! address; orders without one are skipped (logged).

pub mod email;
pub mod process;

use std::time::Duration;

use lettre::message::Mailbox;
use lettre::{SmtpTransport, Transport};
use orderly::{Order, OrderService, OrderlyError};
use rskafka::BackoffConfig;
use rskafka::client::ClientBuilder;
use rskafka::client::partition::{PartitionClient, UnknownTopicHandling};
use tokio::sync::watch;

use crate::relay::Envelope;

/// How the worker runs.
#[derive(Debug, Clone)]
pub struct NotifyConfig {
    pub brokers: Vec<String>,
    pub topic: String,
    pub smtp_host: String,
    pub smtp_port: u16,
    pub from: Mailbox,
    /// How long a claim lasts while its email is being sent.
    pub claim_ttl: Duration,
}

/// A permanent claim: 100 years.
const SENT_TTL: Duration = Duration::from_secs(100 * 365 * 86_400);

fn claim_name(order: &Order) -> String {
    format!("notify:order-confirmation:{}", order.id)
}

#[derive(Debug, thiserror::Error)]
enum NotifyError {
    #[error("kafka: {0}")]
    Kafka(#[from] rskafka::client::error::Error),
    #[error("store: {0}")]
    Store(#[from] OrderlyError),
    #[error("smtp: {0}")]
    Smtp(String),
    #[error("task: {0}")]
    Task(String),
}

/// Runs until `stop` turns true.
pub async fn run(service: OrderService, config: NotifyConfig, mut stop: watch::Receiver<bool>) {
    tracing::info!(topic = %config.topic, smtp = %config.smtp_host, "confirmation email worker started");
    let mut delay = Duration::from_millis(100);
    loop {
        if *stop.borrow() {
            break;
        }
        if let Err(e) = consume(&service, &config, &mut stop).await {
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

/// Reads all partitions from the start until stopped; returns an error to be retried.
async fn consume(
    service: &OrderService,
    config: &NotifyConfig,
    stop: &mut watch::Receiver<bool>,
) -> Result<(), NotifyError> {
    let client = ClientBuilder::new(config.brokers.clone())
        .client_id("orderly-notify")
        .backoff_config(BackoffConfig {
            deadline: Some(Duration::from_secs(5)),
            ..Default::default()
        })
        .build()
        .await?;
    let mut partitions: Vec<(PartitionClient, i64)> = Vec::new();
    loop {
        let topics = client.list_topics().await?;
        if let Some(topic) = topics.into_iter().find(|t| t.name == config.topic) {
            for id in topic.partitions {
                partitions.push((
                    client
                        .partition_client(config.topic.clone(), id, UnknownTopicHandling::Retry)
                        .await?,
                    0,
                ));
            }
            break;
        }
        // The relay creates the topic with its first event.
        tokio::select! {
            () = tokio::time::sleep(Duration::from_millis(500)) => {}
            _ = stop.changed() => return Ok(()),
        }
    }
    loop {
        if *stop.borrow() {
            return Ok(());
        }
        let mut idle = true;
        for (partition, offset) in &mut partitions {
            let (records, _) = partition.fetch_records(*offset, 1..5_000_000, 200).await?;
            for record in records {
                idle = false;
                if let Some(order) = placed_order(record.record.value.as_deref()) {
                    confirm(service, config, order).await?;
                }
                *offset = record.offset + 1;
            }
        }
        if idle {
            tokio::select! {
                () = tokio::time::sleep(Duration::from_millis(100)) => {}
                _ = stop.changed() => {}
            }
        }
    }
}

fn placed_order(value: Option<&[u8]>) -> Option<Order> {
    let envelope: Envelope = serde_json::from_slice(value?)
        .map_err(|e| tracing::warn!(error = %e, "skipping an undecodable event"))
        .ok()?;
    if envelope.event_type != "order.placed" {
        return None;
    }
    serde_json::from_value(envelope.payload.get("order")?.clone())
        .map_err(|e| tracing::warn!(error = %e, event_id = %envelope.event_id, "skipping an order.placed without an order"))
        .ok()
}

/// Sends the confirmation for `order` unless it was sent (or is being sent) already.
async fn confirm(
    service: &OrderService,
    config: &NotifyConfig,
    order: Order,
) -> Result<(), NotifyError> {
    let Some(to) = email::recipient(&order) else {
        tracing::info!(order_id = %order.id, "no email address for the order; no confirmation");
        return Ok(());
    };
    let message = email::confirmation(&order, &config.from, to).map_err(NotifyError::Smtp)?;
    let name = claim_name(&order);
    let attempt = format!("notify-{}", uuid::Uuid::now_v7());
    let (host, port, ttl) = (config.smtp_host.clone(), config.smtp_port, config.claim_ttl);
    let service = service.clone();
    let order_id = order.id;
    let task = tokio::task::spawn_blocking(move || -> Result<(), NotifyError> {
        if !service.acquire_lease(&name, &attempt, ttl)? {
            tracing::debug!(order_id = %order_id, "confirmation already sent or in progress");
            return Ok(());
        }
        let transport = SmtpTransport::builder_dangerous(host)
            .port(port)
            .timeout(Some(Duration::from_secs(10)))
            .build();
        if let Err(e) = transport.send(&message) {
            // Give the claim back so that the retry (or another worker) can send it.
            let _ = service.release_lease(&name, &attempt);
            return Err(NotifyError::Smtp(e.to_string()));
        }
        service.acquire_lease(&name, &attempt, SENT_TTL)?;
        tracing::info!(order_id = %order_id, "confirmation email sent");
        Ok(())
    });
    task.await.map_err(|e| NotifyError::Task(e.to_string()))?
}
