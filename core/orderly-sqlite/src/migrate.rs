//! Versioned schema migrations. `PRAGMA user_version` holds the number of migrations applied;
//! pending ones run in one transaction at open, so a database is never half-migrated.

use rusqlite::{Connection, TransactionBehavior};

use crate::error::OpError;

/// Every migration, in order; migration `n` (1-based) brings the schema to version `n`.
pub(crate) const MIGRATIONS: &[&str] = &[
    include_str!("../migrations/0001_initial.sql"),
    include_str!("../migrations/0002_leases.sql"),
    include_str!("../migrations/0003_foreign_key_indexes.sql"),
    include_str!("../migrations/0004_milestone_notes.sql"),
    include_str!("../migrations/0005_payment_tokens_apart.sql"),
    include_str!("../migrations/0006_one_schema.sql"),
    include_str!("../migrations/0007_offline_sync.sql"),
];

/// The schema version this build writes and understands.
pub const SCHEMA_VERSION: u32 = MIGRATIONS.len() as u32;

pub(crate) fn schema_version(conn: &Connection) -> Result<u32, OpError> {
    let v: i64 = conn.query_row("PRAGMA user_version", [], |r| r.get(0))?;
    u32::try_from(v).map_err(|_| OpError::Migration(format!("invalid schema version {v}")))
}

fn refuse_newer(found: u32) -> Result<(), OpError> {
    if found > SCHEMA_VERSION {
        return Err(OpError::Migration(format!(
            "the database schema is version {found}, newer than version {SCHEMA_VERSION} \
             that this build of orderly-sqlite supports; upgrade the application"
        )));
    }
    Ok(())
}

/// Brings the schema up to [`SCHEMA_VERSION`]; refuses a database newer than this build.
pub(crate) fn migrate(conn: &mut Connection) -> Result<(), OpError> {
    migrate_to(conn, SCHEMA_VERSION)
}

/// Brings the schema up to `target` (at most [`SCHEMA_VERSION`]); tests use it to build the
/// databases older builds wrote.
pub(crate) fn migrate_to(conn: &mut Connection, target: u32) -> Result<(), OpError> {
    refuse_newer(schema_version(conn)?)?;
    // Another process may be migrating the same file: read the version again under the write
    // lock and apply only what is still missing.
    let tx = conn.transaction_with_behavior(TransactionBehavior::Immediate)?;
    let found = schema_version(&tx)?;
    refuse_newer(found)?;
    let pending = MIGRATIONS
        .iter()
        .zip(1u32..)
        .skip(usize::try_from(found).unwrap_or(usize::MAX))
        .take_while(|(_, version)| *version <= target);
    for (sql, version) in pending {
        tx.execute_batch(sql)
            .map_err(|e| OpError::Migration(format!("migration {version:04} failed: {e}")))?;
        tx.pragma_update(None, "user_version", version)?;
    }
    tx.commit()?;
    Ok(())
}
