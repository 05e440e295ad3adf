//! Signing in to the dashboard: a staff token goes in once (`POST /admin/session`) and comes
//! back as an HttpOnly cookie, so the page's scripts never hold it and another site's scripts
//! cannot read it. The cookie is `SameSite=Strict`, and the API accepts it only together with
//! the `X-Orderly-Admin: 1` header ([`session_token`]), which a page on another site cannot
//! add without a CORS preflight this server never grants.

use std::time::{SystemTime, UNIX_EPOCH};

use axum::Json;
use axum::extract::State;
use axum::http::header::{COOKIE, HeaderValue, SET_COOKIE};
use axum::http::{HeaderMap, StatusCode};
use axum::response::{IntoResponse, Response};
use orderly::{Role, Timestamp};
use serde::{Deserialize, Serialize};

use super::secret::{SECRET_SESSION_TTL, SECRET_SUBJECT};
use crate::auth::{AuthError, Claims, caller_from_claims, credential};
use crate::extract::{ApiBody, ApiJson};
use crate::problem::Problem;
use crate::state::AppState;

/// The cookie that holds a signed-in staff member's token.
pub const SESSION_COOKIE: &str = "orderly_admin";

/// The header without which the cookie is not looked at.
pub const ADMIN_HEADER: &str = "x-orderly-admin";

/// Body of `POST /admin/session`: one of the two.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SignIn {
    /// A staff token (role `admin`), as `orderly-server token` mints.
    #[serde(default)]
    token: Option<String>,
    /// The configured staff secret (`--admin-secret`).
    #[serde(default)]
    secret: Option<String>,
}

impl std::fmt::Debug for SignIn {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str("SignIn(..)")
    }
}

impl ApiBody for SignIn {}

/// `GET /admin/session`: who is signed in, until when.
#[derive(Debug, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Session {
    sub: String,
    role: Role,
    expires_at: String,
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

/// The token of the session cookie, when the request has one and says it comes from the
/// dashboard (`X-Orderly-Admin: 1`). `Ok(None)` when there is no cookie; an error when the
/// cookie came without the header.
pub fn session_token(headers: &HeaderMap) -> Result<Option<&str>, AuthError> {
    let Some(token) = cookie(headers, SESSION_COOKIE) else {
        return Ok(None);
    };
    let from_dashboard = headers
        .get(ADMIN_HEADER)
        .is_some_and(|value| value.as_bytes() == b"1");
    if !from_dashboard {
        return Err(AuthError::CookieWithoutHeader);
    }
    Ok(Some(token))
}

/// The value of the cookie `name`, from any `Cookie` header.
fn cookie<'a>(headers: &'a HeaderMap, name: &str) -> Option<&'a str> {
    headers
        .get_all(COOKIE)
        .iter()
        .filter_map(|value| value.to_str().ok())
        .flat_map(|value| value.split(';'))
        .filter_map(|pair| pair.trim().split_once('='))
        .find(|(key, _)| *key == name)
        .map(|(_, value)| value.trim())
        .filter(|value| !value.is_empty())
}

fn set_cookie(token: &str, max_age: u64) -> Result<HeaderValue, Problem> {
    HeaderValue::from_str(&format!(
        "{SESSION_COOKIE}={token}; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age={max_age}"
    ))
    .map_err(|_| Problem::from(AuthError::Invalid("malformed token")))
}

/// Verifies a staff token: well signed, unexpired, role `admin`.
fn staff_claims(state: &AppState, token: &str) -> Result<Claims, Problem> {
    let claims = state.auth().verify(token)?;
    caller_from_claims(&claims)?;
    if claims.role != Role::Admin {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "forbidden",
            "only staff (role admin) may sign in to the dashboard",
        ));
    }
    Ok(claims)
}

/// The token a sign-in with the staff secret gets: a fresh staff token for sub `admin`.
fn token_for_secret(state: &AppState, given: &str) -> Result<String, Problem> {
    let Some(secret) = state.admin_secret() else {
        return Err(Problem::new(
            StatusCode::FORBIDDEN,
            "secret_sign_in_disabled",
            "signing in with the staff secret is off on this server (it needs --admin-secret or \
             ORDERLY_ADMIN_SECRET); sign in with a staff token instead",
        ));
    };
    if !secret.matches(given) {
        return Err(Problem::new(
            StatusCode::UNAUTHORIZED,
            "invalid_secret",
            "that is not the staff secret",
        ));
    }
    Ok(state
        .auth()
        .issue(SECRET_SUBJECT, Role::Admin, SECRET_SESSION_TTL)?)
}

/// `POST /admin/session`: exchanges a staff token (or the staff secret, when configured) for
/// the session cookie, which lasts as long as the token. 204 with `Set-Cookie`; 401 for a bad
/// or expired token or a wrong secret, 403 for another role or a secret when none is set.
pub async fn sign_in(
    State(state): State<AppState>,
    ApiJson(body): ApiJson<SignIn>,
) -> Result<Response, Problem> {
    let token = match (body.token, body.secret) {
        (Some(token), None) => token.trim().to_owned(),
        (None, Some(secret)) => token_for_secret(&state, &secret)?,
        _ => {
            return Err(Problem::unprocessable(
                "invalid_body",
                "send either a staff token (`token`) or the staff secret (`secret`)",
            ));
        }
    };
    let token = token.as_str();
    let claims = staff_claims(&state, token)?;
    let max_age = claims.exp.saturating_sub(now_secs());
    if max_age == 0 {
        return Err(AuthError::Expired.into());
    }
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, set_cookie(token, max_age)?);
    Ok(response)
}

/// `GET /admin/session`: the signed-in staff member, from the cookie (with the dashboard's
/// header) or a bearer token; 401 when there is none.
pub async fn current(
    State(state): State<AppState>,
    headers: HeaderMap,
) -> Result<Json<Session>, Problem> {
    let token = credential(&headers)?;
    let claims = staff_claims(&state, token)?;
    let exp_millis = i64::try_from(claims.exp.saturating_mul(1000)).unwrap_or(i64::MAX);
    Ok(Json(Session {
        sub: claims.sub,
        role: claims.role,
        expires_at: Timestamp::from_unix_millis(exp_millis).to_rfc3339(),
    }))
}

/// `DELETE /admin/session`: signs out by expiring the cookie. 204 whether or not one was set.
pub async fn sign_out() -> Result<Response, Problem> {
    let mut response = StatusCode::NO_CONTENT.into_response();
    response
        .headers_mut()
        .insert(SET_COOKIE, set_cookie("", 0)?);
    Ok(response)
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn headers(pairs: &[(&'static str, &'static str)]) -> HeaderMap {
        let mut map = HeaderMap::new();
        for (name, value) in pairs {
            map.append(*name, HeaderValue::from_static(value));
        }
        map
    }

    #[test]
    fn the_cookie_counts_only_with_the_dashboard_header() {
        let both = headers(&[
            ("cookie", "a=b; orderly_admin=tok"),
            ("x-orderly-admin", "1"),
        ]);
        assert_eq!(session_token(&both).unwrap(), Some("tok"));
        let cookie_only = headers(&[("cookie", "orderly_admin=tok")]);
        assert_eq!(
            session_token(&cookie_only).unwrap_err(),
            AuthError::CookieWithoutHeader
        );
        let wrong = headers(&[("cookie", "orderly_admin=tok"), ("x-orderly-admin", "yes")]);
        assert!(session_token(&wrong).is_err());
        assert_eq!(
            session_token(&headers(&[("x-orderly-admin", "1")])).unwrap(),
            None
        );
        let empty = headers(&[("cookie", "orderly_admin="), ("x-orderly-admin", "1")]);
        assert_eq!(session_token(&empty).unwrap(), None);
    }
}
