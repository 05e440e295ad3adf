//! Values callers build and pass in, which results also carry: delivery addresses, payment
//! methods and cart items. Each wraps the engine's own type; the engine validates them.

use orderly::{Address as CoreAddress, PaymentMethod, RawCartItem};
use pyo3::exceptions::PyTypeError;
use pyo3::prelude::*;

use crate::values::{amount_string, py_repr};

/// A delivery address; `country` is an ISO 3166-1 alpha-2 code.
#[pyclass(module = "orderly", name = "Address", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Address(pub(crate) CoreAddress);

#[pymethods]
impl Address {
    #[new]
    #[pyo3(signature = (*, name, line1, city, postal_code, country, line2=None, region=None))]
    fn new(
        name: String,
        line1: String,
        city: String,
        postal_code: String,
        country: String,
        line2: Option<String>,
        region: Option<String>,
    ) -> Self {
        Address(CoreAddress {
            name,
            line1,
            line2,
            city,
            region,
            postal_code,
            country,
        })
    }
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    #[getter]
    fn line1(&self) -> &str {
        &self.0.line1
    }
    #[getter]
    fn line2(&self) -> Option<&str> {
        self.0.line2.as_deref()
    }
    #[getter]
    fn city(&self) -> &str {
        &self.0.city
    }
    #[getter]
    fn region(&self) -> Option<&str> {
        self.0.region.as_deref()
    }
    #[getter]
    fn postal_code(&self) -> &str {
        &self.0.postal_code
    }
    #[getter]
    fn country(&self) -> &str {
        &self.0.country
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let a = &self.0;
        py_repr!(
            py,
            "Address",
            name = &a.name,
            line1 = &a.line1,
            line2 = &a.line2,
            city = &a.city,
            region = &a.region,
            postal_code = &a.postal_code,
            country = &a.country
        )
    }
}

/// A card token from the payment provider (never a card number) with its display details.
#[pyclass(module = "orderly", name = "Card", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct Card {
    token: String,
    brand: String,
    last4: String,
    exp_month: i64,
    exp_year: i64,
}

#[pymethods]
impl Card {
    #[new]
    #[pyo3(signature = (*, token, brand, last4, exp_month, exp_year))]
    fn new(token: String, brand: String, last4: String, exp_month: i64, exp_year: i64) -> Self {
        Card {
            token,
            brand,
            last4,
            exp_month,
            exp_year,
        }
    }
    /// Always `"card"`.
    #[getter(r#type)]
    fn kind(&self) -> &'static str {
        "card"
    }
    #[getter]
    fn token(&self) -> &str {
        &self.token
    }
    #[getter]
    fn brand(&self) -> &str {
        &self.brand
    }
    #[getter]
    fn last4(&self) -> &str {
        &self.last4
    }
    #[getter]
    fn exp_month(&self) -> i64 {
        self.exp_month
    }
    #[getter]
    fn exp_year(&self) -> i64 {
        self.exp_year
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Card",
            token = &self.token,
            brand = &self.brand,
            last4 = &self.last4,
            exp_month = self.exp_month,
            exp_year = self.exp_year
        )
    }
}

/// A PayPal billing-agreement token.
#[pyclass(module = "orderly", name = "PayPal", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct PayPal {
    token: String,
}

#[pymethods]
impl PayPal {
    #[new]
    #[pyo3(signature = (*, token))]
    fn new(token: String) -> Self {
        PayPal { token }
    }
    /// Always `"paypal"`.
    #[getter(r#type)]
    fn kind(&self) -> &'static str {
        "paypal"
    }
    #[getter]
    fn token(&self) -> &str {
        &self.token
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(py, "PayPal", token = &self.token)
    }
}

/// Payment in cash when the order is delivered (up to a per-currency limit).
#[pyclass(module = "orderly", name = "CashOnDelivery", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct CashOnDelivery;

#[pymethods]
impl CashOnDelivery {
    #[new]
    fn new() -> Self {
        CashOnDelivery
    }
    /// Always `"cash_on_delivery"`.
    #[getter(r#type)]
    fn kind(&self) -> &'static str {
        "cash_on_delivery"
    }
    fn __repr__(&self) -> &'static str {
        "CashOnDelivery()"
    }
}

/// One line of a cart the application sets with `Engine.set_cart`.
#[pyclass(module = "orderly", name = "CartItem", frozen, eq)]
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct CartItem(pub(crate) RawCartItem);

#[pymethods]
impl CartItem {
    #[new]
    #[pyo3(signature = (product_id, name, quantity, unit_price))]
    fn new(
        product_id: String,
        name: String,
        quantity: i64,
        unit_price: &Bound<'_, PyAny>,
    ) -> PyResult<Self> {
        Ok(CartItem(RawCartItem {
            product_id,
            name,
            quantity,
            unit_price: amount_string(unit_price, "unit_price")?,
        }))
    }
    #[getter]
    fn product_id(&self) -> &str {
        &self.0.product_id
    }
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    #[getter]
    fn quantity(&self) -> i64 {
        self.0.quantity
    }
    /// The unit price as given, before the engine validates it against the currency.
    #[getter]
    fn unit_price(&self) -> &str {
        &self.0.unit_price
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        let i = &self.0;
        py_repr!(
            py,
            "CartItem",
            product_id = &i.product_id,
            name = &i.name,
            quantity = i.quantity,
            unit_price = &i.unit_price
        )
    }
}

/// The engine's payment method from any of the three payment classes.
pub(crate) fn payment_method(value: &Bound<'_, PyAny>) -> PyResult<PaymentMethod> {
    if let Ok(card) = value.cast::<Card>() {
        let c = card.get();
        return Ok(PaymentMethod::Card {
            token: c.token.clone(),
            brand: c.brand.clone(),
            last4: c.last4.clone(),
            exp_month: c.exp_month,
            exp_year: c.exp_year,
        });
    }
    if let Ok(paypal) = value.cast::<PayPal>() {
        return Ok(PaymentMethod::Paypal {
            token: paypal.get().token.clone(),
        });
    }
    if value.is_instance_of::<CashOnDelivery>() {
        return Ok(PaymentMethod::CashOnDelivery);
    }
    Err(PyTypeError::new_err(format!(
        "payment_method must be orderly.Card, orderly.PayPal or orderly.CashOnDelivery, not {}",
        value.get_type().name()?
    )))
}

/// The Python object for a payment method the engine returns.
pub(crate) fn payment_object<'py>(
    py: Python<'py>,
    method: &PaymentMethod,
) -> PyResult<Bound<'py, PyAny>> {
    Ok(match method {
        PaymentMethod::Card {
            token,
            brand,
            last4,
            exp_month,
            exp_year,
        } => Bound::new(
            py,
            Card::new(
                token.clone(),
                brand.clone(),
                last4.clone(),
                *exp_month,
                *exp_year,
            ),
        )?
        .into_any(),
        PaymentMethod::Paypal { token } => Bound::new(py, PayPal::new(token.clone()))?.into_any(),
        PaymentMethod::CashOnDelivery => Bound::new(py, CashOnDelivery)?.into_any(),
    })
}

pub(crate) fn address(value: &Bound<'_, PyAny>) -> PyResult<CoreAddress> {
    let address = value
        .cast::<Address>()
        .map_err(|_| PyTypeError::new_err("delivery_address must be an orderly.Address"))?;
    Ok(address.get().0.clone())
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Address>()?;
    m.add_class::<Card>()?;
    m.add_class::<PayPal>()?;
    m.add_class::<CashOnDelivery>()?;
    m.add_class::<CartItem>()?;
    Ok(())
}
