//! Carts for engine calls: fetched from the Cart Service on the async workers, before the
//! engine runs, and handed to it as a [`FetchedCart`].
//!
//! The engine still decides everything about the cart (whether it is needed at all, what a
//! failure to fetch it means, whether it is valid); the server only moves the wait for it off
//! the threads that serve the store. A request the engine will refuse for who is asking gets
//! no fetch.

use std::sync::Arc;

use orderly::{Caller, FetchedCart, OrderService, UserId};

use crate::state::AppState;

/// The engine to call for a request that may need `user`'s cart: with a Cart Service
/// configured, the state's engine holding that cart as just fetched; without one, the state's
/// engine as it is (whose own cart source then answers).
pub async fn engine_for(state: &AppState, caller: &Caller, user: &UserId) -> OrderService {
    let service = state.service();
    let Some(cart_service) = state.cart_service() else {
        return service.clone();
    };
    if service.may_act_for(caller, user).is_err() {
        // The engine refuses it itself, the same way as without a Cart Service.
        return service.clone();
    }
    let fetched = cart_service
        .fetch_cart(user, caller.request_id.as_deref())
        .await;
    service.with_carts(Arc::new(FetchedCart::new(user.clone(), fetched)))
}
