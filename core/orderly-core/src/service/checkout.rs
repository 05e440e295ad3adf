//! Checkout: validate everything and store a priced quote.

use sha2::{Digest, Sha256};

use crate::error::{OrderlyError, Result, ValidationError};
use crate::ids::CheckoutId;
use crate::model::{Address, Caller, Cart, Checkout, PaymentMethod, ShippingMethod};
use crate::money::Money;
use crate::pricing::{self, Priced};
use crate::validation;

use super::{CheckoutRequest, OrderService};

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
        let priced = self.price_cart(
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

    /// Prices a non-empty cart and checks the payment method against the total.
    pub(super) fn price_cart(
        &self,
        cart: &Cart,
        address: &Address,
        payment: &PaymentMethod,
        method: ShippingMethod,
        discount_code: Option<&str>,
    ) -> Result<Priced> {
        validation::require_non_empty(cart)?;
        let priced = pricing::price(cart, address, method, discount_code, &self.policy)?;
        self.check_cash_on_delivery(payment, &priced.totals.total)?;
        Ok(priced)
    }

    fn check_cash_on_delivery(&self, payment: &PaymentMethod, total: &Money) -> Result<()> {
        if !matches!(payment, PaymentMethod::CashOnDelivery) {
            return Ok(());
        }
        let currency = total.currency();
        let limit = self
            .policy
            .cash_on_delivery_limits
            .get(&currency)
            .ok_or_else(|| ValidationError::CashOnDeliveryUnavailable(currency.to_string()))?;
        if total.minor() > *limit {
            return Err(OrderlyError::Validation(
                ValidationError::CashOnDeliveryOverLimit {
                    limit: Money::from_minor(*limit, currency).to_string(),
                    total: total.to_string(),
                },
            ));
        }
        Ok(())
    }
}
