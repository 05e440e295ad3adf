//! Running the confirmation email worker from the binary: alone (`orderly-server notify`) or
//! beside the API when SMTP and Kafka are configured.

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use orderly::OrderService;
use tokio::sync::watch;
use tokio::task::JoinHandle;

use super::{NotifyConfig, run};
use crate::NoCartService;
use crate::config::Cli;
use crate::shutdown;

/// A worker running inside the server.
#[derive(Debug)]
pub struct RunningNotifier {
    stop: watch::Sender<bool>,
    task: JoinHandle<()>,
}

/// The worker's configuration, `None` when SMTP or Kafka is not configured.
pub fn config(cli: &Cli) -> Result<Option<NotifyConfig>, String> {
    let brokers: Vec<String> = cli
        .kafka_brokers
        .iter()
        .map(|b| b.trim().to_owned())
        .filter(|b| !b.is_empty())
        .collect();
    let Some(host) = cli.smtp_host.clone().filter(|h| !h.is_empty()) else {
        return Ok(None);
    };
    if brokers.is_empty() {
        return Ok(None);
    }
    let from = cli
        .mail_from
        .parse()
        .map_err(|e| format!("--mail-from {:?}: {e}", cli.mail_from))?;
    Ok(Some(NotifyConfig {
        brokers,
        topic: cli.kafka_topic.clone(),
        group_id: cli.kafka_group.clone(),
        kafka_options: cli.kafka_options.clone(),
        smtp_host: host,
        smtp_port: cli.smtp_port,
        from,
        claim_ttl: Duration::from_secs(60),
    }))
}

/// Starts the worker on the current runtime when configured.
pub fn spawn_in_server(
    config: Option<NotifyConfig>,
    service: &OrderService,
) -> Option<RunningNotifier> {
    let config = config?;
    let (stop, stopped) = watch::channel(false);
    let task = tokio::spawn(run(service.clone(), config, stopped));
    Some(RunningNotifier { stop, task })
}

/// Asks a running worker to stop and waits for it (a few seconds at most).
pub async fn stop(worker: Option<RunningNotifier>) {
    if let Some(RunningNotifier { stop, task }) = worker {
        let _ = stop.send(true);
        let _ = tokio::time::timeout(Duration::from_secs(10), task).await;
    }
}

/// `orderly-server notify`: runs only the worker until SIGTERM or Ctrl-C.
pub fn run_notify_only(cli: &Cli) -> ExitCode {
    let config = match config(cli) {
        Ok(Some(config)) => config,
        Ok(None) => {
            eprintln!("error: notify needs --smtp-host and --kafka-brokers");
            return ExitCode::from(2);
        }
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    let store = match orderly::open_store(&cli.database_url) {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(error = %e, code = e.code(), "cannot open the store");
            return ExitCode::FAILURE;
        }
    };
    let service = OrderService::builder(store, Arc::new(NoCartService)).build();
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
        let worker = tokio::spawn(run(service, config, stopped));
        shutdown::signal().await;
        let _ = stop.send(true);
        let _ = worker.await;
    });
    runtime.shutdown_timeout(Duration::from_secs(5));
    ExitCode::SUCCESS
}
