//! Structured logs through `tracing`: human-readable by default, one JSON object per line
//! when `ORDERLY_LOG_FORMAT=json`. The level follows `RUST_LOG` (default `info`). Every line
//! written while serving a request carries that request's span (`request_id`, method, path,
//! actor). Colours only on a terminal: written to a file or a pipe (or with `NO_COLOR` set), the
//! log is plain text.

use std::io::IsTerminal;

use tracing_subscriber::EnvFilter;

/// Installs the global subscriber, writing to stderr. Does nothing if one is already set.
pub fn init() {
    let filter = EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info"));
    let json = std::env::var("ORDERLY_LOG_FORMAT").is_ok_and(|v| v.eq_ignore_ascii_case("json"));
    let colours = std::io::stderr().is_terminal() && std::env::var_os("NO_COLOR").is_none();
    let builder = tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_ansi(colours)
        .with_writer(std::io::stderr);
    let _ = if json {
        builder
            .json()
            .with_current_span(true)
            .with_span_list(false)
            .try_init()
    } else {
        builder.try_init()
    };
}
