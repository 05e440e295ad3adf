//! Placing orders, exactly once per idempotency key.

use crate::analytics::RollupDelta;
use crate::document::OrderDocument;
use crate::error::{OrderlyError, Result, StoreError, StoreErrorKind};
use crate::events::{EventType, OutboxEvent};
use crate::ids::{EventId, IdempotencyKey, OrderId};
use crate::model::{Caller, Checkout, Milestone, Order};
use crate::pricing::Priced;
use crate::status::OrderStatus;
use crate::store::{IdempotencyRecord, InsertOutcome, NewOrder};
use crate::validation;

use super::checkout::fingerprint;
use super::{OrderService, PlaceOrderRequest, Placement};

impl OrderService {
    /// Places an order from the user's cart, or from a checkout quote when `checkout_id` is
    /// set. The same key with the same request returns the order it placed; with a different
    /// request it is `IdempotencyConflict`. Keys are scoped to the user.
    pub fn place_order(
        &self,
        caller: &Caller,
        req: &PlaceOrderRequest,
        key: &IdempotencyKey,
    ) -> Result<Placement> {
        self.authorize_user(caller, &req.user_id)?;
        let request_fingerprint = fingerprint(req);
        if let Some(record) =
            self.with_retry(|| self.store.idempotency_record(&req.user_id, key))?
        {
            return self.replay(&record, &request_fingerprint);
        }

        let now = self.clock.now();
        validation::validate_address(&req.delivery_address)?;
        validation::validate_payment(&req.payment_method, now)?;
        if let Some(m) = &req.metadata {
            validation::validate_metadata(m)?;
        }
        let (priced, currency, method) = match &req.checkout_id {
            Some(id) => {
                let quote = self.usable_checkout(caller, req, id)?;
                let priced = Priced {
                    items: quote.items.clone(),
                    totals: quote.totals,
                    discount_code: quote.discount_code.clone(),
                };
                (priced, quote.currency, quote.shipping_method)
            }
            None => {
                let method = req.shipping_method.unwrap_or_default();
                let cart = self.fetch_cart(caller, &req.user_id)?;
                let priced = self.price_cart(
                    &cart,
                    &req.delivery_address,
                    &req.payment_method,
                    method,
                    req.discount_code.as_deref(),
                )?;
                (priced, cart.currency, method)
            }
        };

        let order = Order {
            id: OrderId::from_uuid(self.new_uuid()),
            user_id: req.user_id.clone(),
            status: OrderStatus::Placed,
            currency,
            items: priced.items,
            totals: priced.totals,
            delivery_address: req.delivery_address.clone(),
            payment_method: req.payment_method.summary(),
            shipping_method: method,
            discount_code: priced.discount_code,
            checkout_id: req.checkout_id,
            metadata: req.metadata.clone().unwrap_or_default(),
            created_at: now,
            updated_at: now,
            version: 1,
            history: vec![Milestone {
                status: OrderStatus::Placed,
                at: now,
                actor: caller.actor(),
                note: None,
            }],
        };
        let document = self.encode(&order)?;
        let event = OutboxEvent {
            event_id: EventId::from_uuid(self.new_uuid()),
            event_type: EventType::OrderPlaced,
            order_id: order.id,
            user_id: order.user_id.clone(),
            sequence: 1,
            at: now,
            payload: document
                .event_payload()
                .map_err(|e| self.unencodable(order.id, &e))?,
        };
        let new = NewOrder {
            rollup: RollupDelta::placed(&order),
            order,
            document,
            payment_token: req.payment_method.token().map(str::to_owned),
            idempotency_key: key.clone(),
            fingerprint: request_fingerprint.clone(),
            event,
        };
        match self.with_retry(|| self.store.insert_order(&new))? {
            InsertOutcome::Created => Ok(Placement {
                order: new.order,
                document: new.document,
                created: true,
            }),
            InsertOutcome::KeyTaken(record) => self.replay(&record, &request_fingerprint),
        }
    }

    /// Answers a repeated key: the stored order if the request is the same, else a conflict.
    fn replay(&self, record: &IdempotencyRecord, request_fingerprint: &str) -> Result<Placement> {
        if record.fingerprint != request_fingerprint {
            return Err(OrderlyError::IdempotencyConflict);
        }
        let document = self
            .with_retry(|| self.store.order_document(&record.order_id))?
            .ok_or_else(|| {
                StoreError::new(
                    StoreErrorKind::Corrupt,
                    self.store.backend(),
                    format!(
                        "idempotency key points at missing order {}",
                        record.order_id
                    ),
                )
            })?;
        Ok(Placement {
            order: document.decode(self.store.backend())?,
            document,
            created: false,
        })
    }

    /// The order's document, encoded once for the store, its event, caches and responses.
    pub(super) fn encode(&self, order: &Order) -> Result<OrderDocument> {
        OrderDocument::encode(order).map_err(|e| self.unencodable(order.id, &e))
    }

    /// An order that does not encode is a bug, reported as a store failure it would cause.
    pub(super) fn unencodable(&self, id: OrderId, error: &serde_json::Error) -> OrderlyError {
        StoreError::new(
            StoreErrorKind::Other,
            self.store.backend(),
            format!("order {id} does not encode: {error}"),
        )
        .into()
    }

    /// Loads a quote and checks that it belongs to the user, has not expired, matches the
    /// request and still matches the cart.
    fn usable_checkout(
        &self,
        caller: &Caller,
        req: &PlaceOrderRequest,
        id: &crate::ids::CheckoutId,
    ) -> Result<Checkout> {
        let quote = self
            .with_retry(|| self.store.checkout(id))?
            .filter(|q| q.user_id == req.user_id)
            .ok_or_else(|| OrderlyError::not_found("checkout", id))?;
        if self.clock.now() >= quote.expires_at {
            return Err(OrderlyError::CheckoutExpired(id.to_string()));
        }
        let mismatch = |what: &str| {
            Err(OrderlyError::CheckoutMismatch(
                id.to_string(),
                format!("{what} differs from the checkout"),
            ))
        };
        if quote.delivery_address != req.delivery_address {
            return mismatch("deliveryAddress");
        }
        if quote.payment_method != req.payment_method {
            return mismatch("paymentMethod");
        }
        if req
            .shipping_method
            .is_some_and(|m| m != quote.shipping_method)
        {
            return mismatch("shippingMethod");
        }
        if let Some(code) = req.discount_code.as_deref() {
            let normalized = crate::pricing::PricingPolicy::normalize_code(code);
            if quote.discount_code.as_deref() != Some(normalized.as_str()) {
                return mismatch("discountCode");
            }
        }
        let cart = self.fetch_cart(caller, &req.user_id)?;
        if fingerprint(&cart) != quote.cart_fingerprint {
            return Err(OrderlyError::CartChanged(id.to_string()));
        }
        Ok(quote)
    }
}
