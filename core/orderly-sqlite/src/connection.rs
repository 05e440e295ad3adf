//! Opening and configuring connections.

use std::path::Path;

use rusqlite::{Connection, OpenFlags};

use crate::config::SqliteOptions;
use crate::error::OpError;

/// Statements the store prepares, with room to spare, so none is ever re-prepared.
const STATEMENT_CACHE: usize = 32;

fn common(conn: &Connection, options: &SqliteOptions) -> Result<(), OpError> {
    conn.busy_timeout(options.busy_timeout)?;
    conn.set_prepared_statement_cache_capacity(STATEMENT_CACHE);
    conn.pragma_update(None, "foreign_keys", true)?;
    Ok(())
}

/// The single writer of a database file: WAL so that readers run beside it.
pub(crate) fn open_writer(path: &Path, options: &SqliteOptions) -> Result<Connection, OpError> {
    let conn = Connection::open(path)?;
    common(&conn, options)?;
    // Switching to WAL is persistent; the answer is the mode now in force.
    let _mode: String = conn.pragma_update_and_check(None, "journal_mode", "WAL", |r| r.get(0))?;
    conn.pragma_update(None, "synchronous", options.synchronous.pragma_value())?;
    Ok(conn)
}

/// A reader: may not write, whatever a bug asks of it.
pub(crate) fn open_reader(path: &Path, options: &SqliteOptions) -> Result<Connection, OpError> {
    let flags = OpenFlags::SQLITE_OPEN_READ_WRITE
        | OpenFlags::SQLITE_OPEN_URI
        | OpenFlags::SQLITE_OPEN_NO_MUTEX;
    let conn = Connection::open_with_flags(path, flags)?;
    common(&conn, options)?;
    conn.pragma_update(None, "query_only", true)?;
    Ok(conn)
}

/// A private in-memory database: one connection serves reads and writes.
pub(crate) fn open_memory() -> Result<Connection, OpError> {
    let conn = Connection::open_in_memory()?;
    common(&conn, &SqliteOptions::default())?;
    Ok(conn)
}
