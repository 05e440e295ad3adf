//! Who may do what, through HTTP: customers on their own and on others' carts, orders and
//! histories, customers on staff endpoints, admin and service callers, and every kind of bad
//! token.

use crate::common;

use std::time::{SystemTime, UNIX_EPOCH};

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;
use common::{Harness, address, call, card, order_body, place, standard_cart};
use jsonwebtoken::{Algorithm, EncodingKey, Header};
use serde_json::json;

fn now() -> u64 {
    SystemTime::now()
        .duration_since(UNIX_EPOCH)
        .unwrap()
        .as_secs()
}

fn sign(alg: Algorithm, secret: &[u8], claims: &serde_json::Value) -> String {
    jsonwebtoken::encode(&Header::new(alg), claims, &EncodingKey::from_secret(secret)).unwrap()
}

#[tokio::test]
async fn customers_touch_only_their_own_carts_orders_and_histories() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    carts.set(standard_cart("bob"));
    let bob_order = place(&h, "bob", "b-1").await;
    let bob_id = bob_order["orderId"].as_str().unwrap();
    let alice = h.customer("alice");

    // Own resources.
    h.send(call("GET", "/cart/alice").token(&alice))
        .await
        .expect(200, "");
    h.send(call("GET", "/orders/alice").token(&alice))
        .await
        .expect(200, "");

    // Another user's cart, history, checkout and order placement: 403.
    h.send(call("GET", "/cart/bob").token(&alice))
        .await
        .expect(403, "forbidden");
    h.send(call("GET", "/orders/bob").token(&alice))
        .await
        .expect(403, "forbidden");
    let checkout = json!({"userId": "bob", "deliveryAddress": address(), "paymentMethod": card()});
    h.send(call("POST", "/checkout").token(&alice).json(&checkout))
        .await
        .expect(403, "forbidden");
    h.send(
        call("POST", "/order")
            .token(&alice)
            .key("x")
            .json(&order_body("bob")),
    )
    .await
    .expect(403, "forbidden");

    // Another user's order: 404, exactly like an order that does not exist.
    let unknown = "01890a5d-ac96-774b-bcce-b302099a8057";
    for id in [bob_id, unknown] {
        let r = h
            .send(call("GET", &format!("/order/{id}")).token(&alice))
            .await;
        r.expect(404, "not_found");
        h.send(call("GET", &format!("/order/{id}/status")).token(&alice))
            .await
            .expect(404, "not_found");
        h.send(call("DELETE", &format!("/order/{id}")).token(&alice))
            .await
            .expect(404, "not_found");
    }
    // Nothing happened to bob's order.
    let r = h
        .send(call("GET", &format!("/order/{bob_id}")).token(&h.customer("bob")))
        .await;
    r.expect(200, "");
    assert_eq!(r.body["status"], "placed");
    assert_eq!(r.body["version"], 1);
}

#[tokio::test]
async fn customers_may_not_use_staff_endpoints() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let own = place(&h, "alice", "a-1").await;
    let id = own["orderId"].as_str().unwrap();
    let alice = h.customer("alice");

    h.send(
        call("PUT", &format!("/order/{id}/status"))
            .token(&alice)
            .json(&json!({"status": "processing"})),
    )
    .await
    .expect(403, "forbidden");
    for uri in [
        "/analytics/sales",
        "/analytics/sales/daily",
        "/analytics/top-products",
        "/analytics/orders-by-status",
        "/analytics/cancellations",
    ] {
        h.send(call("GET", uri).token(&alice))
            .await
            .expect(403, "forbidden");
    }
    let r = h
        .send(call("GET", &format!("/order/{id}")).token(&alice))
        .await;
    assert_eq!(
        r.body["status"], "placed",
        "the refused update changed nothing"
    );
}

#[tokio::test]
async fn admin_and_service_may_act_for_anyone() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let own = place(&h, "alice", "a-1").await;
    let id = own["orderId"].as_str().unwrap();
    for (token, next) in [(h.admin(), "processing"), (h.service(), "shipped")] {
        h.send(call("GET", "/cart/alice").token(&token))
            .await
            .expect(200, "");
        h.send(call("GET", "/orders/alice").token(&token))
            .await
            .expect(200, "");
        h.send(call("GET", &format!("/order/{id}")).token(&token))
            .await
            .expect(200, "");
        h.send(call("GET", &format!("/order/{id}/status")).token(&token))
            .await
            .expect(200, "");
        h.send(
            call("PUT", &format!("/order/{id}/status"))
                .token(&token)
                .json(&json!({"status": next})),
        )
        .await
        .expect(200, "");
        for uri in [
            "/analytics/sales",
            "/analytics/top-products",
            "/analytics/orders-by-status",
        ] {
            h.send(call("GET", uri).token(&token)).await.expect(200, "");
        }
        let checkout =
            json!({"userId": "alice", "deliveryAddress": address(), "paymentMethod": card()});
        h.send(call("POST", "/checkout").token(&token).json(&checkout))
            .await
            .expect(200, "");
    }
    // Staff may place an order for a user; the milestone names who did.
    let r = h
        .send(
            call("POST", "/order")
                .token(&h.service())
                .key("svc-1")
                .json(&order_body("alice")),
        )
        .await;
    r.expect(201, "");
    assert_eq!(r.body["userId"], "alice");
    assert_eq!(r.body["history"][0]["actor"], "service:warehouse");
}

#[tokio::test]
async fn bad_tokens_are_all_401() {
    let (h, carts) = Harness::in_memory();
    carts.set(standard_cart("alice"));
    let exp = now() + 600;
    let good_claims = json!({"sub": "alice", "role": "admin", "exp": exp});
    let header_none = URL_SAFE_NO_PAD.encode(r#"{"alg":"none","typ":"JWT"}"#);
    let payload = URL_SAFE_NO_PAD.encode(good_claims.to_string());
    let valid = h.admin();
    let (head, rest) = valid.split_once('.').unwrap();
    let (_, sig) = rest.split_once('.').unwrap();
    let tampered = format!("{head}.{payload}.{sig}");

    let cases: Vec<(&str, Option<String>, &str)> = vec![
        ("no header", None, "missing_token"),
        ("empty bearer", Some("Bearer ".into()), "invalid_token"),
        (
            "basic scheme",
            Some("Basic YWxpY2U6cHc=".into()),
            "invalid_token",
        ),
        ("garbage", Some("Bearer not.a.jwt".into()), "invalid_token"),
        (
            "alg none",
            Some(format!("Bearer {header_none}.{payload}.")),
            "invalid_token",
        ),
        (
            "alg none, signature kept",
            Some(format!("Bearer {header_none}.{payload}.{sig}")),
            "invalid_token",
        ),
        (
            "wrong secret",
            Some(format!(
                "Bearer {}",
                sign(
                    Algorithm::HS256,
                    b"another-secret-another-secret-another",
                    &good_claims
                )
            )),
            "invalid_token",
        ),
        (
            "HS512",
            Some(format!(
                "Bearer {}",
                sign(Algorithm::HS512, common::SECRET, &good_claims)
            )),
            "invalid_token",
        ),
        (
            "tampered payload",
            Some(format!("Bearer {tampered}")),
            "invalid_token",
        ),
        (
            "expired",
            Some(format!(
                "Bearer {}",
                sign(
                    Algorithm::HS256,
                    common::SECRET,
                    &json!({"sub": "alice", "role": "admin", "exp": now() - 3600})
                )
            )),
            "token_expired",
        ),
        (
            "no exp",
            Some(format!(
                "Bearer {}",
                sign(
                    Algorithm::HS256,
                    common::SECRET,
                    &json!({"sub": "alice", "role": "admin"})
                )
            )),
            "invalid_token",
        ),
        (
            "no sub",
            Some(format!(
                "Bearer {}",
                sign(
                    Algorithm::HS256,
                    common::SECRET,
                    &json!({"role": "admin", "exp": exp})
                )
            )),
            "invalid_token",
        ),
        (
            "unknown role",
            Some(format!(
                "Bearer {}",
                sign(
                    Algorithm::HS256,
                    common::SECRET,
                    &json!({"sub": "alice", "role": "root", "exp": exp})
                )
            )),
            "invalid_token",
        ),
        (
            "not yet valid",
            Some(format!(
                "Bearer {}",
                sign(
                    Algorithm::HS256,
                    common::SECRET,
                    &json!({"sub": "alice", "role": "admin", "exp": exp, "nbf": now() + 3000})
                )
            )),
            "invalid_token",
        ),
    ];
    for (name, authorization, code) in cases {
        for uri in ["/cart/alice", "/orders/alice", "/analytics/sales", "/ready"] {
            let mut c = call("GET", uri);
            if let Some(a) = &authorization {
                c = c.header("authorization", a);
            }
            let r = h.send(c).await;
            assert_eq!(r.status, 401, "{name} on {uri}: {}", r.text);
            r.expect(401, code);
            assert!(
                r.header("www-authenticate").unwrap().starts_with("Bearer"),
                "{name}"
            );
        }
    }
    // A bad token on a write changes nothing.
    let r = h
        .send(
            call("POST", "/order")
                .header("authorization", "Bearer x.y.z")
                .key("k")
                .json(&order_body("alice")),
        )
        .await;
    r.expect(401, "invalid_token");
    let r = h
        .send(call("GET", "/orders/alice").token(&h.customer("alice")))
        .await;
    assert_eq!(r.body["orders"], json!([]));
}
