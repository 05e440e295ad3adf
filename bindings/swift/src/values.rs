//! Values that go both ways: money, addresses, payment methods, the engine's enumerations and
//! instants. Each mirrors an engine type field for field and converts to and from it; the
//! engine validates everything that comes in.

use std::time::{Duration, SystemTime, UNIX_EPOCH};

use orderly::timeline::{ActorKind as CoreActorKind, TimelineKind as CoreTimelineKind};
use orderly::{
    Address as CoreAddress, CancelReason as CoreCancelReason, EventType as CoreEventType,
    Money as CoreMoney, OrderStatus as CoreOrderStatus, PaymentMethod as CorePaymentMethod,
    RawCartItem, ShipmentStatus as CoreShipmentStatus, ShippingMethod as CoreShippingMethod,
    Timestamp, TopBy as CoreTopBy,
};

use crate::errors::{OrderlyError, invalid_field};

/// An exact amount: `amount` is a decimal string in the currency's minor digits (`"19.99"`,
/// `"1500"` for JPY), `currency` its ISO 4217 code. Never a floating-point number.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Money {
    pub amount: String,
    pub currency: String,
}

impl From<CoreMoney> for Money {
    fn from(m: CoreMoney) -> Self {
        Money {
            amount: m.amount_string(),
            currency: m.currency().code().to_owned(),
        }
    }
}

/// A delivery address; `country` is an ISO 3166-1 alpha-2 code.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct Address {
    pub name: String,
    pub line1: String,
    #[uniffi(default = None)]
    pub line2: Option<String>,
    pub city: String,
    #[uniffi(default = None)]
    pub region: Option<String>,
    pub postal_code: String,
    pub country: String,
}

impl From<Address> for CoreAddress {
    fn from(a: Address) -> Self {
        CoreAddress {
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

impl From<CoreAddress> for Address {
    fn from(a: CoreAddress) -> Self {
        Address {
            name: a.name,
            line1: a.line1,
            line2: a.line2,
            city: a.city,
            region: a.region,
            postal_code: a.postal_code,
            country: a.country,
        }
    }
}

/// How the customer will pay. The engine validates it and never charges it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PaymentMethod {
    /// A card token from the payment provider (never a card number) with display details.
    Card {
        token: String,
        brand: String,
        last4: String,
        exp_month: i64,
        exp_year: i64,
    },
    /// A PayPal billing-agreement token.
    Paypal { token: String },
    /// Cash when the order is delivered, up to a per-currency limit.
    CashOnDelivery,
}

/// How an order is paid, as orders show it: without the token, which the store keeps.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum PaymentSummary {
    /// A card's display details.
    Card {
        brand: String,
        last4: String,
        exp_month: i64,
        exp_year: i64,
    },
    Paypal,
    CashOnDelivery,
}

impl From<orderly::PaymentSummary> for PaymentSummary {
    fn from(p: orderly::PaymentSummary) -> Self {
        match p {
            orderly::PaymentSummary::Card {
                brand,
                last4,
                exp_month,
                exp_year,
            } => PaymentSummary::Card {
                brand,
                last4,
                exp_month,
                exp_year,
            },
            orderly::PaymentSummary::Paypal => PaymentSummary::Paypal,
            orderly::PaymentSummary::CashOnDelivery => PaymentSummary::CashOnDelivery,
        }
    }
}

impl From<PaymentMethod> for CorePaymentMethod {
    fn from(p: PaymentMethod) -> Self {
        match p {
            PaymentMethod::Card {
                token,
                brand,
                last4,
                exp_month,
                exp_year,
            } => CorePaymentMethod::Card {
                token,
                brand,
                last4,
                exp_month,
                exp_year,
            },
            PaymentMethod::Paypal { token } => CorePaymentMethod::Paypal { token },
            PaymentMethod::CashOnDelivery => CorePaymentMethod::CashOnDelivery,
        }
    }
}

impl From<CorePaymentMethod> for PaymentMethod {
    fn from(p: CorePaymentMethod) -> Self {
        match p {
            CorePaymentMethod::Card {
                token,
                brand,
                last4,
                exp_month,
                exp_year,
            } => PaymentMethod::Card {
                token,
                brand,
                last4,
                exp_month,
                exp_year,
            },
            CorePaymentMethod::Paypal { token } => PaymentMethod::Paypal { token },
            CorePaymentMethod::CashOnDelivery => PaymentMethod::CashOnDelivery,
        }
    }
}

/// One line of a cart the application sets with `Engine.setCart`. The unit price is a
/// decimal string; the engine checks it against the cart's currency when it reads the cart.
#[derive(Debug, Clone, PartialEq, Eq, Hash, uniffi::Record)]
pub struct CartItem {
    pub product_id: String,
    pub name: String,
    pub quantity: i64,
    pub unit_price: String,
}

impl From<CartItem> for RawCartItem {
    fn from(i: CartItem) -> Self {
        RawCartItem {
            product_id: i.product_id,
            name: i.name,
            quantity: i.quantity,
            unit_price: i.unit_price,
        }
    }
}

/// Generates a field-less enum that mirrors an engine enum one to one, both ways.
macro_rules! mirror_enum {
    ($(#[$doc:meta])* $name:ident <=> $core:ident { $($(#[$vdoc:meta])* $variant:ident),+ $(,)? }) => {
        $(#[$doc])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
        pub enum $name {
            $($(#[$vdoc])* $variant),+
        }

        impl From<$name> for $core {
            fn from(v: $name) -> Self {
                match v {
                    $($name::$variant => $core::$variant),+
                }
            }
        }

        impl From<$core> for $name {
            fn from(v: $core) -> Self {
                match v {
                    $($core::$variant => $name::$variant),+
                }
            }
        }
    };
}

mirror_enum!(
    /// An order's status: placed -> processing -> shipped -> delivered, or cancelled from
    /// placed or processing; partially shipped while some but not all of it has shipped.
    OrderStatus <=> CoreOrderStatus {
        Placed,
        Processing,
        PartiallyShipped,
        Shipped,
        Delivered,
        Cancelled,
    }
);

mirror_enum!(
    /// Delivery speed; prices come from the pricing policy.
    ShippingMethod <=> CoreShippingMethod { Standard, Express }
);

mirror_enum!(
    /// Which measure ranks top products.
    TopBy <=> CoreTopBy { Quantity, Revenue }
);

mirror_enum!(
    /// What an outbox event reports: `order.placed`, `order.status_changed`, `order.cancelled`,
    /// `order.shipment_changed`.
    EventType <=> CoreEventType {
        OrderPlaced,
        StatusChanged,
        OrderCancelled,
        ShipmentChanged,
    }
);

mirror_enum!(
    /// Where a shipment is in its life: pending -> shipped -> delivered, or cancelled while
    /// pending.
    ShipmentStatus <=> CoreShipmentStatus {
        Pending,
        Shipped,
        Delivered,
        Cancelled,
    }
);

mirror_enum!(
    /// Why an order was cancelled; customers cancel with `customer` only.
    CancelReason <=> CoreCancelReason {
        Customer,
        Inventory,
        Fraud,
        PaymentDeclined,
        Staff,
        Other,
    }
);

mirror_enum!(
    /// What a timeline entry records: an order status, a shipment step or a staff note.
    TimelineKind <=> CoreTimelineKind { Status, Shipment, Note }
);

mirror_enum!(
    /// Who made a change, by kind.
    ActorKind <=> CoreActorKind {
        Customer,
        Staff,
        Service,
        Device,
    }
);

/// What a staff search sorts by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SearchSort {
    /// Creation time (the default).
    CreatedAt,
    /// Order total.
    Total,
}

/// Which way a staff search sorts.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, uniffi::Enum)]
pub enum SortDirection {
    /// Largest first (the default).
    Descending,
    /// Smallest first.
    Ascending,
}

/// An engine instant (UTC milliseconds) as a `SystemTime` (Swift `Date`).
pub(crate) fn system_time(at: Timestamp) -> SystemTime {
    let ms = at.unix_millis();
    let offset = Duration::from_millis(ms.unsigned_abs());
    let time = if ms >= 0 {
        UNIX_EPOCH.checked_add(offset)
    } else {
        UNIX_EPOCH.checked_sub(offset)
    };
    // Engine instants stay within a few thousand years of 1970, which every platform's
    // `SystemTime` covers; the epoch is only a guard.
    time.unwrap_or(UNIX_EPOCH)
}

/// A `SystemTime` as an engine instant, floored to whole milliseconds like the engine's clock.
pub(crate) fn timestamp(at: SystemTime, field: &str) -> Result<Timestamp, OrderlyError> {
    let out_of_range = || invalid_field(field, "is out of the supported time range");
    let ms = match at.duration_since(UNIX_EPOCH) {
        Ok(after) => i64::try_from(after.as_millis()).map_err(|_| out_of_range())?,
        Err(before) => {
            let before = before.duration();
            // Floor: 1.5 ms before the epoch is -2 ms.
            let whole = i64::try_from(before.as_millis()).map_err(|_| out_of_range())?;
            let partial = i64::from(before.subsec_nanos() % 1_000_000 != 0);
            -whole - partial
        }
    };
    Ok(Timestamp::from_unix_millis(ms))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn instants_round_trip_and_floor_to_milliseconds() {
        for ms in [0, 1, 1_700_000_000_123, -1, -1_500] {
            let at = Timestamp::from_unix_millis(ms);
            assert_eq!(timestamp(system_time(at), "at").unwrap(), at);
        }
        let just_after = UNIX_EPOCH + Duration::from_micros(1_999);
        assert_eq!(timestamp(just_after, "at").unwrap().unix_millis(), 1);
        let just_before = UNIX_EPOCH - Duration::from_micros(1_500);
        assert_eq!(timestamp(just_before, "at").unwrap().unix_millis(), -2);
    }
}
