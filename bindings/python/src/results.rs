//! Immutable result objects. Each wraps the engine's own value and converts a field only when
//! it is read: money as `decimal.Decimal` (the currency is on the enclosing object), instants
//! as aware UTC `datetime`, statuses and other enumerations as their lower-case names.

use orderly::analytics::CancellationCount as CoreCancellationCount;
use orderly::timeline::{StaffNote as CoreStaffNote, TimelineEntry as CoreTimelineEntry};
use orderly::{
    Cart as CoreCart, CartLine as CoreCartLine, Checkout as CoreCheckout,
    Milestone as CoreMilestone, Order as CoreOrder, OrderLine as CoreOrderLine,
    OrderPage as CoreOrderPage, OutboxEvent as CoreOutboxEvent, Placement as CorePlacement,
    ProductSales as CoreProductSales, SalesSummary as CoreSalesSummary, Shipment as CoreShipment,
    ShipmentLine as CoreShipmentLine, ShipmentMilestone as CoreShipmentMilestone,
    StatusCount as CoreStatusCount, StatusView as CoreStatusView, Totals as CoreTotals,
};
use pyo3::prelude::*;
use pyo3::types::{PyDateTime, PyDict};

use crate::inputs::{Address, payment_object};
use crate::values::{datetime, decimal, json_object, json_to_py, py_repr};

/// A validated cart line.
#[pyclass(module = "orderly", name = "CartLine", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CartLine(CoreCartLine);

#[pymethods]
impl CartLine {
    #[getter]
    fn product_id(&self) -> &str {
        self.0.product_id.as_str()
    }
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    #[getter]
    fn quantity(&self) -> u32 {
        self.0.quantity
    }
    #[getter]
    fn unit_price<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.unit_price)
    }
    #[getter]
    fn line_total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.line_total)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "CartLine",
            product_id = self.product_id(),
            name = self.name(),
            quantity = self.quantity(),
            unit_price = self.unit_price(py)?,
            line_total = self.line_total(py)?
        )
    }
}

/// A user's cart as the engine validated it.
#[pyclass(module = "orderly", name = "Cart", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Cart(pub(crate) CoreCart);

#[pymethods]
impl Cart {
    #[getter]
    fn user_id(&self) -> &str {
        self.0.user_id.as_str()
    }
    #[getter]
    fn currency(&self) -> &'static str {
        self.0.currency.code()
    }
    #[getter]
    fn items(&self) -> Vec<CartLine> {
        self.0.items.iter().cloned().map(CartLine).collect()
    }
    #[getter]
    fn subtotal<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.subtotal)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Cart",
            user_id = self.user_id(),
            currency = self.currency(),
            items = self.items(),
            subtotal = self.subtotal(py)?
        )
    }
}

/// An order's money: `total == subtotal + shipping + tax - discount`.
#[pyclass(module = "orderly", name = "Totals", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Totals(CoreTotals);

#[pymethods]
impl Totals {
    #[getter]
    fn subtotal<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.subtotal)
    }
    #[getter]
    fn shipping<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.shipping)
    }
    #[getter]
    fn tax<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.tax)
    }
    #[getter]
    fn discount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.discount)
    }
    #[getter]
    fn total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.total)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Totals",
            subtotal = self.subtotal(py)?,
            shipping = self.shipping(py)?,
            tax = self.tax(py)?,
            discount = self.discount(py)?,
            total = self.total(py)?
        )
    }
}

/// A priced order line; `discount` is this line's share of the order discount.
#[pyclass(module = "orderly", name = "OrderLine", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OrderLine(CoreOrderLine);

#[pymethods]
impl OrderLine {
    #[getter]
    fn product_id(&self) -> &str {
        self.0.product_id.as_str()
    }
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    #[getter]
    fn quantity(&self) -> u32 {
        self.0.quantity
    }
    #[getter]
    fn unit_price<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.unit_price)
    }
    #[getter]
    fn line_total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.line_total)
    }
    #[getter]
    fn discount<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.discount)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "OrderLine",
            product_id = self.product_id(),
            name = self.name(),
            quantity = self.quantity(),
            unit_price = self.unit_price(py)?,
            line_total = self.line_total(py)?,
            discount = self.discount(py)?
        )
    }
}

fn order_lines(lines: &[CoreOrderLine]) -> Vec<OrderLine> {
    lines.iter().cloned().map(OrderLine).collect()
}

/// One step of an order's life: when, who (`customer:alice`, `service:warehouse`) and why.
#[pyclass(module = "orderly", name = "Milestone", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Milestone(CoreMilestone);

#[pymethods]
impl Milestone {
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.at)
    }
    #[getter]
    fn actor(&self) -> &str {
        &self.0.actor
    }
    #[getter]
    fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    /// Why the order was cancelled, on a cancellation (`customer`, `inventory`, `fraud`,
    /// `payment_declined`, `staff`, `other`); `None` on other milestones.
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        self.0.reason.map(|r| r.as_str())
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Milestone",
            status = self.status(),
            at = self.at(py)?,
            actor = self.actor(),
            note = self.note(),
            reason = self.reason()
        )
    }
}

/// How many units of one order line a shipment carries; build them for
/// `Engine.create_shipment(lines=[...])`.
#[pyclass(module = "orderly", name = "ShipmentLine", frozen, eq, hash)]
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub(crate) struct ShipmentLine {
    pub(crate) product_id: String,
    pub(crate) quantity: i64,
}

#[pymethods]
impl ShipmentLine {
    #[new]
    #[pyo3(signature = (product_id, quantity))]
    fn new(product_id: String, quantity: i64) -> Self {
        ShipmentLine {
            product_id,
            quantity,
        }
    }
    #[getter]
    fn product_id(&self) -> &str {
        &self.product_id
    }
    #[getter]
    fn quantity(&self) -> i64 {
        self.quantity
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "ShipmentLine",
            product_id = &self.product_id,
            quantity = self.quantity
        )
    }
}

impl From<&CoreShipmentLine> for ShipmentLine {
    fn from(l: &CoreShipmentLine) -> Self {
        ShipmentLine {
            product_id: l.product_id.as_str().to_owned(),
            quantity: i64::from(l.quantity),
        }
    }
}

/// One step of a shipment's life.
#[pyclass(module = "orderly", name = "ShipmentMilestone", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ShipmentMilestone(CoreShipmentMilestone);

#[pymethods]
impl ShipmentMilestone {
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.at)
    }
    #[getter]
    fn actor(&self) -> &str {
        &self.0.actor
    }
    #[getter]
    fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "ShipmentMilestone",
            status = self.status(),
            at = self.at(py)?,
            actor = self.actor(),
            note = self.note()
        )
    }
}

/// A shipment of some of an order's lines: `pending`, `shipped`, `delivered` or `cancelled`.
#[pyclass(module = "orderly", name = "Shipment", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Shipment(CoreShipment);

#[pymethods]
impl Shipment {
    #[getter]
    fn shipment_id(&self) -> String {
        self.0.shipment_id.to_string()
    }
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    #[getter]
    fn lines(&self) -> Vec<ShipmentLine> {
        self.0.lines.iter().map(ShipmentLine::from).collect()
    }
    #[getter]
    fn carrier(&self) -> Option<&str> {
        self.0.carrier.as_deref()
    }
    #[getter]
    fn tracking_number(&self) -> Option<&str> {
        self.0.tracking_number.as_deref()
    }
    #[getter]
    fn tracking_url(&self) -> Option<&str> {
        self.0.tracking_url.as_deref()
    }
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.created_at)
    }
    /// Every step, oldest first.
    #[getter]
    fn history(&self) -> Vec<ShipmentMilestone> {
        self.0
            .history
            .iter()
            .cloned()
            .map(ShipmentMilestone)
            .collect()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Shipment",
            shipment_id = self.shipment_id(),
            status = self.status(),
            lines = self.lines(),
            carrier = self.carrier(),
            tracking_number = self.tracking_number(),
            tracking_url = self.tracking_url()
        )
    }
}

fn shipments(list: &[CoreShipment]) -> Vec<Shipment> {
    list.iter().cloned().map(Shipment).collect()
}

/// The serialized (snake_case) name of one of the engine's enumerations.
fn serde_name<T: serde::Serialize>(value: &T) -> String {
    match serde_json::to_value(value) {
        Ok(serde_json::Value::String(name)) => name,
        _ => String::new(),
    }
}

/// A note staff keep on an order: internal, never shown to customers.
#[pyclass(module = "orderly", name = "StaffNote", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StaffNote(pub(crate) CoreStaffNote);

#[pymethods]
impl StaffNote {
    #[getter]
    fn note_id(&self) -> String {
        self.0.note_id.to_string()
    }
    #[getter]
    fn order_id(&self) -> String {
        self.0.order_id.to_string()
    }
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.at)
    }
    /// Who wrote it: `service:app`, `admin:bob`.
    #[getter]
    fn actor(&self) -> &str {
        &self.0.actor
    }
    #[getter]
    fn text(&self) -> &str {
        &self.0.text
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "StaffNote",
            note_id = self.note_id(),
            order_id = self.order_id(),
            at = self.at(py)?,
            actor = self.actor(),
            text = self.text()
        )
    }
}

/// One entry of an order's timeline: a status milestone, a shipment step or a staff note.
#[pyclass(module = "orderly", name = "TimelineEntry", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct TimelineEntry(pub(crate) CoreTimelineEntry);

#[pymethods]
impl TimelineEntry {
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.at)
    }
    /// `status`, `shipment` or `note`.
    #[getter]
    fn kind(&self) -> String {
        serde_name(&self.0.kind)
    }
    /// True for staff notes, which customers never see.
    #[getter]
    fn internal(&self) -> bool {
        self.0.internal
    }
    /// `customer`, `staff`, `service` or `device`.
    #[getter]
    fn actor_kind(&self) -> String {
        serde_name(&self.0.actor_kind)
    }
    #[getter]
    fn actor_id(&self) -> &str {
        &self.0.actor_id
    }
    /// The order's status (`status` entries) or the shipment's (`shipment` entries).
    #[getter]
    fn status(&self) -> Option<&str> {
        self.0.status.as_deref()
    }
    #[getter]
    fn shipment_id(&self) -> Option<String> {
        self.0.shipment_id.map(|id| id.to_string())
    }
    #[getter]
    fn reason(&self) -> Option<&'static str> {
        self.0.reason.map(|r| r.as_str())
    }
    /// The milestone's note or the staff note's text.
    #[getter]
    fn note(&self) -> Option<&str> {
        self.0.note.as_deref()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "TimelineEntry",
            at = self.at(py)?,
            kind = self.kind(),
            internal = self.internal(),
            actor_kind = self.actor_kind(),
            actor_id = self.actor_id(),
            status = self.status(),
            shipment_id = self.shipment_id(),
            reason = self.reason(),
            note = self.note()
        )
    }
}

/// How many orders were cancelled for one reason.
#[pyclass(module = "orderly", name = "CancellationCount", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct CancellationCount(pub(crate) CoreCancellationCount);

#[pymethods]
impl CancellationCount {
    #[getter]
    fn reason(&self) -> &'static str {
        self.0.reason.as_str()
    }
    #[getter]
    fn orders(&self) -> u64 {
        self.0.orders
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "CancellationCount",
            reason = self.reason(),
            orders = self.orders()
        )
    }
}

fn milestones(history: &[CoreMilestone]) -> Vec<Milestone> {
    history.iter().cloned().map(Milestone).collect()
}

/// A placed order.
#[pyclass(module = "orderly", name = "Order", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Order(pub(crate) CoreOrder);

#[pymethods]
impl Order {
    #[getter]
    fn order_id(&self) -> String {
        self.0.id.to_string()
    }
    #[getter]
    fn user_id(&self) -> &str {
        self.0.user_id.as_str()
    }
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    #[getter]
    fn currency(&self) -> &'static str {
        self.0.currency.code()
    }
    #[getter]
    fn items(&self) -> Vec<OrderLine> {
        order_lines(&self.0.items)
    }
    #[getter]
    fn totals(&self) -> Totals {
        Totals(self.0.totals)
    }
    #[getter]
    fn delivery_address(&self) -> Address {
        Address(self.0.delivery_address.clone())
    }
    /// The payment method without its token (the store keeps it): a dict with `type` and,
    /// for cards, `brand`, `last4`, `exp_month` and `exp_year`.
    #[getter]
    fn payment_method<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        let summary = PyDict::new(py);
        summary.set_item("type", self.0.payment_method.type_name())?;
        if let orderly::PaymentSummary::Card {
            brand,
            last4,
            exp_month,
            exp_year,
        } = &self.0.payment_method
        {
            summary.set_item("brand", brand)?;
            summary.set_item("last4", last4)?;
            summary.set_item("exp_month", exp_month)?;
            summary.set_item("exp_year", exp_year)?;
        }
        Ok(summary)
    }
    #[getter]
    fn shipping_method(&self) -> &'static str {
        self.0.shipping_method.as_str()
    }
    #[getter]
    fn discount_code(&self) -> Option<&str> {
        self.0.discount_code.as_deref()
    }
    #[getter]
    fn checkout_id(&self) -> Option<String> {
        self.0.checkout_id.map(|id| id.to_string())
    }
    /// A fresh copy of the order's free-form metadata.
    #[getter]
    fn metadata<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDict>> {
        json_object(py, &self.0.metadata)
    }
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.created_at)
    }
    #[getter]
    fn updated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.updated_at)
    }
    /// Starts at 1 and grows by one with every change.
    #[getter]
    fn version(&self) -> u32 {
        self.0.version
    }
    /// Every milestone, oldest first, starting with `placed`.
    #[getter]
    fn history(&self) -> Vec<Milestone> {
        milestones(&self.0.history)
    }
    /// The order's shipments, oldest first; empty until the first.
    #[getter]
    fn shipments(&self) -> Vec<Shipment> {
        shipments(&self.0.shipments)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Order",
            order_id = self.order_id(),
            user_id = self.user_id(),
            status = self.status(),
            currency = self.currency(),
            total = decimal(py, &self.0.totals.total)?,
            items = self.0.items.len(),
            version = self.version(),
            created_at = self.created_at(py)?
        )
    }
}

/// A stored quote that `place_order(checkout_id=...)` honours until `expires_at`.
#[pyclass(module = "orderly", name = "Checkout", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Checkout(pub(crate) CoreCheckout);

#[pymethods]
impl Checkout {
    #[getter]
    fn checkout_id(&self) -> String {
        self.0.checkout_id.to_string()
    }
    #[getter]
    fn user_id(&self) -> &str {
        self.0.user_id.as_str()
    }
    #[getter]
    fn currency(&self) -> &'static str {
        self.0.currency.code()
    }
    #[getter]
    fn items(&self) -> Vec<OrderLine> {
        order_lines(&self.0.items)
    }
    #[getter]
    fn totals(&self) -> Totals {
        Totals(self.0.totals)
    }
    #[getter]
    fn payment_method<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        payment_object(py, &self.0.payment_method)
    }
    #[getter]
    fn delivery_address(&self) -> Address {
        Address(self.0.delivery_address.clone())
    }
    #[getter]
    fn shipping_method(&self) -> &'static str {
        self.0.shipping_method.as_str()
    }
    #[getter]
    fn discount_code(&self) -> Option<&str> {
        self.0.discount_code.as_deref()
    }
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.created_at)
    }
    #[getter]
    fn expires_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.expires_at)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Checkout",
            checkout_id = self.checkout_id(),
            user_id = self.user_id(),
            currency = self.currency(),
            totals = self.totals(),
            expires_at = self.expires_at(py)?
        )
    }
}

/// What `place_order` returns: the order, and whether this call created it (`False` when
/// the idempotency key had already placed it).
#[pyclass(module = "orderly", name = "Placement", frozen)]
#[derive(Debug)]
pub(crate) struct Placement {
    order: Py<Order>,
    created: bool,
}

impl Placement {
    pub(crate) fn new(py: Python<'_>, placed: CorePlacement) -> PyResult<Self> {
        Ok(Placement {
            order: Py::new(py, Order(placed.order))?,
            created: placed.created,
        })
    }
}

#[pymethods]
impl Placement {
    #[getter]
    fn order(&self, py: Python<'_>) -> Py<Order> {
        self.order.clone_ref(py)
    }
    #[getter]
    fn created(&self) -> bool {
        self.created
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<Placement>().is_ok_and(|o| {
            let o = o.get();
            o.created == self.created && o.order.get() == self.order.get()
        })
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "Placement",
            order = self.order(py),
            created = self.created
        )
    }
}

/// One page of orders (a user's, newest first, or a staff search's in its sort order);
/// `next_cursor` is `None` on the last page.
#[pyclass(module = "orderly", name = "OrderPage", frozen)]
#[derive(Debug)]
pub(crate) struct OrderPage {
    orders: Vec<Py<Order>>,
    next_cursor: Option<String>,
}

impl OrderPage {
    pub(crate) fn new(py: Python<'_>, page: CoreOrderPage) -> PyResult<Self> {
        Ok(OrderPage {
            orders: page
                .orders
                .into_iter()
                .map(|o| Py::new(py, Order(o)))
                .collect::<PyResult<_>>()?,
            next_cursor: page.next_cursor,
        })
    }
}

#[pymethods]
impl OrderPage {
    #[getter]
    fn orders(&self, py: Python<'_>) -> Vec<Py<Order>> {
        self.orders.iter().map(|o| o.clone_ref(py)).collect()
    }
    #[getter]
    fn next_cursor(&self) -> Option<&str> {
        self.next_cursor.as_deref()
    }
    fn __len__(&self) -> usize {
        self.orders.len()
    }
    fn __eq__(&self, other: &Bound<'_, PyAny>) -> bool {
        other.cast::<OrderPage>().is_ok_and(|o| {
            let o = o.get();
            o.next_cursor == self.next_cursor
                && o.orders.len() == self.orders.len()
                && o.orders
                    .iter()
                    .zip(&self.orders)
                    .all(|(a, b)| a.get() == b.get())
        })
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "OrderPage",
            orders = self.orders(py),
            next_cursor = self.next_cursor()
        )
    }
}

/// An order's current status and every milestone, oldest first.
#[pyclass(module = "orderly", name = "StatusView", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StatusView(pub(crate) CoreStatusView);

#[pymethods]
impl StatusView {
    #[getter]
    fn order_id(&self) -> String {
        self.0.order_id.to_string()
    }
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    #[getter]
    fn updated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.updated_at)
    }
    #[getter]
    fn version(&self) -> u32 {
        self.0.version
    }
    #[getter]
    fn history(&self) -> Vec<Milestone> {
        milestones(&self.0.history)
    }
    /// The order's shipments, oldest first.
    #[getter]
    fn shipments(&self) -> Vec<Shipment> {
        shipments(&self.0.shipments)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "StatusView",
            order_id = self.order_id(),
            status = self.status(),
            version = self.version(),
            updated_at = self.updated_at(py)?,
            history = self.history()
        )
    }
}

/// An outbox event; consumers deduplicate by `event_id`. `payload` is the event's JSON body
/// (the REST API's camelCase shape, money as `{"amount": "12.34", "currency": "USD"}`).
#[pyclass(module = "orderly", name = "OutboxEvent", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct OutboxEvent(pub(crate) CoreOutboxEvent);

#[pymethods]
impl OutboxEvent {
    #[getter]
    fn event_id(&self) -> String {
        self.0.event_id.to_string()
    }
    /// `order.placed`, `order.status_changed`, `order.cancelled` or `order.shipment_changed`.
    #[getter(r#type)]
    fn event_type(&self) -> &'static str {
        self.0.event_type.as_str()
    }
    #[getter]
    fn order_id(&self) -> String {
        self.0.order_id.to_string()
    }
    #[getter]
    fn user_id(&self) -> &str {
        self.0.user_id.as_str()
    }
    /// Per-order sequence from 1, equal to the order version the change produced.
    #[getter]
    fn sequence(&self) -> u32 {
        self.0.sequence
    }
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.at)
    }
    #[getter]
    fn payload<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        let payload = serde_json::from_str(self.0.payload.get())
            .map_err(|e| pyo3::exceptions::PyValueError::new_err(e.to_string()))?;
        json_to_py(py, &payload)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(py, "OutboxEvent", event_id = self.event_id(), type = self.event_type(),
            order_id = self.order_id(), sequence = self.sequence(), at = self.at(py)?)
    }
}

/// Sales in one currency over a range; cancelled orders excluded.
#[pyclass(module = "orderly", name = "SalesSummary", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SalesSummary(pub(crate) CoreSalesSummary);

#[pymethods]
impl SalesSummary {
    #[getter]
    fn currency(&self) -> &'static str {
        self.0.currency.code()
    }
    #[getter]
    fn total<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.total)
    }
    #[getter]
    fn orders(&self) -> u64 {
        self.0.orders
    }
    /// `total / orders`, rounded half-even; zero when there are no orders.
    #[getter]
    fn average_order_value<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.average_order_value)
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "SalesSummary",
            currency = self.currency(),
            total = self.total(py)?,
            orders = self.orders(),
            average_order_value = self.average_order_value(py)?
        )
    }
}

/// One product's sales in one currency; revenue is net of discounts.
#[pyclass(module = "orderly", name = "ProductSales", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct ProductSales(pub(crate) CoreProductSales);

#[pymethods]
impl ProductSales {
    #[getter]
    fn product_id(&self) -> &str {
        self.0.product_id.as_str()
    }
    #[getter]
    fn name(&self) -> &str {
        &self.0.name
    }
    #[getter]
    fn quantity(&self) -> u64 {
        self.0.quantity
    }
    #[getter]
    fn revenue<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyAny>> {
        decimal(py, &self.0.revenue)
    }
    #[getter]
    fn currency(&self) -> &'static str {
        self.0.revenue.currency().code()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "ProductSales",
            product_id = self.product_id(),
            name = self.name(),
            quantity = self.quantity(),
            revenue = self.revenue(py)?,
            currency = self.currency()
        )
    }
}

/// How many orders are in one status now.
#[pyclass(module = "orderly", name = "StatusCount", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct StatusCount(pub(crate) CoreStatusCount);

#[pymethods]
impl StatusCount {
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    #[getter]
    fn orders(&self) -> u64 {
        self.0.orders
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "StatusCount",
            status = self.status(),
            orders = self.orders()
        )
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Cart>()?;
    m.add_class::<CartLine>()?;
    m.add_class::<Totals>()?;
    m.add_class::<OrderLine>()?;
    m.add_class::<Milestone>()?;
    m.add_class::<Order>()?;
    m.add_class::<Checkout>()?;
    m.add_class::<Placement>()?;
    m.add_class::<OrderPage>()?;
    m.add_class::<StatusView>()?;
    m.add_class::<OutboxEvent>()?;
    m.add_class::<SalesSummary>()?;
    m.add_class::<ProductSales>()?;
    m.add_class::<StatusCount>()?;
    m.add_class::<ShipmentLine>()?;
    m.add_class::<ShipmentMilestone>()?;
    m.add_class::<Shipment>()?;
    m.add_class::<StaffNote>()?;
    m.add_class::<TimelineEntry>()?;
    m.add_class::<CancellationCount>()?;
    Ok(())
}
