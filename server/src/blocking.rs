//! The engine is synchronous (its store calls block), so every engine call runs off the async
//! workers, on a bounded pool: reads of the store on the dedicated read threads (see
//! [`read_pool`](crate::read_pool)), everything else on Tokio's blocking pool behind the
//! [`StorePool`](crate::admission::StorePool)'s slots. When either has as many calls waiting
//! as it takes, the next is shed with 503 `overloaded` and `Retry-After` instead of queued.
//! Carts are fetched before, asynchronously (see [`carts`](crate::carts)), so no thread of
//! either pool ever waits on the Cart Service.

use orderly::{OrderService, OrderlyError};
use tracing::Instrument as _;

use crate::problem::Problem;
use crate::state::AppState;

/// Runs `call` with the engine on Tokio's blocking pool, inside the current tracing span, once
/// the store pool has a slot for it, and maps its error through the one conversion point. A
/// panic in the call becomes a generic 500. For calls that write.
pub async fn run<T, F>(state: &AppState, call: F) -> Result<T, Problem>
where
    F: FnOnce(&OrderService) -> Result<T, OrderlyError> + Send + 'static,
    T: Send + 'static,
{
    run_with(state, state.service().clone(), call).await
}

/// [`run`] with `service` (the state's engine with a cart already fetched, say).
pub async fn run_with<T, F>(state: &AppState, service: OrderService, call: F) -> Result<T, Problem>
where
    F: FnOnce(&OrderService) -> Result<T, OrderlyError> + Send + 'static,
    T: Send + 'static,
{
    let slot = state.store_pool().admit().await?;
    let span = tracing::Span::current();
    let task = tokio::task::spawn_blocking(move || {
        let _slot = slot;
        span.in_scope(|| call(&service))
    });
    match task.in_current_span().await {
        Ok(result) => result.map_err(Problem::from),
        Err(join) => Err(Problem::internal(format!("engine task failed: {join}"))),
    }
}

/// [`run`] for calls that only read the store: on the read threads, which under load take one
/// job after another without a thread wake-up each.
pub async fn read<T, F>(state: &AppState, call: F) -> Result<T, Problem>
where
    F: FnOnce(&OrderService) -> Result<T, OrderlyError> + Send + 'static,
    T: Send + 'static,
{
    let (reply, answer) = tokio::sync::oneshot::channel();
    let job_state = state.clone();
    let span = tracing::Span::current();
    state
        .read_pool()
        .submit(move || {
            let result = span.in_scope(|| call(job_state.service()));
            // The request may have gone away meanwhile; then nobody wants the answer.
            let _ = reply.send(result);
        })
        .map_err(Problem::overloaded)?;
    match answer.await {
        Ok(result) => result.map_err(Problem::from),
        Err(_) => Err(Problem::internal("engine read failed (the call panicked)")),
    }
}

/// Starts `call` with the engine on Tokio's blocking pool, inside the current tracing span, once
/// the store pool has a slot for it, and returns without waiting for it: for calls that hand
/// their results on as they go (an export streamed to the client through a channel). The slot
/// is held until the call returns.
pub async fn spawn<F>(state: &AppState, call: F) -> Result<(), Problem>
where
    F: FnOnce(&OrderService) + Send + 'static,
{
    let slot = state.store_pool().admit().await?;
    let span = tracing::Span::current();
    let service = state.service().clone();
    drop(tokio::task::spawn_blocking(move || {
        let _slot = slot;
        span.in_scope(|| call(&service));
    }));
    Ok(())
}
