//! The outbox relay: publishes undelivered outbox events to a Kafka topic, in order.
//!
//! Each round with events pending, the relay takes (or renews) the store lease [`LEASE_NAME`],
//! so that of several relays on one database only one publishes at a time (an idle relay
//! writes nothing: it only looks); reads the oldest pending events;
//! publishes them, keyed by order id (all events of an order go to one partition, in
//! sequence); and marks them delivered only after the broker acknowledged every one of them.
//! While the broker or the store is down it backs off (jittered, capped) and tries again.
//!
//! Delivery is **at least once**: a relay stopped between the broker's acknowledgement and
//! the mark publishes those events again when it (or another relay) resumes. Consumers
//! deduplicate by the envelope's `eventId`; an order's events never arrive out of sequence
//! relative to each other except as such repeats of earlier ones.

mod kafka;
pub mod process;

use std::time::{Duration, Instant};

use orderly::{OrderService, OrderlyError, OutboxEvent, RetryPolicy};
use tokio::sync::watch;

pub(crate) use kafka::client_config;
pub use kafka::{KafkaConfig, KafkaPublisher, PublishError};
pub use orderly::envelope::Envelope;

/// The topic events go to unless configured otherwise.
pub const DEFAULT_TOPIC: &str = "orderly.order-events";
/// The store lease relays share.
pub const LEASE_NAME: &str = "outbox-relay";

/// How the relay runs.
#[derive(Debug, Clone)]
pub struct RelayConfig {
    /// Where to publish: brokers, topic and client options.
    pub kafka: KafkaConfig,
    /// Events read and published per round.
    pub batch_size: u32,
    /// How long the lease lasts without renewal; a crashed relay's lease frees after this.
    pub lease_ttl: Duration,
    /// The wait between rounds when there is nothing to publish.
    pub idle_poll: Duration,
    /// This relay's name in the lease table; unique per process.
    pub owner: String,
}

impl RelayConfig {
    /// Publishes to `topic` on `brokers`, with the default batch, lease and polling settings.
    pub fn new(brokers: Vec<String>, topic: impl Into<String>) -> Self {
        RelayConfig {
            kafka: KafkaConfig {
                brokers,
                topic: topic.into(),
                partitions: 3,
                call_deadline: Duration::from_secs(10),
                options: Vec::new(),
            },
            batch_size: 500,
            lease_ttl: Duration::from_secs(30),
            idle_poll: Duration::from_millis(200),
            owner: format!("relay-{}-{}", std::process::id(), uuid::Uuid::now_v7()),
        }
    }
}

/// Why a round failed.
#[derive(Debug, thiserror::Error)]
pub enum RelayError {
    #[error(transparent)]
    Publish(#[from] PublishError),
    #[error("store: {0}")]
    Store(#[from] OrderlyError),
    #[error("engine task failed: {0}")]
    Task(String),
}

impl RelayError {
    pub fn code(&self) -> &'static str {
        match self {
            RelayError::Publish(e) => e.code(),
            RelayError::Store(e) => e.code(),
            RelayError::Task(_) => "internal",
        }
    }
}

enum Round {
    /// Published this many events; there may be more.
    Published(usize),
    Idle,
    /// Another relay holds the lease.
    Standby,
}

/// Pauses after failed rounds: 100 ms doubling to 10 s, for as long as the failures last.
const FAILURE_RETRY: RetryPolicy = RetryPolicy::new(u32::MAX, Duration::MAX)
    .with_delays(Duration::from_millis(100), Duration::from_secs(10));

/// Runs the relay until `stop` turns true (or its sender is dropped), then releases the lease.
pub async fn run(service: OrderService, config: RelayConfig, mut stop: watch::Receiver<bool>) {
    tracing::info!(topic = %config.kafka.topic, owner = %config.owner, "outbox relay started");
    let mut failures = FAILURE_RETRY.start();
    let mut publisher: Option<KafkaPublisher> = None;
    loop {
        if *stop.borrow() {
            break;
        }
        let wait = match round(&service, &config, &mut publisher).await {
            Ok(Round::Published(n)) => {
                failures = FAILURE_RETRY.start();
                tracing::debug!(events = n, "published");
                continue;
            }
            Ok(Round::Idle) => {
                failures = FAILURE_RETRY.start();
                config.idle_poll
            }
            Ok(Round::Standby) => config.lease_ttl / 3,
            Err(e) => {
                if matches!(e, RelayError::Publish(_)) {
                    // Reconnect from scratch: the broker may have restarted or moved.
                    publisher = None;
                }
                let delay = failures.next().unwrap_or(FAILURE_RETRY.max_delay);
                tracing::warn!(error = %e, code = e.code(), retry_in_ms = delay.as_millis() as u64, "outbox relay round failed");
                delay
            }
        };
        tokio::select! {
            () = tokio::time::sleep(wait) => {}
            changed = stop.changed() => if changed.is_err() { break },
        }
    }
    let owner = config.owner.clone();
    let _ = blocking(&service, move |s| s.release_lease(LEASE_NAME, &owner)).await;
    tracing::info!("outbox relay stopped");
}

/// Drains everything pending once (for tools and tests): rounds until nothing is left.
/// Returns how many events were published.
pub async fn drain(service: &OrderService, config: &RelayConfig) -> Result<usize, RelayError> {
    let mut publisher = None;
    let mut total = 0;
    loop {
        match round(service, config, &mut publisher).await? {
            Round::Published(n) => total += n,
            Round::Idle | Round::Standby => return Ok(total),
        }
    }
}

async fn round(
    service: &OrderService,
    config: &RelayConfig,
    publisher: &mut Option<KafkaPublisher>,
) -> Result<Round, RelayError> {
    let started = Instant::now();
    // Look before taking the lease: taking it is a synced write, and an idle relay polling
    // every `idle_poll` should write nothing. The batch is read again once the lease is held,
    // so a relay never publishes what another one marked meanwhile.
    if blocking(service, |s| s.pending_events(1)).await?.is_empty() {
        return Ok(Round::Idle);
    }
    let (owner, ttl) = (config.owner.clone(), config.lease_ttl);
    if !blocking(service, move |s| s.acquire_lease(LEASE_NAME, &owner, ttl)).await? {
        return Ok(Round::Standby);
    }
    let limit = config.batch_size.max(1);
    let events: Vec<OutboxEvent> = blocking(service, move |s| s.pending_events(limit)).await?;
    if events.is_empty() {
        return Ok(Round::Idle);
    }
    let connected = match publisher.take() {
        Some(p) => p,
        None => KafkaPublisher::connect(&config.kafka).await?,
    };
    let published = connected.publish(&events).await;
    *publisher = Some(connected);
    published?;
    if started.elapsed() >= config.lease_ttl {
        // The lease may have passed to another relay meanwhile, which then published these
        // events too: a duplicate, never a loss. Say so, since the TTL is too short.
        tracing::warn!(
            elapsed_ms = started.elapsed().as_millis() as u64,
            "a relay round outlasted the lease; raise the lease TTL"
        );
    }
    let ids: Vec<_> = events.iter().map(|e| e.event_id).collect();
    blocking(service, move |s| s.mark_events_delivered(&ids)).await?;
    Ok(Round::Published(events.len()))
}

async fn blocking<T, F>(service: &OrderService, call: F) -> Result<T, RelayError>
where
    F: FnOnce(&OrderService) -> Result<T, OrderlyError> + Send + 'static,
    T: Send + 'static,
{
    let service = service.clone();
    match tokio::task::spawn_blocking(move || call(&service)).await {
        Ok(result) => result.map_err(RelayError::from),
        Err(join) => Err(RelayError::Task(join.to_string())),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::sync::atomic::{AtomicUsize, Ordering};
    use std::sync::{Arc, Mutex};

    use orderly::store::StoreResult;
    use orderly::{Store, StoreDecorator, Timestamp};
    use orderly_tests::fixtures::Env;

    use super::*;

    /// Counts the lease writes that reach the store.
    #[derive(Debug)]
    struct CountingLeases {
        inner: Arc<dyn Store>,
        acquired: Arc<AtomicUsize>,
    }

    impl StoreDecorator for CountingLeases {
        fn inner(&self) -> &dyn Store {
            self.inner.as_ref()
        }
        fn acquire_lease(
            &self,
            name: &str,
            owner: &str,
            now: Timestamp,
            ttl_ms: i64,
        ) -> StoreResult<bool> {
            self.acquired.fetch_add(1, Ordering::SeqCst);
            self.inner.acquire_lease(name, owner, now, ttl_ms)
        }
    }

    #[tokio::test(flavor = "multi_thread", worker_threads = 2)]
    async fn an_idle_relay_takes_no_lease_and_writes_nothing() {
        let acquired = Arc::new(AtomicUsize::new(0));
        let made = Mutex::new(Some(acquired.clone()));
        let env = Env::new(&move || -> Arc<dyn Store> {
            Arc::new(CountingLeases {
                inner: orderly::open_store("sqlite::memory:").unwrap(),
                acquired: made.lock().unwrap().take().unwrap_or_default(),
            })
        });
        // No broker listens there: an idle relay never needs one.
        let mut config = RelayConfig::new(vec!["127.0.0.1:9".into()], DEFAULT_TOPIC);
        config.idle_poll = Duration::from_millis(10);
        let (stop, stopped) = watch::channel(false);
        let relay = tokio::spawn(run(env.service.clone(), config, stopped));
        tokio::time::sleep(Duration::from_millis(300)).await;
        stop.send(true).unwrap();
        relay.await.unwrap();
        assert_eq!(
            acquired.load(Ordering::SeqCst),
            0,
            "lease writes while idle"
        );
    }
}
