//! An order in its stored form: the JSON document a backend keeps, with the columns the engine
//! needs (owner, version, position in the user's history) read beside it.
//!
//! The document is exactly what `serde_json::to_string(&Order)` writes, and `Order` serializes
//! in the API's shape. Readers that only pass an order on (the REST server, a cache) use the
//! document as it is and never decode it; readers that need the order decode it once.

use crate::clock::Timestamp;
use crate::error::{StoreError, StoreErrorKind};
use crate::ids::{OrderId, UserId};
use crate::model::Order;
use crate::store::HistoryPosition;

/// A stored order: its JSON and the columns kept beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDocument {
    pub id: OrderId,
    pub user_id: UserId,
    pub version: u32,
    pub created_at: Timestamp,
    json: String,
}

impl OrderDocument {
    /// The document of `order`, as every backend stores it.
    pub fn encode(order: &Order) -> Result<Self, serde_json::Error> {
        Ok(OrderDocument {
            id: order.id,
            user_id: order.user_id.clone(),
            version: order.version,
            created_at: order.created_at,
            json: serde_json::to_string(order)?,
        })
    }

    /// A document read back from storage. `json` is trusted to be what [`encode`] wrote for
    /// an order with these columns; [`decode`] checks that it is.
    ///
    /// [`encode`]: OrderDocument::encode
    /// [`decode`]: OrderDocument::decode
    pub fn from_stored(
        id: OrderId,
        user_id: UserId,
        version: u32,
        created_at: Timestamp,
        json: String,
    ) -> Self {
        OrderDocument {
            id,
            user_id,
            version,
            created_at,
            json,
        }
    }

    /// The order's JSON, in the API's shape.
    pub fn json(&self) -> &str {
        &self.json
    }

    pub fn into_json(self) -> String {
        self.json
    }

    /// Where this order sits in its user's history (newest first by `created_at`, then id).
    pub fn position(&self) -> HistoryPosition {
        HistoryPosition {
            created_at: self.created_at,
            order_id: self.id,
        }
    }

    /// The order. A document that does not decode, or whose columns disagree with it, is
    /// corrupt data of `backend`.
    pub fn decode(&self, backend: &'static str) -> Result<Order, StoreError> {
        let corrupt = |why: String| {
            StoreError::new(
                StoreErrorKind::Corrupt,
                backend,
                format!("stored order {}: {why}", self.id),
            )
        };
        let order: Order = serde_json::from_str(&self.json)
            .map_err(|e| corrupt(format!("does not decode: {e}")))?;
        if order.id != self.id
            || order.user_id != self.user_id
            || order.version != self.version
            || order.created_at != self.created_at
        {
            return Err(corrupt(
                "its document disagrees with its columns".to_owned(),
            ));
        }
        Ok(order)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use crate::model::{Address, Milestone, OrderLine, PaymentMethod, ShippingMethod, Totals};
    use crate::money::{Currency, Money};
    use crate::status::OrderStatus;

    fn sample_order() -> Order {
        let usd = Currency::from_code("USD").unwrap();
        let at = Timestamp::from_unix_millis(1_700_000_000_000);
        let price = Money::from_minor(1999, usd);
        Order {
            id: OrderId::parse("01890a5d-ac96-774b-bcce-b302099a8057").unwrap(),
            user_id: UserId::new("alice").unwrap(),
            status: OrderStatus::Placed,
            currency: usd,
            items: vec![OrderLine {
                product_id: crate::ids::ProductId::new("sku-1").unwrap(),
                name: "Beans".to_owned(),
                quantity: 1,
                unit_price: price,
                line_total: price,
                discount: Money::zero(usd),
            }],
            totals: Totals {
                subtotal: price,
                shipping: Money::zero(usd),
                tax: Money::zero(usd),
                discount: Money::zero(usd),
                total: price,
            },
            delivery_address: Address {
                name: "Alice".to_owned(),
                line1: "1 Main St".to_owned(),
                line2: None,
                city: "New York".to_owned(),
                region: Some("NY".to_owned()),
                postal_code: "10001".to_owned(),
                country: "US".to_owned(),
            },
            payment_method: PaymentMethod::CashOnDelivery,
            shipping_method: ShippingMethod::Standard,
            discount_code: None,
            checkout_id: None,
            metadata: Default::default(),
            created_at: at,
            updated_at: at,
            version: 1,
            history: vec![Milestone {
                status: OrderStatus::Placed,
                at,
                actor: "customer:alice".to_owned(),
                note: None,
            }],
        }
    }

    #[test]
    fn a_document_decodes_to_the_order_it_encodes() {
        let order = sample_order();
        let doc = OrderDocument::encode(&order).unwrap();
        assert_eq!(doc.json(), serde_json::to_string(&order).unwrap());
        assert_eq!(doc.position().order_id, order.id);
        assert_eq!(doc.decode("test").unwrap(), order);
    }

    #[test]
    fn garbage_and_mismatched_columns_are_corrupt() {
        let order = sample_order();
        let good = OrderDocument::encode(&order).unwrap();
        let garbage = OrderDocument::from_stored(
            good.id,
            good.user_id.clone(),
            good.version,
            good.created_at,
            "{not json".to_owned(),
        );
        assert_eq!(
            garbage.decode("test").unwrap_err().kind,
            StoreErrorKind::Corrupt
        );
        let stale = OrderDocument::from_stored(
            good.id,
            good.user_id.clone(),
            good.version + 1,
            good.created_at,
            good.json().to_owned(),
        );
        assert_eq!(
            stale.decode("test").unwrap_err().kind,
            StoreErrorKind::Corrupt
        );
    }
}
