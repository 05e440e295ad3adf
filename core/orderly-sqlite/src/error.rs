//! The one place where SQLite and JSON failures become `StoreError`s.

use orderly_core::{StoreError, StoreErrorKind};
use rusqlite::ErrorCode;

/// The backend name carried by every error and returned by `Store::backend`.
pub(crate) const BACKEND: &str = "sqlite";

/// A failure inside one store operation, before it is mapped to a `StoreError`.
#[derive(Debug)]
pub(crate) enum OpError {
    Sql(rusqlite::Error),
    /// A stored value could not be decoded (bad JSON, unknown status, malformed id).
    Corrupt(String),
    /// A value could not be encoded for storage.
    Encode(String),
    Migration(String),
}

impl From<rusqlite::Error> for OpError {
    fn from(e: rusqlite::Error) -> Self {
        OpError::Sql(e)
    }
}

impl From<rusqlite::types::FromSqlError> for OpError {
    fn from(e: rusqlite::types::FromSqlError) -> Self {
        OpError::Corrupt(format!("stored value has the wrong type: {e}"))
    }
}

impl OpError {
    pub(crate) fn corrupt(what: impl std::fmt::Display) -> Self {
        OpError::Corrupt(what.to_string())
    }

    /// Lock contention that waiting may resolve: another connection holds the lock.
    pub(crate) fn is_busy(&self) -> bool {
        matches!(
            self,
            OpError::Sql(e) if matches!(
                e.sqlite_error_code(),
                Some(ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked)
            )
        )
    }

    pub(crate) fn into_store_error(self) -> StoreError {
        match self {
            OpError::Sql(e) => StoreError::new(sql_kind(&e), BACKEND, e.to_string()).with_source(e),
            OpError::Corrupt(m) => StoreError::new(StoreErrorKind::Corrupt, BACKEND, m),
            OpError::Encode(m) => StoreError::new(StoreErrorKind::Other, BACKEND, m),
            OpError::Migration(m) => StoreError::new(StoreErrorKind::Migration, BACKEND, m),
        }
    }
}

impl From<OpError> for StoreError {
    fn from(e: OpError) -> Self {
        e.into_store_error()
    }
}

fn sql_kind(e: &rusqlite::Error) -> StoreErrorKind {
    use rusqlite::Error as E;
    match e {
        E::SqliteFailure(f, _) => match f.code {
            ErrorCode::DatabaseBusy | ErrorCode::DatabaseLocked => StoreErrorKind::Contention,
            ErrorCode::ConstraintViolation => StoreErrorKind::Constraint,
            ErrorCode::DatabaseCorrupt | ErrorCode::NotADatabase => StoreErrorKind::Corrupt,
            ErrorCode::CannotOpen => StoreErrorKind::Connection,
            _ => StoreErrorKind::Other,
        },
        E::FromSqlConversionFailure(..)
        | E::IntegralValueOutOfRange(..)
        | E::InvalidColumnType(..)
        | E::Utf8Error(_) => StoreErrorKind::Corrupt,
        _ => StoreErrorKind::Other,
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use rusqlite::Connection;

    fn failure(conn: &Connection, sql: &str) -> OpError {
        OpError::from(conn.execute_batch(sql).unwrap_err())
    }

    #[test]
    fn real_sqlite_failures_map_to_kinds() {
        let conn = Connection::open_in_memory().unwrap();
        conn.execute_batch("CREATE TABLE t (id TEXT PRIMARY KEY NOT NULL, n INTEGER) STRICT;")
            .unwrap();
        conn.execute_batch("INSERT INTO t VALUES ('a', 1)").unwrap();

        let dup = failure(&conn, "INSERT INTO t VALUES ('a', 2)");
        assert!(!dup.is_busy());
        let dup = dup.into_store_error();
        assert_eq!(dup.kind, StoreErrorKind::Constraint);
        // The driver's error stays reachable as the source.
        let source = std::error::Error::source(&dup).map(ToString::to_string);
        assert_eq!(source.as_deref(), Some(dup.message.as_str()));

        let bad_type = failure(&conn, "INSERT INTO t VALUES ('b', 'not a number')");
        assert_eq!(bad_type.into_store_error().kind, StoreErrorKind::Constraint);

        let syntax = failure(&conn, "SELEC nonsense");
        assert_eq!(syntax.into_store_error().kind, StoreErrorKind::Other);

        let wrong_column: OpError = conn
            .query_row("SELECT n FROM t", [], |r| r.get::<_, String>(0))
            .unwrap_err()
            .into();
        let e = wrong_column.into_store_error();
        assert_eq!((e.kind, e.backend), (StoreErrorKind::Corrupt, "sqlite"));
    }

    #[test]
    fn a_held_write_lock_is_busy_and_contention() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("lock.db");
        let holder = Connection::open(&path).unwrap();
        holder
            .execute_batch("CREATE TABLE t (n INTEGER); BEGIN IMMEDIATE;")
            .unwrap();
        let other = Connection::open(&path).unwrap();
        other.busy_timeout(std::time::Duration::ZERO).unwrap();
        let busy = failure(&other, "BEGIN IMMEDIATE");
        assert!(busy.is_busy());
        let e = busy.into_store_error();
        assert_eq!(e.kind, StoreErrorKind::Contention);
        assert!(e.is_transient());
    }

    #[test]
    fn decoding_and_migration_failures_keep_their_kind() {
        assert_eq!(
            OpError::corrupt("bad doc").into_store_error().kind,
            StoreErrorKind::Corrupt
        );
        assert_eq!(
            OpError::Migration("too new".into()).into_store_error().kind,
            StoreErrorKind::Migration
        );
        assert_eq!(
            OpError::Encode("x".into()).into_store_error().kind,
            StoreErrorKind::Other
        );
    }
}
