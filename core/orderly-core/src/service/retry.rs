//! Retries of transient store failures under the service's [`RetryPolicy`]. Safe because every
//! retried call is either a read or a write guarded by an idempotency key or an expected
//! version.
//!
//! [`RetryPolicy`]: crate::retry::RetryPolicy

use crate::error::{OrderlyError, Result, StoreError};

use super::OrderService;

impl OrderService {
    pub(super) fn with_retry<T>(
        &self,
        mut call: impl FnMut() -> Result<T, StoreError>,
    ) -> Result<T> {
        self.config
            .store_retry
            .run(StoreError::is_transient, |_| call())
            .map_err(OrderlyError::from)
    }
}
