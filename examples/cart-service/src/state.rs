//! The service's shared state: the carts, its options, the active faults and a bounded log of
//! the requests it answered (so that tests can see what really reached it).

use std::collections::{HashMap, VecDeque};
use std::sync::{Arc, Mutex, MutexGuard, RwLock};

use serde::Serialize;

use crate::cart::{Cart, is_valid_user_id};
use crate::faults::{FaultPlan, Faults};
use crate::seed::SeedError;

/// How many answered requests the log keeps (oldest dropped first).
pub const REQUEST_LOG_CAPACITY: usize = 10_000;

/// Deployment options.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ServiceOptions {
    /// When set, every request but `GET /health` needs `Authorization: Bearer <token>`.
    pub auth_token: Option<String>,
    /// Mounts the test-only admin endpoints (`/_faults`, `/_requests`).
    pub admin_endpoints: bool,
}

/// One answered request, as the service saw it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct RequestRecord {
    pub method: String,
    /// The path exactly as received (still percent-encoded).
    pub path: String,
    pub request_id: Option<String>,
    pub accept: Option<String>,
    pub status: u16,
}

/// Cheap to clone; every clone shares the same carts.
#[derive(Debug, Clone, Default)]
pub struct CartState {
    inner: Arc<Inner>,
}

#[derive(Debug, Default)]
struct Inner {
    options: ServiceOptions,
    carts: RwLock<HashMap<String, Cart>>,
    faults: Mutex<Option<Faults>>,
    log: Mutex<VecDeque<RequestRecord>>,
}

/// The cart could not be stored.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("user id {0:?} is not 1 to 64 characters of A-Z a-z 0-9 _ - . @")]
pub struct InvalidUserId(pub String);

impl CartState {
    pub fn new(options: ServiceOptions) -> Self {
        CartState {
            inner: Arc::new(Inner {
                options,
                ..Inner::default()
            }),
        }
    }

    /// A state holding the carts of a seed document (see [`crate::parse_seed`]).
    pub fn with_seed(options: ServiceOptions, carts: Vec<Cart>) -> Result<Self, SeedError> {
        let state = CartState::new(options);
        for cart in carts {
            let user = cart.user_id.clone();
            state
                .put_cart(cart)
                .map_err(|_| SeedError::InvalidUserId(user))?;
        }
        Ok(state)
    }

    pub fn options(&self) -> &ServiceOptions {
        &self.inner.options
    }

    /// Stores (or replaces) a cart; `Ok(true)` when the user had none before.
    pub fn put_cart(&self, cart: Cart) -> Result<bool, InvalidUserId> {
        if !is_valid_user_id(&cart.user_id) {
            return Err(InvalidUserId(cart.user_id));
        }
        let mut carts = write(&self.inner.carts);
        Ok(carts.insert(cart.user_id.clone(), cart).is_none())
    }

    pub fn cart(&self, user_id: &str) -> Option<Cart> {
        read(&self.inner.carts).get(user_id).cloned()
    }

    /// Removes a cart; `true` when there was one.
    pub fn remove_cart(&self, user_id: &str) -> bool {
        write(&self.inner.carts).remove(user_id).is_some()
    }

    pub fn cart_count(&self) -> usize {
        read(&self.inner.carts).len()
    }

    /// Replaces the active faults (they must pass [`Faults::validate`]).
    pub fn set_faults(&self, faults: Faults) -> Result<(), String> {
        faults.validate()?;
        *lock(&self.inner.faults) = Some(faults);
        Ok(())
    }

    pub fn clear_faults(&self) {
        *lock(&self.inner.faults) = None;
    }

    pub fn faults(&self) -> Option<Faults> {
        lock(&self.inner.faults).clone()
    }

    /// The plan for one cart read, counting it against `failNext`.
    pub(crate) fn take_fault_plan(&self) -> Option<FaultPlan> {
        let mut faults = lock(&self.inner.faults);
        let (plan, remaining) = faults.as_ref()?.next_plan();
        *faults = remaining;
        Some(plan)
    }

    /// Every logged request, oldest first.
    pub fn requests(&self) -> Vec<RequestRecord> {
        lock(&self.inner.log).iter().cloned().collect()
    }

    pub fn clear_requests(&self) {
        lock(&self.inner.log).clear();
    }

    pub(crate) fn record(&self, record: RequestRecord) {
        let mut log = lock(&self.inner.log);
        if log.len() >= REQUEST_LOG_CAPACITY {
            log.pop_front();
        }
        log.push_back(record);
    }
}

// A panic while holding a lock cannot leave a cart half-written (each write is one insert or
// remove), so a poisoned lock is still safe to use.
fn lock<T>(m: &Mutex<T>) -> MutexGuard<'_, T> {
    m.lock().unwrap_or_else(|p| p.into_inner())
}

fn read<T>(l: &RwLock<T>) -> std::sync::RwLockReadGuard<'_, T> {
    l.read().unwrap_or_else(|p| p.into_inner())
}

fn write<T>(l: &RwLock<T>) -> std::sync::RwLockWriteGuard<'_, T> {
    l.write().unwrap_or_else(|p| p.into_inner())
}
