//! Liveness and readiness answers.

use serde::Serialize;
use utoipa::ToSchema;

/// `GET /health`: the server accepts requests.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Health {
    #[schema(example = "ok")]
    pub status: &'static str,
}

/// `GET /ready`: the store answers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct Ready {
    #[schema(example = "ready")]
    pub status: &'static str,
    /// The storage backend: `sqlite`, `mysql`.
    #[schema(example = "sqlite")]
    pub store: &'static str,
}
