//! The engine's errors. Every variant has a stable, machine-readable `code()` that the HTTP
//! server and the bindings pass on unchanged; messages are for people and may change.

use std::sync::Arc;

use crate::money::MoneyError;
use crate::status::OrderStatus;

/// Input that breaks a rule. Each cause has its own code so that clients can react to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    // Identifiers and request framing.
    #[error("user id must be 1 to 64 characters of A-Z a-z 0-9 _ - . @, and not . or ..")]
    InvalidUserId,
    #[error("product id must be 1 to 128 characters without control characters")]
    InvalidProductId,
    #[error("idempotency key must be 1 to 255 printable ASCII characters")]
    InvalidIdempotencyKey,
    #[error("limit must be between 1 and 100, got {0}")]
    LimitOutOfRange(i64),
    #[error("cursor is not one this engine issued")]
    InvalidCursor,
    #[error("{field}: {reason}")]
    InvalidField { field: String, reason: String },
    #[error("status {0:?} is not one of placed, processing, shipped, delivered, cancelled")]
    InvalidStatus(String),
    #[error("shipping method {0:?} is not one of standard, express")]
    InvalidShippingMethod(String),

    // Cart rules (cart-service contract).
    #[error("the cart is empty")]
    CartEmpty,
    #[error("the cart has {lines} lines; at most {max} are allowed")]
    CartTooManyLines { lines: usize, max: usize },
    #[error("quantity of {product} must be between 1 and {max}, got {quantity}")]
    QuantityOutOfRange {
        product: String,
        quantity: i64,
        max: i64,
    },
    #[error("product {0} appears more than once in the cart")]
    DuplicateProduct(String),
    #[error("unit price of {product} is invalid: {reason}")]
    InvalidPrice { product: String, reason: String },
    #[error("cart currency is invalid: {0}")]
    InvalidCurrency(String),
    #[error("product name of {0} must be 1 to 200 characters without control characters")]
    InvalidProductName(String),

    // Address.
    #[error("address field {field} {reason}")]
    InvalidAddress { field: &'static str, reason: String },
    #[error("country {0:?} is not an ISO 3166-1 alpha-2 code")]
    InvalidCountry(String),
    #[error("postal code {code:?} is not valid for {country}")]
    InvalidPostalCode { code: String, country: String },

    // Payment.
    #[error("the card expired in {month:02}/{year}")]
    CardExpired { year: i32, month: u8 },
    #[error("card expiry month must be 1-12 and year 2000-2100")]
    InvalidCardExpiry,
    #[error("card last4 must be exactly four digits")]
    InvalidLast4,
    #[error("card brand {0:?} is not supported")]
    UnsupportedCardBrand(String),
    #[error("a full card number was sent; only tokens are accepted and nothing was stored")]
    CardNumberRefused,
    #[error("payment token must be 1 to 255 printable ASCII characters")]
    InvalidPaymentToken,
    #[error("payment method type {0:?} is not supported")]
    UnsupportedPaymentMethod(String),
    #[error("cash on delivery is limited to {limit}; this order totals {total}")]
    CashOnDeliveryOverLimit { limit: String, total: String },
    #[error("cash on delivery is not available for {0}")]
    CashOnDeliveryUnavailable(String),

    // Pricing.
    #[error("shipping method {method} is not available for {currency}")]
    ShippingUnavailable { method: String, currency: String },
    #[error("discount code {0:?} is not valid")]
    UnknownDiscountCode(String),
    #[error("metadata must be a JSON object of at most {max} bytes")]
    InvalidMetadata { max: usize },
    #[error("{0}")]
    Money(#[from] MoneyError),
}

impl ValidationError {
    pub fn code(&self) -> &'static str {
        use ValidationError::*;
        match self {
            InvalidUserId => "invalid_user_id",
            InvalidProductId => "invalid_product_id",
            InvalidIdempotencyKey => "invalid_idempotency_key",
            LimitOutOfRange(_) => "limit_out_of_range",
            InvalidCursor => "invalid_cursor",
            InvalidField { .. } => "invalid_field",
            InvalidStatus(_) => "invalid_status",
            InvalidShippingMethod(_) => "invalid_shipping_method",
            CartEmpty => "cart_empty",
            CartTooManyLines { .. } => "cart_too_many_lines",
            QuantityOutOfRange { .. } => "invalid_quantity",
            DuplicateProduct(_) => "duplicate_product",
            InvalidPrice { .. } => "invalid_price",
            InvalidCurrency(_) => "invalid_currency",
            InvalidProductName(_) => "invalid_product_name",
            InvalidAddress { .. } => "invalid_address",
            InvalidCountry(_) => "invalid_country",
            InvalidPostalCode { .. } => "invalid_postal_code",
            CardExpired { .. } => "card_expired",
            InvalidCardExpiry => "invalid_card_expiry",
            InvalidLast4 => "invalid_card_last4",
            UnsupportedCardBrand(_) => "unsupported_card_brand",
            CardNumberRefused => "card_number_refused",
            InvalidPaymentToken => "invalid_payment_token",
            UnsupportedPaymentMethod(_) => "unsupported_payment_method",
            CashOnDeliveryOverLimit { .. } => "cod_over_limit",
            CashOnDeliveryUnavailable(_) => "cod_unavailable",
            ShippingUnavailable { .. } => "shipping_unavailable",
            UnknownDiscountCode(_) => "unknown_discount_code",
            InvalidMetadata { .. } => "invalid_metadata",
            Money(e) => e.code(),
        }
    }
}

/// What kind of storage failure happened; decides whether retrying can help.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum StoreErrorKind {
    /// Lock contention, deadlock or a lock-wait timeout: the transaction rolled back whole and
    /// may be retried.
    Contention,
    /// The connection was lost; the transaction did not commit (or its outcome is re-checked
    /// through the idempotency key).
    Connection,
    /// A uniqueness constraint failed for a reason the caller did not expect.
    Constraint,
    /// Stored data could not be decoded: a bug or a schema mismatch.
    Corrupt,
    /// The schema is newer than this build or a migration failed.
    Migration,
    /// Anything else the backend reports.
    Other,
}

/// A failure inside a `Store`. Backends map their native errors into these kinds in one place,
/// keeping the native error as the [`source`](std::error::Error::source) (shared, so the error
/// stays `Clone`). Equality compares kind, backend and message, not the source.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{backend} store: {message}")]
pub struct StoreError {
    pub kind: StoreErrorKind,
    pub backend: &'static str,
    pub message: String,
    #[source]
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    pub fn new(kind: StoreErrorKind, backend: &'static str, message: impl Into<String>) -> Self {
        StoreError {
            kind,
            backend,
            message: message.into(),
            source: None,
        }
    }

    /// The same error, caused by `source` (the driver's error, kept for logs and debugging).
    #[must_use]
    pub fn with_source(mut self, source: impl std::error::Error + Send + Sync + 'static) -> Self {
        self.source = Some(Arc::new(source));
        self
    }

    /// True when the same call may succeed if tried again.
    pub fn is_transient(&self) -> bool {
        matches!(
            self.kind,
            StoreErrorKind::Contention | StoreErrorKind::Connection
        )
    }
}

impl PartialEq for StoreError {
    fn eq(&self, other: &Self) -> bool {
        (self.kind, self.backend, &self.message) == (other.kind, other.backend, &other.message)
    }
}

impl Eq for StoreError {}

/// Everything an engine call can fail with.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum OrderlyError {
    #[error(transparent)]
    Validation(#[from] ValidationError),
    #[error("{entity} {id} not found")]
    NotFound { entity: &'static str, id: String },
    #[error("not allowed: {0}")]
    Forbidden(String),
    #[error("cannot move an order from {from} to {to}")]
    InvalidTransition { from: OrderStatus, to: OrderStatus },
    #[error("this idempotency key was already used with a different request")]
    IdempotencyConflict,
    #[error("order version is {actual}, not the expected {expected}")]
    VersionConflict { expected: u32, actual: u32 },
    #[error("checkout {0} has expired; check out again")]
    CheckoutExpired(String),
    #[error("the cart changed since checkout {0}; check out again")]
    CartChanged(String),
    #[error("the order request does not match checkout {0}: {1}")]
    CheckoutMismatch(String, String),
    #[error("cart service unavailable: {0}")]
    CartUnavailable(String),
    #[error("cart service sent a malformed answer: {0}")]
    CartMalformed(String),
    #[error(transparent)]
    Store(#[from] StoreError),
}

impl OrderlyError {
    /// Stable machine-readable code.
    pub fn code(&self) -> &'static str {
        use OrderlyError::*;
        match self {
            Validation(v) => v.code(),
            NotFound { .. } => "not_found",
            Forbidden(_) => "forbidden",
            InvalidTransition { .. } => "invalid_transition",
            IdempotencyConflict => "idempotency_conflict",
            VersionConflict { .. } => "version_conflict",
            CheckoutExpired(_) => "checkout_expired",
            CartChanged(_) => "cart_changed",
            CheckoutMismatch(..) => "checkout_mismatch",
            CartUnavailable(_) => "cart_unavailable",
            CartMalformed(_) => "cart_malformed",
            Store(e) if e.is_transient() => "storage_unavailable",
            Store(_) => "internal",
        }
    }

    /// The broad class of the error, which the server maps to a status code and the bindings
    /// to an exception class.
    pub fn kind(&self) -> ErrorKind {
        use OrderlyError::*;
        match self {
            Validation(_) => ErrorKind::Invalid,
            NotFound { .. } => ErrorKind::NotFound,
            Forbidden(_) => ErrorKind::Forbidden,
            InvalidTransition { .. }
            | IdempotencyConflict
            | CheckoutExpired(_)
            | CartChanged(_) => ErrorKind::Conflict,
            CheckoutMismatch(..) => ErrorKind::Invalid,
            VersionConflict { .. } => ErrorKind::StaleVersion,
            CartUnavailable(_) => ErrorKind::Unavailable,
            CartMalformed(_) => ErrorKind::UpstreamInvalid,
            Store(e) if e.is_transient() => ErrorKind::Unavailable,
            Store(_) => ErrorKind::Internal,
        }
    }

    pub fn not_found(entity: &'static str, id: impl ToString) -> Self {
        OrderlyError::NotFound {
            entity,
            id: id.to_string(),
        }
    }
}

impl From<MoneyError> for OrderlyError {
    fn from(e: MoneyError) -> Self {
        OrderlyError::Validation(ValidationError::Money(e))
    }
}

/// Broad error classes, in the engine's terms: each front end maps them once to its own
/// (the server to HTTP statuses, the bindings to exception classes).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum ErrorKind {
    /// The input breaks a rule.
    Invalid,
    /// No such thing, or one the caller may not see.
    NotFound,
    /// The caller may not do this.
    Forbidden,
    /// The request conflicts with the current state (a transition, a reused key, an expired
    /// checkout, a changed cart).
    Conflict,
    /// The order is no longer at the version the caller expected.
    StaleVersion,
    /// A dependency (storage, the cart source) is busy or unreachable; retrying may help.
    Unavailable,
    /// The cart source answered with something that breaks its contract.
    UpstreamInvalid,
    /// A failure inside the engine or its storage.
    Internal,
}

pub type Result<T, E = OrderlyError> = std::result::Result<T, E>;
