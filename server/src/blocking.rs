//! The engine is synchronous (storage and Cart Service calls block), so every engine call runs
//! on Tokio's blocking pool, never on an async worker.

use orderly::{OrderService, OrderlyError};
use tracing::Instrument as _;

use crate::problem::Problem;
use crate::state::AppState;

/// Runs `call` with the engine on the blocking pool, inside the current tracing span, and maps
/// its error through the one conversion point. A panic in the call becomes a generic 500.
pub async fn run<T, F>(state: &AppState, call: F) -> Result<T, Problem>
where
    F: FnOnce(&OrderService) -> Result<T, OrderlyError> + Send + 'static,
    T: Send + 'static,
{
    let service = state.service().clone();
    let span = tracing::Span::current();
    let task = tokio::task::spawn_blocking(move || span.in_scope(|| call(&service)));
    match task.in_current_span().await {
        Ok(result) => result.map_err(Problem::from),
        Err(join) => Err(Problem::internal(format!("engine task failed: {join}"))),
    }
}
