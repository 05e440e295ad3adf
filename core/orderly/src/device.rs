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
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::embedded::tests::input;
    use crate::sync::{IncomingPush, Operation, OperationResult};
    use crate::{ActAs, Caller, InMemoryCarts, OrderService, RawCartItem};
    use proptest::prelude::*;

    fn server() -> OrderService {
        let store = crate::open_store("sqlite::memory:").unwrap();
        OrderService::builder(store, std::sync::Arc::new(InMemoryCarts::new())).build()
    }

    fn push(server: &OrderService, operations: &[Operation]) -> Vec<OperationResult> {
        let request = PushRequest {
            device_id: DeviceId::new("pos-1").unwrap(),
            device_time: SystemClock.now(),
            operations: operations.to_vec(),
        };
        let incoming: IncomingPush =
            serde_json::from_slice(&serde_json::to_vec(&request).unwrap()).unwrap();
        let caller = Caller::device(&request.device_id);
        server
            .sync_push(&caller, &incoming.check().unwrap())
            .unwrap()
            .results
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(24))]

        /// Whatever a device does, its log numbers the changes 1, 2, 3, ... with no gaps; and
        /// however its pushes are cut, repeated and reordered, the server ends where one push
        /// of everything leaves it.
        #[test]
        fn logs_are_gap_free_and_pushes_converge(
            actions in proptest::collection::vec((0u8..4, 0usize..64), 1..24),
            windows in proptest::collection::vec((0usize..32, 1usize..8), 0..12),
        ) {
            let pos = Embedded::open_device("sqlite::memory:", "pos-1", None).unwrap();
            pos.set_cart("alice".into(), "USD".into(), vec![RawCartItem {
                product_id: "sku-1".into(), name: "Beans".into(), quantity: 1, unit_price: "9.99".into(),
            }]);
            let (mut orders, mut changes) = (Vec::new(), 0u64);
            for (i, (action, pick)) in actions.iter().enumerate() {
                match (action, orders.len()) {
                    (0, _) | (_, 0) => {
                        orders.push(pos.place_order(input("alice"), &format!("k-{i}"), None, None).unwrap().order.id);
                        changes += 1;
                    }
                    (1, n) => {
                        let replayed = pos.place_order(input("alice"), &format!("k-{}", pick % n), None, None);
                        // A key never used is a new order; a used one changes nothing.
                        if let Ok(placed) = replayed && placed.created {
                            orders.push(placed.order.id);
                            changes += 1;
                        }
                    }
                    (_, n) => {
                        let id = orders[pick % n].to_string();
                        let before = pos.order(&id, &ActAs::default()).unwrap().status;
                        pos.cancel(&id, Some("why"), &ActAs::default()).unwrap();
                        if before != crate::OrderStatus::Cancelled {
                            changes += 1;
                        }
                    }
                }
            }
            let all = pos.build_push(500).unwrap().operations;
            let seqs: Vec<u64> = all.iter().map(|op| op.seq).collect();
            prop_assert_eq!(seqs, (1..=changes).collect::<Vec<_>>());

            let reference = push(&server(), &all);
            let server = server();
            for (start, len) in windows {
                let start = start.min(all.len());
                let end = (start + len).min(all.len());
                push(&server, &all[start..end]);
            }
            prop_assert_eq!(push(&server, &all), reference);
            let events = server.store().pending_events(10_000).unwrap().len();
            let reference_server_events = {
                let s = self::server();
                push(&s, &all);
                s.store().pending_events(10_000).unwrap().len()
            };
            prop_assert_eq!(events, reference_server_events);
        }
    }

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
