//! The store reads the real server's durability settings: no warning while InnoDB syncs at
//! every commit, a warning naming `innodb_flush_log_at_trx_commit` once it does not.
//!
//! The one test here changes a global setting of the shared server for a moment
//! (`innodb_flush_log_at_trx_commit = 2`) and restores it when it ends, also when it fails
//! (`Restore` on drop). It is the only test in this binary, so no other test of this binary
//! runs meanwhile; cargo runs test binaries one after another.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;

use std::sync::Arc;

use mysql::prelude::Queryable;
use mysql::{Conn, Opts};
use orderly_core::{InMemoryCarts, Store};

use common::*;

/// Puts `innodb_flush_log_at_trx_commit` back to what it was when dropped.
struct Restore {
    server: String,
    original: u64,
}

impl Restore {
    fn set(&self, conn: &mut Conn, value: u64) {
        conn.query_drop(format!(
            "SET GLOBAL innodb_flush_log_at_trx_commit = {value}"
        ))
        .expect("SET GLOBAL innodb_flush_log_at_trx_commit (the test account needs SUPER or SYSTEM_VARIABLES_ADMIN)");
    }
}

impl Drop for Restore {
    fn drop(&mut self) {
        // A fresh connection: the test's own may be what failed. No panics here: this may run
        // while the test unwinds.
        let sql = format!(
            "SET GLOBAL innodb_flush_log_at_trx_commit = {}",
            self.original
        );
        let sep = if self.server.contains('?') { '&' } else { '?' };
        let restored = Opts::from_url(&format!("{}{sep}prefer_socket=false", self.server))
            .map_err(|e| e.to_string())
            .and_then(|opts| Conn::new(opts).map_err(|e| e.to_string()))
            .and_then(|mut conn| conn.query_drop(&sql).map_err(|e| e.to_string()));
        if let Err(e) = restored {
            eprintln!("could not restore the server's setting ({sql}): {e}");
        }
    }
}

/// `innodb_flush_log_at_trx_commit`, `log_bin` and `sync_binlog` as the server has them now.
fn current(conn: &mut Conn) -> (Option<u64>, bool, Option<u64>) {
    let rows: Vec<(String, String)> = conn
        .query(
            "SHOW GLOBAL VARIABLES WHERE Variable_name IN \
             ('innodb_flush_log_at_trx_commit', 'log_bin', 'sync_binlog')",
        )
        .expect("read the server's settings");
    let value = |name: &str| {
        rows.iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.clone())
    };
    let number = |name: &str| value(name).and_then(|v| v.trim().parse().ok());
    let log_bin = value("log_bin").is_some_and(|v| v.eq_ignore_ascii_case("on") || v == "1");
    (
        number("innodb_flush_log_at_trx_commit"),
        log_bin,
        number("sync_binlog"),
    )
}

#[test]
fn weaker_than_durable_settings_are_reported_and_durable_ones_are_not() {
    let server = require_server!();
    let fx = Fixture::new(&server);
    let engine = fx.engine(&Arc::new(InMemoryCarts::new()));
    let mut conn = raw(&server);
    let (innodb, log_bin, sync_binlog) = current(&mut conn);
    let Some(innodb) = innodb else {
        // Not InnoDB-backed (TiDB and the like): nothing to report, and nothing to change.
        assert_eq!(
            fx.store.durability_warnings().unwrap(),
            Vec::<String>::new()
        );
        eprintln!("the server has no innodb_flush_log_at_trx_commit: test skipped");
        return;
    };
    let innodb_durable = matches!(innodb, 1 | 3);
    let binlog_durable = !log_bin || sync_binlog.is_none_or(|n| n == 1);

    if !(innodb_durable && binlog_durable) {
        // Already weaker than durable: the store says so, and nothing needs changing.
        let warnings = fx.store.durability_warnings().unwrap();
        assert_eq!(
            warnings
                .iter()
                .any(|w| w.contains("innodb_flush_log_at_trx_commit")),
            !innodb_durable,
            "{warnings:?}"
        );
        assert_eq!(
            warnings.iter().any(|w| w.contains("sync_binlog")),
            !binlog_durable,
            "{warnings:?}"
        );
        assert_eq!(engine.durability_warnings().unwrap(), warnings);
        return;
    }

    assert_eq!(
        fx.store.durability_warnings().unwrap(),
        Vec::<String>::new(),
        "durable settings (innodb_flush_log_at_trx_commit={innodb}, log_bin={log_bin}, \
         sync_binlog={sync_binlog:?})"
    );
    assert!(engine.durability_warnings().unwrap().is_empty());

    let restore = Restore {
        server: server.clone(),
        original: innodb,
    };
    restore.set(&mut conn, 2);
    let warnings = fx.store.durability_warnings().unwrap();
    let through_the_engine = engine.durability_warnings().unwrap();
    // The store still serves requests: warnings are advice.
    fx.store.ping().unwrap();
    drop(restore);

    assert_eq!(warnings.len(), 1, "{warnings:?}");
    assert!(
        warnings[0].contains("innodb_flush_log_at_trx_commit=2"),
        "{}",
        warnings[0]
    );
    assert!(warnings[0].contains("set it to 1"), "{}", warnings[0]);
    assert_eq!(through_the_engine, warnings);

    // Restored: durable again, and so reported.
    assert_eq!(current(&mut conn).0, Some(innodb));
    assert!(fx.store.durability_warnings().unwrap().is_empty());
}
