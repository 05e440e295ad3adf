//! The one place where engine errors become Python exceptions.
//!
//! The exception classes live in `orderly/errors.py` (`OrderlyError` with `.code`, and its
//! subclasses); this module hands each error's stable code, broad kind and message to that
//! module's `_from_engine`, which picks the class.

use orderly::{ErrorKind, OpenError, OrderlyError, SyncClientError, ValidationError};
use pyo3::prelude::*;
use pyo3::sync::PyOnceLock;

/// `orderly.errors._from_engine(kind, code, message) -> OrderlyError`, looked up once.
static FROM_ENGINE: PyOnceLock<Py<PyAny>> = PyOnceLock::new();

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Invalid => "invalid",
        ErrorKind::NotFound => "not_found",
        ErrorKind::Forbidden => "forbidden",
        ErrorKind::Conflict => "conflict",
        ErrorKind::StaleVersion => "stale_version",
        ErrorKind::Unavailable => "unavailable",
        ErrorKind::UpstreamInvalid => "upstream_invalid",
        // Internal, and any kind this binding predates.
        _ => "internal",
    }
}

fn raise(py: Python<'_>, kind: &str, code: &str, message: String) -> PyErr {
    let build = || -> PyResult<PyErr> {
        let from_engine = FROM_ENGINE.import(py, "orderly.errors", "_from_engine")?;
        let exc = from_engine.call1((kind, code, message.as_str()))?;
        Ok(PyErr::from_value(exc))
    };
    build().unwrap_or_else(|e| e)
}

/// Converts an engine error (everything the engine or its id and money types can fail with).
pub(crate) fn engine_error(py: Python<'_>, err: OrderlyError) -> PyErr {
    raise(py, kind_name(err.kind()), err.code(), err.to_string())
}

/// Opening a store fails before there is an engine: bad URL, missing feature, unreachable
/// database. These surface as `OrderlyError` subclasses too, with the facade's codes.
pub(crate) fn open_error(py: Python<'_>, err: OpenError) -> PyErr {
    raise(py, "open", err.code(), err.to_string())
}

/// A sync that stopped (server unreachable, token refused, malformed answer, or the engine's
/// own error): the class for its kind, with the sync client's code (`sync_unavailable`, ...).
pub(crate) fn sync_error(py: Python<'_>, err: SyncClientError) -> PyErr {
    raise(py, kind_name(err.kind()), err.code(), err.to_string())
}

/// Lets `?` turn engine results into Python exceptions once the GIL is held again.
pub(crate) trait IntoPyResult<T> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T>;
}

impl<T> IntoPyResult<T> for Result<T, OrderlyError> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| engine_error(py, e))
    }
}

impl<T> IntoPyResult<T> for Result<T, SyncClientError> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| sync_error(py, e))
    }
}

impl<T> IntoPyResult<T> for Result<T, ValidationError> {
    fn or_raise(self, py: Python<'_>) -> PyResult<T> {
        self.map_err(|e| engine_error(py, e.into()))
    }
}

/// An argument the engine's own types refuse before any call, e.g. a naive `datetime`.
pub(crate) fn invalid_field(py: Python<'_>, field: &str, reason: impl Into<String>) -> PyErr {
    engine_error(
        py,
        ValidationError::InvalidField {
            field: field.to_owned(),
            reason: reason.into(),
        }
        .into(),
    )
}
