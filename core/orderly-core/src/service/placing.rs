//! Placing orders, exactly once per idempotency key: the driver around [`plan::plan_order`].

use crate::clock::Timestamp;
use crate::error::{OrderlyError, Result, StoreError, StoreErrorKind};
use crate::ids::{EventId, IdempotencyKey, OrderId};
use crate::model::{Caller, Cart, Checkout};
use crate::store::{IdempotencyRecord, InsertOutcome};

use crate::sync::device;

use super::plan::{self, PlanInput, PricedSource};
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
        let request_fingerprint = plan::request_fingerprint(req);
        if let Some(record) =
            self.with_retry(|| self.store.idempotency_record(&req.user_id, key))?
        {
            return self.replay(&record, &request_fingerprint);
        }

        let now = self.clock.now();
        plan::validate_request(req, now)?;
        // Read what the plan needs: the quote and the cart it was priced from, or the cart.
        let (quote, cart) = match &req.checkout_id {
            Some(id) => {
                let (quote, cart) = self.usable_checkout(caller, req, id, now)?;
                (Some(quote), cart)
            }
            None => (None, self.fetch_cart(caller, &req.user_id)?),
        };
        let source = match &quote {
            Some(quote) => PricedSource::Quote(quote),
            None => PricedSource::Cart {
                cart: &cart,
                policy: &self.policy,
            },
        };
        let mut new = plan::plan_order(PlanInput {
            request: req,
            key,
            fingerprint: request_fingerprint,
            actor: &caller.actor(),
            source,
            now,
            order_id: OrderId::from_uuid(self.new_uuid()),
            event_id: EventId::from_uuid(self.new_uuid()),
            backend: self.store.backend(),
        })?;
        if self.config.device.is_some() {
            let op = device::place_op(&new.order, &req.payment_method, key);
            new.device_op = Some(device::encode_op(&op, self.store.backend())?);
        }
        match self.with_retry(|| self.store.insert_order(&new))? {
            InsertOutcome::Created => Ok(Placement {
                order: new.order,
                document: new.document,
                created: true,
            }),
            InsertOutcome::KeyTaken(record) => self.replay(&record, &new.fingerprint),
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

    /// Loads a quote and the cart, and checks that the quote belongs to the user, has not
    /// expired at `now`, matches the request and still matches the cart.
    fn usable_checkout(
        &self,
        caller: &Caller,
        req: &PlaceOrderRequest,
        id: &crate::ids::CheckoutId,
        now: Timestamp,
    ) -> Result<(Checkout, Cart)> {
        let quote = self
            .with_retry(|| self.store.checkout(id))?
            .filter(|q| q.user_id == req.user_id)
            .ok_or_else(|| OrderlyError::not_found("checkout", id))?;
        plan::check_quote(&quote, req, now)?;
        let cart = self.fetch_cart(caller, &req.user_id)?;
        plan::check_cart_unchanged(&quote, &cart)?;
        Ok((quote, cart))
    }
}
