//! A device engine: [`Embedded`] opened with a device id, which records every order it places
//! and every cancellation as a sync operation in the same local transaction, and the calls an
//! app makes to sync by hand (build a push, apply its answer, apply a pull page). The HTTP
//! client that does all of it in one call is [`Embedded::sync`] (feature `sync-client`).

use orderly_core::store::{DeviceLogState, LoggedOperation};
use orderly_core::sync::{PullPage, PushRequest, PushResponse};
use orderly_core::{Clock, DeviceId, OrderlyError, PricingPolicy, Result, SystemClock, parse};

use crate::{Embedded, OpenError};

impl Embedded {
    /// Opens (creating and migrating if needed) the store at `url` as device `device_id`. The
    /// first opening keeps the id in the database; opening it later with another id is
    /// [`OpenError::DeviceMismatch`] (code `device_mismatch`), and an id that is not 1 to 64
    /// of `A-Z a-z 0-9 . _ -` is [`OpenError::InvalidDeviceId`] (`invalid_device_id`).
    pub fn open_device(
        url: &str,
        device_id: &str,
        policy: Option<PricingPolicy>,
    ) -> Result<Self, OpenError> {
        let device = DeviceId::new(device_id).map_err(|_| OpenError::InvalidDeviceId)?;
        let store = crate::open_store(url)?;
        let stored = store.claim_device_identity(&device, SystemClock.now())?;
        if stored != device {
            return Err(OpenError::DeviceMismatch {
                stored: stored.to_string(),
                given: device.to_string(),
            });
        }
        Ok(Embedded::over(store, policy, Some(device)))
    }

    /// The device id this engine records operations for, `None` on an engine opened with
    /// [`Embedded::open`].
    pub fn device_id(&self) -> Option<&DeviceId> {
        self.service().device_id().ok()
    }

    /// The body of the next push: pending operations in `seq` order, at most `max_ops` (and
    /// at most 500). `not_a_device` on an engine opened without a device id.
    pub fn build_push(&self, max_ops: usize) -> Result<PushRequest> {
        self.service().build_push(max_ops)
    }

    /// Stores the results of a push's answer; returns how many were new. Operations without
    /// a result stay pending.
    pub fn apply_push_response(&self, response: &PushResponse) -> Result<u64> {
        self.service().apply_push_response(response)
    }

    /// Applies a pull page to the local orders and keeps its cursor; returns how many local
    /// orders changed.
    pub fn apply_pull_page(&self, page: &PullPage) -> Result<usize> {
        self.service().apply_pull_page(page)
    }

    /// Pending operations, the highest `seq` recorded, and the pull cursor.
    pub fn sync_state(&self) -> Result<DeviceLogState> {
        self.service().sync_state()
    }

    /// The operations recorded for an order, with the server's result for each once known:
    /// how an app shows that an order needs review or was rejected. A malformed id is
    /// `not_found`.
    pub fn sync_operations_for_order(&self, order_id: &str) -> Result<Vec<LoggedOperation>> {
        self.service()
            .sync_operations_for_order(&parse::order_id(order_id)?)
    }

    /// Logged operations after `after_seq` (0: from the first), at most `limit`.
    pub fn sync_operations(&self, after_seq: u64, limit: u32) -> Result<Vec<LoggedOperation>> {
        if limit == 0 {
            return Err(OrderlyError::from(
                orderly_core::ValidationError::LimitOutOfRange(0),
            ));
        }
        self.service().sync_operations(after_seq, limit)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn a_database_keeps_the_device_it_was_first_opened_as() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("pos.db").display());
        let engine = Embedded::open_device(&url, "pos-12", None).unwrap();
        assert_eq!(engine.device_id().map(DeviceId::as_str), Some("pos-12"));
        drop(engine);
        assert!(Embedded::open_device(&url, "pos-12", None).is_ok());
        let err = Embedded::open_device(&url, "pos-13", None).unwrap_err();
        assert_eq!(err.code(), "device_mismatch");
        let err = Embedded::open_device(&url, "pos 13", None).unwrap_err();
        assert_eq!(err.code(), "invalid_device_id");
        // Opened without an id, a device's database is still that device's.
        let reopened = Embedded::open(&url, None).unwrap();
        assert_eq!(reopened.device_id().map(DeviceId::as_str), Some("pos-12"));
        let plain = Embedded::open("sqlite::memory:", None).unwrap();
        assert_eq!(plain.build_push(10).unwrap_err().code(), "not_a_device");
    }
}
