//! A push as it arrives, checked in two steps: the envelope (device id, device time, at most
//! [`MAX_PUSH_OPERATIONS`] operations with numeric, strictly increasing `seq`s), whose faults
//! refuse the whole push, and each operation's body, whose faults are that operation's
//! `rejected` result (code `invalid_operation`), so that one bad operation never blocks a
//! device's queue. Every front end that receives pushes parses them here.

use serde::Deserialize;
use serde_json::{Map, Value};

use crate::clock::Timestamp;
use crate::error::ValidationError;
use crate::ids::{DeviceId, OrderId};
use crate::validation::looks_like_card_number;

use super::wire::{MAX_PUSH_OPERATIONS, OpBody};

/// A push body before its operations are parsed.
#[derive(Debug, Clone, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct IncomingPush {
    /// The device id, unchecked.
    pub device_id: String,
    /// The device time, unchecked.
    pub device_time: String,
    /// The operations, each with its `seq` and the rest of its fields.
    pub operations: Vec<IncomingOperation>,
}

/// One operation before its body is parsed.
#[derive(Debug, Clone, Deserialize)]
pub struct IncomingOperation {
    /// Its sequence number.
    pub seq: u64,
    /// Every other field.
    #[serde(flatten)]
    pub body: Map<String, Value>,
}

/// A push whose envelope is valid.
#[derive(Debug, Clone)]
pub struct CheckedPush {
    /// The pushing device.
    pub device_id: DeviceId,
    /// The device's clock at sending.
    pub device_time: Timestamp,
    /// The operations in `seq` order, each parsed or with why it does not parse.
    pub operations: Vec<CheckedOperation>,
}

/// One operation of a [`CheckedPush`].
#[derive(Debug, Clone)]
pub struct CheckedOperation {
    /// Its sequence number.
    pub seq: u64,
    /// Its body, or why it is not one (and the order it names, when it names one).
    pub body: Result<OpBody, (OrderId, String)>,
}

impl IncomingPush {
    /// Checks the envelope and parses each operation.
    pub fn check(self) -> Result<CheckedPush, ValidationError> {
        let device_id = DeviceId::new(self.device_id)?;
        let device_time = Timestamp::parse_rfc3339(&self.device_time).ok_or_else(|| {
            ValidationError::InvalidField {
                field: "deviceTime".into(),
                reason: "must be an RFC 3339 date-time".into(),
            }
        })?;
        if self.operations.len() > MAX_PUSH_OPERATIONS {
            return Err(ValidationError::TooManyOperations {
                count: self.operations.len(),
                max: MAX_PUSH_OPERATIONS,
            });
        }
        let in_order = self
            .operations
            .windows(2)
            .all(|w| matches!(w, [a, b] if a.seq < b.seq));
        if !in_order || self.operations.first().is_some_and(|op| op.seq == 0) {
            return Err(ValidationError::InvalidField {
                field: "operations".into(),
                reason: "seq must start at 1 and increase strictly".into(),
            });
        }
        let operations = self
            .operations
            .into_iter()
            .map(|op| CheckedOperation {
                seq: op.seq,
                body: parse_body(op.body),
            })
            .collect();
        Ok(CheckedPush {
            device_id,
            device_time,
            operations,
        })
    }
}

fn parse_body(body: Map<String, Value>) -> Result<OpBody, (OrderId, String)> {
    let named = named_order(&body);
    serde_json::from_value::<OpBody>(Value::Object(body)).map_err(|e| {
        // serde repeats the offending value; a result is stored and answered, so it never
        // repeats what looks like a card number.
        let message = e.to_string();
        let detail = if looks_like_card_number(&message) {
            "the operation does not have the expected shape".to_owned()
        } else {
            format!("the operation does not have the expected shape: {message}")
        };
        (
            named.unwrap_or_else(|| OrderId::from_uuid(uuid::Uuid::nil())),
            detail,
        )
    })
}

/// The order an unparsable operation names, if it names one.
fn named_order(body: &Map<String, Value>) -> Option<OrderId> {
    body.get("orderId")
        .or_else(|| body.get("order").and_then(|o| o.get("orderId")))
        .and_then(Value::as_str)
        .and_then(OrderId::parse)
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use serde_json::json;

    fn push(ops: Value) -> Result<CheckedPush, ValidationError> {
        serde_json::from_value::<IncomingPush>(json!({
            "deviceId": "pos-1", "deviceTime": "2026-01-01T00:00:00Z", "operations": ops
        }))
        .unwrap()
        .check()
    }

    #[test]
    fn envelopes_are_checked_and_bodies_parsed_one_by_one() {
        let id = "0190a0a0-0000-7000-8000-000000000001";
        let checked = push(json!([
            {"seq": 1, "op": "cancel", "orderId": id, "reason": "r"},
            {"seq": 2, "op": "explode", "orderId": id},
        ]))
        .unwrap();
        assert!(checked.operations[0].body.is_ok());
        let (named, _) = checked.operations[1].body.clone().unwrap_err();
        assert_eq!(named.to_string(), id);
        let card = push(json!([{"seq": 1, "op": "place", "idempotencyKey": "k",
            "order": {"orderId": id, "items": [{"quantity": "4111 1111 1111 1111"}]}}]))
        .unwrap();
        let (_, detail) = card.operations[0].body.clone().unwrap_err();
        assert!(!detail.contains("4111"), "{detail}");
        assert!(push(json!([{"seq": 2, "op": "cancel", "orderId": id}, {"seq": 1, "op": "cancel", "orderId": id}])).is_err());
        assert!(push(json!([{"seq": 0, "op": "cancel", "orderId": id}])).is_err());
        let many: Vec<Value> = (1..=501)
            .map(|s| json!({"seq": s, "op": "cancel", "orderId": id}))
            .collect();
        assert_eq!(
            push(Value::Array(many)).map(|_| ()).map_err(|e| e.code()),
            Err("too_many_operations")
        );
    }
}
