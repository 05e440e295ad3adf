//! The order status machine: placed -> processing -> (partially_shipped ->) shipped ->
//! delivered, and cancelled from placed or processing. Delivered and cancelled are final.
//!
//! `partially_shipped` is entered and left through shipments (see [`crate::shipping`]): an
//! order is in it while some but not all of its quantities have shipped.

use std::fmt;
use std::str::FromStr;

use serde::{Deserialize, Serialize};

use crate::error::{OrderlyError, ValidationError};

/// An order's status: placed → processing → (partially shipped →) shipped → delivered, or
/// cancelled from placed or processing.
// Deliberately exhaustive (not `#[non_exhaustive]`): the REST schema and the Python, Node and
// Swift bindings each mirror it, so a new variant must fail to compile in every front end
// rather than reach one at run time.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
#[serde(rename_all = "snake_case")]
pub enum OrderStatus {
    /// Placed; every order starts here.
    Placed,
    /// Being prepared.
    Processing,
    /// Some but not all of its quantities have shipped.
    PartiallyShipped,
    /// Everything has shipped.
    Shipped,
    /// Delivered to the customer; final.
    Delivered,
    /// Cancelled from placed or processing; final.
    Cancelled,
}

impl OrderStatus {
    /// Every status, in the order of the machine.
    pub const ALL: [OrderStatus; 6] = [
        OrderStatus::Placed,
        OrderStatus::Processing,
        OrderStatus::PartiallyShipped,
        OrderStatus::Shipped,
        OrderStatus::Delivered,
        OrderStatus::Cancelled,
    ];

    /// The serialized name, e.g. `placed`.
    pub fn as_str(&self) -> &'static str {
        match self {
            OrderStatus::Placed => "placed",
            OrderStatus::Processing => "processing",
            OrderStatus::PartiallyShipped => "partially_shipped",
            OrderStatus::Shipped => "shipped",
            OrderStatus::Delivered => "delivered",
            OrderStatus::Cancelled => "cancelled",
        }
    }

    /// Whether no move leaves this status (delivered, cancelled).
    pub fn is_final(&self) -> bool {
        matches!(self, OrderStatus::Delivered | OrderStatus::Cancelled)
    }

    /// Whether anything of an order in this status may have shipped, which rules out
    /// cancelling it.
    pub fn has_shipped(&self) -> bool {
        matches!(
            self,
            OrderStatus::PartiallyShipped | OrderStatus::Shipped | OrderStatus::Delivered
        )
    }

    /// Whether the machine allows `self -> to` as a real change (not a no-op).
    pub fn can_move_to(&self, to: OrderStatus) -> bool {
        use OrderStatus::*;
        matches!(
            (self, to),
            (Placed, Processing)
                | (Processing, PartiallyShipped)
                | (Processing, Shipped)
                | (PartiallyShipped, Shipped)
                | (Shipped, Delivered)
                | (Placed, Cancelled)
                | (Processing, Cancelled)
        )
    }
}

impl fmt::Display for OrderStatus {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for OrderStatus {
    type Err = ValidationError;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        OrderStatus::ALL
            .into_iter()
            .find(|st| st.as_str() == s)
            .ok_or_else(|| ValidationError::InvalidStatus(s.chars().take(32).collect()))
    }
}

/// What asking for a status does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub enum Transition {
    /// The order is already in that status: nothing changes.
    NoOp,
    /// A real move.
    Move {
        /// The order's status.
        from: OrderStatus,
        /// The status asked for.
        to: OrderStatus,
    },
}

/// Decides a requested move. The same status again is a no-op; anything the machine does not
/// allow is `InvalidTransition`.
pub fn transition(from: OrderStatus, to: OrderStatus) -> Result<Transition, OrderlyError> {
    if from == to {
        Ok(Transition::NoOp)
    } else if from.can_move_to(to) {
        Ok(Transition::Move { from, to })
    } else {
        Err(OrderlyError::InvalidTransition { from, to })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use proptest::prelude::*;

    #[test]
    fn the_happy_path_and_cancellation() {
        use OrderStatus::*;
        for (a, b) in [
            (Placed, Processing),
            (Processing, Shipped),
            (Processing, PartiallyShipped),
            (PartiallyShipped, Shipped),
            (Shipped, Delivered),
            (Placed, Cancelled),
            (Processing, Cancelled),
        ] {
            assert_eq!(
                transition(a, b).unwrap(),
                Transition::Move { from: a, to: b }
            );
        }
        for (a, b) in [
            (Shipped, Cancelled),
            (Delivered, Cancelled),
            (Cancelled, Placed),
            (Processing, Placed),
            (Placed, Shipped),
            (Placed, Delivered),
            (Placed, PartiallyShipped),
            (PartiallyShipped, Cancelled),
            (PartiallyShipped, Processing),
        ] {
            assert_eq!(transition(a, b).unwrap_err().code(), "invalid_transition");
        }
    }

    #[test]
    fn parses_only_known_statuses() {
        assert_eq!(
            "shipped".parse::<OrderStatus>().unwrap(),
            OrderStatus::Shipped
        );
        assert_eq!(
            "Shipped".parse::<OrderStatus>().unwrap_err().code(),
            "invalid_status"
        );
    }

    fn any_status() -> impl Strategy<Value = OrderStatus> {
        proptest::sample::select(OrderStatus::ALL.to_vec())
    }

    proptest! {
        /// Any sequence of requests walks only allowed edges, never leaves a final state, and
        /// never visits a status twice (the machine is acyclic).
        #[test]
        fn random_walks_respect_the_machine(requests in proptest::collection::vec(any_status(), 0..40)) {
            let mut current = OrderStatus::Placed;
            let mut visited = vec![current];
            for to in requests {
                match transition(current, to) {
                    Ok(Transition::NoOp) => prop_assert_eq!(current, to),
                    Ok(Transition::Move { from, to }) => {
                        prop_assert!(!from.is_final());
                        prop_assert!(!visited.contains(&to));
                        visited.push(to);
                        current = to;
                    }
                    Err(_) => prop_assert!(!current.can_move_to(to) && current != to),
                }
            }
            if current == OrderStatus::Delivered {
                let direct = [OrderStatus::Placed, OrderStatus::Processing, OrderStatus::Shipped, OrderStatus::Delivered];
                let partial = [OrderStatus::Placed, OrderStatus::Processing, OrderStatus::PartiallyShipped, OrderStatus::Shipped, OrderStatus::Delivered];
                prop_assert!(visited[..] == direct[..] || visited[..] == partial[..], "{:?}", visited);
            }
        }
    }
}
