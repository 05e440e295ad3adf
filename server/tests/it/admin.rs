//! The staff dashboard at `/admin`: its embedded files with their headers, and the sign-in that
//! turns a staff token into an HttpOnly cookie the API accepts only with the dashboard's header.

use std::time::Duration;

use crate::common;

use common::{Harness, Reply, call};
use orderly::Role;
use orderly_server::AdminSecret;
use serde_json::json;

const CSP: &str = "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; \
                   connect-src 'self'; font-src 'self'; base-uri 'none'; form-action 'self'; \
                   frame-ancestors 'none'";

#[track_caller]
fn assert_secured(reply: &Reply) {
    assert_eq!(reply.header("content-security-policy"), Some(CSP));
    assert_eq!(reply.header("x-content-type-options"), Some("nosniff"));
    assert_eq!(reply.header("referrer-policy"), Some("no-referrer"));
    assert_eq!(reply.header("x-frame-options"), Some("DENY"));
}

/// The names of the bundles index.html loads.
fn bundles(html: &str) -> Vec<String> {
    html.split("/admin/assets/")
        .skip(1)
        .filter_map(|rest| rest.split('"').next())
        .map(str::to_owned)
        .collect()
}

async fn sign_in(h: &Harness, token: &str) -> Reply {
    h.send(call("POST", "/admin/session").json(&json!({ "token": token })))
        .await
}

/// The `orderly_admin=...` pair of a Set-Cookie header, ready for a Cookie header.
fn cookie_pair(reply: &Reply) -> String {
    let set = reply.header("set-cookie").expect("a Set-Cookie header");
    set.split(';').next().unwrap().to_owned()
}

#[tokio::test]
async fn the_page_is_served_with_strict_headers_and_gzipped_when_accepted() {
    let (h, _) = Harness::in_memory();
    for path in ["/admin", "/admin/"] {
        let page = h.send(call("GET", path)).await;
        page.expect(200, "");
        assert_secured(&page);
        assert_eq!(
            page.header("content-type"),
            Some("text/html; charset=utf-8")
        );
        assert_eq!(page.header("cache-control"), Some("no-cache"));
        assert_eq!(page.header("content-encoding"), None);
        assert!(
            page.text.contains("<div id=\"app\"></div>"),
            "{}",
            page.text
        );
        assert!(!page.text.contains("<script>"), "no inline script");
    }
    let gzipped = h
        .send(call("GET", "/admin").header("accept-encoding", "gzip, br"))
        .await;
    gzipped.expect(200, "");
    assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
    assert_eq!(gzipped.header("vary"), Some("accept-encoding"));
    assert!(gzipped.text.starts_with('\u{1f}'), "a gzip stream");
}

#[tokio::test]
async fn bundles_have_their_media_types_and_are_cached_for_good() {
    let (h, _) = Harness::in_memory();
    let page = h.send(call("GET", "/admin")).await;
    let names = bundles(&page.text);
    assert!(names.iter().any(|n| n.ends_with(".js")), "{names:?}");
    assert!(names.iter().any(|n| n.ends_with(".css")), "{names:?}");
    for name in names {
        let asset = h.send(call("GET", &format!("/admin/assets/{name}"))).await;
        asset.expect(200, "");
        assert_secured(&asset);
        let expected = if name.ends_with(".js") {
            "text/javascript; charset=utf-8"
        } else {
            "text/css; charset=utf-8"
        };
        assert_eq!(asset.header("content-type"), Some(expected), "{name}");
        assert_eq!(
            asset.header("cache-control"),
            Some("public, max-age=31536000, immutable")
        );
        let gzipped = h
            .send(call("GET", &format!("/admin/assets/{name}")).header("accept-encoding", "gzip"))
            .await;
        assert_eq!(gzipped.header("content-encoding"), Some("gzip"));
        assert!(gzipped.text.len() < asset.text.len(), "{name} shrinks");
    }
}

#[tokio::test]
async fn unknown_files_are_404_problems_with_the_same_headers() {
    let (h, _) = Harness::in_memory();
    for path in [
        "/admin/assets/nope.js",
        "/admin/assets/..%2Fbuild.rs",
        "/admin/index.html.gz",
        "/admin/somewhere/else",
    ] {
        let reply = h.send(call("GET", path)).await;
        reply.expect(404, "not_found");
        assert_secured(&reply);
    }
}

#[tokio::test]
async fn a_staff_token_becomes_an_http_only_strict_cookie_for_as_long_as_it_lasts() {
    let (h, _) = Harness::in_memory();
    let token = h.admin();
    let reply = sign_in(&h, &token).await;
    reply.expect(204, "");
    assert_secured(&reply);
    let set = reply.header("set-cookie").unwrap();
    let (pair, attributes) = set.split_once("; ").unwrap();
    assert_eq!(pair, format!("orderly_admin={token}"));
    let max_age: u64 = attributes
        .split("; ")
        .find_map(|a| a.strip_prefix("Max-Age="))
        .unwrap()
        .parse()
        .unwrap();
    assert!((3590..=3600).contains(&max_age), "Max-Age={max_age}");
    for flag in ["HttpOnly", "Secure", "SameSite=Strict", "Path=/"] {
        assert!(attributes.split("; ").any(|a| a == flag), "{flag} in {set}");
    }
}

#[tokio::test]
async fn only_a_valid_unexpired_staff_token_signs_in() {
    let (h, _) = Harness::in_memory();
    let customer = sign_in(&h, &h.customer("alice")).await;
    customer.expect(403, "forbidden");
    assert_eq!(customer.header("set-cookie"), None);
    assert_secured(&customer);
    sign_in(&h, &h.service()).await.expect(403, "forbidden");
    sign_in(&h, "not-a-token")
        .await
        .expect(401, "invalid_token");
    // Within the clock leeway the signature still verifies, but no time is left for a cookie.
    let spent = h
        .auth
        .issue("ops", Role::Admin, Duration::from_secs(0))
        .unwrap();
    sign_in(&h, &spent).await.expect(401, "token_expired");
    h.send(call("POST", "/admin/session").json(&json!({ "tokn": "x" })))
        .await
        .expect(422, "invalid_body");
    h.send(call("POST", "/admin/session").raw("text/plain", "token=x"))
        .await
        .expect(415, "unsupported_media_type");
}

#[tokio::test]
async fn the_cookie_counts_only_with_the_dashboard_header() {
    let (h, _) = Harness::in_memory();
    let cookie = cookie_pair(&sign_in(&h, &h.admin()).await);

    h.send(call("GET", "/orders").header("cookie", &cookie))
        .await
        .expect(401, "missing_token");
    h.send(
        call("GET", "/orders")
            .header("cookie", &cookie)
            .header("x-orderly-admin", "1"),
    )
    .await
    .expect(200, "");

    let session = h
        .send(
            call("GET", "/admin/session")
                .header("cookie", &format!("theme=dark; {cookie}"))
                .header("x-orderly-admin", "1"),
        )
        .await;
    session.expect(200, "");
    assert_secured(&session);
    assert_eq!(session.body["sub"], "ops");
    assert_eq!(session.body["role"], "admin");
    assert!(session.body["expiresAt"].as_str().unwrap().ends_with('Z'));
    h.send(call("GET", "/admin/session").header("cookie", &cookie))
        .await
        .expect(401, "missing_token");
    h.send(call("GET", "/admin/session").header("x-orderly-admin", "1"))
        .await
        .expect(401, "missing_token");
}

#[tokio::test]
async fn a_bearer_token_wins_over_the_cookie() {
    let (h, _) = Harness::in_memory();
    let cookie = cookie_pair(&sign_in(&h, &h.admin()).await);
    h.send(
        call("GET", "/orders")
            .token(&h.customer("alice"))
            .header("cookie", &cookie)
            .header("x-orderly-admin", "1"),
    )
    .await
    .expect(403, "forbidden");
}

#[tokio::test]
async fn signing_out_expires_the_cookie() {
    let (h, _) = Harness::in_memory();
    let reply = h.send(call("DELETE", "/admin/session")).await;
    reply.expect(204, "");
    assert_secured(&reply);
    assert_eq!(
        reply.header("set-cookie"),
        Some("orderly_admin=; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age=0")
    );
}

#[tokio::test]
async fn the_staff_secret_signs_in_only_where_it_is_configured() {
    let (h, _) = Harness::in_memory();
    let secret = json!({ "secret": "a staff secret of some length" });
    let off = h.send(call("POST", "/admin/session").json(&secret)).await;
    off.expect(403, "secret_sign_in_disabled");
    assert_secured(&off);

    let (mut h, _) = Harness::in_memory();
    h.state = h
        .state
        .clone()
        .with_admin_secret(AdminSecret::new("a staff secret of some length").unwrap());
    h.router = orderly_server::app(h.state.clone());
    h.send(
        call("POST", "/admin/session").json(&json!({ "secret": "a staff secret of some lengtH" })),
    )
    .await
    .expect(401, "invalid_secret");
    h.send(call("POST", "/admin/session").json(&json!({ "secret": "", "token": h.admin() })))
        .await
        .expect(422, "invalid_body");
    h.send(call("POST", "/admin/session").json(&json!({})))
        .await
        .expect(422, "invalid_body");

    let signed_in = h.send(call("POST", "/admin/session").json(&secret)).await;
    signed_in.expect(204, "");
    let set = signed_in.header("set-cookie").unwrap();
    assert!(
        set.contains("; HttpOnly; Secure; SameSite=Strict; Path=/; Max-Age="),
        "{set}"
    );
    let session = h
        .send(
            call("GET", "/admin/session")
                .header("cookie", &cookie_pair(&signed_in))
                .header("x-orderly-admin", "1"),
        )
        .await;
    session.expect(200, "");
    assert_eq!(session.body["sub"], "admin");
    assert_eq!(session.body["role"], "admin");
}
