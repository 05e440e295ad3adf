//! A small Cart Service that follows the cart-service contract, for demos and tests.
