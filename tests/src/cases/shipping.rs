//! Shipments and structured cancellation through the service: the order's status following
//! its shipments, the refusals, whole-order moves, idempotent creation, the events, and the
//! cancellation and shipping-email bookkeeping.

use orderly::DayRange;
use orderly::store::SentShippingNotice;
use orderly::{
    CancelReason, Cancellation, EventType, IdGenerator, OrderStatus, ProductId, ShipmentLine,
    ShipmentRequest, ShipmentStatus, StatusUpdate, UuidV7Generator,
};

use crate::StoreFactory;
use crate::fixtures::*;

/// An order of 3 `sku-a` and 2 `sku-b`, moved to processing.
fn processing_order(env: &Env, user: &str, key: &str) -> orderly::Order {
    env.set_cart(
        user,
        "USD",
        &[("sku-a", "Beans", 3, "10.00"), ("sku-b", "Mugs", 2, "4.50")],
    );
    let order = env.place(user, key);
    env.advance(MINUTE_MS);
    env.service
        .update_status(
            &admin(),
            &order.id,
            OrderStatus::Processing,
            &StatusUpdate::default(),
        )
        .unwrap()
}

fn lines(items: &[(&str, u32)]) -> Option<Vec<ShipmentLine>> {
    Some(
        items
            .iter()
            .map(|(product, quantity)| ShipmentLine {
                product_id: ProductId::new(*product).unwrap(),
                quantity: *quantity,
            })
            .collect(),
    )
}

pub fn shipments_move_the_order_from_partial_to_delivered(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = processing_order(&env, "alice", "k");
    env.advance(MINUTE_MS);
    let first = ShipmentRequest {
        lines: lines(&[("sku-a", 2)]),
        carrier: Some("UPS".into()),
        tracking_number: Some("1z 999 aa1".into()),
        ..ShipmentRequest::default()
    };
    let doc = env
        .service
        .create_shipment(&admin(), &order.id, &first, Some(&idem("ship-1")), None)
        .unwrap();
    let partial = doc.decode("test").unwrap();
    assert_eq!(partial.status, OrderStatus::PartiallyShipped);
    assert_eq!(partial.version, order.version + 1);
    let shipment = &partial.shipments[0];
    assert_eq!(shipment.status, ShipmentStatus::Shipped);
    assert_eq!(shipment.tracking_number.as_deref(), Some("1Z999AA1"));
    assert_eq!(
        shipment.tracking_url.as_deref(),
        Some("https://www.ups.com/track?tracknum=1Z999AA1")
    );
    assert_eq!(
        partial.history.last().unwrap().status,
        OrderStatus::PartiallyShipped
    );

    // The same key again is the same shipment: nothing changes.
    let again = env
        .service
        .create_shipment(&admin(), &order.id, &first, Some(&idem("ship-1")), None)
        .unwrap();
    assert_eq!(again.decode("test").unwrap(), partial);
    let other = ShipmentRequest {
        tracking_number: Some("OTHER".into()),
        ..first.clone()
    };
    assert_code(
        env.service
            .create_shipment(&admin(), &order.id, &other, Some(&idem("ship-1")), None),
        "idempotency_conflict",
    );

    // The rest ships in a second shipment; the order is shipped, then delivered shipment by
    // shipment.
    env.advance(MINUTE_MS);
    let rest = env
        .service
        .create_shipment(
            &warehouse(),
            &order.id,
            &ShipmentRequest::default(),
            None,
            None,
        )
        .unwrap()
        .decode("test")
        .unwrap();
    assert_eq!(rest.status, OrderStatus::Shipped);
    assert_eq!(
        rest.shipments[1].lines,
        lines(&[("sku-a", 1), ("sku-b", 2)]).unwrap()
    );
    let ids: Vec<_> = rest.shipments.iter().map(|s| s.shipment_id).collect();
    let first_delivered = env
        .service
        .update_shipment(
            &admin(),
            &order.id,
            &ids[0],
            ShipmentStatus::Delivered,
            None,
            None,
        )
        .unwrap()
        .decode("test")
        .unwrap();
    assert_eq!(first_delivered.status, OrderStatus::Shipped);
    let delivered = env
        .service
        .update_shipment(
            &admin(),
            &order.id,
            &ids[1],
            ShipmentStatus::Delivered,
            Some("left with neighbour"),
            None,
        )
        .unwrap()
        .decode("test")
        .unwrap();
    assert_eq!(delivered.status, OrderStatus::Delivered);
    let statuses: Vec<_> = delivered.history.iter().map(|m| m.status).collect();
    assert_eq!(
        statuses,
        [
            OrderStatus::Placed,
            OrderStatus::Processing,
            OrderStatus::PartiallyShipped,
            OrderStatus::Shipped,
            OrderStatus::Delivered
        ]
    );
    // The customer sees the shipments on the order and its status.
    let view = env.service.status(&customer("alice"), &order.id).unwrap();
    assert_eq!(view.shipments, delivered.shipments);

    // One event per change, in sequence; the shipment events name what they shipped.
    let events: Vec<_> = env
        .service
        .pending_events(100)
        .unwrap()
        .into_iter()
        .filter(|e| e.order_id == order.id)
        .collect();
    let kinds: Vec<_> = events.iter().map(|e| (e.event_type, e.sequence)).collect();
    assert_eq!(
        kinds,
        [
            (EventType::OrderPlaced, 1),
            (EventType::StatusChanged, 2),
            (EventType::ShipmentChanged, 3),
            (EventType::ShipmentChanged, 4),
            (EventType::ShipmentChanged, 5),
            (EventType::ShipmentChanged, 6),
        ]
    );
    let shipped = payload_json(&events[2]);
    assert_eq!(shipped["shipped"], serde_json::json!([ids[0].to_string()]));
    assert_eq!(shipped["orderStatus"]["to"], "partially_shipped");
    assert_eq!(payload_json(&events[4])["shipped"], serde_json::json!([]));

    let counts = env
        .service
        .orders_by_status(&admin(), DayRange::ALL)
        .unwrap();
    let count = |s: OrderStatus| counts.iter().find(|c| c.status == s).unwrap().orders;
    assert_eq!(count(OrderStatus::Delivered), 1);
    assert_eq!(count(OrderStatus::PartiallyShipped), 0);
    assert_eq!(count(OrderStatus::Shipped), 0);
}

pub fn shipment_refusals_change_nothing(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = processing_order(&env, "alice", "k");
    let too_many = ShipmentRequest {
        lines: lines(&[("sku-a", 4)]),
        ..ShipmentRequest::default()
    };
    assert_code(
        env.service
            .create_shipment(&admin(), &order.id, &too_many, None, None),
        "shipment_exceeds_order",
    );
    let unknown = ShipmentRequest {
        lines: lines(&[("sku-z", 1)]),
        ..ShipmentRequest::default()
    };
    assert_code(
        env.service
            .create_shipment(&admin(), &order.id, &unknown, None, None),
        "invalid_field",
    );
    assert_code(
        env.service.create_shipment(
            &customer("alice"),
            &order.id,
            &ShipmentRequest::default(),
            None,
            None,
        ),
        "forbidden",
    );
    assert_eq!(env.service.order(&admin(), &order.id).unwrap(), order);

    // Pending shipments reserve units; cancelling the order calls them off.
    let pending = ShipmentRequest {
        lines: lines(&[("sku-a", 3)]),
        status: Some(ShipmentStatus::Pending),
        ..ShipmentRequest::default()
    };
    let with_pending = env
        .service
        .create_shipment(&admin(), &order.id, &pending, None, None)
        .unwrap()
        .decode("test")
        .unwrap();
    assert_eq!(with_pending.status, OrderStatus::Processing);
    assert_code(
        env.service.create_shipment(
            &admin(),
            &order.id,
            &ShipmentRequest {
                lines: lines(&[("sku-a", 1)]),
                ..ShipmentRequest::default()
            },
            None,
            None,
        ),
        "shipment_exceeds_order",
    );
    let cancelled = env
        .service
        .cancel_with(
            &admin(),
            &order.id,
            &Cancellation {
                reason: Some(CancelReason::Inventory),
                note: Some("out of beans".into()),
            },
            None,
        )
        .unwrap()
        .decode("test")
        .unwrap();
    assert_eq!(cancelled.shipments[0].status, ShipmentStatus::Cancelled);
    let last = cancelled.history.last().unwrap();
    assert_eq!(last.reason, Some(CancelReason::Inventory));
    assert_eq!(last.note.as_deref(), Some("out of beans"));
    assert_code(
        env.service
            .create_shipment(&admin(), &order.id, &ShipmentRequest::default(), None, None),
        "order_not_shippable",
    );

    // Once anything has shipped, the order cannot be cancelled.
    let shipped = processing_order(&env, "bob", "k");
    env.service
        .create_shipment(
            &admin(),
            &shipped.id,
            &ShipmentRequest {
                lines: lines(&[("sku-b", 1)]),
                ..ShipmentRequest::default()
            },
            None,
            None,
        )
        .unwrap();
    assert_code(
        env.service.cancel(&customer("bob"), &shipped.id, None),
        "invalid_transition",
    );
    // Only shipments move an order to partially shipped.
    let processing = processing_order(&env, "carol", "k");
    assert_code(
        env.service.update_status(
            &admin(),
            &processing.id,
            OrderStatus::PartiallyShipped,
            &StatusUpdate::default(),
        ),
        "invalid_transition",
    );
}

pub fn whole_order_moves_ship_and_deliver_every_unit(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = processing_order(&env, "alice", "k");
    env.service
        .create_shipment(
            &admin(),
            &order.id,
            &ShipmentRequest {
                lines: lines(&[("sku-b", 2)]),
                status: Some(ShipmentStatus::Pending),
                ..ShipmentRequest::default()
            },
            None,
            None,
        )
        .unwrap();
    let shipped = env
        .service
        .update_status(
            &admin(),
            &order.id,
            OrderStatus::Shipped,
            &StatusUpdate::default(),
        )
        .unwrap();
    assert_eq!(shipped.status, OrderStatus::Shipped);
    assert_eq!(shipped.shipments.len(), 2);
    assert!(
        shipped
            .shipments
            .iter()
            .all(|s| s.status == ShipmentStatus::Shipped)
    );
    assert_eq!(shipped.shipments[1].lines, lines(&[("sku-a", 3)]).unwrap());
    let delivered = env
        .service
        .update_status(
            &admin(),
            &order.id,
            OrderStatus::Delivered,
            &StatusUpdate::default(),
        )
        .unwrap();
    assert!(
        delivered
            .shipments
            .iter()
            .all(|s| s.status == ShipmentStatus::Delivered)
    );
    let event = env.service.pending_events(100).unwrap();
    let status_shipped = event
        .iter()
        .find(|e| e.order_id == order.id && e.sequence == shipped.version)
        .unwrap();
    assert_eq!(
        payload_json(status_shipped)["shipped"]
            .as_array()
            .unwrap()
            .len(),
        2
    );
}

pub fn cancellations_are_counted_by_reason(factory: &StoreFactory) {
    let env = Env::new(factory);
    let a = env.place_simple("alice", "a");
    let b = env.place_simple("bob", "b");
    let c = env.place_simple("carol", "c");
    env.service
        .cancel(&customer("alice"), &a.id, Some("changed my mind"))
        .unwrap();
    let fraud = Cancellation {
        reason: Some(CancelReason::Fraud),
        note: None,
    };
    assert_code(
        env.service
            .cancel_with(&customer("bob"), &b.id, &fraud, None),
        "forbidden",
    );
    env.service
        .cancel_with(&admin(), &b.id, &fraud, None)
        .unwrap();
    env.service
        .cancel_with(&admin(), &c.id, &Cancellation::default(), None)
        .unwrap();
    // Cancelling again changes nothing and counts nothing.
    env.service
        .cancel_with(&admin(), &c.id, &fraud, None)
        .unwrap();
    let counts = env
        .service
        .cancellations_by_reason(&admin(), DayRange::ALL)
        .unwrap();
    let listed: Vec<_> = counts.iter().map(|c| (c.reason, c.orders)).collect();
    assert_eq!(
        listed,
        [
            (CancelReason::Customer, 1),
            (CancelReason::Inventory, 0),
            (CancelReason::Fraud, 1),
            (CancelReason::PaymentDeclined, 0),
            (CancelReason::Staff, 1),
            (CancelReason::Other, 0),
        ]
    );
    assert_code(
        env.service
            .cancellations_by_reason(&customer("alice"), DayRange::ALL),
        "forbidden",
    );
}

pub fn a_shipping_notice_is_recorded_once_per_shipment(factory: &StoreFactory) {
    let env = Env::new(factory);
    let order = processing_order(&env, "alice", "k");
    let shipped = env
        .service
        .update_status(
            &admin(),
            &order.id,
            OrderStatus::Shipped,
            &StatusUpdate::default(),
        )
        .unwrap();
    let shipment = shipped.shipments[0].shipment_id;
    assert!(
        !env.store
            .shipping_notice_sent(&order.id, &shipment)
            .unwrap()
    );
    let sent = SentShippingNotice {
        order_id: order.id,
        shipment_id: shipment,
        event_id: orderly::EventId::from_uuid(UuidV7Generator.new_uuid()),
        sent_at: env.now(),
    };
    assert!(env.store.record_shipping_notice(&sent).unwrap());
    assert!(!env.store.record_shipping_notice(&sent).unwrap());
    assert!(
        env.store
            .shipping_notice_sent(&order.id, &shipment)
            .unwrap()
    );
}
