//! An order in its stored form: the JSON document a backend keeps, with the columns the engine
//! needs (owner, version, position in the user's history) read beside it.
//!
//! The document is exactly what `serde_json::to_string(&Order)` writes, and `Order` serializes
//! in the API's shape (its payment method without the token, which the store keeps in a
//! column of its own). The engine encodes an order once per write: the store writes that
//! document, the outbox event embeds it, a cache keeps it and the REST server answers with it.
//! Readers that only pass an order on use the document as it is and never decode it; readers
//! that need the order decode it once.
//!
//! A store keeps each document's format number beside it ([`OrderDocument::FORMAT`] for what
//! this build writes). A document of an older format is brought to the current one by
//! [`upgrade`] as it is read, so a change of the API shape needs no rewrite of stored data.

use crate::clock::Timestamp;
use crate::error::{StoreError, StoreErrorKind};
use crate::ids::{OrderId, UserId};
use crate::model::Order;
use crate::store::HistoryPosition;

/// Formats of stored documents:
/// 1. the order as the API showed it before payment tokens were kept apart: its
///    `paymentMethod` may hold a `token`;
/// 2. the same without any token.
const FORMAT_WITH_TOKEN: u32 = 1;

/// Brings a document of `format` to [`OrderDocument::FORMAT`]. A document newer than this
/// build, or not an object, is an error (the store reports it as corrupt).
pub fn upgrade(format: u32, json: String) -> Result<String, String> {
    match format {
        OrderDocument::FORMAT => Ok(json),
        FORMAT_WITH_TOKEN => {
            let mut value: serde_json::Value =
                serde_json::from_str(&json).map_err(|e| format!("does not parse: {e}"))?;
            let order = value
                .as_object_mut()
                .ok_or_else(|| "is not a JSON object".to_owned())?;
            if let Some(payment) = order
                .get_mut("paymentMethod")
                .and_then(serde_json::Value::as_object_mut)
            {
                payment.remove("token");
            }
            serde_json::to_string(&value).map_err(|e| e.to_string())
        }
        newer => Err(format!(
            "has format {newer}, newer than format {} that this build reads",
            OrderDocument::FORMAT
        )),
    }
}

/// A stored order: its JSON and the columns kept beside it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderDocument {
    /// The order's id.
    pub id: OrderId,
    /// The order's owner.
    pub user_id: UserId,
    /// The order's version.
    pub version: u32,
    /// When the order was placed.
    pub created_at: Timestamp,
    json: String,
}

impl OrderDocument {
    /// The format every document written by this build has; stores keep it beside the
    /// document and pass it back to [`OrderDocument::from_stored`].
    pub const FORMAT: u32 = 2;

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

    /// A document read back from storage, written in `format`, brought to the current format
    /// (see [`upgrade`]). `json` is trusted to be what [`encode`] wrote for an order with these
    /// columns; [`decode`] checks that it is. The error says why a document cannot be read.
    ///
    /// [`encode`]: OrderDocument::encode
    /// [`decode`]: OrderDocument::decode
    pub fn from_stored(
        id: OrderId,
        user_id: UserId,
        version: u32,
        created_at: Timestamp,
        format: u32,
        json: String,
    ) -> Result<Self, String> {
        let json = upgrade(format, json).map_err(|why| format!("stored order {id} {why}"))?;
        Ok(OrderDocument {
            id,
            user_id,
            version,
            created_at,
            json,
        })
    }

    /// `{"order": <document>}`: the payload of the event an order's placement writes, built
    /// around the encoded document rather than encoding the order again.
    pub fn event_payload(&self) -> Result<Box<serde_json::value::RawValue>, serde_json::Error> {
        let mut payload = String::with_capacity(self.json.len() + 10);
        payload.push_str("{\"order\":");
        payload.push_str(&self.json);
        payload.push('}');
        serde_json::value::RawValue::from_string(payload)
    }

    /// The order's JSON, in the API's shape.
    pub fn json(&self) -> &str {
        &self.json
    }

    /// The order's JSON, by value.
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
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::test_orders::sample_order;

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
            OrderDocument::FORMAT,
            "{not json".to_owned(),
        )
        .unwrap();
        assert_eq!(
            garbage.decode("test").unwrap_err().kind,
            StoreErrorKind::Corrupt
        );
        let stale = OrderDocument::from_stored(
            good.id,
            good.user_id.clone(),
            good.version + 1,
            good.created_at,
            OrderDocument::FORMAT,
            good.json().to_owned(),
        )
        .unwrap();
        assert_eq!(
            stale.decode("test").unwrap_err().kind,
            StoreErrorKind::Corrupt
        );
    }

    /// A document of the first format, as written before tokens were kept apart.
    fn with_token(order: &Order) -> String {
        let mut value = serde_json::to_value(order).unwrap();
        value["paymentMethod"]["token"] = "tok_visa_4242".into();
        value.to_string()
    }

    #[test]
    fn an_older_document_is_read_in_the_current_format() {
        let order = sample_order();
        let current = OrderDocument::encode(&order).unwrap();
        let old = OrderDocument::from_stored(
            order.id,
            order.user_id.clone(),
            order.version,
            order.created_at,
            1,
            with_token(&order),
        )
        .unwrap();
        assert!(!old.json().contains("tok_visa_4242"));
        assert_eq!(
            serde_json::from_str::<serde_json::Value>(old.json()).unwrap(),
            serde_json::from_str::<serde_json::Value>(current.json()).unwrap()
        );
        assert_eq!(old.decode("test").unwrap(), order);
    }

    #[test]
    fn a_current_document_is_kept_byte_for_byte() {
        let json = OrderDocument::encode(&sample_order()).unwrap().into_json();
        assert_eq!(upgrade(OrderDocument::FORMAT, json.clone()).unwrap(), json);
    }

    #[test]
    fn a_newer_or_malformed_document_is_refused() {
        let order = sample_order();
        let json = OrderDocument::encode(&order).unwrap().into_json();
        let newer = upgrade(OrderDocument::FORMAT + 1, json).unwrap_err();
        assert!(newer.contains("newer"), "{newer}");
        assert!(upgrade(1, "[1]".to_owned()).is_err());
        assert!(upgrade(1, "{not json".to_owned()).is_err());
    }

    #[test]
    fn the_placed_event_payload_wraps_the_document() {
        let document = OrderDocument::encode(&sample_order()).unwrap();
        let payload = document.event_payload().unwrap();
        assert_eq!(payload.get(), format!("{{\"order\":{}}}", document.json()));
        let value: serde_json::Value = serde_json::from_str(payload.get()).unwrap();
        assert_eq!(value["order"]["paymentMethod"]["last4"], "4242");
    }
}
