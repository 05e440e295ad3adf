//! Why a Cart Service client could not be built. (Failures of a fetch are the core's
//! `CartSourceError`.)

/// A configuration the client cannot work with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum CartClientError {
    #[error("cart service URL {url:?} is not usable: {reason}")]
    InvalidBaseUrl { url: String, reason: String },
    #[error("the cart service token cannot be sent in an HTTP header")]
    InvalidToken,
    #[error("cart service client configuration: {0}")]
    InvalidConfig(String),
    #[error("cannot start the cart service HTTP client: {0}")]
    Client(String),
}

impl CartClientError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        match self {
            CartClientError::InvalidBaseUrl { .. } => "invalid_cart_service_url",
            CartClientError::InvalidToken => "invalid_cart_service_token",
            CartClientError::InvalidConfig(_) => "invalid_cart_service_config",
            CartClientError::Client(_) => "cart_client_unavailable",
        }
    }
}
