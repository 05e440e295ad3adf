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
    include_str!("../migrations/0008_shipments_and_search.sql"),
    include_str!("../migrations/0009_analytics_by_day.sql"),
    include_str!("../migrations/0010_webhooks.sql"),
];

/// The migration that adds `partially_shipped` and the search index, which runs Rust around
/// its SQL (see [`widen_status_check`] and [`index_existing_orders`]).
const SHIPMENTS_AND_SEARCH: u32 = 8;

/// The migration that adds the daily rollups, which it fills from the stored orders (see
/// [`roll_up_existing_orders_by_day`]).
const ANALYTICS_BY_DAY: u32 = 9;

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

/// Lets `orders.status` hold `partially_shipped`. SQLite cannot alter a CHECK constraint; its
/// documentation allows editing the table's definition through `writable_schema` for changes
/// that every stored row already satisfies, as a wider list of statuses does, provided the
/// schema version is bumped in the same transaction so that every connection reloads it.
fn widen_status_check(tx: &Connection) -> Result<(), OpError> {
    const NARROW: &str = "'delivered', 'cancelled')";
    const WIDE: &str = "'delivered', 'cancelled', 'partially_shipped')";
    let definition: String = tx.query_row(
        "SELECT sql FROM sqlite_schema WHERE type = 'table' AND name = 'orders'",
        [],
        |row| row.get(0),
    )?;
    if definition.contains(WIDE) {
        return Ok(());
    }
    if definition.matches(NARROW).count() != 1 {
        return Err(OpError::Migration(
            "the orders table's status check is not the one this migration widens".to_owned(),
        ));
    }
    let schema_version: i64 = tx.query_row("PRAGMA schema_version", [], |row| row.get(0))?;
    tx.pragma_update(None, "writable_schema", true)?;
    let edited = tx.execute(
        "UPDATE sqlite_schema SET sql = ?1 WHERE type = 'table' AND name = 'orders'",
        [definition.replace(NARROW, WIDE)],
    );
    tx.pragma_update(None, "schema_version", schema_version + 1)?;
    tx.pragma_update(None, "writable_schema", false)?;
    edited?;
    Ok(())
}

/// Writes the search index rows of every order stored before the index existed, a batch of
/// orders at a time, by the engine's own rules for which rows an order has.
fn index_existing_orders(tx: &Connection) -> Result<(), OpError> {
    each_stored_order(tx, |order| {
        let entries = orderly_core::search::index_entries(order);
        crate::orders::insert_index(tx, &order.id, order.created_at, &entries)
    })
}

/// Fills the daily rollups with what every stored order counts for as it stands.
fn roll_up_existing_orders_by_day(tx: &Connection) -> Result<(), OpError> {
    each_stored_order(tx, |order| {
        crate::rollups::apply_daily(tx, &orderly_core::analytics::RollupDelta::standing(order))
    })
}

/// Calls `visit` with every stored order, decoded, a batch at a time in id order.
fn each_stored_order(
    tx: &Connection,
    mut visit: impl FnMut(&orderly_core::Order) -> Result<(), OpError>,
) -> Result<(), OpError> {
    const BATCH: i64 = 1000;
    let mut after = String::new();
    loop {
        let mut stmt = tx.prepare(
            "SELECT id, user_id, version, created_at, doc_format, doc FROM orders \
             WHERE id > ?1 ORDER BY id LIMIT ?2",
        )?;
        let mut rows = stmt.query(rusqlite::params![after, BATCH])?;
        let mut seen = 0;
        while let Some(row) = rows.next()? {
            let document = crate::orders::document(row)?;
            let order = document
                .decode(crate::error::BACKEND)
                .map_err(|e| OpError::Migration(e.to_string()))?;
            visit(&order)?;
            after = order.id.to_string();
            seen += 1;
        }
        if seen < BATCH {
            return Ok(());
        }
    }
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
        let failed = |e: OpError| {
            let why = match e {
                OpError::Sql(e) => e.to_string(),
                OpError::Corrupt(why) | OpError::Encode(why) | OpError::Migration(why) => why,
            };
            OpError::Migration(format!("migration {version:04} failed: {why}"))
        };
        if version == SHIPMENTS_AND_SEARCH {
            widen_status_check(&tx).map_err(failed)?;
        }
        tx.execute_batch(sql)
            .map_err(|e| OpError::Migration(format!("migration {version:04} failed: {e}")))?;
        if version == SHIPMENTS_AND_SEARCH {
            index_existing_orders(&tx).map_err(failed)?;
        }
        if version == ANALYTICS_BY_DAY {
            roll_up_existing_orders_by_day(&tx).map_err(failed)?;
        }
        tx.pragma_update(None, "user_version", version)?;
    }
    tx.commit()?;
    Ok(())
}
