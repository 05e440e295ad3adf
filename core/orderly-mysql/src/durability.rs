//! Whether the server's settings keep what it acknowledged. The store's commits are durable
//! only when InnoDB syncs its redo log at every commit (`innodb_flush_log_at_trx_commit=1`;
//! MariaDB's `3` too) and, with the binary log on, when the binary log is synced at every
//! commit as well (`sync_binlog=1`): crash recovery keeps only the prepared transactions the
//! binary log has, so an unsynced binary log loses acknowledged commits with it. InnoDB then
//! groups concurrent commits into one sync by itself.
//!
//! The settings are read with `SHOW GLOBAL VARIABLES`, which leaves out a variable the server
//! does not have (instead of failing like `SELECT @@name`): a missing or unrecognised setting
//! gives no warning. On TiDB the variables exist only for compatibility (commits are durable
//! through its Raft log), so it gets none either.

use mysql::PooledConn;
use mysql::prelude::Queryable;
use orderly_core::{StoreError, StoreErrorKind};

use crate::error::from_mysql;

const SETTINGS: &str = "SHOW GLOBAL VARIABLES WHERE Variable_name IN \
     ('version', 'innodb_flush_log_at_trx_commit', 'log_bin', 'sync_binlog')";

/// The server settings durability depends on, as the server spells them; `None` when the
/// server does not have the variable.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub(crate) struct Settings {
    pub version: Option<String>,
    pub innodb_flush_log_at_trx_commit: Option<String>,
    pub log_bin: Option<String>,
    pub sync_binlog: Option<String>,
}

impl Settings {
    /// From `(Variable_name, Value)` rows; other variables are ignored.
    pub fn from_rows(rows: impl IntoIterator<Item = (String, Option<String>)>) -> Settings {
        let mut settings = Settings::default();
        for (name, value) in rows {
            let slot = match name.to_ascii_lowercase().as_str() {
                "version" => &mut settings.version,
                "innodb_flush_log_at_trx_commit" => &mut settings.innodb_flush_log_at_trx_commit,
                "log_bin" => &mut settings.log_bin,
                "sync_binlog" => &mut settings.sync_binlog,
                _ => continue,
            };
            *slot = value;
        }
        settings
    }
}

/// Reads the settings on `conn` and says what they let be lost. A server that refuses the
/// statement gets one warning saying the settings could not be checked; a lost connection
/// (or contention) is an error, retried like any other.
pub(crate) fn warnings_of(conn: &mut PooledConn) -> Result<Vec<String>, StoreError> {
    let rows = match conn.query::<(String, Option<String>), _>(SETTINGS) {
        Ok(rows) => rows,
        Err(e) => {
            let refused = matches!(e, mysql::Error::MySqlError(_));
            let error = from_mysql(e);
            if !refused || error.kind != StoreErrorKind::Other {
                return Err(error);
            }
            return Ok(vec![format!(
                "Could not read the database server's durability settings ({}): check by \
                 hand that innodb_flush_log_at_trx_commit=1 and, with the binary log on, \
                 sync_binlog=1",
                error.message
            )]);
        }
    };
    Ok(warnings(&Settings::from_rows(rows)))
}

/// What the settings let be lost, one sentence each; empty when they are durable.
pub(crate) fn warnings(settings: &Settings) -> Vec<String> {
    if settings
        .version
        .as_deref()
        .is_some_and(|v| v.to_ascii_lowercase().contains("tidb"))
    {
        return Vec::new();
    }
    let mut warnings = Vec::new();
    match number(settings.innodb_flush_log_at_trx_commit.as_deref()) {
        // 1 syncs at every commit; MariaDB's 3 too (the flushing of MariaDB before 10.0).
        Some(1 | 3) | None => {}
        Some(0) => warnings.push(
            "InnoDB writes and flushes its log only once a second \
             (innodb_flush_log_at_trx_commit=0): a crash of the database server, or of its \
             machine, can lose up to a second of acknowledged orders; set it to 1"
                .to_owned(),
        ),
        Some(n) => warnings.push(format!(
            "InnoDB flushes its log only once a second (innodb_flush_log_at_trx_commit={n}): \
             a crash of the database server's machine can lose up to a second of acknowledged \
             orders; set it to 1"
        )),
    }
    if is_on(settings.log_bin.as_deref()) {
        match number(settings.sync_binlog.as_deref()) {
            Some(1) | None => {}
            Some(0) => warnings.push(
                "The binary log is on but left to the operating system to sync \
                 (sync_binlog=0): a crash of the database server's machine can drop \
                 acknowledged orders from it, which crash recovery then rolls back and \
                 replicas never see; set it to 1"
                    .to_owned(),
            ),
            Some(n) => warnings.push(format!(
                "The binary log is on but synced only every {n} commit groups \
                 (sync_binlog={n}): a crash of the database server's machine can drop \
                 acknowledged orders from it, which crash recovery then rolls back and \
                 replicas never see; set it to 1"
            )),
        }
    }
    warnings
}

fn number(value: Option<&str>) -> Option<u64> {
    value.and_then(|v| v.trim().parse().ok())
}

/// `log_bin` is `ON`/`OFF` in `SHOW VARIABLES` and `1`/`0` through `@@log_bin`.
fn is_on(value: Option<&str>) -> bool {
    value.is_some_and(|v| {
        let v = v.trim();
        v.eq_ignore_ascii_case("on") || v == "1"
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn settings(innodb: Option<&str>, log_bin: Option<&str>, sync: Option<&str>) -> Settings {
        Settings {
            version: Some("10.11.6-MariaDB".to_owned()),
            innodb_flush_log_at_trx_commit: innodb.map(str::to_owned),
            log_bin: log_bin.map(str::to_owned),
            sync_binlog: sync.map(str::to_owned),
        }
    }

    #[test]
    fn durable_settings_give_no_warning() {
        for s in [
            settings(Some("1"), Some("OFF"), Some("0")),
            settings(Some("1"), Some("ON"), Some("1")),
            settings(Some("3"), Some("ON"), Some("1")),
            settings(Some("1"), Some("0"), Some("100")),
            settings(Some(" 1 "), Some("on"), Some("1")),
        ] {
            assert_eq!(warnings(&s), Vec::<String>::new(), "{s:?}");
        }
    }

    #[test]
    fn a_log_flushed_once_a_second_is_named_with_its_value() {
        let w = warnings(&settings(Some("2"), Some("OFF"), Some("0")));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("innodb_flush_log_at_trx_commit=2"),
            "{}",
            w[0]
        );
        assert!(w[0].contains("machine"), "{}", w[0]);
        assert!(w[0].ends_with("set it to 1"), "{}", w[0]);

        let w = warnings(&settings(Some("0"), None, None));
        assert_eq!(w.len(), 1, "{w:?}");
        assert!(
            w[0].contains("innodb_flush_log_at_trx_commit=0"),
            "{}",
            w[0]
        );
        assert!(w[0].contains("crash of the database server,"), "{}", w[0]);
    }

    #[test]
    fn an_unsynced_binary_log_warns_only_when_the_binary_log_is_on() {
        for (log_bin, sync, expected) in [
            ("ON", "0", Some("sync_binlog=0")),
            ("1", "0", Some("sync_binlog=0")),
            (
                "ON",
                "1000",
                Some("every 1000 commit groups (sync_binlog=1000)"),
            ),
            ("OFF", "0", None),
            ("0", "1000", None),
        ] {
            let w = warnings(&settings(Some("1"), Some(log_bin), Some(sync)));
            match expected {
                Some(text) => {
                    assert_eq!(w.len(), 1, "{log_bin} {sync}: {w:?}");
                    assert!(w[0].contains(text), "{}", w[0]);
                    assert!(w[0].contains("binary log"), "{}", w[0]);
                }
                None => assert!(w.is_empty(), "{log_bin} {sync}: {w:?}"),
            }
        }
    }

    #[test]
    fn both_weaknesses_are_reported_innodb_first() {
        let w = warnings(&settings(Some("2"), Some("ON"), Some("0")));
        assert_eq!(w.len(), 2, "{w:?}");
        assert!(w[0].contains("innodb_flush_log_at_trx_commit=2"));
        assert!(w[1].contains("sync_binlog=0"));
    }

    #[test]
    fn missing_or_unrecognised_settings_give_no_warning() {
        assert!(warnings(&Settings::default()).is_empty());
        assert!(warnings(&settings(None, Some("ON"), None)).is_empty());
        assert!(warnings(&settings(Some("fast"), Some("ON"), Some("often"))).is_empty());
        // Without log_bin the binary log is taken to be off.
        assert!(warnings(&settings(Some("1"), None, Some("0"))).is_empty());
    }

    #[test]
    fn tidb_gets_no_warning() {
        let mut s = settings(Some("2"), Some("ON"), Some("0"));
        s.version = Some("8.0.11-TiDB-v7.5.1".to_owned());
        assert!(warnings(&s).is_empty());
    }

    #[test]
    fn rows_fill_the_settings_whatever_their_case() {
        let s = Settings::from_rows([
            (
                "innodb_flush_log_at_trx_commit".to_owned(),
                Some("2".to_owned()),
            ),
            ("LOG_BIN".to_owned(), Some("ON".to_owned())),
            ("sync_binlog".to_owned(), Some("0".to_owned())),
            ("version".to_owned(), Some("8.0.36".to_owned())),
            ("something_else".to_owned(), Some("1".to_owned())),
        ]);
        assert_eq!(
            s,
            Settings {
                version: Some("8.0.36".to_owned()),
                innodb_flush_log_at_trx_commit: Some("2".to_owned()),
                log_bin: Some("ON".to_owned()),
                sync_binlog: Some("0".to_owned()),
            }
        );
        assert_eq!(Settings::from_rows([]), Settings::default());
    }
}
