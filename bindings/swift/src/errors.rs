//! The one place where engine errors cross into Swift.
//!
//! Every case is one of the engine's broad error classes and carries the engine's stable,
//! machine-readable `code` (the same as the REST API's and the other bindings') and a message
//! for people. Swift code switches on the case for the class and on `code` for the cause:
//!
//! ```swift
//! catch OrderlyError.Conflict(let code, let message) where code == "invalid_transition" { ... }
//! ```

use orderly::{ErrorKind, OpenError, SyncClientError, ValidationError};

/// Everything an `Engine` call can throw.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error, uniffi::Error)]
pub enum OrderlyError {
    /// The input breaks a rule (validation, a checkout that does not match the order).
    #[error("{message}")]
    Invalid { code: String, message: String },
    /// No such order or checkout, or one the acting customer may not see.
    #[error("{message}")]
    NotFound { code: String, message: String },
    /// The acting customer or actor may not do this.
    #[error("{message}")]
    Forbidden { code: String, message: String },
    /// The request conflicts with the order's state: an invalid transition, an idempotency key
    /// reused for another request, an expired checkout, a changed cart.
    #[error("{message}")]
    Conflict { code: String, message: String },
    /// The order is no longer at the expected version.
    #[error("{message}")]
    StaleVersion { code: String, message: String },
    /// Storage is busy or unreachable: the same call may succeed later.
    #[error("{message}")]
    Unavailable { code: String, message: String },
    /// The cart source answered with something malformed.
    #[error("{message}")]
    UpstreamInvalid { code: String, message: String },
    /// A failure inside the engine or its storage.
    #[error("{message}")]
    Internal { code: String, message: String },
    /// The store could not be opened: bad URL, unknown scheme, unreadable or newer database.
    #[error("{message}")]
    Open { code: String, message: String },
}

impl OrderlyError {
    /// The case for an error of `kind`, with its code and message.
    fn of_kind(kind: ErrorKind, code: String, message: String) -> Self {
        match kind {
            ErrorKind::Invalid => OrderlyError::Invalid { code, message },
            ErrorKind::NotFound => OrderlyError::NotFound { code, message },
            ErrorKind::Forbidden => OrderlyError::Forbidden { code, message },
            ErrorKind::Conflict => OrderlyError::Conflict { code, message },
            ErrorKind::StaleVersion => OrderlyError::StaleVersion { code, message },
            ErrorKind::Unavailable => OrderlyError::Unavailable { code, message },
            ErrorKind::UpstreamInvalid => OrderlyError::UpstreamInvalid { code, message },
            // Internal, and any kind this binding predates.
            _ => OrderlyError::Internal { code, message },
        }
    }
}

impl From<orderly::OrderlyError> for OrderlyError {
    fn from(err: orderly::OrderlyError) -> Self {
        OrderlyError::of_kind(err.kind(), err.code().to_owned(), err.to_string())
    }
}

/// A sync that stopped: the server unreachable (`Unavailable`, `sync_unavailable`) or refusing
/// the token (`Forbidden`, `sync_unauthorized`), a malformed answer (`UpstreamInvalid`,
/// `sync_protocol`), or the engine's own error.
impl From<SyncClientError> for OrderlyError {
    fn from(err: SyncClientError) -> Self {
        OrderlyError::of_kind(err.kind(), err.code().to_owned(), err.to_string())
    }
}

impl From<ValidationError> for OrderlyError {
    fn from(err: ValidationError) -> Self {
        orderly::OrderlyError::from(err).into()
    }
}

impl From<OpenError> for OrderlyError {
    fn from(err: OpenError) -> Self {
        OrderlyError::Open {
            code: err.code().to_owned(),
            message: err.to_string(),
        }
    }
}

/// An argument the engine's own types refuse before any call (`invalid_field`).
pub(crate) fn invalid_field(field: &str, reason: impl Into<String>) -> OrderlyError {
    ValidationError::InvalidField {
        field: field.to_owned(),
        reason: reason.into(),
    }
    .into()
}

impl OrderlyError {
    /// The engine's stable code.
    pub fn code(&self) -> &str {
        match self {
            OrderlyError::Invalid { code, .. }
            | OrderlyError::NotFound { code, .. }
            | OrderlyError::Forbidden { code, .. }
            | OrderlyError::Conflict { code, .. }
            | OrderlyError::StaleVersion { code, .. }
            | OrderlyError::Unavailable { code, .. }
            | OrderlyError::UpstreamInvalid { code, .. }
            | OrderlyError::Internal { code, .. }
            | OrderlyError::Open { code, .. } => code,
        }
    }
}
