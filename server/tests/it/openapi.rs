//! The OpenAPI document matches what the server really does: every contract endpoint is in
//! it, every error response is problem+json, and real responses (successes and errors) carry
//! a documented status and validate against the documented schema.

use crate::common;

use common::{Call, Harness, Reply, call, order_body, place, standard_cart};
use serde_json::{Value, json};

async fn document(h: &Harness) -> Value {
    let r = h.send(call("GET", "/openapi.json")).await;
    r.expect(200, "");
    r.body
}

/// A validator for `schema`, resolving `$ref`s into the document's components.
fn validator(doc: &Value, schema: &Value) -> jsonschema::Validator {
    let root = json!({
        "components": doc["components"].clone(),
        "allOf": [schema.clone()],
    });
    jsonschema::options()
        .with_draft(jsonschema::Draft::Draft202012)
        .should_validate_formats(true)
        .build(&root)
        .unwrap()
}

/// Checks one live answer against the document: documented status, media type and schema.
#[track_caller]
fn conforms(doc: &Value, method: &str, template: &str, reply: &Reply) {
    let op = &doc["paths"][template][method.to_ascii_lowercase()];
    assert!(op.is_object(), "{method} {template} is not documented");
    let status = reply.status.to_string();
    let response = &op["responses"][&status];
    assert!(
        response.is_object(),
        "{method} {template} answered {status}, which is not documented: {}",
        reply.text
    );
    let content_type = reply.header("content-type").unwrap_or("");
    let content = &response["content"][content_type];
    assert!(
        content.is_object(),
        "{method} {template} {status}: {content_type} is not documented"
    );
    let validator = validator(doc, &content["schema"]);
    let errors: Vec<String> = validator
        .iter_errors(&reply.body)
        .map(|e| format!("{e} at {}", e.instance_path))
        .collect();
    assert!(
        errors.is_empty(),
        "{method} {template} {status} does not match its schema: {errors:?}\n{}",
        reply.text
    );
    for (name, _) in response["headers"].as_object().into_iter().flatten() {
        if ["ETag", "Location", "X-Request-Id", "WWW-Authenticate"].contains(&name.as_str()) {
            assert!(
                reply.header(name).is_some(),
                "{method} {template} {status} documents {name} but did not send it"
            );
        }
    }
}

#[tokio::test]
async fn the_document_covers_the_contract() {
    let (h, _) = Harness::in_memory();
    let doc = document(&h).await;
    assert_eq!(doc["openapi"], "3.1.0");
    let contract = [
        ("get", "/cart/{userId}"),
        ("post", "/checkout"),
        ("post", "/order"),
        ("get", "/orders/{userId}"),
        ("get", "/order/{orderId}"),
        ("get", "/order/{orderId}/status"),
        ("delete", "/order/{orderId}"),
        ("put", "/order/{orderId}/status"),
        ("get", "/ready"),
        ("get", "/analytics/sales"),
        ("get", "/analytics/top-products"),
        ("get", "/analytics/orders-by-status"),
        ("get", "/analytics/cancellations"),
        ("get", "/orders"),
        ("get", "/orders/export"),
        ("post", "/order/{orderId}/shipments"),
        ("put", "/order/{orderId}/shipments/{shipmentId}/status"),
        ("get", "/order/{orderId}/timeline"),
        ("post", "/order/{orderId}/notes"),
    ];
    for (method, path) in contract {
        let op = &doc["paths"][path][method];
        assert!(op.is_object(), "{method} {path} missing");
        assert_eq!(
            op["security"],
            json!([{"bearerAuth": []}]),
            "{method} {path} must require a token"
        );
        assert!(
            op["responses"]["401"].is_object(),
            "{method} {path} lacks 401"
        );
        assert!(
            op["responses"]["500"].is_object(),
            "{method} {path} lacks 500"
        );
    }
    for open in ["/health", "/openapi.json"] {
        assert!(
            doc["paths"][open]["get"]["security"].is_null(),
            "{open} needs no token"
        );
    }
    assert_eq!(
        doc["components"]["securitySchemes"]["bearerAuth"]["scheme"],
        "bearer"
    );
    for variant in doc["components"]["schemas"]["PaymentMethod"]["oneOf"]
        .as_array()
        .unwrap()
    {
        assert_eq!(variant["additionalProperties"], false, "{variant}");
    }
    for (name, link) in doc["paths"]["/order"]["post"]["responses"]["201"]["links"]
        .as_object()
        .unwrap()
    {
        let target = link["operationId"].as_str().unwrap();
        let found = doc["paths"].as_object().unwrap().values().any(|item| {
            item.as_object()
                .unwrap()
                .values()
                .any(|op| op["operationId"] == target)
        });
        assert!(found, "link {name} names unknown operation {target}");
    }
    assert_eq!(
        doc["paths"]["/order"]["post"]["responses"]["201"]["headers"]["Location"]["schema"]["type"],
        "string"
    );
    // Every error response is problem+json.
    for (path, item) in doc["paths"].as_object().unwrap() {
        for (method, op) in item.as_object().unwrap() {
            for (status, response) in op["responses"].as_object().unwrap() {
                if status.starts_with('4') || status.starts_with('5') {
                    assert_eq!(
                        response["content"]["application/problem+json"]["schema"]["$ref"],
                        "#/components/schemas/Problem",
                        "{method} {path} {status}"
                    );
                }
            }
        }
    }
}

/// `GET /ready` documents its `warnings` (always present, strings) and an answer with warnings
/// matches the document.
#[tokio::test]
async fn ready_documents_its_durability_warnings() {
    #[derive(Debug)]
    struct Weak(std::sync::Arc<dyn orderly::Store>);
    impl orderly::StoreDecorator for Weak {
        fn inner(&self) -> &dyn orderly::Store {
            self.0.as_ref()
        }
        fn durability_warnings(&self) -> orderly::store::StoreResult<Vec<String>> {
            Ok(vec![
                "InnoDB flushes its log only once a second (innodb_flush_log_at_trx_commit=2)"
                    .to_owned(),
            ])
        }
    }
    let h = Harness::wrapping(
        std::sync::Arc::new(orderly::InMemoryCarts::new()),
        |inner| std::sync::Arc::new(Weak(inner)),
    );
    let doc = document(&h).await;
    let ready = &doc["components"]["schemas"]["Ready"];
    assert!(
        ready["required"]
            .as_array()
            .unwrap()
            .contains(&json!("warnings")),
        "{ready}"
    );
    assert_eq!(ready["properties"]["warnings"]["type"], "array", "{ready}");
    assert_eq!(
        ready["properties"]["warnings"]["items"]["type"], "string",
        "{ready}"
    );
    assert!(
        ready["properties"]["warnings"]["description"]
            .as_str()
            .is_some_and(|d| d.contains("innodb_flush_log_at_trx_commit")),
        "{ready}"
    );

    let reply = h
        .send(call("GET", "/ready").token(&h.customer("alice")))
        .await;
    assert_eq!(reply.status, 200, "{}", reply.text);
    assert_eq!(reply.body["warnings"].as_array().map(Vec::len), Some(1));
    conforms(&doc, "GET", "/ready", &reply);
    // The checker would catch a missing or malformed list.
    let schema = json!({"$ref": "#/components/schemas/Ready"});
    let mut wrong = reply.body.clone();
    wrong["warnings"] = json!([5]);
    assert!(!validator(&doc, &schema).is_valid(&wrong));
    wrong.as_object_mut().unwrap().remove("warnings");
    assert!(!validator(&doc, &schema).is_valid(&wrong));
}

#[tokio::test]
async fn live_responses_match_the_document() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let doc = document(&h).await;
    let alice = h.customer("alice");
    let admin = h.admin();

    let order = place(&h, "alice", "k-1").await;
    let id = order["orderId"].as_str().unwrap().to_owned();
    let mut cancel_me = order_body("alice");
    cancel_me["metadata"] = json!({"giftNote": "happy birthday"});
    let other = h
        .send(
            call("POST", "/order")
                .token(&alice)
                .key("k-2")
                .json(&cancel_me),
        )
        .await;
    let other_id = other.body["orderId"].as_str().unwrap().to_owned();

    let checkout = json!({"userId": "alice", "deliveryAddress": common::address(), "paymentMethod": {"type": "paypal", "token": "pp-1"}});
    let cases: Vec<(&str, &str, Call)> = vec![
        ("GET", "/health", call("GET", "/health")),
        ("GET", "/ready", call("GET", "/ready").token(&alice)),
        ("GET", "/ready", call("GET", "/ready")),
        (
            "GET",
            "/cart/{userId}",
            call("GET", "/cart/alice").token(&alice),
        ),
        (
            "GET",
            "/cart/{userId}",
            call("GET", "/cart/nobody").token(&admin),
        ),
        (
            "GET",
            "/cart/{userId}",
            call("GET", "/cart/bob").token(&alice),
        ),
        (
            "GET",
            "/cart/{userId}",
            call("GET", "/cart/b%20b").token(&admin),
        ),
        (
            "POST",
            "/checkout",
            call("POST", "/checkout").token(&alice).json(&checkout),
        ),
        (
            "POST",
            "/checkout",
            call("POST", "/checkout")
                .token(&alice)
                .raw("text/plain", "x"),
        ),
        (
            "POST",
            "/checkout",
            call("POST", "/checkout")
                .token(&alice)
                .raw("application/json", "{"),
        ),
        (
            "POST",
            "/order",
            call("POST", "/order")
                .token(&alice)
                .key("k-1")
                .json(&order_body("alice")),
        ),
        (
            "POST",
            "/order",
            call("POST", "/order")
                .token(&alice)
                .key("k-3")
                .json(&order_body("alice")),
        ),
        (
            "POST",
            "/order",
            call("POST", "/order")
                .token(&alice)
                .key("k-1")
                .json(&cancel_me),
        ),
        (
            "POST",
            "/order",
            call("POST", "/order")
                .token(&alice)
                .json(&order_body("alice")),
        ),
        (
            "POST",
            "/order",
            call("POST", "/order")
                .token(&alice)
                .key("k-4")
                .json(&json!({"userId": "alice"})),
        ),
        (
            "GET",
            "/orders/{userId}",
            call("GET", "/orders/alice?limit=1").token(&alice),
        ),
        (
            "GET",
            "/orders/{userId}",
            call("GET", "/orders/alice?limit=0").token(&alice),
        ),
        (
            "GET",
            "/orders/{userId}",
            call("GET", "/orders/alice?limit=x").token(&alice),
        ),
        (
            "GET",
            "/order/{orderId}",
            call("GET", &format!("/order/{id}")).token(&alice),
        ),
        (
            "GET",
            "/order/{orderId}",
            call("GET", "/order/nope").token(&alice),
        ),
        (
            "GET",
            "/order/{orderId}/status",
            call("GET", &format!("/order/{id}/status")).token(&alice),
        ),
        (
            "PUT",
            "/order/{orderId}/status",
            call("PUT", &format!("/order/{id}/status"))
                .token(&admin)
                .json(&json!({"status": "processing"})),
        ),
        (
            "PUT",
            "/order/{orderId}/status",
            call("PUT", &format!("/order/{id}/status"))
                .token(&admin)
                .header("if-match", "\"1\"")
                .json(&json!({"status": "shipped"})),
        ),
        (
            "PUT",
            "/order/{orderId}/status",
            call("PUT", &format!("/order/{id}/status"))
                .token(&admin)
                .json(&json!({"status": "placed"})),
        ),
        (
            "PUT",
            "/order/{orderId}/status",
            call("PUT", &format!("/order/{id}/status"))
                .token(&alice)
                .json(&json!({"status": "shipped"})),
        ),
        (
            "DELETE",
            "/order/{orderId}",
            call("DELETE", &format!("/order/{other_id}?reason=oops")).token(&alice),
        ),
        (
            "PUT",
            "/order/{orderId}/status",
            call("PUT", &format!("/order/{id}/status"))
                .token(&admin)
                .json(&json!({"status": "shipped"})),
        ),
        (
            "DELETE",
            "/order/{orderId}",
            call("DELETE", &format!("/order/{id}")).token(&alice),
        ),
        (
            "GET",
            "/analytics/sales",
            call("GET", "/analytics/sales").token(&admin),
        ),
        (
            "GET",
            "/analytics/sales",
            call("GET", "/analytics/sales?from=bad").token(&admin),
        ),
        (
            "GET",
            "/analytics/top-products",
            call("GET", "/analytics/top-products?by=revenue").token(&admin),
        ),
        (
            "GET",
            "/analytics/top-products",
            call("GET", "/analytics/top-products").token(&alice),
        ),
        (
            "GET",
            "/analytics/orders-by-status",
            call("GET", "/analytics/orders-by-status").token(&h.service()),
        ),
        ("GET", "/openapi.json", call("GET", "/openapi.json")),
    ];
    // The checker itself can fail.
    let order_schema = json!({"$ref": "#/components/schemas/Order"});
    assert!(!validator(&doc, &order_schema).is_valid(&json!({"orderId": 5})));
    let mut wrong = order.clone();
    wrong["totals"]["total"]["amount"] = json!(12.5);
    assert!(!validator(&doc, &order_schema).is_valid(&wrong));
    wrong = order.clone();
    wrong["createdAt"] = json!("yesterday");
    assert!(
        !validator(&doc, &order_schema).is_valid(&wrong),
        "formats are checked"
    );
    assert!(validator(&doc, &order_schema).is_valid(&order));

    let mut statuses = std::collections::BTreeSet::new();
    for (method, template, c) in cases {
        let reply = h.send(c).await;
        statuses.insert(reply.status);
        conforms(&doc, method, template, &reply);
    }
    // The run covered successes and the main error classes.
    for s in [200, 201, 400, 401, 403, 404, 409, 412, 415, 422] {
        assert!(statuses.contains(&s), "no {s} checked; got {statuses:?}");
    }
}

/// The staff endpoints' live answers match the document too: search, shipments, notes, the
/// timeline, cancellations by reason, and their refusals.
#[tokio::test]
async fn staff_responses_match_the_document() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let doc = document(&h).await;
    let alice = h.customer("alice");
    let admin = h.admin();
    let order = place(&h, "alice", "k-1").await;
    let id = order["orderId"].as_str().unwrap().to_owned();
    let other = place(&h, "alice", "k-2").await;
    let other_id = other["orderId"].as_str().unwrap().to_owned();
    h.send(
        call("PUT", &format!("/order/{id}/status"))
            .token(&admin)
            .json(&json!({"status": "processing"})),
    )
    .await
    .expect(200, "");
    let shipped = h
        .send(
            call("POST", &format!("/order/{id}/shipments"))
                .token(&admin)
                .key("s-1")
                .json(&json!({"lines": [{"productId": "sku-1", "quantity": 1}], "carrier": "ups", "trackingNumber": "1Z1", "status": "pending"})),
        )
        .await;
    conforms(&doc, "POST", "/order/{orderId}/shipments", &shipped);
    let shipment = shipped.body["shipments"][0]["shipmentId"]
        .as_str()
        .unwrap()
        .to_owned();
    let shipment_path = format!("/order/{id}/shipments/{shipment}/status");
    let cases: Vec<(&str, &str, Call)> = vec![
        (
            "GET",
            "/orders",
            call("GET", "/orders?limit=1").token(&admin),
        ),
        (
            "GET",
            "/orders",
            call("GET", "/orders?status=shipped&q=alice").token(&admin),
        ),
        (
            "GET",
            "/orders",
            call("GET", "/orders?colour=red").token(&admin),
        ),
        ("GET", "/orders", call("GET", "/orders").token(&alice)),
        (
            "GET",
            "/orders/export",
            call("GET", "/orders/export?limit=0").token(&alice),
        ),
        (
            "GET",
            "/orders/export",
            call("GET", "/orders/export?status=lost").token(&admin),
        ),
        (
            "POST",
            "/order/{orderId}/shipments",
            call("POST", &format!("/order/{id}/shipments"))
                .token(&admin)
                .json(&json!({"lines": [{"productId": "sku-1", "quantity": 5}]})),
        ),
        (
            "POST",
            "/order/{orderId}/shipments",
            call("POST", &format!("/order/{other_id}/shipments"))
                .token(&admin)
                .json(&json!({})),
        ),
        (
            "POST",
            "/order/{orderId}/shipments",
            call("POST", &format!("/order/{id}/shipments"))
                .token(&alice)
                .json(&json!({})),
        ),
        (
            "POST",
            "/order/{orderId}/shipments",
            call("POST", &format!("/order/{id}/shipments"))
                .token(&admin)
                .header("if-match", "\"1\"")
                .json(&json!({})),
        ),
        (
            "PUT",
            "/order/{orderId}/shipments/{shipmentId}/status",
            call("PUT", &shipment_path)
                .token(&admin)
                .json(&json!({"status": "shipped"})),
        ),
        (
            "PUT",
            "/order/{orderId}/shipments/{shipmentId}/status",
            call("PUT", &shipment_path)
                .token(&admin)
                .json(&json!({"status": "pending"})),
        ),
        (
            "PUT",
            "/order/{orderId}/shipments/{shipmentId}/status",
            call("PUT", &shipment_path)
                .token(&admin)
                .json(&json!({"status": "lost"})),
        ),
        (
            "PUT",
            "/order/{orderId}/shipments/{shipmentId}/status",
            call("PUT", &format!("/order/{id}/shipments/nope/status"))
                .token(&admin)
                .json(&json!({"status": "shipped"})),
        ),
        (
            "POST",
            "/order/{orderId}/notes",
            call("POST", &format!("/order/{id}/notes"))
                .token(&admin)
                .key("n-1")
                .json(&json!({"text": "fragile"})),
        ),
        (
            "POST",
            "/order/{orderId}/notes",
            call("POST", &format!("/order/{id}/notes"))
                .token(&admin)
                .json(&json!({"text": ""})),
        ),
        (
            "GET",
            "/order/{orderId}/timeline",
            call("GET", &format!("/order/{id}/timeline")).token(&admin),
        ),
        (
            "GET",
            "/order/{orderId}/timeline",
            call("GET", &format!("/order/{id}/timeline")).token(&alice),
        ),
        (
            "DELETE",
            "/order/{orderId}",
            call("DELETE", &format!("/order/{other_id}?reason=fraud")).token(&alice),
        ),
        (
            "DELETE",
            "/order/{orderId}",
            call("DELETE", &format!("/order/{other_id}?reason=nope&note=x")).token(&admin),
        ),
        (
            "DELETE",
            "/order/{orderId}",
            call(
                "DELETE",
                &format!("/order/{other_id}?reason=fraud&note=stolen"),
            )
            .token(&admin),
        ),
        (
            "DELETE",
            "/order/{orderId}",
            call("DELETE", &format!("/order/{id}")).token(&admin),
        ),
        (
            "GET",
            "/order/{orderId}/status",
            call("GET", &format!("/order/{id}/status")).token(&alice),
        ),
        (
            "GET",
            "/analytics/cancellations",
            call("GET", "/analytics/cancellations").token(&admin),
        ),
    ];
    let mut statuses = std::collections::BTreeSet::new();
    for (method, template, c) in cases {
        let reply = h.send(c).await;
        statuses.insert(reply.status);
        conforms(&doc, method, template, &reply);
    }
    for s in [200, 201, 403, 404, 409, 412, 422] {
        assert!(statuses.contains(&s), "no {s} checked; got {statuses:?}");
    }
    // The export's CSV is documented as such.
    let export = &doc["paths"]["/orders/export"]["get"]["responses"]["200"];
    assert!(export["content"]["text/csv"].is_object(), "{export}");
    assert!(export["headers"]["Content-Disposition"].is_object());
}
