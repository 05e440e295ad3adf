//! The device side of offline sync as immutable Python objects: what one `Engine.sync` did
//! (`SyncReport`, with one `SyncResult` per operation the server answered) and what the
//! device's log holds (`SyncState`). Outcomes are their wire names (`"accepted"`,
//! `"accepted_with_variance"`, `"needs_review"`, `"rejected"`, `"conflict"`).

use orderly::SyncReport as CoreSyncReport;
use orderly::store::DeviceLogState;
use orderly::sync::OperationResult;
use pyo3::prelude::*;

use crate::values::py_repr;

/// The server's result for one pushed operation.
#[pyclass(module = "orderly", name = "SyncResult", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyncResult(OperationResult);

#[pymethods]
impl SyncResult {
    #[getter]
    fn seq(&self) -> u64 {
        self.0.seq
    }
    #[getter]
    fn order_id(&self) -> String {
        self.0.order_id.to_string()
    }
    #[getter]
    fn outcome(&self) -> &'static str {
        self.0.outcome.as_str()
    }
    #[getter]
    fn code(&self) -> Option<&str> {
        self.0.code.as_deref()
    }
    #[getter]
    fn detail(&self) -> Option<&str> {
        self.0.detail.as_deref()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "SyncResult",
            seq = self.seq(),
            order_id = self.order_id(),
            outcome = self.outcome(),
            code = self.code(),
            detail = self.detail()
        )
    }
}

/// What one sync did: operations pushed and their results, changes pulled, local orders
/// updated, and operations still pending.
#[pyclass(module = "orderly", name = "SyncReport", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyncReport(pub(crate) CoreSyncReport);

#[pymethods]
impl SyncReport {
    #[getter]
    fn pushed(&self) -> u64 {
        self.0.pushed
    }
    #[getter]
    fn results(&self) -> Vec<SyncResult> {
        self.0.results.iter().cloned().map(SyncResult).collect()
    }
    #[getter]
    fn changes_pulled(&self) -> u64 {
        self.0.changes_pulled
    }
    #[getter]
    fn orders_updated(&self) -> u64 {
        self.0.orders_updated
    }
    #[getter]
    fn pending(&self) -> u64 {
        self.0.pending
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "SyncReport",
            pushed = self.pushed(),
            results = self.results(),
            changes_pulled = self.changes_pulled(),
            orders_updated = self.orders_updated(),
            pending = self.pending()
        )
    }
}

/// What the device's log holds: operations without a result, the highest `seq` recorded and
/// the pull cursor (`None` before the first pull).
#[pyclass(module = "orderly", name = "SyncState", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyncState(pub(crate) DeviceLogState);

#[pymethods]
impl SyncState {
    #[getter]
    fn pending(&self) -> u64 {
        self.0.pending
    }
    #[getter]
    fn last_recorded(&self) -> u64 {
        self.0.last_recorded
    }
    #[getter]
    fn cursor(&self) -> Option<&str> {
        self.0.cursor.as_deref()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "SyncState",
            pending = self.pending(),
            last_recorded = self.last_recorded(),
            cursor = self.cursor()
        )
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<SyncReport>()?;
    m.add_class::<SyncResult>()?;
    m.add_class::<SyncState>()?;
    Ok(())
}
