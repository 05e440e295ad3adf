//! Webhook subscriptions, their health and delivery log, as immutable Python objects.

use orderly::webhooks::{
    Attempt as CoreAttempt, DeliveryPage as CoreDeliveryPage, DeliveryView as CoreDeliveryView,
    WebhookHealth as CoreWebhookHealth, WebhookView as CoreWebhookView,
};
use pyo3::prelude::*;
use pyo3::types::PyDateTime;

use crate::values::{datetime, py_repr};

fn optional_datetime<'py>(
    py: Python<'py>,
    at: Option<orderly::Timestamp>,
) -> PyResult<Option<Bound<'py, PyDateTime>>> {
    at.map(|at| datetime(py, at)).transpose()
}

/// A webhook subscription with its health; `secret` only when it was just made or rotated.
#[pyclass(module = "orderly", name = "Webhook", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Webhook(pub(crate) CoreWebhookView);

#[pymethods]
impl Webhook {
    #[getter]
    fn webhook_id(&self) -> String {
        self.0.id.to_string()
    }
    #[getter]
    fn url(&self) -> &str {
        &self.0.url
    }
    #[getter]
    fn event_types(&self) -> Vec<&'static str> {
        self.0.event_types.iter().map(|t| t.as_str()).collect()
    }
    #[getter]
    fn enabled(&self) -> bool {
        self.0.enabled
    }
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.created_at)
    }
    #[getter]
    fn updated_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.updated_at)
    }
    #[getter]
    fn health(&self) -> WebhookHealth {
        WebhookHealth(self.0.health.clone())
    }
    /// The signing secret (`whsec_…`), shown only by create and rotate.
    #[getter]
    fn secret(&self) -> Option<&str> {
        self.0.secret.as_deref()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        // The secret stays out of reprs, so it cannot reach a log by accident.
        py_repr!(
            py,
            "Webhook",
            webhook_id = self.webhook_id(),
            url = self.url(),
            event_types = self.event_types(),
            enabled = self.enabled(),
            health = self.health().__repr__(py)?
        )
    }
}

/// How a subscription's deliveries are doing.
#[pyclass(module = "orderly", name = "WebhookHealth", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WebhookHealth(CoreWebhookHealth);

#[pymethods]
impl WebhookHealth {
    /// `healthy`, `failing` or `disabled`.
    #[getter]
    fn status(&self) -> &'static str {
        match self.0.status {
            orderly::webhooks::HealthStatus::Healthy => "healthy",
            orderly::webhooks::HealthStatus::Failing => "failing",
            orderly::webhooks::HealthStatus::Disabled => "disabled",
        }
    }
    #[getter]
    fn last_success_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDateTime>>> {
        optional_datetime(py, self.0.last_success_at)
    }
    #[getter]
    fn last_failure_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDateTime>>> {
        optional_datetime(py, self.0.last_failure_at)
    }
    #[getter]
    fn last_failure_reason(&self) -> Option<&str> {
        self.0.last_failure_reason.as_deref()
    }
    #[getter]
    fn failing_since<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDateTime>>> {
        optional_datetime(py, self.0.failing_since)
    }
    #[getter]
    fn pending_count(&self) -> u64 {
        self.0.pending_count
    }
    #[getter]
    fn oldest_pending_age_seconds(&self) -> Option<u64> {
        self.0.oldest_pending_age_seconds
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "WebhookHealth",
            status = self.status(),
            pending_count = self.pending_count(),
            last_failure_reason = self.last_failure_reason()
        )
    }
}

/// One attempt at a delivery.
#[pyclass(module = "orderly", name = "WebhookAttempt", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WebhookAttempt(CoreAttempt);

#[pymethods]
impl WebhookAttempt {
    #[getter]
    fn number(&self) -> u32 {
        self.0.number
    }
    #[getter]
    fn at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.at)
    }
    /// The HTTP status answered, or `None` when there was no answer (see `error`).
    #[getter]
    fn status(&self) -> Option<u16> {
        self.0.status
    }
    #[getter]
    fn error(&self) -> Option<&str> {
        self.0.error.as_deref()
    }
    #[getter]
    fn latency_ms(&self) -> u32 {
        self.0.latency_ms
    }
    /// The first KiB of the answer.
    #[getter]
    fn snippet(&self) -> &str {
        &self.0.snippet
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "WebhookAttempt",
            number = self.number(),
            status = self.status(),
            error = self.error(),
            latency_ms = self.latency_ms()
        )
    }
}

/// One event's delivery to a subscription.
#[pyclass(module = "orderly", name = "WebhookDelivery", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WebhookDelivery(CoreDeliveryView);

#[pymethods]
impl WebhookDelivery {
    /// The delivery's id: its event's id.
    #[getter]
    fn delivery_id(&self) -> String {
        self.0.delivery_id.to_string()
    }
    /// The `webhook-id` it is sent with, the same on every attempt.
    #[getter]
    fn message_id(&self) -> &str {
        &self.0.message_id
    }
    #[getter]
    fn event_type(&self) -> &'static str {
        self.0.event_type.as_str()
    }
    #[getter]
    fn order_id(&self) -> String {
        self.0.order_id.to_string()
    }
    #[getter]
    fn sequence(&self) -> u32 {
        self.0.sequence
    }
    /// `pending`, `retrying`, `delivered` or `failed`.
    #[getter]
    fn status(&self) -> &'static str {
        self.0.status.as_str()
    }
    #[getter]
    fn next_attempt_at<'py>(&self, py: Python<'py>) -> PyResult<Option<Bound<'py, PyDateTime>>> {
        optional_datetime(py, self.0.next_attempt_at)
    }
    #[getter]
    fn created_at<'py>(&self, py: Python<'py>) -> PyResult<Bound<'py, PyDateTime>> {
        datetime(py, self.0.created_at)
    }
    #[getter]
    fn attempts(&self) -> Vec<WebhookAttempt> {
        self.0
            .attempts
            .iter()
            .cloned()
            .map(WebhookAttempt)
            .collect()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "WebhookDelivery",
            delivery_id = self.delivery_id(),
            event_type = self.event_type(),
            status = self.status(),
            attempts = self.0.attempts.len()
        )
    }
}

/// A page of deliveries, newest first.
#[pyclass(module = "orderly", name = "WebhookDeliveryPage", frozen, eq)]
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct WebhookDeliveryPage(pub(crate) CoreDeliveryPage);

#[pymethods]
impl WebhookDeliveryPage {
    #[getter]
    fn deliveries(&self) -> Vec<WebhookDelivery> {
        self.0
            .deliveries
            .iter()
            .cloned()
            .map(WebhookDelivery)
            .collect()
    }
    #[getter]
    fn next_cursor(&self) -> Option<&str> {
        self.0.next_cursor.as_deref()
    }
    fn __repr__(&self, py: Python<'_>) -> PyResult<String> {
        py_repr!(
            py,
            "WebhookDeliveryPage",
            deliveries = self.0.deliveries.len(),
            next_cursor = self.next_cursor()
        )
    }
}

pub(crate) fn register(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<Webhook>()?;
    m.add_class::<WebhookHealth>()?;
    m.add_class::<WebhookAttempt>()?;
    m.add_class::<WebhookDelivery>()?;
    m.add_class::<WebhookDeliveryPage>()?;
    Ok(())
}
