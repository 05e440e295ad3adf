//! Running the webhook sender beside the API (unless `--disable-webhooks`).

use std::time::Duration;

use orderly::OrderService;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::run;
use crate::config::Cli;

/// A sender running inside the server.
#[derive(Debug)]
pub struct RunningSender {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
    grace: Duration,
}

/// Starts the sender on the current runtime unless webhooks are disabled.
pub fn spawn_in_server(cli: &Cli, service: &OrderService) -> Option<RunningSender> {
    if cli.disable_webhooks {
        return None;
    }
    let config = cli.webhook_sender();
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(service.clone(), config, stopped));
    Some(RunningSender {
        stop,
        task,
        grace: config.timeout + Duration::from_secs(10),
    })
}

/// Asks a running sender to stop and waits for its attempts in flight.
pub async fn stop(sender: Option<RunningSender>) {
    if let Some(RunningSender { stop, task, grace }) = sender {
        let _ = stop.send(true);
        if tokio::time::timeout(grace, task).await.is_err() {
            tracing::warn!("the webhook sender did not stop in time");
        }
    }
}
