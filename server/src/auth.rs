//! HS256 bearer tokens: issuing (the `token` subcommand, tests) and verifying (every request
//! but `/health` and `/openapi.json`). The staff dashboard's session cookie carries the same
//! token (`admin::session`).
//!
//! Only HS256 is accepted: `alg: none`, other HMAC sizes and asymmetric algorithms are refused
//! before the signature is looked at. `exp` and `sub` are required, `nbf` is honoured when
//! present, and the role must be `customer`, `admin`, `service` or `device` (whose `sub` is a
//! device id: 1 to 64 of `A-Z a-z 0-9 . _ -`). The claims become an engine
//! `Caller`; the engine alone decides what that caller may do.

use std::sync::Arc;
use std::time::{Duration, SystemTime, UNIX_EPOCH};

use axum::extract::FromRequestParts;
use axum::http::header::{AUTHORIZATION, HeaderValue, WWW_AUTHENTICATE};
use axum::http::request::Parts;
use axum::http::{HeaderMap, StatusCode};
use jsonwebtoken::errors::ErrorKind as JwtErrorKind;
use jsonwebtoken::{Algorithm, DecodingKey, EncodingKey, Header, Validation};
use orderly::{Caller, DeviceId, Role, UserId};
use serde::{Deserialize, Serialize};

use crate::problem::Problem;
use crate::request_id::RequestId;
use crate::state::AppState;
use crate::verified_tokens::{Known, VerifiedTokens};

/// RFC 7518 §3.2: an HS256 key must be at least as long as the hash output.
pub const MIN_SECRET_BYTES: usize = 32;

/// Clock skew tolerated on `exp` and `nbf`, in seconds.
pub const LEEWAY_SECS: u64 = 30;

/// The claims the server reads and writes.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Claims {
    /// The user id for customers; the staff member or system name otherwise.
    pub sub: String,
    pub role: Role,
    /// Expiry, seconds since the Unix epoch.
    pub exp: u64,
    /// Issued at, seconds since the Unix epoch.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub iat: Option<u64>,
}

/// Why a secret cannot be used.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum SecretError {
    #[error("the JWT secret must be at least {MIN_SECRET_BYTES} bytes (HS256 needs a 256-bit key)")]
    TooShort,
}

/// Why a request's credentials were refused. Every variant is a 401.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum AuthError {
    #[error("an Authorization: Bearer <token> header is required")]
    Missing,
    #[error("the Authorization header must use the Bearer scheme")]
    NotBearer,
    #[error("the dashboard's session cookie is accepted only with the X-Orderly-Admin: 1 header")]
    CookieWithoutHeader,
    #[error("the token has expired")]
    Expired,
    #[error("the token is not valid: {0}")]
    Invalid(&'static str),
    #[error("could not sign a token: {0}")]
    Signing(String),
}

impl AuthError {
    pub fn code(&self) -> &'static str {
        match self {
            AuthError::Missing | AuthError::CookieWithoutHeader => "missing_token",
            AuthError::NotBearer | AuthError::Invalid(_) => "invalid_token",
            AuthError::Expired => "token_expired",
            AuthError::Signing(_) => "internal",
        }
    }
}

impl From<AuthError> for Problem {
    fn from(err: AuthError) -> Self {
        if let AuthError::Signing(detail) = &err {
            return Problem::internal(detail);
        }
        let challenge = match err {
            AuthError::Missing | AuthError::CookieWithoutHeader => "Bearer",
            _ => "Bearer error=\"invalid_token\"",
        };
        Problem::new(StatusCode::UNAUTHORIZED, err.code(), err.to_string())
            .with_header(WWW_AUTHENTICATE, HeaderValue::from_static(challenge))
    }
}

/// Signs and verifies tokens with one shared secret.
#[derive(Clone)]
pub struct Authenticator {
    encoding: EncodingKey,
    decoding: DecodingKey,
    validation: Validation,
    verified: Arc<VerifiedTokens>,
}

impl std::fmt::Debug for Authenticator {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Authenticator")
            .field("algorithm", &"HS256")
            .finish_non_exhaustive()
    }
}

fn now_secs() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .map(|d| d.as_secs())
        .unwrap_or(0)
}

impl Authenticator {
    /// Signs and verifies HS256 tokens with `secret`; refuses a secret too short to be safe.
    pub fn new(secret: &[u8]) -> Result<Self, SecretError> {
        if secret.len() < MIN_SECRET_BYTES {
            return Err(SecretError::TooShort);
        }
        let mut validation = Validation::new(Algorithm::HS256);
        validation.algorithms = vec![Algorithm::HS256];
        validation.set_required_spec_claims(&["exp", "sub"]);
        validation.validate_exp = true;
        validation.validate_nbf = true;
        validation.leeway = LEEWAY_SECS;
        Ok(Authenticator {
            encoding: EncodingKey::from_secret(secret),
            decoding: DecodingKey::from_secret(secret),
            validation,
            verified: Arc::default(),
        })
    }

    /// A signed HS256 token for `sub` with `role`, valid for `ttl`.
    pub fn issue(&self, sub: &str, role: Role, ttl: Duration) -> Result<String, AuthError> {
        let now = now_secs();
        let claims = Claims {
            sub: sub.to_owned(),
            role,
            exp: now.saturating_add(ttl.as_secs()),
            iat: Some(now),
        };
        jsonwebtoken::encode(&Header::new(Algorithm::HS256), &claims, &self.encoding)
            .map_err(|e| AuthError::Signing(e.to_string()))
    }

    /// Checks the signature, algorithm and time claims, and returns the claims.
    pub fn verify(&self, token: &str) -> Result<Claims, AuthError> {
        let data = jsonwebtoken::decode::<Claims>(token, &self.decoding, &self.validation)
            .map_err(|e| match e.kind() {
                JwtErrorKind::ExpiredSignature => AuthError::Expired,
                JwtErrorKind::ImmatureSignature => AuthError::Invalid("not valid yet"),
                JwtErrorKind::InvalidSignature => AuthError::Invalid("bad signature"),
                JwtErrorKind::InvalidAlgorithm | JwtErrorKind::InvalidAlgorithmName => {
                    AuthError::Invalid("only HS256 is accepted")
                }
                JwtErrorKind::MissingRequiredClaim(_) => AuthError::Invalid("missing claim"),
                JwtErrorKind::Json(_) => AuthError::Invalid("bad claims"),
                _ => AuthError::Invalid("malformed token"),
            })?;
        Ok(data.claims)
    }

    /// Verifies a token and turns its claims into the engine's `Caller`. A token verified
    /// before is only checked for expiry.
    pub fn caller(&self, token: &str) -> Result<Caller, AuthError> {
        let now = now_secs();
        match self.verified.get(token, now) {
            Known::Valid(caller) => return Ok(caller),
            Known::Expired => return Err(AuthError::Expired),
            Known::Unknown => {}
        }
        let claims = self.verify(token)?;
        let caller = caller_from_claims(&claims)?;
        // jsonwebtoken refuses a token once `exp < now - leeway`.
        self.verified
            .insert(token, &caller, claims.exp.saturating_add(LEEWAY_SECS));
        Ok(caller)
    }
}

/// The one role-to-`Caller` conversion.
pub fn caller_from_claims(claims: &Claims) -> Result<Caller, AuthError> {
    let sub = claims.sub.as_str();
    if sub.is_empty() || sub.len() > 128 || sub.chars().any(char::is_control) {
        return Err(AuthError::Invalid("bad subject"));
    }
    Ok(match claims.role {
        Role::Customer => {
            let user = UserId::new(sub).map_err(|_| AuthError::Invalid("bad subject"))?;
            Caller::customer(&user)
        }
        Role::Admin => Caller::admin(sub),
        Role::Service => Caller::service(sub),
        Role::Device => {
            let device = DeviceId::new(sub).map_err(|_| AuthError::Invalid("bad subject"))?;
            Caller::device(&device)
        }
        // A role this server does not know grants nothing.
        _ => return Err(AuthError::Invalid("unknown role")),
    })
}

/// The bearer token of a request, if it has one.
fn bearer(headers: &HeaderMap) -> Result<&str, AuthError> {
    let value = headers
        .get(AUTHORIZATION)
        .ok_or(AuthError::Missing)?
        .to_str()
        .map_err(|_| AuthError::NotBearer)?;
    let (scheme, token) = value.trim().split_once(' ').ok_or(AuthError::NotBearer)?;
    if !scheme.eq_ignore_ascii_case("bearer") {
        return Err(AuthError::NotBearer);
    }
    let token = token.trim();
    if token.is_empty() {
        return Err(AuthError::Missing);
    }
    Ok(token)
}

/// The request's token: its bearer token, or else the dashboard's session cookie (accepted
/// only with the dashboard's header, see `admin::session_token`). The bearer token wins when
/// both are present.
pub fn credential(headers: &HeaderMap) -> Result<&str, AuthError> {
    if headers.contains_key(AUTHORIZATION) {
        return bearer(headers);
    }
    crate::admin::session_token(headers)?.ok_or(AuthError::Missing)
}

/// An authenticated caller, carrying the request id so the engine can pass it on.
#[derive(Debug, Clone)]
pub struct Authenticated(pub Caller);

impl FromRequestParts<AppState> for Authenticated {
    type Rejection = Problem;

    async fn from_request_parts(parts: &mut Parts, state: &AppState) -> Result<Self, Problem> {
        let caller = state.auth().caller(credential(&parts.headers)?)?;
        let caller = match parts.extensions.get::<RequestId>() {
            Some(id) => caller.with_request_id(id.as_str()),
            None => caller,
        };
        tracing::Span::current().record("actor", caller.actor());
        Ok(Authenticated(caller))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::expect_used)]
mod tests {
    use super::*;
    use base64::Engine as _;

    const SECRET: &[u8] = b"0123456789abcdef0123456789abcdef";

    fn b64(s: &str) -> String {
        base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(s)
    }

    #[test]
    fn issued_tokens_verify_and_map_to_callers() {
        let auth = Authenticator::new(SECRET).unwrap();
        let t = auth
            .issue("alice", Role::Customer, Duration::from_secs(60))
            .unwrap();
        let caller = auth.caller(&t).unwrap();
        assert_eq!(caller.actor(), "customer:alice");
        let t = auth
            .issue("ops", Role::Admin, Duration::from_secs(60))
            .unwrap();
        assert!(auth.caller(&t).unwrap().is_staff());
    }

    #[test]
    fn a_remembered_token_still_refuses_every_other_byte_string() {
        let auth = Authenticator::new(SECRET).unwrap();
        let t = auth
            .issue("alice", Role::Customer, Duration::from_secs(60))
            .unwrap();
        assert_eq!(auth.caller(&t).unwrap().actor(), "customer:alice");
        assert_eq!(auth.caller(&t).unwrap().actor(), "customer:alice");
        let (head, signature) = t.rsplit_once('.').unwrap();
        let mut forged = signature.to_owned();
        let last = if forged.ends_with('A') { "B" } else { "A" };
        forged.replace_range(forged.len() - 1.., last);
        let forged = format!("{head}.{forged}");
        assert!(auth.caller(&forged).is_err());
        let admin = format!("{}.{signature}", head.replace('e', "f"));
        assert!(auth.caller(&admin).is_err());
    }

    #[test]
    fn an_expired_token_is_refused_even_after_it_was_remembered() {
        let auth = Authenticator::new(SECRET).unwrap();
        let caller = Caller::admin("ops");
        let now = now_secs();
        auth.verified.insert("remembered", &caller, now - 1);
        assert_eq!(auth.caller("remembered").unwrap_err(), AuthError::Expired);
    }

    #[test]
    fn short_secrets_are_refused() {
        assert_eq!(
            Authenticator::new(b"short").unwrap_err(),
            SecretError::TooShort
        );
    }

    #[test]
    fn bad_tokens_are_refused() {
        let auth = Authenticator::new(SECRET).unwrap();
        let other = Authenticator::new(b"another-secret-another-secret-xx").unwrap();
        let foreign = other
            .issue("alice", Role::Admin, Duration::from_secs(60))
            .unwrap();
        assert_eq!(auth.verify(&foreign).unwrap_err().code(), "invalid_token");

        let exp = now_secs() + 600;
        let none = format!(
            "{}.{}.",
            b64(r#"{"alg":"none","typ":"JWT"}"#),
            b64(&format!(r#"{{"sub":"alice","role":"admin","exp":{exp}}}"#))
        );
        assert_eq!(auth.verify(&none).unwrap_err().code(), "invalid_token");

        let expired = jsonwebtoken::encode(
            &Header::new(Algorithm::HS256),
            &Claims {
                sub: "alice".into(),
                role: Role::Customer,
                exp: now_secs() - 3600,
                iat: None,
            },
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert_eq!(auth.verify(&expired).unwrap_err(), AuthError::Expired);

        let hs512 = jsonwebtoken::encode(
            &Header::new(Algorithm::HS512),
            &Claims {
                sub: "alice".into(),
                role: Role::Customer,
                exp,
                iat: None,
            },
            &EncodingKey::from_secret(SECRET),
        )
        .unwrap();
        assert_eq!(auth.verify(&hs512).unwrap_err().code(), "invalid_token");

        let customer_with_bad_sub = auth
            .issue("not a user id", Role::Customer, Duration::from_secs(60))
            .unwrap();
        assert_eq!(
            auth.caller(&customer_with_bad_sub).unwrap_err().code(),
            "invalid_token"
        );
    }
}
