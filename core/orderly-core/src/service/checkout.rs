//! Checkout: validate everything and store a priced quote.

use sha2::{Digest, Sha256};

use crate::error::Result;
use crate::ids::CheckoutId;
use crate::model::{Caller, Checkout};
use crate::validation;

use super::{CheckoutRequest, OrderService, plan};

/// Hex SHA-256 of a value's JSON: used for cart fingerprints and idempotency fingerprints.
pub(super) fn fingerprint<T: serde::Serialize>(value: &T) -> String {
    let bytes = serde_json::to_vec(value).unwrap_or_default();
    let digest = Sha256::digest(&bytes);
    digest.iter().map(|b| format!("{b:02x}")).collect()
}

impl OrderService {
    /// Validates the cart, address and payment method, prices the order and stores the quote,
    /// which `place_order` honours until it expires if the cart has not changed.
    pub fn checkout(&self, caller: &Caller, req: &CheckoutRequest) -> Result<Checkout> {
        self.authorize_user(caller, &req.user_id)?;
        let now = self.clock.now();
        validation::validate_address(&req.delivery_address)?;
        validation::validate_payment(&req.payment_method, now)?;
        let cart = self.fetch_cart(caller, &req.user_id)?;
        let method = req.shipping_method.unwrap_or_default();
        let priced = plan::price_cart(
            &self.policy,
            &cart,
            &req.delivery_address,
            &req.payment_method,
            method,
            req.discount_code.as_deref(),
        )?;
        let checkout = Checkout {
            checkout_id: CheckoutId::from_uuid(self.new_uuid()),
            user_id: req.user_id.clone(),
            currency: cart.currency,
            items: priced.items,
            totals: priced.totals,
            payment_method: req.payment_method.clone(),
            delivery_address: req.delivery_address.clone(),
            shipping_method: method,
            discount_code: priced.discount_code,
            cart_fingerprint: fingerprint(&cart),
            created_at: now,
            expires_at: now.plus_millis(self.config.checkout_ttl_ms),
        };
        self.with_retry(|| self.store.save_checkout(&checkout))?;
        Ok(checkout)
    }
}
