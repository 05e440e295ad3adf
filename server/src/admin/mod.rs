//! The staff dashboard at `/admin`: its files, built into the binary from `server/admin/dist/`
//! (see `build.rs`), and the sign-in that keeps a staff token in an HttpOnly cookie (given a
//! token, or the staff secret when one is configured).
//!
//! Every response under `/admin` carries the security headers below: the page may only run
//! scripts, styles and fetches from this server, may not be framed, and sends no referrer.

mod assets;
mod secret;
mod session;

use axum::Router;
use axum::http::HeaderValue;
use axum::http::header::{
    CONTENT_SECURITY_POLICY, REFERRER_POLICY, X_CONTENT_TYPE_OPTIONS, X_FRAME_OPTIONS,
};
use axum::middleware::map_response;
use axum::response::Response;
use axum::routing::{any, get};

use crate::problem::Problem;
use crate::state::AppState;

pub use secret::{AdminSecret, AdminSecretError};
pub use session::session_token;

/// What the dashboard's pages may load: only this server's own scripts, styles, images and
/// API; no inline script or style, no framing, no base or form target elsewhere.
pub const CONTENT_SECURITY_POLICY_VALUE: &str = "default-src 'none'; script-src 'self'; \
     style-src 'self'; img-src 'self' data:; connect-src 'self'; font-src 'self'; \
     base-uri 'none'; form-action 'self'; frame-ancestors 'none'";

/// The dashboard's routes, merged into the API's router.
pub fn routes() -> Router<AppState> {
    Router::new()
        .route("/admin", get(assets::index))
        .route("/admin/", get(assets::index))
        .route("/admin/assets/{file}", get(assets::asset))
        .route(
            "/admin/session",
            get(session::current)
                .post(session::sign_in)
                .delete(session::sign_out),
        )
        .route("/admin/{*rest}", any(unknown))
        .layer(map_response(security_headers))
}

async fn unknown() -> Problem {
    Problem::not_found("no such page or file in the staff dashboard")
}

async fn security_headers(mut response: Response) -> Response {
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_SECURITY_POLICY,
        HeaderValue::from_static(CONTENT_SECURITY_POLICY_VALUE),
    );
    headers.insert(X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff"));
    headers.insert(REFERRER_POLICY, HeaderValue::from_static("no-referrer"));
    headers.insert(X_FRAME_OPTIONS, HeaderValue::from_static("DENY"));
    response
}
