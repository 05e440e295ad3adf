//! The webhook sender: delivers the outbox's events to staff-managed subscriptions over HTTP,
//! signed per the Standard Webhooks specification.
//!
//! Each round it claims, per enabled subscription, as many due deliveries as that
//! subscription has free slots (at most `per_subscription` in flight each, `max_in_flight` in
//! all), so a slow receiver holds only its own slots. The store hands out a delivery only
//! when no earlier event of its order is still open for that subscription, so each order's
//! events arrive in sequence, and leases it, so two servers never make the same attempt.
//! Each attempt is posted, its answer read (bounded), and the attempt with the delivery's new
//! state recorded in one transaction. A server stopped between a receiver's answer and that
//! record repeats the delivery once its lease runs out, with the same `webhook-id`: delivery
//! is at least once, and receivers deduplicate by that header.

pub mod process;
pub mod resolver;
pub mod send;

use std::collections::HashMap;
use std::sync::Arc;
use std::time::{Duration, Instant};

use orderly::store::StoredWebhook;
use orderly::webhooks::ClaimedDelivery;
use orderly::{OrderService, OrderlyError, RetryPolicy, WebhookId};
use tokio::sync::{Notify, OwnedSemaphorePermit, Semaphore, watch};
use tokio::task::JoinSet;

/// How the sender runs.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct SenderConfig {
    /// The longest one attempt may take, connection included.
    pub timeout: Duration,
    /// Attempts in flight at once, across subscriptions.
    pub max_in_flight: usize,
    /// Attempts in flight at once for one subscription.
    pub per_subscription: usize,
    /// The wait between rounds when nothing was due.
    pub idle_poll: Duration,
    /// How often the list of subscriptions (and their secrets) is read again.
    pub refresh: Duration,
}

impl Default for SenderConfig {
    /// 10 s per attempt, 64 in flight, 8 per subscription.
    fn default() -> Self {
        SenderConfig {
            timeout: Duration::from_secs(10),
            max_in_flight: 64,
            per_subscription: 8,
            idle_poll: Duration::from_millis(200),
            refresh: Duration::from_secs(1),
        }
    }
}

/// Pauses after failed rounds (the store is down): 100 ms doubling to 10 s.
const FAILURE_RETRY: RetryPolicy = RetryPolicy::new(u32::MAX, Duration::MAX)
    .with_delays(Duration::from_millis(100), Duration::from_secs(10));

/// What the sender keeps between rounds.
struct Sender {
    service: OrderService,
    config: SenderConfig,
    client: reqwest::Client,
    all: Arc<Semaphore>,
    each: HashMap<WebhookId, Arc<Semaphore>>,
    subscriptions: Vec<Arc<StoredWebhook>>,
    refreshed: Option<Instant>,
    finished: Arc<Notify>,
    tasks: JoinSet<()>,
}

/// Runs the sender until `stop` turns true (or its sender is dropped); attempts in flight
/// then get their timeout to finish and be recorded.
pub async fn run(service: OrderService, config: SenderConfig, mut stop: watch::Receiver<bool>) {
    let policy = service.webhook_config().targets;
    let client = match send::client(policy, config.timeout) {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "cannot build the webhook client; webhooks are not sent");
            return;
        }
    };
    tracing::info!(
        max_in_flight = config.max_in_flight,
        per_subscription = config.per_subscription,
        "webhook sender started"
    );
    let mut sender = Sender {
        service,
        config,
        client,
        all: Arc::new(Semaphore::new(config.max_in_flight.max(1))),
        each: HashMap::new(),
        subscriptions: Vec::new(),
        refreshed: None,
        finished: Arc::new(Notify::new()),
        tasks: JoinSet::new(),
    };
    let mut failures = FAILURE_RETRY.start();
    loop {
        if *stop.borrow() {
            break;
        }
        while sender.tasks.try_join_next().is_some() {}
        let wait = match sender.round().await {
            Ok(0) => {
                failures = FAILURE_RETRY.start();
                config.idle_poll
            }
            Ok(_) => {
                failures = FAILURE_RETRY.start();
                continue;
            }
            Err(e) => {
                let delay = failures.next().unwrap_or(FAILURE_RETRY.max_delay);
                tracing::warn!(error = %e, code = e.code(), retry_in_ms = delay.as_millis() as u64, "webhook sender round failed");
                delay
            }
        };
        let finished = sender.finished.clone();
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            () = finished.notified() => {}
            changed = stop.changed() => if changed.is_err() { break },
        }
    }
    let grace = config.timeout + Duration::from_secs(5);
    let drained = tokio::time::timeout(grace, async {
        while sender.tasks.join_next().await.is_some() {}
    })
    .await;
    if drained.is_err() {
        tracing::warn!("webhook attempts still in flight at shutdown; their leases will expire");
        sender.tasks.abort_all();
    }
    tracing::info!("webhook sender stopped");
}

impl Sender {
    /// Claims what each subscription has room for and starts the attempts; returns how many.
    async fn round(&mut self) -> Result<usize, OrderlyError> {
        if self
            .refreshed
            .is_none_or(|at| at.elapsed() >= self.config.refresh)
        {
            let found = blocking(&self.service, |s| s.webhook_senders()).await?;
            self.subscriptions = found.into_iter().map(Arc::new).collect();
            self.refreshed = Some(Instant::now());
        }
        let mut started = 0;
        for subscription in self.subscriptions.clone() {
            let id = subscription.subscription.id;
            let mine = self
                .each
                .entry(id)
                .or_insert_with(|| Arc::new(Semaphore::new(self.config.per_subscription.max(1))))
                .clone();
            let room = mine.available_permits().min(self.all.available_permits());
            if room == 0 {
                continue;
            }
            let limit = u32::try_from(room).unwrap_or(u32::MAX);
            let claimed = blocking(&self.service, move |s| {
                s.claim_webhook_deliveries(&id, limit)
            })
            .await?;
            for delivery in claimed {
                let (Ok(one), Ok(all)) = (
                    mine.clone().try_acquire_owned(),
                    self.all.clone().try_acquire_owned(),
                ) else {
                    // Cannot happen (this loop alone takes permits); the lease expires and the
                    // delivery is claimed again.
                    continue;
                };
                self.start(subscription.clone(), delivery, [one, all]);
                started += 1;
            }
        }
        Ok(started)
    }

    fn start(
        &mut self,
        subscription: Arc<StoredWebhook>,
        delivery: ClaimedDelivery,
        permits: [OwnedSemaphorePermit; 2],
    ) {
        let service = self.service.clone();
        let client = self.client.clone();
        let finished = self.finished.clone();
        self.tasks.spawn(async move {
            let policy = service.webhook_config().targets;
            let at = service.clock().now();
            let attempt = send::attempt(
                &client,
                policy,
                &subscription.subscription.url,
                &subscription.secrets,
                &delivery,
                at,
            )
            .await;
            let event = delivery.event_id;
            let status = attempt.status;
            match blocking(&service, move |s| s.record_webhook_attempt(&delivery, attempt)).await {
                Ok(true) => tracing::debug!(%event, ?status, "webhook attempt recorded"),
                Ok(false) => tracing::warn!(%event, "a webhook attempt outlasted its lease; another sender repeats it"),
                Err(e) => tracing::warn!(%event, error = %e, code = e.code(), "cannot record a webhook attempt; it is repeated when its lease expires"),
            }
            drop(permits);
            finished.notify_one();
        });
    }
}

async fn blocking<T, F>(service: &OrderService, call: F) -> Result<T, OrderlyError>
where
    F: FnOnce(&OrderService) -> Result<T, OrderlyError> + Send + 'static,
    T: Send + 'static,
{
    let service = service.clone();
    tokio::task::spawn_blocking(move || call(&service))
        .await
        .unwrap_or_else(|e| {
            Err(OrderlyError::Store(orderly::StoreError::new(
                orderly::StoreErrorKind::Other,
                "webhooks",
                format!("engine task failed: {e}"),
            )))
        })
}
