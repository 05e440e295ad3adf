//! Encoding values for storage and decoding them back: JSON documents and canonical ids.

use serde::Serialize;
use serde::de::DeserializeOwned;
use uuid::Uuid;

use crate::error::OpError;

pub(crate) fn to_json<T: Serialize + ?Sized>(value: &T) -> Result<String, OpError> {
    serde_json::to_string(value).map_err(|e| OpError::Encode(format!("cannot encode: {e}")))
}

pub(crate) fn from_json<T: DeserializeOwned>(text: &str, what: &str) -> Result<T, OpError> {
    serde_json::from_str(text).map_err(|e| OpError::corrupt(format!("stored {what}: {e}")))
}

/// An id's canonical text (lower-case hyphenated UUID), formatted on the stack.
pub(crate) struct IdText([u8; 36]);

impl IdText {
    pub(crate) fn new(id: &Uuid) -> Self {
        let mut buf = [0u8; 36];
        id.hyphenated().encode_lower(&mut buf);
        IdText(buf)
    }

    pub(crate) fn as_str(&self) -> &str {
        // `encode_lower` writes only ASCII hex digits and hyphens.
        std::str::from_utf8(&self.0).unwrap_or_default()
    }
}

/// Parses a stored id column, reporting which column held garbage.
pub(crate) fn parse_id<T>(
    text: &str,
    parse: fn(&str) -> Option<T>,
    what: &str,
) -> Result<T, OpError> {
    parse(text).ok_or_else(|| OpError::corrupt(format!("stored {what} {text:?} is not a UUID")))
}

/// Unix milliseconds and counts are stored as INTEGER; counts read back must fit.
pub(crate) fn non_negative(value: i64, what: &str) -> Result<u64, OpError> {
    u64::try_from(value)
        .map_err(|_| OpError::corrupt(format!("stored {what} is negative: {value}")))
}
