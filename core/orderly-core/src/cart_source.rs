//! Where carts come from. The server plugs in an HTTP client for the Cart Service; embedded
//! users and tests use `InMemoryCarts`.

use std::collections::HashMap;
use std::fmt;
use std::sync::RwLock;

use crate::ids::UserId;
use crate::model::RawCart;

#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
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
    fn fetch_cart(
        &self,
        user: &UserId,
        request_id: Option<&str>,
    ) -> Result<Option<RawCart>, CartSourceError>;
}

/// Carts held in memory: for embedded use, examples and tests.
#[derive(Debug, Default)]
pub struct InMemoryCarts {
    carts: RwLock<HashMap<String, RawCart>>,
}

impl InMemoryCarts {
    pub fn new() -> Self {
        Self::default()
    }

    /// Sets (or replaces) a user's cart.
    pub fn set(&self, cart: RawCart) {
        if let Ok(mut carts) = self.carts.write() {
            carts.insert(cart.user_id.clone(), cart);
        }
    }

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
