//! From a `mysql://` URL to connection options, with defaults that suit the store.
//!
//! Every default below is applied only when the URL does not set the parameter itself, so a
//! deployment can always override it (`?prefer_socket=true&pool_max=64`).

use std::collections::HashSet;
use std::time::Duration;

use mysql::{Opts, OptsBuilder, PoolConstraints};
use orderly_core::{StoreError, StoreErrorKind};

use crate::error::BACKEND;

/// A URL the store cannot use. The message never repeats the URL, which may hold a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("invalid MySQL URL: {0}")]
pub struct InvalidUrl(String);

impl InvalidUrl {
    /// What is wrong with the URL, without the "invalid MySQL URL" prefix.
    pub fn reason(&self) -> &str {
        &self.0
    }
}

impl From<InvalidUrl> for StoreError {
    fn from(e: InvalidUrl) -> Self {
        StoreError::new(StoreErrorKind::Other, BACKEND, e.to_string())
    }
}

/// Connection options parsed from a URL, with the store's defaults filled in.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct MysqlOptions {
    opts: Opts,
}

impl MysqlOptions {
    /// Parses `mysql://user:pass@host:port/db?params` (`mariadb://` is accepted as a synonym).
    /// The URL must name a database; parameters are the `mysql` crate's.
    pub fn from_url(url: &str) -> Result<MysqlOptions, InvalidUrl> {
        options_from_url(url).map(|opts| MysqlOptions { opts })
    }

    /// The database the URL names.
    pub fn database(&self) -> &str {
        self.opts.get_db_name().unwrap_or_default()
    }

    pub(crate) fn opts(&self) -> &Opts {
        &self.opts
    }
}

/// Connections the pool keeps open at least (one, so that `open` proves the server answers).
const DEFAULT_POOL_MIN: usize = 1;
/// Connections the pool opens at most.
const DEFAULT_POOL_MAX: usize = 16;
/// Prepared statements kept per connection: every statement the store uses fits.
const DEFAULT_STMT_CACHE: usize = 64;
const DEFAULT_CONNECT_TIMEOUT: Duration = Duration::from_secs(10);
/// Longer than the lock-wait timeout below, so that a wait for a lock ends in a clean 1205.
const IO_TIMEOUT: Duration = Duration::from_secs(60);

/// Run once on every new connection.
///
/// * READ COMMITTED: writes are guarded by keys and versions, not by snapshots, and it avoids
///   most gap locks (fewer deadlocks between concurrent inserts). TiDB supports it in its
///   default pessimistic mode.
/// * Strict SQL mode: a value that does not fit is an error, never silently truncated.
/// * A lock wait of 1 s at most (the least InnoDB allows): a request waiting on another one
///   holding its idempotency key gives up within the engine's per-attempt bound instead of
///   the server default of 50 s, so no call outlives its retry deadline.
const SESSION_SETUP: [&str; 2] = [
    "SET SESSION TRANSACTION ISOLATION LEVEL READ COMMITTED",
    "SET NAMES utf8mb4, \
     SESSION sql_mode = 'STRICT_ALL_TABLES,NO_ZERO_IN_DATE,NO_ZERO_DATE,ERROR_FOR_DIVISION_BY_ZERO,NO_ENGINE_SUBSTITUTION', \
     SESSION innodb_lock_wait_timeout = 1",
];

/// Parses a URL into driver options with the store's defaults.
pub(crate) fn options_from_url(url: &str) -> Result<Opts, InvalidUrl> {
    let url = match url.strip_prefix("mariadb://") {
        Some(rest) => format!("mysql://{rest}"),
        None => url.to_owned(),
    };
    let parsed = Opts::from_url(&url).map_err(|e| InvalidUrl(describe_url_error(&e)))?;
    if parsed.get_db_name().is_none_or(str::is_empty) {
        return Err(InvalidUrl(
            "it must name a database, as in mysql://user:pass@host:3306/orders".into(),
        ));
    }
    let given = query_keys(&url);
    let set = |key: &str| given.contains(key);

    let mut pool = parsed.get_pool_opts().clone();
    if !set("pool_min") && !set("pool_max") {
        let constraints =
            PoolConstraints::new(DEFAULT_POOL_MIN, DEFAULT_POOL_MAX).unwrap_or(pool.constraints());
        pool = pool.with_constraints(constraints);
    }
    if !set("check_health") {
        // The store pings only connections that sat idle (see `pool`), not every checkout.
        pool = pool.with_check_health(false);
    }
    if !set("reset_connection") {
        // Resetting on every return would also drop the prepared-statement cache; the store
        // never leaves session state behind (transactions always end in commit or rollback).
        pool = pool.with_reset_connection(false);
    }

    let mut builder = OptsBuilder::from_opts(parsed)
        .pool_opts(pool)
        .read_timeout(Some(IO_TIMEOUT))
        .write_timeout(Some(IO_TIMEOUT))
        .init(SESSION_SETUP.to_vec());
    if !set("prefer_socket") {
        // The driver would otherwise switch a 127.0.0.1 connection to the server's Unix
        // socket, which fails in containers and surprises everyone else.
        builder = builder.prefer_socket(false);
    }
    if !set("stmt_cache_size") {
        builder = builder.stmt_cache_size(DEFAULT_STMT_CACHE);
    }
    if !set("tcp_connect_timeout_ms") {
        builder = builder.tcp_connect_timeout(Some(DEFAULT_CONNECT_TIMEOUT));
    }
    Ok(builder.into())
}

/// The parameter names present in the URL's query string.
fn query_keys(url: &str) -> HashSet<String> {
    url.split_once('?')
        .map(|(_, query)| {
            query
                .split('&')
                .filter_map(|pair| pair.split('=').next())
                .filter(|key| !key.is_empty())
                .map(str::to_owned)
                .collect()
        })
        .unwrap_or_default()
}

/// A URL error without the URL itself.
fn describe_url_error(e: &mysql::UrlError) -> String {
    match e {
        mysql::UrlError::ParseError(_) => "not a URL".to_owned(),
        mysql::UrlError::UnsupportedScheme(s) => format!("scheme {s:?} is not mysql"),
        mysql::UrlError::UnknownParameter(p) => format!("unknown parameter {p:?}"),
        mysql::UrlError::InvalidValue(p, _) => format!("invalid value for {p:?}"),
        mysql::UrlError::InvalidPoolConstraints { min, max } => {
            format!("pool_min {min} is above pool_max {max}")
        }
        other => other.to_string(),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;

    #[test]
    fn defaults_apply_unless_the_url_sets_them() {
        let opts = options_from_url("mysql://root@127.0.0.1:3306/shop").unwrap();
        assert!(!opts.get_prefer_socket());
        assert_eq!(opts.get_db_name(), Some("shop"));
        assert_eq!(opts.get_pool_opts().constraints().max(), DEFAULT_POOL_MAX);
        assert!(!opts.get_pool_opts().reset_connection());
        assert!(!opts.get_pool_opts().check_health());
        assert_eq!(opts.get_stmt_cache_size(), DEFAULT_STMT_CACHE);
        assert_eq!(opts.get_init().len(), SESSION_SETUP.len());

        let opts = options_from_url(
            "mysql://u:p@db.internal:4000/shop?prefer_socket=true&pool_min=2&pool_max=64",
        )
        .unwrap();
        assert!(opts.get_prefer_socket());
        assert_eq!(opts.get_pool_opts().constraints().min(), 2);
        assert_eq!(opts.get_pool_opts().constraints().max(), 64);
        assert_eq!(opts.get_tcp_port(), 4000);
    }

    #[test]
    fn mariadb_scheme_is_a_synonym() {
        let opts = options_from_url("mariadb://root@localhost/shop").unwrap();
        assert_eq!(opts.get_db_name(), Some("shop"));
    }

    #[test]
    fn bad_urls_are_refused_without_echoing_secrets() {
        for url in [
            "mysql://root:s3cret@127.0.0.1:3306",
            "mysql://root:s3cret@127.0.0.1:3306/",
            "postgres://root:s3cret@127.0.0.1/shop",
            "mysql://root:s3cret@127.0.0.1/shop?no_such_option=1",
            "not a url s3cret",
        ] {
            let err = MysqlOptions::from_url(url).expect_err(url);
            assert!(err.to_string().starts_with("invalid MySQL URL"), "{err}");
            assert!(!err.to_string().contains("s3cret"), "{err}");
            let store_error = StoreError::from(err);
            assert_eq!(store_error.kind, StoreErrorKind::Other);
        }
    }
}
