//! Why a store could not be opened.

use orderly_core::{StoreError, StoreErrorKind};

/// A failure of [`open_store`](crate::open_store) or [`open`](crate::open). Messages never
/// repeat the URL, which may hold a password.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OpenError {
    /// The URL is malformed or has an unknown or invalid parameter.
    #[error("invalid database URL: {0}")]
    InvalidUrl(String),
    /// No backend answers to this scheme.
    #[error("unsupported database URL scheme {0:?}: use sqlite://, sqlite::memory: or mysql://")]
    UnsupportedScheme(String),
    /// The backend exists but this build leaves it out.
    #[error("the {0} backend is not built in: enable the \"{0}\" feature of the orderly crate")]
    BackendNotBuilt(&'static str),
    /// The device id given is not 1 to 64 of `A-Z a-z 0-9 . _ -`.
    #[error("device id must be 1 to 64 characters of A-Z a-z 0-9 . _ -")]
    InvalidDeviceId,
    /// The database belongs to another device: it was first opened with device id `stored`.
    #[error("this database belongs to device {stored:?}, not {given:?}")]
    DeviceMismatch {
        /// The device id kept in the database.
        stored: String,
        /// The device id it was opened with.
        given: String,
    },
    /// The backend could not open the database (unreachable, locked, newer schema, ...).
    #[error("cannot open the store: {0}")]
    Store(#[from] StoreError),
}

impl OpenError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            OpenError::InvalidUrl(_) => "invalid_database_url",
            OpenError::UnsupportedScheme(_) => "unsupported_database",
            OpenError::BackendNotBuilt(_) => "backend_not_built",
            OpenError::InvalidDeviceId => "invalid_device_id",
            OpenError::DeviceMismatch { .. } => "device_mismatch",
            OpenError::Store(e) if e.kind == StoreErrorKind::Migration => "schema_migration_failed",
            OpenError::Store(e) if e.is_transient() => "storage_unavailable",
            OpenError::Store(_) => "storage_error",
        }
    }
}
