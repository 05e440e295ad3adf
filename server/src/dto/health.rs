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
    /// Settings of the database that let an acknowledged order be lost in a crash, one
    /// sentence each naming the setting and the value to set (on MySQL/MariaDB:
    /// `innodb_flush_log_at_trx_commit` other than 1, `sync_binlog` other than 1 with the
    /// binary log on). Always present; empty when the database is set up durably. The server
    /// is ready either way.
    #[schema(example = json!([]))]
    pub warnings: Vec<String>,
}
