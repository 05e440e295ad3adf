//! Search cursors: `base64url("s1:<c|t>:<key>:<order id>")`, opaque to clients. The sort key's
//! letter is in the cursor so that a cursor from one sort is refused by another.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::error::ValidationError;
use crate::ids::OrderId;

use super::{SearchPosition, SortKey};

fn letter(sort: SortKey) -> &'static str {
    match sort {
        SortKey::CreatedAt => "c",
        SortKey::Total => "t",
    }
}

pub(crate) fn encode_cursor(sort: SortKey, position: &SearchPosition) -> String {
    URL_SAFE_NO_PAD.encode(format!(
        "s1:{}:{}:{}",
        letter(sort),
        position.key,
        position.order_id
    ))
}

pub(crate) fn decode_cursor(
    sort: SortKey,
    cursor: &str,
) -> Result<SearchPosition, ValidationError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .map_err(|_| ValidationError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| ValidationError::InvalidCursor)?;
    let mut parts = text.splitn(4, ':');
    match (parts.next(), parts.next(), parts.next(), parts.next()) {
        (Some("s1"), Some(l), Some(key), Some(id)) if l == letter(sort) => Ok(SearchPosition {
            key: key.parse().map_err(|_| ValidationError::InvalidCursor)?,
            order_id: OrderId::parse(id).ok_or(ValidationError::InvalidCursor)?,
        }),
        _ => Err(ValidationError::InvalidCursor),
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_belong_to_their_sort() {
        let p = SearchPosition {
            key: -5,
            order_id: OrderId::parse("01890a5d-ac96-774b-bcce-b302099a8057").unwrap(),
        };
        let c = encode_cursor(SortKey::Total, &p);
        assert_eq!(decode_cursor(SortKey::Total, &c).unwrap(), p);
        assert!(decode_cursor(SortKey::CreatedAt, &c).is_err());
        assert!(decode_cursor(SortKey::Total, "bm9wZQ").is_err());
    }
}
