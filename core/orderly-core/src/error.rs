//! The engine's errors. Every variant has a stable, machine-readable `code()` that the HTTP
//! server and the bindings pass on unchanged; messages are for people and may change.

use std::sync::Arc;

use crate::money::MoneyError;
use crate::shipping::ShipmentStatus;
use crate::status::OrderStatus;

/// Input that breaks a rule. Each cause has its own code so that clients can react to it.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ValidationError {
    // Identifiers and request framing.
    /// A user id is not 1 to 64 characters of `A-Z a-z 0-9 _ - . @`, or is `.` or `..`.
    #[error("user id must be 1 to 64 characters of A-Z a-z 0-9 _ - . @, and not . or ..")]
    InvalidUserId,
    /// A device id is not 1 to 64 characters of `A-Z a-z 0-9 . _ -`.
    #[error("device id must be 1 to 64 characters of A-Z a-z 0-9 . _ -")]
    InvalidDeviceId,
    /// A sync push carries more operations than one push may.
    #[error("a push may carry at most {max} operations, got {count}")]
    TooManyOperations {
        /// Operations in the push.
        count: usize,
        /// The most allowed.
        max: usize,
    },
    /// A product id is empty, longer than 128 characters or has control characters.
    #[error("product id must be 1 to 128 characters without control characters")]
    InvalidProductId,
    /// An idempotency key is not 1 to 255 printable ASCII characters.
    #[error("idempotency key must be 1 to 255 printable ASCII characters")]
    InvalidIdempotencyKey,
    /// A page or report limit is outside 1 to 100 (the limit given).
    #[error("limit must be between 1 and 100, got {0}")]
    LimitOutOfRange(i64),
    /// A history cursor is not one this engine issued.
    #[error("cursor is not one this engine issued")]
    InvalidCursor,
    /// A named input breaks a rule that has no code of its own (a rate, a note, a status name,
    /// a report range).
    #[error("{field}: {reason}")]
    InvalidField {
        /// The input's name.
        field: String,
        /// What is wrong with it.
        reason: String,
    },
    /// A status word that is not one of the five statuses.
    #[error(
        "status {0:?} is not one of placed, processing, partially_shipped, shipped, delivered, cancelled"
    )]
    InvalidStatus(String),
    /// A shipping method that is not one the engine offers.
    #[error("shipping method {0:?} is not one of standard, express")]
    InvalidShippingMethod(String),

    // Cart rules (cart-service contract).
    /// Checkout or ordering was asked for with an empty cart.
    #[error("the cart is empty")]
    CartEmpty,
    /// The cart has more lines than allowed.
    #[error("the cart has {lines} lines; at most {max} are allowed")]
    CartTooManyLines {
        /// Lines in the cart.
        lines: usize,
        /// The most allowed.
        max: usize,
    },
    /// A cart line's quantity is outside 1 to `max`.
    #[error("quantity of {product} must be between 1 and {max}, got {quantity}")]
    QuantityOutOfRange {
        /// The product's id.
        product: String,
        /// The quantity given.
        quantity: i64,
        /// The largest quantity allowed.
        max: i64,
    },
    /// A product appears on more than one cart line (its id).
    #[error("product {0} appears more than once in the cart")]
    DuplicateProduct(String),
    /// A cart line's unit price is not a non-negative amount in the cart's currency.
    #[error("unit price of {product} is invalid: {reason}")]
    InvalidPrice {
        /// The product's id.
        product: String,
        /// Why the price was refused.
        reason: String,
    },
    /// The cart's currency is not a known ISO 4217 code (the code given, cut to 16 characters).
    #[error("cart currency is invalid: {0}")]
    InvalidCurrency(String),
    /// A product name is empty, longer than 200 characters or has control characters (the
    /// product's id).
    #[error("product name of {0} must be 1 to 200 characters without control characters")]
    InvalidProductName(String),

    // Address.
    /// An address field is missing, too long or has control characters.
    #[error("address field {field} {reason}")]
    InvalidAddress {
        /// The field's name, e.g. `line1`.
        field: &'static str,
        /// What is wrong with it.
        reason: String,
    },
    /// The country is not an ISO 3166-1 alpha-2 code (the value given, cut to 8 characters).
    #[error("country {0:?} is not an ISO 3166-1 alpha-2 code")]
    InvalidCountry(String),
    /// The postal code does not fit the country's format.
    #[error("postal code {code:?} is not valid for {country}")]
    InvalidPostalCode {
        /// The postal code given, cut to 20 characters.
        code: String,
        /// The address's country.
        country: String,
    },

    // Payment.
    /// The card's expiry month has passed.
    #[error("the card expired in {month:02}/{year}")]
    CardExpired {
        /// The expiry year.
        year: i32,
        /// The expiry month.
        month: u8,
    },
    /// The card's expiry month is not 1 to 12 or its year not 2000 to 2100.
    #[error("card expiry month must be 1-12 and year 2000-2100")]
    InvalidCardExpiry,
    /// The card's `last4` is not exactly four digits.
    #[error("card last4 must be exactly four digits")]
    InvalidLast4,
    /// The card brand is not one the engine accepts (the brand given, cut to 32 characters).
    #[error("card brand {0:?} is not supported")]
    UnsupportedCardBrand(String),
    /// A value looks like a full card number (a token, `last4`, an address field or metadata);
    /// only tokens are accepted, and nothing was stored.
    #[error("a full card number was sent; only tokens are accepted and nothing was stored")]
    CardNumberRefused,
    /// A payment token is not 1 to 255 printable ASCII characters.
    #[error("payment token must be 1 to 255 printable ASCII characters")]
    InvalidPaymentToken,
    /// The payment method's `type` is not one the engine knows (the type given).
    #[error("payment method type {0:?} is not supported")]
    UnsupportedPaymentMethod(String),
    /// The order's total is above the cash-on-delivery limit for its currency.
    #[error("cash on delivery is limited to {limit}; this order totals {total}")]
    CashOnDeliveryOverLimit {
        /// The limit, formatted with its currency.
        limit: String,
        /// The order's total, formatted with its currency.
        total: String,
    },
    /// Cash on delivery is not offered in the order's currency (its code).
    #[error("cash on delivery is not available for {0}")]
    CashOnDeliveryUnavailable(String),

    // Pricing.
    /// The pricing policy has no price for the shipping method in the cart's currency.
    #[error("shipping method {method} is not available for {currency}")]
    ShippingUnavailable {
        /// The shipping method.
        method: String,
        /// The cart's currency code.
        currency: String,
    },
    /// The discount code is not in the policy, or not offered in the cart's currency (the code).
    #[error("discount code {0:?} is not valid")]
    UnknownDiscountCode(String),
    /// Metadata encodes to more than `max` bytes of JSON.
    #[error("metadata must be a JSON object of at most {max} bytes")]
    InvalidMetadata {
        /// The largest encoded size allowed, in bytes.
        max: usize,
    },
    /// An amount or currency is invalid.
    #[error("{0}")]
    Money(#[from] MoneyError),

    // Webhooks.
    /// A webhook target is not an absolute `https` URL (or `http` where allowed) without
    /// credentials or fragment, at most 2,048 characters (what is wrong).
    #[error("webhook url is invalid: {0}")]
    InvalidWebhookUrl(String),
    /// A webhook target names a loopback, private, link-local or otherwise internal address,
    /// which configuration does not allow (the address).
    #[error("webhook target {0} is a private, loopback or link-local address")]
    WebhookTargetRefused(String),
    /// An event type that is not one the engine emits (the name given, cut to 64 characters).
    #[error(
        "event type {0:?} is not one of order.placed, order.status_changed, order.cancelled, order.shipment_changed"
    )]
    UnknownEventType(String),
    /// A webhook subscription must name at least one event type.
    #[error("a webhook subscription needs at least one event type")]
    NoEventTypes,
    /// A webhook secret is not `whsec_` followed by the base64 of 24 to 64 bytes.
    #[error("webhook secret must be whsec_ followed by the base64 of 24 to 64 bytes")]
    InvalidWebhookSecret,
}

impl ValidationError {
    /// Stable machine-readable code, e.g. `invalid_user_id`.
    pub fn code(&self) -> &'static str {
        use ValidationError::*;
        match self {
            InvalidUserId => "invalid_user_id",
            InvalidProductId => "invalid_product_id",
            InvalidDeviceId => "invalid_device_id",
            TooManyOperations { .. } => "too_many_operations",
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
            InvalidWebhookUrl(_) => "invalid_webhook_url",
            WebhookTargetRefused(_) => "webhook_target_refused",
            UnknownEventType(_) => "unknown_event_type",
            NoEventTypes => "no_event_types",
            InvalidWebhookSecret => "invalid_webhook_secret",
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
    /// What kind of failure it is.
    pub kind: StoreErrorKind,
    /// The backend's name, e.g. `sqlite`.
    pub backend: &'static str,
    /// What failed, for people.
    pub message: String,
    #[source]
    source: Option<Arc<dyn std::error::Error + Send + Sync>>,
}

impl StoreError {
    /// An error of `kind` reported by `backend`, without a source.
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
    /// The input breaks a rule.
    #[error(transparent)]
    Validation(#[from] ValidationError),
    /// No such entity, or an order that the calling customer does not own.
    #[error("{entity} {id} not found")]
    NotFound {
        /// What was looked for: `order` or `checkout`.
        entity: &'static str,
        /// The id looked for.
        id: String,
    },
    /// The caller may not do this (why not).
    #[error("not allowed: {0}")]
    Forbidden(String),
    /// The status machine does not allow this move.
    #[error("cannot move an order from {from} to {to}")]
    InvalidTransition {
        /// The order's status.
        from: OrderStatus,
        /// The status asked for.
        to: OrderStatus,
    },
    /// A shipment the order cannot be shipped in (what is wrong: more units than are left, or
    /// nothing left at all).
    #[error("the shipment exceeds the order: {0}")]
    ShipmentExceedsOrder(String),
    /// Shipments are created and shipped only for orders in processing or partially shipped.
    #[error("an order in status {status} cannot ship")]
    OrderNotShippable {
        /// The order's status.
        status: OrderStatus,
    },
    /// The shipment machine does not allow this move.
    #[error("cannot move a shipment from {from} to {to}")]
    InvalidShipmentTransition {
        /// The shipment's status.
        from: ShipmentStatus,
        /// The status asked for.
        to: ShipmentStatus,
    },
    /// The idempotency key was already used by this user with a different request.
    #[error("this idempotency key was already used with a different request")]
    IdempotencyConflict,
    /// The order is not at the version the caller expected.
    #[error("order version is {actual}, not the expected {expected}")]
    VersionConflict {
        /// The version the caller expected.
        expected: u32,
        /// The order's current version.
        actual: u32,
    },
    /// The checkout quote has expired (the checkout id).
    #[error("checkout {0} has expired; check out again")]
    CheckoutExpired(String),
    /// The cart changed since the quote was made (the checkout id).
    #[error("the cart changed since checkout {0}; check out again")]
    CartChanged(String),
    /// The order request differs from its checkout quote (the checkout id, and what differs).
    #[error("the order request does not match checkout {0}: {1}")]
    CheckoutMismatch(String, String),
    /// The Cart Service is down, timing out or failing (the details).
    #[error("cart service unavailable: {0}")]
    CartUnavailable(String),
    /// The Cart Service answered outside its contract (the details).
    #[error("cart service sent a malformed answer: {0}")]
    CartMalformed(String),
    /// The database belongs to another device: it was first opened with device id `stored`
    /// and is now opened as `given`.
    #[error("this database belongs to device {stored:?}, not {given:?}")]
    DeviceMismatch {
        /// The device id kept in the database.
        stored: String,
        /// The device id it was opened with.
        given: String,
    },
    /// A device-side sync call on an engine opened without a device id.
    #[error("this engine was not opened as a device; open it with a device id to sync")]
    NotADevice,
    /// The store failed.
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
            ShipmentExceedsOrder(_) => "shipment_exceeds_order",
            OrderNotShippable { .. } => "order_not_shippable",
            InvalidShipmentTransition { .. } => "invalid_shipment_transition",
            IdempotencyConflict => "idempotency_conflict",
            VersionConflict { .. } => "version_conflict",
            CheckoutExpired(_) => "checkout_expired",
            CartChanged(_) => "cart_changed",
            CheckoutMismatch(..) => "checkout_mismatch",
            CartUnavailable(_) => "cart_unavailable",
            CartMalformed(_) => "cart_malformed",
            DeviceMismatch { .. } => "device_mismatch",
            NotADevice => "not_a_device",
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
            | ShipmentExceedsOrder(_)
            | OrderNotShippable { .. }
            | InvalidShipmentTransition { .. }
            | IdempotencyConflict
            | CheckoutExpired(_)
            | CartChanged(_) => ErrorKind::Conflict,
            CheckoutMismatch(..) => ErrorKind::Invalid,
            VersionConflict { .. } => ErrorKind::StaleVersion,
            CartUnavailable(_) => ErrorKind::Unavailable,
            CartMalformed(_) => ErrorKind::UpstreamInvalid,
            DeviceMismatch { .. } | NotADevice => ErrorKind::Conflict,
            Store(e) if e.is_transient() => ErrorKind::Unavailable,
            Store(_) => ErrorKind::Internal,
        }
    }

    /// An [`OrderlyError::NotFound`] for `entity` with `id`.
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

/// The result of an engine call.
pub type Result<T, E = OrderlyError> = std::result::Result<T, E>;
