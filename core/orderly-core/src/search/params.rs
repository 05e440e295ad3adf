//! A search from name/value pairs, as `GET /orders` gets them in its query string and the
//! bindings build them from their arguments. Every name and every refusal is decided here.

use crate::clock::Timestamp;
use crate::error::{OrderlyError, ValidationError};
use crate::ids::{ProductId, UserId};
use crate::money::{Currency, Money};
use crate::shipping::carrier;
use crate::status::OrderStatus;

use super::{MetadataFilter, OrderSearch, SortKey, cursor, normalize_term};

/// Orders per page when no `limit` is given.
pub const DEFAULT_SEARCH_LIMIT: u32 = 50;
/// The largest `limit`.
pub const MAX_SEARCH_LIMIT: u32 = 200;

fn invalid(field: &str, reason: impl Into<String>) -> ValidationError {
    ValidationError::InvalidField {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

fn time(field: &str, text: &str) -> Result<Timestamp, ValidationError> {
    Timestamp::parse_rfc3339(text)
        .ok_or_else(|| invalid(field, "must be an RFC 3339 time, e.g. 2026-01-31T00:00:00Z"))
}

fn bounded<'a>(field: &str, text: &'a str, max: usize) -> Result<&'a str, ValidationError> {
    if text.is_empty() || text.chars().count() > max || text.chars().any(char::is_control) {
        return Err(invalid(
            field,
            format!("must be 1 to {max} characters without control characters"),
        ));
    }
    Ok(text)
}

impl OrderSearch {
    /// A search from name/value pairs. Names: `status` (repeatable, or comma-separated),
    /// `createdFrom`, `createdTo` (RFC 3339), `currency`, `userId`, `productId`, `totalMin`,
    /// `totalMax` (decimal amounts, with `currency`), `trackingNumber`, `metadataKey` with
    /// `metadataValue`, `q` (text), `sort` (`createdAt` or `total`), `direction` (`desc`, the
    /// default, or `asc`), `cursor`, `limit` (1 to 200, default 50). Unknown names are refused,
    /// so a misspelt filter never silently matches everything.
    pub fn from_params<'a>(
        pairs: impl IntoIterator<Item = (&'a str, &'a str)>,
    ) -> Result<OrderSearch, OrderlyError> {
        let mut search = OrderSearch::default();
        let (mut total_min, mut total_max, mut cursor, mut meta_key, mut meta_value) =
            (None, None, None, None, None);
        let mut limit = None;
        for (name, value) in pairs {
            match name {
                "status" => {
                    for word in value.split(',').filter(|w| !w.is_empty()) {
                        let status: OrderStatus = word.parse()?;
                        if !search.statuses.contains(&status) {
                            search.statuses.push(status);
                        }
                    }
                }
                "createdFrom" => search.created_from = Some(time(name, value)?),
                "createdTo" => search.created_to = Some(time(name, value)?),
                "currency" => {
                    search.currency = Some(Currency::from_code(value).map_err(|_| {
                        ValidationError::InvalidCurrency(value.chars().take(16).collect())
                    })?)
                }
                "userId" => search.user_id = Some(UserId::new(value)?),
                "productId" => search.product_id = Some(ProductId::new(value)?),
                "totalMin" => total_min = Some(value),
                "totalMax" => total_max = Some(value),
                "trackingNumber" => {
                    search.tracking_number = Some(carrier::normalize_tracking_number(value)?)
                }
                "metadataKey" => meta_key = Some(bounded(name, value, 64)?),
                "metadataValue" => meta_value = Some(bounded(name, value, 120)?),
                "q" => {
                    let text = normalize_term(bounded(name, value, 190)?);
                    if text.is_empty() {
                        return Err(invalid(name, "must not be blank").into());
                    }
                    search.text = Some(text);
                }
                "sort" => {
                    search.sort = match value {
                        "createdAt" => SortKey::CreatedAt,
                        "total" => SortKey::Total,
                        _ => return Err(invalid(name, "must be createdAt or total").into()),
                    }
                }
                "direction" => {
                    search.descending = match value {
                        "desc" => true,
                        "asc" => false,
                        _ => return Err(invalid(name, "must be desc or asc").into()),
                    }
                }
                "cursor" => cursor = Some(value),
                "limit" => {
                    let n: i64 = value
                        .parse()
                        .map_err(|_| ValidationError::LimitOutOfRange(-1))?;
                    if !(1..=i64::from(MAX_SEARCH_LIMIT)).contains(&n) {
                        return Err(ValidationError::LimitOutOfRange(n).into());
                    }
                    limit = u32::try_from(n).ok();
                }
                other => {
                    return Err(invalid(
                        &other.chars().take(40).collect::<String>(),
                        "is not a search filter",
                    )
                    .into());
                }
            }
        }
        search.limit = limit.unwrap_or(DEFAULT_SEARCH_LIMIT);
        search.metadata = match (meta_key, meta_value) {
            (Some(key), Some(value)) => Some(MetadataFilter {
                key: key.to_owned(),
                value: value.to_owned(),
            }),
            (None, None) => None,
            _ => {
                return Err(
                    invalid("metadataKey", "metadataKey and metadataValue go together").into(),
                );
            }
        };
        for (field, text, slot) in [
            ("totalMin", total_min, &mut search.total_min),
            ("totalMax", total_max, &mut search.total_max),
        ] {
            if let Some(text) = text {
                let currency = search
                    .currency
                    .ok_or_else(|| invalid(field, "needs currency, the currency of the amount"))?;
                *slot = Some(Money::parse_non_negative(text, currency)?.minor());
            }
        }
        if let (Some(from), Some(to)) = (search.created_from, search.created_to)
            && from >= to
        {
            return Err(invalid("createdTo", "must be after createdFrom").into());
        }
        search.after = cursor
            .map(|c| cursor::decode_cursor(search.sort, c))
            .transpose()?;
        Ok(search)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn parse(pairs: &[(&str, &str)]) -> Result<OrderSearch, OrderlyError> {
        OrderSearch::from_params(pairs.iter().copied())
    }

    #[test]
    fn filters_parse_with_their_defaults() {
        let s = parse(&[
            ("status", "placed,shipped"),
            ("status", "placed"),
            ("currency", "EUR"),
            ("totalMin", "10.50"),
            ("q", "  Ada "),
            ("sort", "total"),
            ("direction", "asc"),
            ("limit", "5"),
        ])
        .unwrap();
        assert_eq!(s.statuses, [OrderStatus::Placed, OrderStatus::Shipped]);
        assert_eq!(s.total_min, Some(1050));
        assert_eq!(s.text.as_deref(), Some("ada"));
        assert_eq!(s.sort, SortKey::Total);
        assert!(!s.descending);
        assert_eq!(s.limit, 5);
        let d = parse(&[]).unwrap();
        assert_eq!(d.limit, DEFAULT_SEARCH_LIMIT);
        assert!(d.descending);
    }

    #[test]
    fn mistakes_get_their_codes() {
        let code = |pairs: &[(&str, &str)]| parse(pairs).unwrap_err().code();
        assert_eq!(code(&[("status", "lost")]), "invalid_status");
        assert_eq!(code(&[("limit", "0")]), "limit_out_of_range");
        assert_eq!(code(&[("limit", "x")]), "limit_out_of_range");
        assert_eq!(code(&[("currency", "XXQ")]), "invalid_currency");
        assert_eq!(code(&[("totalMin", "1")]), "invalid_field");
        assert_eq!(code(&[("colour", "red")]), "invalid_field");
        assert_eq!(code(&[("metadataKey", "a")]), "invalid_field");
        assert_eq!(code(&[("cursor", "zzz")]), "invalid_cursor");
        assert_eq!(code(&[("userId", "a b")]), "invalid_user_id");
        assert_eq!(
            code(&[
                ("createdFrom", "2026-02-01T00:00:00Z"),
                ("createdTo", "2026-01-01T00:00:00Z")
            ]),
            "invalid_field"
        );
    }
}
