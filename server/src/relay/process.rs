//! Running the relay from the binary: alone (`orderly-server relay`) or beside the API when
//! Kafka brokers are configured.

use std::process::ExitCode;
use std::time::Duration;

use orderly::{OrderService, Store};
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{RelayConfig, run};
use crate::NoCartService;
use crate::config::Cli;
use crate::shutdown;

/// A relay running inside the server.
#[derive(Debug)]
pub struct RunningRelay {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

fn config(cli: &Cli) -> Option<RelayConfig> {
    let brokers: Vec<String> = cli
        .kafka_brokers
        .iter()
        .map(|b| b.trim().to_owned())
        .filter(|b| !b.is_empty())
        .collect();
    (!brokers.is_empty()).then(|| {
        let mut config = RelayConfig::new(brokers, cli.kafka_topic.clone());
        config.kafka.options = cli.kafka_options.clone();
        config
    })
}

/// Starts the relay on the current runtime when `--kafka-brokers` is set.
pub fn spawn_in_server(cli: &Cli, service: &OrderService) -> Option<RunningRelay> {
    let config = config(cli)?;
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(service.clone(), config, stopped));
    Some(RunningRelay { stop, task })
}

/// Asks a running relay to stop and waits for it (a few seconds at most).
pub async fn stop(relay: Option<RunningRelay>) {
    if let Some(RunningRelay { stop, task }) = relay {
        let _ = stop.send(true);
        if tokio::time::timeout(Duration::from_secs(10), task)
            .await
            .is_err()
        {
            tracing::warn!("the outbox relay did not stop in time");
        }
    }
}

/// `orderly-server relay`: runs only the relay until SIGTERM or Ctrl-C.
pub fn run_relay_only(cli: &Cli) -> ExitCode {
    let Some(config) = config(cli) else {
        eprintln!(
            "error: the relay needs Kafka brokers: set --kafka-brokers or ORDERLY_KAFKA_BROKERS"
        );
        return ExitCode::from(2);
    };
    let store: std::sync::Arc<dyn Store> = match orderly::open_store(&cli.database_url) {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(error = %e, code = e.code(), "cannot open the store");
            return ExitCode::FAILURE;
        }
    };
    let service = OrderService::builder(store, std::sync::Arc::new(NoCartService)).build();
    let runtime = match tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
    {
        Ok(rt) => rt,
        Err(e) => {
            tracing::error!(error = %e, "cannot start the runtime");
            return ExitCode::FAILURE;
        }
    };
    runtime.block_on(async {
        let (stop, stopped) = watch::channel(false);
        let relay = tokio::spawn(run(service, config, stopped));
        shutdown::signal().await;
        let _ = stop.send(true);
        let _ = relay.await;
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
    ExitCode::SUCCESS
}
