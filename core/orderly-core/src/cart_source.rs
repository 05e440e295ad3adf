//! Where carts come from. The server plugs in an HTTP client for the Cart Service; embedded
//! users and tests use `InMemoryCarts`.

use std::collections::HashMap;
use std::fmt;
use std::sync::RwLock;

use crate::ids::UserId;
use crate::model::RawCart;

/// Why a cart could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum CartSourceError {
    /// Down, timing out, or answering 5xx after the retries.
    #[error("{0}")]
    Unavailable(String),
    /// Answered, but not in the contract's shape.
    #[error("{0}")]
    Malformed(String),
}

/// Reads a user's cart. `Ok(None)` means the user has no cart (the service's 404).
pub trait CartSource: Send + Sync + fmt::Debug {
    /// The user's cart, or `None` when the user has none. `request_id` is the caller's, to pass on
    /// for tracing (the HTTP client sends it as `X-Request-Id`).
    fn fetch_cart(
        &self,
        user: &UserId,
        request_id: Option<&str>,
    ) -> Result<Option<RawCart>, CartSourceError>;
}

/// A cart read before the engine call, by a front end that fetches carts asynchronously (the
/// server reads the Cart Service without holding a thread). Handed to the engine through
/// [`OrderService::with_carts`](crate::OrderService::with_carts), it answers for that user
/// what the fetch answered, failure included, so every rule about carts is still the engine's;
/// an engine call that never needs the cart never sees a fetch failure.
#[derive(Debug, Clone)]
pub struct FetchedCart {
    user: UserId,
    result: Result<Option<RawCart>, CartSourceError>,
}

impl FetchedCart {
    /// The answer `result` of fetching `user`'s cart.
    pub fn new(user: UserId, result: Result<Option<RawCart>, CartSourceError>) -> Self {
        FetchedCart { user, result }
    }
}

impl CartSource for FetchedCart {
    fn fetch_cart(
        &self,
        user: &UserId,
        _request_id: Option<&str>,
    ) -> Result<Option<RawCart>, CartSourceError> {
        if *user != self.user {
            return Err(CartSourceError::Unavailable(format!(
                "the cart of {} was fetched, not the cart of {user}",
                self.user
            )));
        }
        self.result.clone()
    }
}

/// Carts held in memory: for embedded use, examples and tests.
#[derive(Debug, Default)]
pub struct InMemoryCarts {
    carts: RwLock<HashMap<String, RawCart>>,
}

impl InMemoryCarts {
    /// No carts.
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (or replaces) a user's cart.
    pub fn set(&self, cart: RawCart) {
        if let Ok(mut carts) = self.carts.write() {
            carts.insert(cart.user_id.clone(), cart);
        }
    }

    /// Removes a user's cart; the user then has none.
    pub fn remove(&self, user: &str) {
        if let Ok(mut carts) = self.carts.write() {
            carts.remove(user);
        }
    }
}

impl CartSource for InMemoryCarts {
    fn fetch_cart(
        &self,
        user: &UserId,
        _request_id: Option<&str>,
    ) -> Result<Option<RawCart>, CartSourceError> {
        let carts = self
            .carts
            .read()
            .map_err(|_| CartSourceError::Unavailable("cart store lock poisoned".into()))?;
        Ok(carts.get(user.as_str()).cloned())
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn user(id: &str) -> UserId {
        UserId::new(id).unwrap()
    }

    #[test]
    fn a_fetched_cart_answers_for_its_user_only() {
        let cart = RawCart {
            user_id: "alice".into(),
            currency: "USD".into(),
            items: Vec::new(),
            updated_at: None,
        };
        let fetched = FetchedCart::new(user("alice"), Ok(Some(cart.clone())));
        assert_eq!(fetched.fetch_cart(&user("alice"), None), Ok(Some(cart)));
        assert!(matches!(
            fetched.fetch_cart(&user("bob"), None),
            Err(CartSourceError::Unavailable(_))
        ));
        let down = FetchedCart::new(
            user("alice"),
            Err(CartSourceError::Malformed("bad json".into())),
        );
        assert_eq!(
            down.fetch_cart(&user("alice"), None),
            Err(CartSourceError::Malformed("bad json".into()))
        );
    }
}
