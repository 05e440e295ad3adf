//! The pull cursor: an opaque string to clients, `c` followed by the device's change sequence
//! number of the last change read (`c0` before any). Anything else is `invalid_cursor`.

use crate::error::ValidationError;

/// The position in a device's change feed after which a pull starts.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, PartialOrd, Ord)]
pub struct PullCursor(u64);

impl PullCursor {
    /// Before the first change.
    pub const START: PullCursor = PullCursor(0);

    /// The position after change `change_seq`.
    pub fn after(change_seq: u64) -> Self {
        PullCursor(change_seq)
    }

    /// The change sequence number the cursor is after.
    pub fn change_seq(&self) -> u64 {
        self.0
    }

    /// Parses a cursor this server issued; `None` (no cursor) is the start of the feed.
    pub fn parse(text: Option<&str>) -> Result<Self, ValidationError> {
        let Some(text) = text else {
            return Ok(PullCursor::START);
        };
        let digits = text
            .strip_prefix('c')
            .ok_or(ValidationError::InvalidCursor)?;
        let canonical = !digits.is_empty()
            && digits.len() <= 19
            && digits.bytes().all(|b| b.is_ascii_digit())
            && (digits == "0" || !digits.starts_with('0'));
        if !canonical {
            return Err(ValidationError::InvalidCursor);
        }
        digits
            .parse::<u64>()
            .map(PullCursor)
            .map_err(|_| ValidationError::InvalidCursor)
    }

    /// The cursor as sent on the wire.
    pub fn encode(&self) -> String {
        format!("c{}", self.0)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn bad_cursors_are_refused() {
        for bad in [
            "",
            "c",
            "x1",
            "c-1",
            "c01",
            "c1a",
            "c99999999999999999999",
            " c1",
        ] {
            assert_eq!(
                PullCursor::parse(Some(bad)).map_err(|e| e.code()),
                Err("invalid_cursor"),
                "{bad:?}"
            );
        }
        assert_eq!(PullCursor::parse(None), Ok(PullCursor::START));
        assert_eq!(PullCursor::parse(Some("c0")), Ok(PullCursor::START));
    }

    proptest! {
        #[test]
        fn cursors_round_trip(n in 0u64..=i64::MAX as u64) {
            let c = PullCursor::after(n);
            prop_assert_eq!(PullCursor::parse(Some(&c.encode())), Ok(c));
        }
    }
}
