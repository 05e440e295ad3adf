//! Error answers as `application/problem+json` (RFC 9457), each with a stable `code`.

use axum::http::{StatusCode, header};
use axum::response::{IntoResponse, Response};
use serde_json::json;

/// An error answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Problem {
    pub status: StatusCode,
    pub code: &'static str,
    pub detail: String,
}

impl Problem {
    pub fn new(status: StatusCode, code: &'static str, detail: impl Into<String>) -> Self {
        Problem {
            status,
            code,
            detail: detail.into(),
        }
    }

    pub fn invalid_user_id() -> Self {
        Problem::new(
            StatusCode::BAD_REQUEST,
            "invalid_user_id",
            "userId must be 1 to 64 characters of A-Z a-z 0-9 _ - . @",
        )
    }

    pub fn no_cart(user_id: &str) -> Self {
        Problem::new(
            StatusCode::NOT_FOUND,
            "cart_not_found",
            format!("user {user_id} has no cart"),
        )
    }
}

impl IntoResponse for Problem {
    fn into_response(self) -> Response {
        let title = self.status.canonical_reason().unwrap_or("Error");
        let body = json!({
            "type": "about:blank",
            "title": title,
            "status": self.status.as_u16(),
            "detail": self.detail,
            "code": self.code,
        });
        (
            self.status,
            [(header::CONTENT_TYPE, "application/problem+json")],
            body.to_string(),
        )
            .into_response()
    }
}
