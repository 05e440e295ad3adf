//! Sent order confirmations: recorded once per order, read back as recorded.

use orderly::store::SentConfirmation;
use orderly::{EventId, IdGenerator, OrderId, UuidV7Generator};

use crate::StoreFactory;
use crate::fixtures::*;

fn sent(order_id: OrderId, at_ms: i64) -> SentConfirmation {
    SentConfirmation {
        order_id,
        user_id: user("alice"),
        event_id: EventId::from_uuid(UuidV7Generator.new_uuid()),
        sent_at: start().plus_millis(at_ms),
    }
}

pub fn a_confirmation_is_recorded_once_per_order(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = env.place_simple("alice", "k-1");
    assert_eq!(env.store.sent_confirmation(&order.id).unwrap(), None);

    let first = sent(order.id, 10);
    assert!(env.store.record_confirmation(&first).unwrap());
    // A second worker (or a redelivered event) finds it recorded and changes nothing.
    let again = sent(order.id, 20);
    assert!(!env.store.record_confirmation(&again).unwrap());
    assert_eq!(env.store.sent_confirmation(&order.id).unwrap(), Some(first));

    // Other orders are independent.
    let other = OrderId::from_uuid(UuidV7Generator.new_uuid());
    assert_eq!(env.store.sent_confirmation(&other).unwrap(), None);
    assert!(env.store.record_confirmation(&sent(other, 30)).unwrap());
}
