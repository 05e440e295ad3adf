//! The `orderly-server` command line: serves the order API (with the relay, the email worker
//! and the retention sweep beside it), runs the relay or the email worker alone, or prints a
//! token. The binary's `main` only calls [`run`].

use std::process::ExitCode;
use std::sync::Arc;
use std::time::Duration;

use crate::cart_client::{HttpCartConfig, HttpCartSource};
use crate::config::{Cli, Command};
use crate::read_pool::default_read_threads;
use crate::relay::process as relay_process;
use crate::{AppState, Authenticator, NoCartService, logging, serve, shutdown};
use clap::Parser;
use orderly::{DeviceId, OrderService, Role, ServiceConfig, UserId};

/// Runs the command line: parses the arguments, then serves the API, runs the relay or the
/// email worker alone, or prints a token. Returns the process exit code.
pub fn run() -> ExitCode {
    let cli = Cli::parse();
    logging::init();
    if matches!(cli.command, Some(Command::Relay)) {
        return relay_process::run_relay_only(&cli);
    }
    if matches!(cli.command, Some(Command::Notify)) {
        return crate::notify::process::run_notify_only(&cli);
    }
    let Some(secret) = cli.jwt_secret.as_deref().filter(|s| !s.is_empty()) else {
        eprintln!("error: a JWT secret is required: set --jwt-secret or ORDERLY_JWT_SECRET");
        return ExitCode::from(2);
    };
    let auth = match Authenticator::new(secret.as_bytes()) {
        Ok(auth) => auth,
        Err(e) => {
            eprintln!("error: {e}");
            return ExitCode::from(2);
        }
    };
    match cli.command.clone() {
        Some(Command::Token { sub, role, ttl }) => print_token(&auth, &sub, role.into(), ttl),
        Some(Command::Relay | Command::Notify) | None => run_server(&cli, auth),
    }
}

fn print_token(auth: &Authenticator, sub: &str, role: Role, ttl: Duration) -> ExitCode {
    if role == Role::Customer && UserId::new(sub).is_err() {
        eprintln!("error: a customer's sub must be a user id (1 to 64 of A-Z a-z 0-9 _ - . @)");
        return ExitCode::from(2);
    }
    if role == Role::Device && DeviceId::new(sub).is_err() {
        eprintln!("error: a device's sub must be a device id (1 to 64 of A-Z a-z 0-9 . _ -)");
        return ExitCode::from(2);
    }
    match auth.issue(sub, role, ttl) {
        Ok(token) => {
            println!("{token}");
            ExitCode::SUCCESS
        }
        Err(e) => {
            eprintln!("error: {e}");
            ExitCode::FAILURE
        }
    }
}

fn cart_service(cli: &Cli) -> Result<Option<HttpCartSource>, String> {
    match &cli.cart_url {
        None => {
            tracing::warn!("no Cart Service configured: cart endpoints will answer 503");
            Ok(None)
        }
        Some(url) => {
            let mut config = HttpCartConfig::new(url.as_str());
            if let Some(token) = &cli.cart_token {
                config = config.with_bearer_token(token.as_str());
            }
            HttpCartSource::new(config)
                .map(Some)
                .map_err(|e| e.to_string())
        }
    }
}

/// Logs each database setting that lets an acknowledged order be lost (`GET /ready` lists them
/// too). Not a reason to refuse to start: the operator decides.
fn warn_if_not_durable(service: &OrderService) {
    match service.durability_warnings() {
        Ok(warnings) => {
            for warning in warnings {
                tracing::warn!(
                    code = "durability_weaker_than_required",
                    store = service.store().backend(),
                    "{warning}"
                );
            }
        }
        Err(e) => tracing::warn!(
            error = %e,
            code = e.code(),
            "cannot read the database's durability settings"
        ),
    }
}

fn run_server(cli: &Cli, auth: Authenticator) -> ExitCode {
    // Everything that blocks (opening the store, building the Cart Service client) happens
    // before the runtime starts.
    let store = match orderly::open_store(&cli.database_url) {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(error = %e, code = e.code(), "cannot open the store");
            return ExitCode::FAILURE;
        }
    };
    let store = match crate::cache::wrap(store, cli.redis_url.as_deref()) {
        Ok(store) => store,
        Err(e) => {
            tracing::error!(error = %e, code = e.code(), "cannot set up the order cache");
            return ExitCode::FAILURE;
        }
    };
    let notify_config = match crate::notify::process::config(cli) {
        Ok(config) => config,
        Err(e) => {
            tracing::error!(error = %e, "invalid email settings");
            return ExitCode::FAILURE;
        }
    };
    let cart_service = match cart_service(cli) {
        Ok(client) => client,
        Err(e) => {
            tracing::error!(error = %e, "cannot set up the Cart Service client");
            return ExitCode::FAILURE;
        }
    };
    // Carts are fetched asynchronously before each engine call (see `carts`); the engine's own
    // source answers only when no Cart Service is configured.
    let config = ServiceConfig {
        offline: cli.offline_policy(),
        webhooks: cli.webhook_config(),
        ..ServiceConfig::default()
    };
    let service = OrderService::builder(store, Arc::new(NoCartService))
        .config(config)
        .build();
    warn_if_not_durable(&service);
    let read_threads = cli
        .read_threads
        .unwrap_or_else(|| default_read_threads(&service.store().capabilities()));
    let limits = cli.limits();
    let open_files = crate::fd_limit::raise_open_files_limit();
    if let Some(open_files) = open_files {
        // Connections need a descriptor each, and the store, the logs and outgoing clients some.
        let connections = u64::try_from(limits.connections.max_connections).unwrap_or(u64::MAX);
        if connections.saturating_add(256) > open_files {
            tracing::warn!(
                max_connections = connections,
                open_files,
                "--max-connections is close to the open files limit; accepting may fail under load"
            );
        }
    }
    let admin_secret = match cli.admin_secret.as_deref().filter(|s| !s.is_empty()) {
        Some(secret) => match crate::AdminSecret::new(secret) {
            Ok(secret) => Some(secret),
            Err(e) => {
                tracing::error!(error = %e, "invalid --admin-secret");
                return ExitCode::FAILURE;
            }
        },
        None => None,
    };
    let state = match AppState::configured(service, auth, read_threads, limits) {
        Ok(state) => {
            let state = match cart_service {
                Some(client) => state.with_cart_service(client),
                None => state,
            };
            match admin_secret {
                Some(secret) => state.with_admin_secret(secret),
                None => state,
            }
        }
        Err(e) => {
            tracing::error!(error = %e, "cannot start the read threads");
            return ExitCode::FAILURE;
        }
    };
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
    let served = runtime.block_on(async {
        let listener = tokio::net::TcpListener::bind(&cli.listen).await?;
        tracing::info!(
            address = %listener.local_addr()?,
            store = state.service().store().backend(),
            read_threads = state.read_pool().threads(),
            store_pool = state.store_pool().size(),
            max_connections = limits.connections.max_connections,
            "listening"
        );
        let (stopping, stopped) = tokio::sync::watch::channel(false);
        let relay = relay_process::spawn_in_server(cli, state.service());
        let notifier = crate::notify::process::spawn_in_server(notify_config, state.service());
        let webhooks = crate::webhooks::process::spawn_in_server(cli, state.service());
        let retention = crate::retention::spawn(
            state.service(),
            crate::retention::RetentionConfig::keeping(cli.retention),
        );
        let signal = async move {
            shutdown::signal().await;
            let _ = stopping.send(true);
        };
        let server = serve(listener, state.clone(), signal);
        let served = tokio::select! {
            served = server => served,
            () = shutdown::grace_expired(stopped) => {
                tracing::warn!(
                    grace_secs = shutdown::GRACE.as_secs(),
                    "requests still in flight after the grace period; stopping anyway"
                );
                Ok(())
            }
        };
        relay_process::stop(relay).await;
        crate::notify::process::stop(notifier).await;
        crate::webhooks::process::stop(webhooks).await;
        crate::retention::stop(retention).await;
        served
    });
    // Engine calls still running on the blocking pool get a moment to finish; the state (and
    // the Cart Service client in it) is dropped after, outside the runtime.
    runtime.shutdown_timeout(Duration::from_secs(5));
    drop(state);
    match served {
        Ok(()) => {
            tracing::info!("stopped");
            ExitCode::SUCCESS
        }
        Err(e) => {
            tracing::error!(error = %e, listen = %cli.listen, "server failed");
            ExitCode::FAILURE
        }
    }
}
