//! The OpenAPI 3.1 document, generated from the handlers' annotations and the DTOs' types.
//!
//! Handlers document their success responses and the error statuses particular to them;
//! `ProblemResponses` then gives every error response the problem+json body and adds the
//! statuses every operation of a kind can answer (401 for authenticated ones, 400/413/415/422
//! for ones with a body, 500 everywhere), so that no status the server sends is undocumented.

use utoipa::openapi::content::Content;
use utoipa::openapi::header::Header;
use utoipa::openapi::path::Operation;
use utoipa::openapi::response::Response;
use utoipa::openapi::schema::{ObjectBuilder, Schema, SchemaType, Type};
use utoipa::openapi::security::{HttpAuthScheme, HttpBuilder, SecurityScheme};
use utoipa::openapi::{OpenApi as OpenApiDoc, Ref, RefOr};
use utoipa::{Modify, OpenApi};

use crate::dto;
use crate::problem::{PROBLEM_JSON, ProblemBody};
use crate::routes;

#[derive(Debug, OpenApi)]
#[openapi(
    info(
        title = "Orderly order API",
        description = "Carts, checkout, exactly-once order placement, order tracking and analytics. \
            Every error is application/problem+json (RFC 9457) with a stable `code`.",
        license(name = "Apache-2.0", identifier = "Apache-2.0"),
    ),
    paths(
        routes::health::health,
        routes::health::ready,
        routes::openapi::document,
        routes::cart::get_cart,
        routes::checkout::checkout,
        routes::orders::place_order,
        routes::orders::get_order,
        routes::orders::cancel_order,
        routes::orders::list_orders,
        routes::search::search_orders,
        routes::search::export_orders,
        routes::shipments::create_shipment,
        routes::shipments::update_shipment,
        routes::notes::timeline,
        routes::notes::add_note,
        routes::status::get_status,
        routes::status::put_status,
        routes::analytics::sales,
        routes::analytics::sales_daily,
        routes::analytics::top_products,
        routes::analytics::orders_by_status,
        routes::analytics::cancellations,
        routes::sync::push,
        routes::sync::pull,
        routes::webhooks::create_webhook,
        routes::webhooks::list_webhooks,
        routes::webhooks::get_webhook,
        routes::webhooks::update_webhook,
        routes::webhooks::rotate_secret,
        routes::webhooks::delete_webhook,
        routes::webhooks::list_deliveries,
        routes::webhooks::redeliver,
    ),
    components(schemas(
        ProblemBody,
        orderly::Money,
        orderly::Address,
        dto::PaymentMethodDto,
        orderly::PaymentSummary,
        orderly::ShippingMethod,
        orderly::OrderStatus,
        orderly::Totals,
        orderly::OrderLine,
        orderly::Milestone,
        orderly::Order,
        dto::CheckoutDto,
        orderly::Cart,
        orderly::CartLine,
        orderly::StatusView,
        orderly::OrderPage,
        dto::CheckoutBody,
        dto::PlaceOrderBody,
        dto::StatusBody,
        dto::ShipmentBody,
        dto::ShipmentLineBody,
        dto::NewShipmentStatus,
        dto::ShipmentStatusBody,
        dto::NoteBody,
        dto::Timeline,
        orderly::Shipment,
        orderly::ShipmentLine,
        orderly::ShipmentMilestone,
        orderly::ShipmentStatus,
        orderly::CancelReason,
        orderly::timeline::StaffNote,
        orderly::timeline::TimelineEntry,
        orderly::timeline::TimelineKind,
        orderly::timeline::ActorKind,
        orderly::analytics::CancellationCount,
        dto::CancellationsByReason,
        dto::SalesReport,
        dto::DailySalesReport,
        dto::DailySalesDto,
        dto::SalesSummaryDto,
        dto::TopProducts,
        dto::ProductSalesDto,
        dto::TopByDto,
        dto::OrdersByStatus,
        dto::StatusCountDto,
        dto::Health,
        dto::Ready,
        orderly::OfflineCapture,
        orderly::sync::PushRequest,
        orderly::sync::Operation,
        orderly::sync::OpBody,
        orderly::sync::CapturedOrder,
        orderly::sync::CapturedLine,
        orderly::sync::CapturedTotals,
        orderly::sync::PushResponse,
        orderly::sync::OperationResult,
        orderly::sync::Outcome,
        orderly::sync::PullPage,
        orderly::sync::Change,
        dto::WebhookBody,
        dto::WebhookPatchBody,
        orderly::EventType,
        orderly::webhooks::WebhookView,
        orderly::webhooks::WebhookHealth,
        orderly::webhooks::HealthStatus,
        orderly::webhooks::DeliveryPage,
        orderly::webhooks::DeliveryView,
        orderly::webhooks::DeliveryStatus,
        orderly::webhooks::Attempt,
    )),
    modifiers(&BearerAuth, &ProblemResponses),
    tags(
        (name = "cart", description = "Carts as the Cart Service holds them"),
        (name = "orders", description = "Checkout, placing, reading, cancelling and tracking orders"),
        (name = "analytics", description = "Sales and status reports (admin and service callers)"),
        (name = "health", description = "Liveness, readiness and this document"),
        (name = "sync", description = "Offline capture and sync for devices (role `device`)"),
        (name = "webhooks", description = "Webhook subscriptions, their health and delivery log (admin and service callers)"),
    )
)]
pub struct ApiDoc;

/// The document as served.
pub fn document() -> OpenApiDoc {
    ApiDoc::openapi()
}

/// The document rendered as JSON, with the links from a placed order added.
pub fn document_json() -> String {
    let mut value = match serde_json::to_value(document()) {
        Ok(value) => value,
        Err(e) => return format!(r#"{{"openapi":"3.1.0","error":"{e}"}}"#),
    };
    add_order_links(&mut value);
    add_shipment_links(&mut value);
    close_payment_methods(&mut value);
    value.to_string()
}

/// Each payment method variant refuses unknown fields (`deny_unknown_fields`), which utoipa 5
/// does not carry over to the variants of a tagged enum; a shown payment method has exactly its
/// fields, so that a token in a response breaks the schema.
fn close_payment_methods(doc: &mut serde_json::Value) {
    for schema in ["PaymentMethod", "PaymentSummary"] {
        close_variants(doc, schema);
    }
}

fn close_variants(doc: &mut serde_json::Value, schema: &str) {
    if let Some(variants) = doc
        .pointer_mut(&format!("/components/schemas/{schema}/oneOf"))
        .and_then(serde_json::Value::as_array_mut)
    {
        for variant in variants
            .iter_mut()
            .filter_map(serde_json::Value::as_object_mut)
        {
            variant.insert(
                "additionalProperties".to_owned(),
                serde_json::Value::Bool(false),
            );
        }
    }
}

/// Links from a placed order to what can be done with it, so that clients (and stateful
/// testers) can follow `orderId` and `userId` from `POST /order`. Written into the JSON
/// directly: utoipa 5 serializes `Link` with snake_case field names.
fn add_order_links(doc: &mut serde_json::Value) {
    let links = serde_json::json!({
        "GetOrder": {"operationId": "get_order", "parameters": {"orderId": "$response.body#/orderId"}},
        "GetOrderStatus": {"operationId": "get_status", "parameters": {"orderId": "$response.body#/orderId"}},
        "UpdateOrderStatus": {"operationId": "put_status", "parameters": {"orderId": "$response.body#/orderId"}},
        "CreateShipment": {"operationId": "create_shipment", "parameters": {"orderId": "$response.body#/orderId"}},
        "GetOrderTimeline": {"operationId": "timeline", "parameters": {"orderId": "$response.body#/orderId"}},
        "AddStaffNote": {"operationId": "add_note", "parameters": {"orderId": "$response.body#/orderId"}},
        "CancelOrder": {"operationId": "cancel_order", "parameters": {"orderId": "$response.body#/orderId"}},
        "ListOrders": {"operationId": "list_orders", "parameters": {"userId": "$response.body#/userId"}},
    });
    for status in ["200", "201"] {
        if let Some(response) = doc
            .pointer_mut(&format!("/paths/~1order/post/responses/{status}"))
            .and_then(serde_json::Value::as_object_mut)
        {
            response.insert("links".to_owned(), links.clone());
        }
    }
}

/// Links from a new shipment to moving it along, so that stateful testers reach shipment
/// updates with ids that exist.
fn add_shipment_links(doc: &mut serde_json::Value) {
    let links = serde_json::json!({
        "UpdateShipmentStatus": {"operationId": "update_shipment", "parameters": {
            "orderId": "$response.body#/orderId",
            "shipmentId": "$response.body#/shipments/0/shipmentId",
        }},
    });
    if let Some(response) = doc
        .pointer_mut("/paths/~1order~1{orderId}~1shipments/post/responses/201")
        .and_then(serde_json::Value::as_object_mut)
    {
        response.insert("links".to_owned(), links);
    }
}

/// The `bearerAuth` scheme: an HS256 JWT with `sub`, `role` and `exp`.
struct BearerAuth;

impl Modify for BearerAuth {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearerAuth",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .description(Some(
                        "HS256 JWT with claims sub (user id), role (customer, admin or service) \
                         and exp. Missing, expired or otherwise invalid tokens get 401.",
                    ))
                    .build(),
            ),
        );
    }
}

/// Problem bodies on every error response, and the statuses common to each kind of operation.
struct ProblemResponses;

fn problem_content() -> Content {
    Content::new(Some(RefOr::Ref(Ref::from_schema_name("Problem"))))
}

fn string_header(description: &str) -> Header {
    let mut header = Header::new(ObjectBuilder::new().schema_type(Type::String));
    header.description = Some(description.to_owned());
    header
}

fn add_if_missing(op: &mut Operation, status: &str, description: &str) {
    op.responses
        .responses
        .entry(status.to_owned())
        .or_insert_with(|| RefOr::T(Response::new(description)));
}

/// Parameters travel as text and cannot be JSON `null`; `Option` only means "may be absent".
fn not_nullable(op: &mut Operation) {
    for parameter in op.parameters.iter_mut().flatten() {
        if let Some(RefOr::T(Schema::Object(object))) = parameter.schema.as_mut()
            && let SchemaType::Array(types) = &object.schema_type
        {
            let concrete: Vec<Type> = types
                .iter()
                .filter(|t| **t != Type::Null)
                .cloned()
                .collect();
            if let [only] = concrete.as_slice() {
                object.schema_type = SchemaType::Type(only.clone());
            }
        }
    }
}

fn complete(op: &mut Operation) {
    not_nullable(op);
    let secured = op.security.as_ref().is_some_and(|s| !s.is_empty());
    let has_body = op.request_body.is_some();
    let has_params = op.parameters.as_ref().is_some_and(|p| !p.is_empty());
    if secured {
        add_if_missing(op, "401", "Missing, expired or invalid bearer token");
        add_if_missing(op, "503", "Storage is temporarily unavailable");
    }
    if has_body || has_params {
        add_if_missing(
            op,
            "400",
            "Malformed request: JSON syntax, a header, or a path or query value",
        );
        add_if_missing(op, "422", "The request breaks a rule; `code` names it");
    }
    if has_body {
        add_if_missing(op, "413", "The body is larger than 64 KiB");
        add_if_missing(op, "415", "The body is not application/json");
    }
    add_if_missing(
        op,
        "500",
        "Internal error (details are in the server's logs)",
    );
    for (status, response) in op.responses.responses.iter_mut() {
        let RefOr::T(response) = response else {
            continue;
        };
        if status.starts_with('4') || status.starts_with('5') {
            if response.content.is_empty() {
                response
                    .content
                    .insert(PROBLEM_JSON.to_owned(), problem_content());
            }
            if status == "401" {
                response.headers.insert(
                    "WWW-Authenticate".to_owned(),
                    string_header("The Bearer challenge"),
                );
            }
        }
        response.headers.insert(
            "X-Request-Id".to_owned(),
            string_header("The request's id (the client's X-Request-Id if it sent a valid one)"),
        );
    }
}

impl Modify for ProblemResponses {
    fn modify(&self, openapi: &mut OpenApiDoc) {
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                complete(op);
            }
        }
    }
}
