//! Named leases: one of several processes (outbox relays, retention sweepers) does a job at a
//! time.

use crate::clock::Timestamp;

use super::StoreResult;

/// Named, expiring leases.
pub trait LeaseStore: Send + Sync {
    /// Takes the named lease for `owner` until `now + ttl_ms`, or renews it, if it is free,
    /// expired at `now` or already held by `owner`; returns whether `owner` holds it now.
    fn acquire_lease(
        &self,
        name: &str,
        owner: &str,
        now: Timestamp,
        ttl_ms: i64,
    ) -> StoreResult<bool>;

    /// Gives the named lease up if `owner` holds it; otherwise does nothing.
    fn release_lease(&self, name: &str, owner: &str) -> StoreResult<()>;
}
