//! Versioned schema migrations, embedded in the binary and applied when the store opens.
//!
//! Each applied version is a row of `schema_migrations`. Opening takes a named server lock
//! (`GET_LOCK`) first, so that several processes starting at once apply each migration exactly
//! once; the others wait and then find it applied. A database whose schema is newer than this
//! build is refused rather than misread.

use std::time::{SystemTime, UNIX_EPOCH};

use mysql::prelude::Queryable;
use orderly_core::{StoreError, StoreErrorKind};

use crate::error::{BACKEND, DbResult};
use crate::search;

/// One schema version: its SQL runs statement by statement, in order.
#[derive(Debug, Clone, Copy)]
pub struct Migration {
    /// The schema version this migration brings the database to.
    pub version: u32,
    /// A short name for logs and `schema_migrations`.
    pub name: &'static str,
    /// Its statements, separated by `;` at the end of a line.
    pub sql: &'static str,
}

/// Every migration, oldest first. Append only: a released migration never changes.
pub const MIGRATIONS: &[Migration] = &[
    Migration {
        version: 1,
        name: "initial",
        sql: include_str!("../migrations/0001_initial.sql"),
    },
    Migration {
        version: 2,
        name: "leases",
        sql: include_str!("../migrations/0002_leases.sql"),
    },
    Migration {
        version: 3,
        name: "milestone notes",
        sql: include_str!("../migrations/0003_milestone_notes.sql"),
    },
    Migration {
        version: 4,
        name: "payment tokens apart",
        sql: include_str!("../migrations/0004_payment_tokens_apart.sql"),
    },
    Migration {
        version: 5,
        name: "one schema",
        sql: include_str!("../migrations/0005_one_schema.sql"),
    },
    Migration {
        version: 6,
        name: "offline sync",
        sql: include_str!("../migrations/0006_offline_sync.sql"),
    },
    Migration {
        version: 7,
        name: "shipments and search",
        sql: include_str!("../migrations/0007_shipments_and_search.sql"),
    },
    Migration {
        version: 8,
        name: "analytics by day",
        sql: include_str!("../migrations/0008_analytics_by_day.sql"),
    },
    Migration {
        version: 9,
        name: "webhooks",
        sql: include_str!("../migrations/0009_webhooks.sql"),
    },
];

/// The version that adds the search index: after its SQL, the index rows of the orders already
/// stored are written from their documents (SQL cannot take an order's words apart).
const SEARCH_INDEX_VERSION: u32 = 7;

/// The version that adds the daily rollups: after its SQL, they are filled from the orders
/// already stored, by the engine's rules for what an order counts for.
const DAILY_ROLLUPS_VERSION: u32 = 8;

/// The schema version this build writes and reads.
pub fn latest_version() -> u32 {
    MIGRATIONS.last().map_or(0, |m| m.version)
}

/// How long a process waits for another one that is migrating the same database.
const LOCK_WAIT_SECONDS: u32 = 60;

const CREATE_VERSIONS_TABLE: &str = "CREATE TABLE IF NOT EXISTS schema_migrations (
    version    INT UNSIGNED NOT NULL,
    name       VARCHAR(128) NOT NULL,
    applied_at BIGINT       NOT NULL,
    PRIMARY KEY (version)
) ENGINE = InnoDB DEFAULT CHARSET = utf8mb4 COLLATE = utf8mb4_bin";

/// Brings the connection's database up to `latest_version()`. Returns the versions applied.
pub(crate) fn migrate(conn: &mut impl Queryable) -> Result<Vec<u32>, StoreError> {
    let lock = lock_name(conn)?;
    let granted: Option<i64> = conn
        .exec_first("SELECT GET_LOCK(?, ?)", (&lock, LOCK_WAIT_SECONDS))
        .db()?
        .flatten();
    if granted != Some(1) {
        return Err(migration_error(format!(
            "another process held the migration lock for more than {LOCK_WAIT_SECONDS} s"
        )));
    }
    let result = apply_pending(conn);
    // The lock also ends with the session; releasing it here lets waiting processes go on now.
    let released = conn
        .exec_first::<Option<i64>, _, _>("SELECT RELEASE_LOCK(?)", (&lock,))
        .db();
    let applied = result?;
    released?;
    Ok(applied)
}

fn apply_pending(conn: &mut impl Queryable) -> Result<Vec<u32>, StoreError> {
    conn.query_drop(CREATE_VERSIONS_TABLE).db()?;
    let current: u32 = conn
        .query_first::<Option<u32>, _>("SELECT MAX(version) FROM schema_migrations")
        .db()?
        .flatten()
        .unwrap_or(0);
    if current > latest_version() {
        return Err(migration_error(format!(
            "the database schema is at version {current}, newer than this build's {}; \
             upgrade Orderly",
            latest_version()
        )));
    }
    let mut applied = Vec::new();
    for migration in MIGRATIONS.iter().filter(|m| m.version > current) {
        for statement in statements(migration.sql) {
            match conn.query_drop(&statement) {
                Ok(()) => {}
                // MySQL has no `ADD INDEX IF NOT EXISTS`: an index that a migration stopped
                // halfway already added is there, as the statement wants.
                Err(e) if is_duplicate_index(&e) => {}
                // Nor `ADD COLUMN IF NOT EXISTS` on MySQL: a column a rerun finds is there.
                Err(e) if is_duplicate_column(&e) => {}
                Err(e) => {
                    return Err(migration_error(format!(
                        "migration {} ({}) failed: {e}",
                        migration.version, migration.name
                    )));
                }
            }
        }
        if migration.version == SEARCH_INDEX_VERSION {
            search::backfill(conn).map_err(|e| {
                migration_error(format!(
                    "migration {} ({}) failed indexing stored orders: {e}",
                    migration.version, migration.name
                ))
            })?;
        }
        if migration.version == DAILY_ROLLUPS_VERSION {
            crate::rollups::backfill_daily(conn).map_err(|e| {
                migration_error(format!(
                    "migration {} ({}) failed counting stored orders by day: {e}",
                    migration.version, migration.name
                ))
            })?;
        }
        conn.exec_drop(
            "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
            (migration.version, migration.name, unix_millis()),
        )
        .db()?;
        applied.push(migration.version);
    }
    Ok(applied)
}

/// The lock is per database (lock names are server-wide); names are at most 64 characters.
fn lock_name(conn: &mut impl Queryable) -> Result<String, StoreError> {
    let db: Option<String> = conn.query_first("SELECT DATABASE()").db()?.flatten();
    let name = format!("orderly.migrate.{}", db.unwrap_or_default());
    Ok(name.chars().take(64).collect())
}

/// Splits a migration file into statements: `--` comment lines dropped, split at `;` that end
/// a line. Migration files keep semicolons out of string literals.
fn statements(sql: &str) -> Vec<String> {
    let body: String = sql
        .lines()
        .filter(|line| !line.trim_start().starts_with("--"))
        .map(|line| format!("{line}\n"))
        .collect();
    body.split(";\n")
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
        .collect()
}

/// ER_DUP_KEYNAME: an index of that name exists on the table.
fn is_duplicate_index(e: &mysql::Error) -> bool {
    matches!(e, mysql::Error::MySqlError(server) if server.code == 1061)
}

/// ER_DUP_FIELDNAME: a column of that name exists on the table.
fn is_duplicate_column(e: &mysql::Error) -> bool {
    matches!(e, mysql::Error::MySqlError(server) if server.code == 1060)
}

fn migration_error(message: String) -> StoreError {
    StoreError::new(StoreErrorKind::Migration, BACKEND, message)
}

fn unix_millis() -> i64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| i64::try_from(d.as_millis()).unwrap_or(i64::MAX))
        .unwrap_or(0)
}

#[cfg(test)]
#[allow(clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn versions_are_increasing_and_statements_split() {
        let versions: Vec<u32> = MIGRATIONS.iter().map(|m| m.version).collect();
        assert!(versions.windows(2).all(|w| w[0] < w[1]), "{versions:?}");
        assert_eq!(versions.first(), Some(&1));
        let initial = statements(MIGRATIONS[0].sql);
        assert_eq!(initial.len(), 7);
        assert!(
            initial
                .iter()
                .all(|s| s.starts_with("CREATE TABLE IF NOT EXISTS"))
        );
        assert!(!initial.iter().any(|s| s.contains("AUTO_INCREMENT")));
    }
}
