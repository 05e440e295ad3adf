//! Throwaway databases for tests and benchmarks: a new, empty, uniquely named database on a
//! server, dropped again when its guard goes away.

use std::sync::atomic::{AtomicU32, Ordering};
use std::time::{SystemTime, UNIX_EPOCH};

use mysql::Conn;
use mysql::prelude::Queryable;
use orderly_core::{StoreError, StoreErrorKind};

use crate::config::options_from_url;
use crate::error::{BACKEND, DbResult};

/// Every scratch database name starts with this, so that leftovers of a killed process are
/// easy to find.
pub const SCRATCH_PREFIX: &str = "orderly_scratch_";

/// A database created for one test; dropped (with everything in it) on `Drop`.
#[derive(Debug)]
pub struct ScratchDatabase {
    server_url: String,
    name: String,
    url: String,
}

impl ScratchDatabase {
    /// Creates a database next to the one `server_url` names (which only serves to connect;
    /// the user needs the right to create and drop databases).
    pub fn create(server_url: &str) -> Result<ScratchDatabase, StoreError> {
        static COUNTER: AtomicU32 = AtomicU32::new(0);
        let nanos = SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.subsec_nanos())
            .unwrap_or(0);
        // Digits and underscores only, so the name is safe to splice into DDL (identifiers
        // cannot be bound as parameters).
        let name = format!(
            "{SCRATCH_PREFIX}{}_{}_{nanos}",
            std::process::id(),
            COUNTER.fetch_add(1, Ordering::Relaxed)
        );
        let url = with_database(server_url, &name)?;
        let mut conn = Conn::new(options_from_url(server_url)?).db()?;
        conn.query_drop(format!(
            "CREATE DATABASE `{name}` CHARACTER SET utf8mb4 COLLATE utf8mb4_bin"
        ))
        .db()?;
        Ok(ScratchDatabase {
            server_url: server_url.to_owned(),
            name,
            url,
        })
    }

    /// The database's name.
    pub fn name(&self) -> &str {
        &self.name
    }

    /// `server_url` with the scratch database in place of the one it named.
    pub fn url(&self) -> &str {
        &self.url
    }
}

impl Drop for ScratchDatabase {
    fn drop(&mut self) {
        // Best effort: a server that went away takes the database's fate into its own hands.
        if let Ok(opts) = options_from_url(&self.server_url)
            && let Ok(mut conn) = Conn::new(opts)
        {
            let _ = conn.query_drop(format!("DROP DATABASE IF EXISTS `{}`", self.name));
        }
    }
}

/// Replaces the database path of a `mysql://` URL, keeping credentials and parameters.
fn with_database(url: &str, database: &str) -> Result<String, StoreError> {
    let bad = || {
        StoreError::new(
            StoreErrorKind::Other,
            BACKEND,
            "invalid MySQL URL: expected mysql://user:pass@host:port/db",
        )
    };
    let (scheme, rest) = url.split_once("://").ok_or_else(bad)?;
    let authority_end = rest.find(['/', '?', '#']).unwrap_or(rest.len());
    let (authority, after) = rest.split_at(authority_end);
    let params = after
        .find(['?', '#'])
        .and_then(|i| after.get(i..))
        .unwrap_or("");
    Ok(format!("{scheme}://{authority}/{database}{params}"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn database_is_replaced_and_the_rest_kept() {
        assert_eq!(
            with_database("mysql://root@127.0.0.1:3306/test", "x").unwrap(),
            "mysql://root@127.0.0.1:3306/x"
        );
        assert_eq!(
            with_database("mysql://u:p%2F@h/test?pool_max=4", "x").unwrap(),
            "mysql://u:p%2F@h/x?pool_max=4"
        );
        assert_eq!(
            with_database("mysql://h:3306", "x").unwrap(),
            "mysql://h:3306/x"
        );
        assert!(with_database("no scheme", "x").is_err());
    }
}
