//! Structured cancellation: a reason from a fixed list, so that analytics can count
//! cancellations by it, plus a free note.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{OrderlyError, ValidationError};
use crate::model::{Caller, Role};
use crate::validation;

/// Why an order was cancelled.
// Deliberately exhaustive (not `#[non_exhaustive]`): the REST schema and the bindings mirror it.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum CancelReason {
    /// The customer asked; the only reason a customer may give, and their default.
    Customer,
    /// Out of stock.
    Inventory,
    /// Suspected fraud.
    Fraud,
    /// The payment was declined.
    PaymentDeclined,
    /// Staff decided; the default when staff give none.
    Staff,
    /// Anything else (say what in the note).
    Other,
}

impl CancelReason {
    /// Every reason, in a fixed order (analytics list them so).
    pub const ALL: [CancelReason; 6] = [
        CancelReason::Customer,
        CancelReason::Inventory,
        CancelReason::Fraud,
        CancelReason::PaymentDeclined,
        CancelReason::Staff,
        CancelReason::Other,
    ];

    /// The serialized name, e.g. `payment_declined`.
    pub fn as_str(&self) -> &'static str {
        match self {
            CancelReason::Customer => "customer",
            CancelReason::Inventory => "inventory",
            CancelReason::Fraud => "fraud",
            CancelReason::PaymentDeclined => "payment_declined",
            CancelReason::Staff => "staff",
            CancelReason::Other => "other",
        }
    }
}

impl fmt::Display for CancelReason {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for CancelReason {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        CancelReason::ALL
            .into_iter()
            .find(|r| r.as_str() == s)
            .ok_or_else(|| ValidationError::InvalidField {
                field: "reason".to_owned(),
                reason: format!(
                    "{:?} is not one of customer, inventory, fraud, payment_declined, staff, other",
                    s.chars().take(32).collect::<String>()
                ),
            })
    }
}

/// A cancellation as asked for: a reason (or the caller's default) and a note.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct Cancellation {
    /// The reason; `None` for the caller's default (customers `customer`, everyone else
    /// `staff`).
    pub reason: Option<CancelReason>,
    /// A free note, kept in the order's history.
    pub note: Option<String>,
}

impl Cancellation {
    /// A cancellation with only a note, the caller's default reason.
    pub fn with_note(note: Option<&str>) -> Self {
        Cancellation {
            reason: None,
            note: note.map(str::to_owned),
        }
    }

    /// The REST contract's `?reason=` together with the newer `?note=`: a reason word from
    /// the list is the reason; any other text given without a note is the note (the contract
    /// keeps it in the history), with the caller's default reason. With a note, `reason` must
    /// be a word from the list.
    pub fn from_request(reason: Option<&str>, note: Option<&str>) -> Result<Self, ValidationError> {
        match (reason, note) {
            (Some(text), None) => Ok(match text.parse::<CancelReason>() {
                Ok(reason) => Cancellation {
                    reason: Some(reason),
                    note: None,
                },
                Err(_) => Cancellation::with_note(Some(text)),
            }),
            (reason, note) => Ok(Cancellation {
                reason: reason.map(str::parse).transpose()?,
                note: note.map(str::to_owned),
            }),
        }
    }

    /// The reason and note the cancellation is recorded with, for `caller`: customers may
    /// give only `customer`; the note must pass the note rules.
    pub fn resolve(&self, caller: &Caller) -> Result<CancelReason, OrderlyError> {
        if let Some(note) = &self.note {
            validation::validate_note("note", note)?;
        }
        let default = match caller.role {
            Role::Customer => CancelReason::Customer,
            _ => CancelReason::Staff,
        };
        match self.reason {
            None => Ok(default),
            Some(reason) if caller.role == Role::Customer && reason != CancelReason::Customer => {
                Err(OrderlyError::Forbidden(format!(
                    "a customer cancels with reason customer, not {reason}"
                )))
            }
            Some(reason) => Ok(reason),
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::ids::UserId;

    #[test]
    fn the_contract_reason_is_a_word_or_a_note() {
        let word = Cancellation::from_request(Some("fraud"), None).unwrap();
        assert_eq!(word.reason, Some(CancelReason::Fraud));
        assert_eq!(word.note, None);
        let text = Cancellation::from_request(Some("changed my mind"), None).unwrap();
        assert_eq!(text.reason, None);
        assert_eq!(text.note.as_deref(), Some("changed my mind"));
        let both = Cancellation::from_request(Some("inventory"), Some("sold out")).unwrap();
        assert_eq!(both.reason, Some(CancelReason::Inventory));
        assert_eq!(
            Cancellation::from_request(Some("nope"), Some("x"))
                .unwrap_err()
                .code(),
            "invalid_field"
        );
    }

    #[test]
    fn customers_cancel_for_themselves_and_staff_for_any_reason() {
        let alice = Caller::customer(&UserId::new("alice").unwrap());
        let staff = Caller::admin("bob");
        let none = Cancellation::default();
        assert_eq!(none.resolve(&alice).unwrap(), CancelReason::Customer);
        assert_eq!(none.resolve(&staff).unwrap(), CancelReason::Staff);
        let fraud = Cancellation {
            reason: Some(CancelReason::Fraud),
            note: None,
        };
        assert_eq!(fraud.resolve(&alice).unwrap_err().code(), "forbidden");
        assert_eq!(fraud.resolve(&staff).unwrap(), CancelReason::Fraud);
    }
}
