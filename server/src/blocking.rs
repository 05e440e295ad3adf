//! The engine is synchronous (storage and Cart Service calls block), so every engine call runs
//! off the async workers: reads of the store on the dedicated read threads (see
//! [`read_pool`](crate::read_pool)), everything else on Tokio's blocking pool.

use orderly::{OrderService, OrderlyError};
use tracing::Instrument as _;

use crate::problem::Problem;
use crate::state::AppState;

/// Runs `call` with the engine on Tokio's blocking pool, inside the current tracing span, and
/// maps its error through the one conversion point. A panic in the call becomes a generic 500.
/// For calls that write or wait on the network.
pub async fn run<T, F>(state: &AppState, call: F) -> Result<T, Problem>
where
    F: FnOnce(&OrderService) -> Result<T, OrderlyError> + Send + 'static,
    T: Send + 'static,
{
    let state = state.clone();
    let span = tracing::Span::current();
    let task = tokio::task::spawn_blocking(move || span.in_scope(|| call(state.service())));
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
    state.read_pool().submit(move || {
        let result = span.in_scope(|| call(job_state.service()));
        // The request may have gone away meanwhile; then nobody wants the answer.
        let _ = reply.send(result);
    });
    match answer.await {
        Ok(result) => result.map_err(Problem::from),
        Err(_) => Err(Problem::internal("engine read failed (the call panicked)")),
    }
}
