//! The one place where engine errors become JavaScript errors: an `Error` named
//! `OrderlyError` whose `code` is the engine's stable code (`"invalid_transition"`, ...) and
//! whose `kind` is its broad class (`"invalid"`, `"not_found"`, `"conflict"`, ...).

use napi::bindgen_prelude::{JsObjectValue, JsValue, Object};
use napi::{Env, Status};
use orderly::{ErrorKind, OpenError, OrderlyError, SyncClientError, ValidationError};

/// Everything an engine task can fail with.
#[derive(Debug)]
pub enum Failure {
    Engine(OrderlyError),
    /// Opening a store fails before there is an engine; its codes come from the facade.
    Open(OpenError),
    /// A sync that stopped: the server unreachable or refusing, a malformed answer, or the
    /// engine's own error; its codes come from the facade's sync client.
    Sync(SyncClientError),
}

impl From<OrderlyError> for Failure {
    fn from(e: OrderlyError) -> Self {
        Failure::Engine(e)
    }
}

impl From<ValidationError> for Failure {
    fn from(e: ValidationError) -> Self {
        Failure::Engine(e.into())
    }
}

impl From<SyncClientError> for Failure {
    fn from(e: SyncClientError) -> Self {
        Failure::Sync(e)
    }
}

impl From<OpenError> for Failure {
    fn from(e: OpenError) -> Self {
        Failure::Open(e)
    }
}

fn kind_name(kind: ErrorKind) -> &'static str {
    match kind {
        ErrorKind::Invalid => "invalid",
        ErrorKind::NotFound => "not_found",
        ErrorKind::Forbidden => "forbidden",
        ErrorKind::Conflict => "conflict",
        ErrorKind::StaleVersion => "stale_version",
        ErrorKind::Unavailable => "unavailable",
        ErrorKind::UpstreamInvalid => "upstream_invalid",
        // Internal, and any kind this binding predates.
        _ => "internal",
    }
}

impl Failure {
    fn parts(&self) -> (&'static str, &'static str, String) {
        match self {
            Failure::Engine(e) => (kind_name(e.kind()), e.code(), e.to_string()),
            Failure::Open(e) => ("open", e.code(), e.to_string()),
            Failure::Sync(e) => (kind_name(e.kind()), e.code(), e.to_string()),
        }
    }

    /// The rejection value: `Object.assign(new Error(message), {name, code, kind})`.
    pub fn to_js(&self, env: &Env) -> napi::Error {
        let (kind, code, message) = self.parts();
        let decorate = || -> napi::Result<napi::Error> {
            let mut error: Object =
                env.create_error(napi::Error::new(Status::GenericFailure, &message))?;
            error.set_named_property("name", "OrderlyError")?;
            error.set_named_property("code", code)?;
            error.set_named_property("kind", kind)?;
            Ok(napi::Error::from(error.to_unknown()))
        };
        decorate().unwrap_or_else(|e| e)
    }
}

/// An argument the engine's own types refuse, such as an unknown shipping method.
pub fn invalid_field(field: &str, reason: impl Into<String>) -> Failure {
    Failure::Engine(
        ValidationError::InvalidField {
            field: field.to_owned(),
            reason: reason.into(),
        }
        .into(),
    )
}
