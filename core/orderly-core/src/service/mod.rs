//! `OrderService`: every use case of the engine, over a `dyn Store` and a `dyn CartSource`,
//! with an injected clock and id generator. Callers identify themselves with a `Caller`; the
//! service enforces ownership and roles so that no front end has to. The rules of placing an
//! order and of changing its status are pure functions in [`plan`]; `place_order` and the
//! status changes only read, call them and write.

mod checkout;
mod history;
mod placing;
pub mod plan;
mod reporting;
mod requests;
mod retry;
mod shipping;
mod staff;
mod sync;
mod tracking;
mod webhooks;

use std::sync::Arc;
use std::time::Duration;

pub use requests::{
    CheckoutRequest, DocumentPage, HistoryRequest, OrderPage, PlaceOrderRequest, Placement,
    StatusUpdate, StatusView,
};
pub use sync::{DEFAULT_PULL_LIMIT, MAX_PULL_LIMIT};
pub use webhooks::{DEFAULT_DELIVERY_PAGE, MAX_WEBHOOKS, WebhookChange, WebhookConfig};

use crate::cart_source::{CartSource, CartSourceError};
use crate::clock::{Clock, SystemClock};
use crate::error::{OrderlyError, Result};
use crate::ids::{DeviceId, IdGenerator, UserId, UuidV7Generator};
use crate::model::{Caller, Cart};
use crate::pricing::PricingPolicy;
use crate::retry::RetryPolicy;
use crate::store::Store;
use crate::sync::OfflinePolicy;
use crate::validation;

/// Tunables that are not pricing.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ServiceConfig {
    /// How long a checkout quote can be ordered from. Default 15 minutes.
    pub checkout_ttl_ms: i64,
    /// Retries of a store call that failed transiently (busy, deadlock, lock wait, lost
    /// connection). Stores do not retry on their own and bound each wait for a lock, so this
    /// is the only retry and `attempt_time` bounds one attempt: no store call outlives the
    /// budget. Default [`DEFAULT_STORE_RETRY`].
    pub store_retry: RetryPolicy,
    /// The server's limits on orders captured offline (see [`crate::sync::apply`]).
    pub offline: OfflinePolicy,
    /// On a device engine, the device's id: every order placed and every cancellation is
    /// then recorded as a sync operation in the same transaction. `None` on a server or a
    /// plain embedded engine.
    pub device: Option<DeviceId>,
    /// Where webhooks may go, how they are retried and leased.
    pub webhooks: WebhookConfig,
}

/// Up to 5 attempts within 2 s, pauses from 5 ms doubling to 200 ms, and no attempt started
/// unless 1 s is left (MySQL waits at most 1 s for a row lock, SQLite 50 ms for the write lock).
pub const DEFAULT_STORE_RETRY: RetryPolicy = RetryPolicy::new(5, Duration::from_secs(2))
    .with_delays(Duration::from_millis(5), Duration::from_millis(200))
    .with_attempt_time(Duration::from_secs(1));

impl Default for ServiceConfig {
    fn default() -> Self {
        ServiceConfig {
            checkout_ttl_ms: 15 * 60 * 1000,
            store_retry: DEFAULT_STORE_RETRY,
            offline: OfflinePolicy::default(),
            device: None,
            webhooks: WebhookConfig::default(),
        }
    }
}

/// The order engine.
#[derive(Debug, Clone)]
pub struct OrderService {
    store: Arc<dyn Store>,
    carts: Arc<dyn CartSource>,
    policy: Arc<PricingPolicy>,
    clock: Arc<dyn Clock>,
    ids: Arc<dyn IdGenerator>,
    config: ServiceConfig,
}

/// Builds an `OrderService`; everything but the store and cart source has a default.
#[derive(Debug)]
pub struct OrderServiceBuilder {
    service: OrderService,
}

impl OrderServiceBuilder {
    /// Prices orders with `policy` instead of [`PricingPolicy::default`].
    pub fn policy(mut self, policy: PricingPolicy) -> Self {
        self.service.policy = Arc::new(policy);
        self
    }
    /// Reads time from `clock` instead of the system clock.
    pub fn clock(mut self, clock: Arc<dyn Clock>) -> Self {
        self.service.clock = clock;
        self
    }
    /// Generates ids with `ids` instead of UUIDv7.
    pub fn ids(mut self, ids: Arc<dyn IdGenerator>) -> Self {
        self.service.ids = ids;
        self
    }
    /// Uses `config` instead of [`ServiceConfig::default`].
    pub fn config(mut self, config: ServiceConfig) -> Self {
        self.service.config = config;
        self
    }
    /// The configured service.
    pub fn build(self) -> OrderService {
        self.service
    }
}

impl OrderService {
    /// Starts building a service over `store` and `carts`.
    pub fn builder(store: Arc<dyn Store>, carts: Arc<dyn CartSource>) -> OrderServiceBuilder {
        OrderServiceBuilder {
            service: OrderService {
                store,
                carts,
                policy: Arc::new(PricingPolicy::default()),
                clock: Arc::new(SystemClock),
                ids: Arc::new(UuidV7Generator),
                config: ServiceConfig::default(),
            },
        }
    }

    /// This engine reading carts from `carts` instead: a cheap copy sharing the store, policy,
    /// clock and ids. Front ends that fetch carts asynchronously call the engine through one
    /// of these with a [`FetchedCart`](crate::FetchedCart).
    pub fn with_carts(&self, carts: Arc<dyn CartSource>) -> OrderService {
        OrderService {
            carts,
            ..self.clone()
        }
    }

    /// Whether `caller` may act for `user` (themselves, or anyone for staff). Every call that
    /// names a user checks this itself; front ends ask it only to skip work, such as fetching
    /// a cart, for a request the engine will refuse.
    pub fn may_act_for(&self, caller: &Caller, user: &UserId) -> Result<()> {
        self.authorize_user(caller, user)
    }

    /// The store the service writes to.
    pub fn store(&self) -> &Arc<dyn Store> {
        &self.store
    }

    /// The pricing policy in use.
    pub fn policy(&self) -> &PricingPolicy {
        &self.policy
    }

    /// The clock the service reads time from.
    pub fn clock(&self) -> &Arc<dyn Clock> {
        &self.clock
    }

    /// Whether the store answers.
    pub fn ready(&self) -> Result<()> {
        self.store.ping().map_err(OrderlyError::from)
    }

    /// Settings of the store's database that let an acknowledged order be lost, one sentence
    /// each; empty when the store is durable (see [`Store::durability_warnings`]). The service
    /// still works when there are warnings: front ends log them and show them in readiness
    /// answers.
    pub fn durability_warnings(&self) -> Result<Vec<String>> {
        self.store.durability_warnings().map_err(OrderlyError::from)
    }

    /// The user's cart, validated and totalled. A user with no cart gets an empty cart in the
    /// policy's default currency.
    pub fn cart(&self, caller: &Caller, user: &UserId) -> Result<Cart> {
        self.authorize_user(caller, user)?;
        self.fetch_cart(caller, user)
    }

    fn fetch_cart(&self, caller: &Caller, user: &UserId) -> Result<Cart> {
        let raw = self
            .carts
            .fetch_cart(user, caller.request_id.as_deref())
            .map_err(|e| match e {
                CartSourceError::Unavailable(m) => OrderlyError::CartUnavailable(m),
                CartSourceError::Malformed(m) => OrderlyError::CartMalformed(m),
            })?;
        match raw {
            Some(raw) => Ok(validation::validate_cart(user, &raw)?),
            None => Ok(Cart {
                user_id: user.clone(),
                currency: self.policy.default_currency,
                items: Vec::new(),
                subtotal: crate::money::Money::zero(self.policy.default_currency),
            }),
        }
    }

    /// Customers may act only for themselves; staff for anyone.
    fn authorize_user(&self, caller: &Caller, user: &UserId) -> Result<()> {
        if caller.is_staff() || caller.is_user(user) {
            Ok(())
        } else {
            Err(OrderlyError::Forbidden(format!(
                "{} may not act for user {user}",
                caller.actor()
            )))
        }
    }

    fn require_staff(&self, caller: &Caller, what: &str) -> Result<()> {
        if caller.is_staff() {
            Ok(())
        } else {
            Err(OrderlyError::Forbidden(format!(
                "only admin or service callers may {what}"
            )))
        }
    }

    fn new_uuid(&self) -> uuid::Uuid {
        self.ids.new_uuid()
    }
}
