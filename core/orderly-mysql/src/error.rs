//! The one place where driver and server errors become `StoreError`s. The kind decides what
//! happens next: `Contention` and `Connection` are transient (the engine's retry policy may
//! run the call again), the rest surface.

use mysql::{DriverError, Error};
use orderly_core::{StoreError, StoreErrorKind};

pub(crate) const BACKEND: &str = "mysql";

/// Server error codes by what they mean for us.
mod code {
    /// ER_DUP_ENTRY: a unique key already holds the value.
    pub const DUPLICATE_KEY: u16 = 1062;
    /// ER_LOCK_DEADLOCK: InnoDB rolled the transaction back to break a deadlock.
    pub const DEADLOCK: u16 = 1213;
    /// ER_LOCK_WAIT_TIMEOUT: a row lock was not granted in `innodb_lock_wait_timeout`.
    pub const LOCK_WAIT_TIMEOUT: u16 = 1205;
    /// TiDB: write conflict (optimistic), retryable, schema changed during the transaction.
    pub const TIDB_RETRYABLE: [u16; 4] = [8002, 8022, 8028, 9007];
    /// Lost or refused sessions: too many connections, server shutting down, connection killed
    /// (MariaDB 1927, MySQL 4031 idle disconnect), and TiDB's TiKV/PD unavailable or busy.
    pub const CONNECTION: [u16; 9] = [1040, 1053, 1927, 2006, 2013, 4031, 9001, 9002, 9005];
}

/// Maps a driver error into the store's error kinds.
pub(crate) fn from_mysql(e: Error) -> StoreError {
    let kind = match &e {
        Error::MySqlError(server) => match server.code {
            code::DEADLOCK | code::LOCK_WAIT_TIMEOUT => StoreErrorKind::Contention,
            c if code::TIDB_RETRYABLE.contains(&c) => StoreErrorKind::Contention,
            c if code::CONNECTION.contains(&c) => StoreErrorKind::Connection,
            code::DUPLICATE_KEY => StoreErrorKind::Constraint,
            _ => StoreErrorKind::Other,
        },
        Error::IoError(_) | Error::CodecError(_) => StoreErrorKind::Connection,
        Error::DriverError(
            DriverError::ConnectTimeout
            | DriverError::CouldNotConnect(_)
            | DriverError::Timeout
            | DriverError::PacketOutOfSync
            | DriverError::UnexpectedPacket
            | DriverError::SetupError,
        ) => StoreErrorKind::Connection,
        Error::FromValueError(_) | Error::FromRowError(_) => StoreErrorKind::Corrupt,
        _ => StoreErrorKind::Other,
    };
    StoreError::new(kind, BACKEND, e.to_string()).with_source(e)
}

/// Whether the error is a duplicate key (the idempotency key being taken, for instance).
pub(crate) fn is_duplicate_key(e: &Error) -> bool {
    matches!(e, Error::MySqlError(server) if server.code == code::DUPLICATE_KEY)
}

/// Stored data that does not decode.
pub(crate) fn corrupt(what: impl std::fmt::Display) -> StoreError {
    StoreError::new(StoreErrorKind::Corrupt, BACKEND, what.to_string())
}

/// Shorthand for `.map_err(from_mysql)`.
pub(crate) trait DbResult<T> {
    fn db(self) -> Result<T, StoreError>;
}

impl<T> DbResult<T> for Result<T, Error> {
    fn db(self) -> Result<T, StoreError> {
        self.map_err(from_mysql)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use mysql::MySqlError;

    fn server(code: u16) -> Error {
        Error::MySqlError(MySqlError {
            state: "HY000".into(),
            message: "test".into(),
            code,
        })
    }

    #[test]
    fn server_codes_map_to_kinds() {
        assert_eq!(from_mysql(server(1213)).kind, StoreErrorKind::Contention);
        assert_eq!(from_mysql(server(1205)).kind, StoreErrorKind::Contention);
        assert_eq!(from_mysql(server(9007)).kind, StoreErrorKind::Contention);
        assert_eq!(from_mysql(server(2013)).kind, StoreErrorKind::Connection);
        assert_eq!(from_mysql(server(1927)).kind, StoreErrorKind::Connection);
        assert_eq!(from_mysql(server(1062)).kind, StoreErrorKind::Constraint);
        assert_eq!(from_mysql(server(1146)).kind, StoreErrorKind::Other);
        assert!(is_duplicate_key(&server(1062)));
        let kept = std::error::Error::source(&from_mysql(server(1213))).map(ToString::to_string);
        assert_eq!(kept, Some(server(1213).to_string()));
        assert!(!is_duplicate_key(&server(1213)));
    }

    #[test]
    fn io_and_driver_failures_are_connection_losses() {
        let io = Error::IoError(std::io::Error::new(
            std::io::ErrorKind::ConnectionReset,
            "reset",
        ));
        assert_eq!(from_mysql(io).kind, StoreErrorKind::Connection);
        let timeout = Error::DriverError(DriverError::Timeout);
        assert_eq!(from_mysql(timeout).kind, StoreErrorKind::Connection);
        assert!(from_mysql(server(1213)).is_transient());
    }
}
