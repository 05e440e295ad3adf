//! Retention: a background task that deletes what the store no longer needs, on a schedule.
//!
//! Delivered outbox events are kept for [`RetentionConfig::keep`] after delivery (long enough
//! to look into a relay incident), then deleted; checkout quotes likewise once expired for
//! that long, and webhook deliveries (with their attempt log) that are over, delivered or
//! failed, that long after their last attempt. Pending events and open deliveries are never
//! deleted. Each sweep deletes in batches of
//! [`RetentionConfig::batch`] rows, one short transaction each, so it never holds the writer
//! (SQLite) or long row locks (MySQL) while requests wait. A failed sweep is logged and tried
//! again at the next tick. Of several servers on one store, the one holding the store lease
//! [`LEASE`] sweeps (it holds it for one interval and renews it at each tick), so they do not
//! queue on the same rows; when it stops, another takes over an interval later.

use std::time::Duration;

use orderly::{OrderService, OrderlyError, StoreError};
use tokio::sync::watch;
use tokio::task::JoinHandle;

/// The store lease held by the server that sweeps.
pub const LEASE: &str = "orderly:retention";

/// Rows deleted per statement.
pub const DEFAULT_BATCH: u32 = 500;

/// Time between sweeps.
pub const DEFAULT_INTERVAL: Duration = Duration::from_secs(600);

/// What the task keeps and how often it sweeps.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct RetentionConfig {
    /// How long delivered events, expired checkouts and finished webhook deliveries are kept.
    pub keep: Duration,
    /// Time between sweeps (the first runs at start).
    pub every: Duration,
    /// Rows deleted per statement (at least one).
    pub batch: u32,
}

impl RetentionConfig {
    /// Keeps rows for `keep`, sweeping every [`DEFAULT_INTERVAL`] in batches of
    /// [`DEFAULT_BATCH`].
    pub fn keeping(keep: Duration) -> Self {
        RetentionConfig {
            keep,
            every: DEFAULT_INTERVAL,
            batch: DEFAULT_BATCH,
        }
    }
}

/// What one sweep deleted.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Purged {
    /// Delivered outbox events deleted.
    pub events: u64,
    /// Expired checkouts deleted.
    pub checkouts: u64,
    /// Finished webhook deliveries deleted.
    pub webhook_deliveries: u64,
}

/// One sweep, blocking: deletes batch after batch until what is older than the cut-off is
/// gone.
pub fn sweep(service: &OrderService, config: &RetentionConfig) -> Result<Purged, StoreError> {
    let keep_ms = i64::try_from(config.keep.as_millis()).unwrap_or(i64::MAX);
    let cut_off = service.clock().now().plus_millis(keep_ms.saturating_neg());
    let batch = config.batch.max(1);
    let store = service.store();
    let events = drain(|| store.purge_delivered_events(cut_off, batch), batch)?;
    let checkouts = drain(|| store.purge_expired_checkouts(cut_off, batch), batch)?;
    let webhook_deliveries = drain(
        || store.purge_finished_webhook_deliveries(cut_off, batch),
        batch,
    )?;
    Ok(Purged {
        events,
        checkouts,
        webhook_deliveries,
    })
}

/// One sweep by `owner` if it holds (or can take) the sweeping lease, for one interval;
/// `None` when another owner holds it.
pub fn sweep_as(
    service: &OrderService,
    config: &RetentionConfig,
    owner: &str,
) -> Result<Option<Purged>, OrderlyError> {
    if !service.acquire_lease(LEASE, owner, config.every)? {
        return Ok(None);
    }
    Ok(Some(sweep(service, config)?))
}

/// Runs `purge` until a batch comes back short; returns the total.
fn drain(
    mut purge: impl FnMut() -> Result<u64, StoreError>,
    batch: u32,
) -> Result<u64, StoreError> {
    let mut total = 0;
    loop {
        let deleted = purge()?;
        total += deleted;
        if deleted < u64::from(batch) {
            return Ok(total);
        }
    }
}

/// Sweeps every `config.every` until `stop` turns true (or its sender is dropped).
pub async fn run(service: OrderService, config: RetentionConfig, mut stop: watch::Receiver<bool>) {
    tracing::info!(
        keep_secs = config.keep.as_secs(),
        every_secs = config.every.as_secs(),
        "retention sweeps started"
    );
    let owner = format!("retention-{}", uuid::Uuid::now_v7());
    loop {
        if *stop.borrow() {
            break;
        }
        let swept = {
            let (service, owner) = (service.clone(), owner.clone());
            tokio::task::spawn_blocking(move || sweep_as(&service, &config, &owner)).await
        };
        match swept {
            Ok(Ok(Some(purged))) if purged != Purged::default() => {
                tracing::info!(
                    events = purged.events,
                    checkouts = purged.checkouts,
                    webhook_deliveries = purged.webhook_deliveries,
                    "retention sweep deleted old rows"
                );
            }
            Ok(Ok(_)) => {}
            Ok(Err(e)) => tracing::warn!(error = %e, "retention sweep failed; trying again later"),
            Err(e) => tracing::warn!(error = %e, "retention sweep task failed"),
        }
        tokio::select! {
            () = tokio::time::sleep(config.every) => {}
            changed = stop.changed() => if changed.is_err() { break },
        }
    }
    tracing::info!("retention sweeps stopped");
}

/// The sweeps running inside the server.
#[derive(Debug)]
pub struct RunningRetention {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// Starts the sweeps on the current runtime.
pub fn spawn(service: &OrderService, config: RetentionConfig) -> RunningRetention {
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(service.clone(), config, stopped));
    RunningRetention { stop, task }
}

/// Stops the sweeps and waits for the one under way (a few seconds at most).
pub async fn stop(running: RunningRetention) {
    let RunningRetention { stop, task } = running;
    let _ = stop.send(true);
    let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn draining_stops_at_the_first_short_batch() {
        let mut left = 5u64;
        let total = drain(
            || {
                let n = left.min(2);
                left -= n;
                Ok(n)
            },
            2,
        );
        assert_eq!(total, Ok(5));
        assert_eq!(left, 0);
    }
}
