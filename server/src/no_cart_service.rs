//! The cart source used when no Cart Service is configured: every cart read is "unavailable",
//! so the cart endpoints answer 503 until `--cart-url` is set.

use orderly::{CartSource, CartSourceError, RawCart, UserId};

/// The engine's cart source when carts come from elsewhere or from nowhere: every read
/// answers "unavailable" (the server fetches carts itself, before the engine call).
#[derive(Debug, Default, Clone, Copy)]
pub struct NoCartService;

impl CartSource for NoCartService {
    fn fetch_cart(
        &self,
        _user: &UserId,
        _request_id: Option<&str>,
    ) -> Result<Option<RawCart>, CartSourceError> {
        Err(CartSourceError::Unavailable(
            "no Cart Service is configured (set --cart-url or CART_SERVICE_URL)".into(),
        ))
    }
}
