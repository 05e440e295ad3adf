//! `cart-service`: runs the example Cart Service.
//!
//! ```text
//! cart-service --listen 127.0.0.1:8081 --seed carts.json [--auth-token TOKEN] [--admin]
//! ```

use std::net::SocketAddr;
use std::path::PathBuf;
use std::process::ExitCode;

use clap::Parser;
use orderly_example_cart_service::{CartState, ServiceOptions, read_seed_file, serve_until};

#[derive(Debug, Parser)]
#[command(
    name = "cart-service",
    version,
    about = "A small Cart Service for demos and tests"
)]
struct Args {
    /// Address to listen on.
    #[arg(long, env = "CART_SERVICE_LISTEN", default_value = "127.0.0.1:8081")]
    listen: SocketAddr,
    /// JSON file of carts to start with: an array of carts or a map from user id to cart.
    #[arg(long)]
    seed: Option<PathBuf>,
    /// Static bearer token every request but GET /health must carry.
    #[arg(long, env = "CART_SERVICE_TOKEN", hide_env_values = true)]
    auth_token: Option<String>,
    /// Mount the test-only endpoints /_faults and /_requests.
    #[arg(long)]
    admin: bool,
}

fn main() -> ExitCode {
    tracing_subscriber::fmt()
        .with_env_filter(
            tracing_subscriber::EnvFilter::try_from_default_env()
                .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info")),
        )
        .init();
    let args = Args::parse();
    match run(args) {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("cart-service: {message}");
            ExitCode::FAILURE
        }
    }
}

fn run(args: Args) -> Result<(), String> {
    let carts = match &args.seed {
        Some(path) => read_seed_file(path).map_err(|e| e.to_string())?,
        None => Vec::new(),
    };
    let options = ServiceOptions {
        auth_token: args.auth_token.filter(|t| !t.is_empty()),
        admin_endpoints: args.admin,
    };
    let state = CartState::with_seed(options, carts).map_err(|e| e.to_string())?;
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .map_err(|e| format!("cannot start the runtime: {e}"))?;
    runtime.block_on(async move {
        let listener = tokio::net::TcpListener::bind(args.listen)
            .await
            .map_err(|e| format!("cannot listen on {}: {e}", args.listen))?;
        let local = listener.local_addr().map_err(|e| e.to_string())?;
        // A plain line that scripts can wait for (and read the port from when it was 0).
        println!("cart-service listening on http://{local}");
        tracing::info!(
            listen = %local,
            carts = state.cart_count(),
            auth = state.options().auth_token.is_some(),
            admin = state.options().admin_endpoints,
            "cart service ready"
        );
        let shutdown = async {
            let _ = tokio::signal::ctrl_c().await;
        };
        serve_until(listener, state, shutdown)
            .await
            .map_err(|e| format!("server error: {e}"))
    })
}
