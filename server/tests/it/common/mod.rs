//! Shared test harness: a fresh store per test, the app in-process (`oneshot`) or on a real
//! loopback socket, tokens, and request helpers.
//!
//! The store is a temporary SQLite file unless `ORDERLY_TEST_DATABASE_URL` says otherwise.
//! With a `mysql://` URL (and the `mysql` feature) every test gets a scratch database of its
//! own on that server, dropped when the test ends; any other URL is used as given (share a file
//! between tests only if they tolerate each other's data). See `fresh_store`.

#![allow(
    dead_code,
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::sync::Arc;
use std::time::Duration;

use axum::Router;
use axum::body::Body;
use axum::http::{HeaderMap, Request};
use http_body_util::BodyExt as _;
use orderly::service::OrderServiceBuilder;
use orderly::{CartSource, InMemoryCarts, OrderService, RawCart, RawCartItem, Role, Store};
use orderly_server::{AppState, Authenticator, HttpCartSource, NoCartService, app};
use serde_json::{Value, json};
use tower::ServiceExt as _;

pub const SECRET: &[u8] = b"test-secret-for-orderly-server-tests!";

/// A store that lives as long as the test needs it.
pub struct TestStore {
    pub store: Arc<dyn Store>,
    _dir: Option<tempfile::TempDir>,
}

/// The one place that decides which database a test runs on.
pub fn fresh_store() -> TestStore {
    match std::env::var("ORDERLY_TEST_DATABASE_URL") {
        Ok(url) if url.starts_with("mysql://") => TestStore {
            store: mysql_scratch(&url),
            _dir: None,
        },
        Ok(url) if !url.is_empty() => TestStore {
            store: orderly::open_store(&url).expect("open ORDERLY_TEST_DATABASE_URL"),
            _dir: None,
        },
        _ => {
            let dir = tempfile::tempdir().expect("temp dir");
            let url = format!("sqlite://{}", dir.path().join("orders.db").display());
            TestStore {
                store: orderly::open_store(&url).expect("open temp sqlite"),
                _dir: Some(dir),
            }
        }
    }
}

#[cfg(feature = "mysql")]
fn mysql_scratch(url: &str) -> Arc<dyn Store> {
    Arc::new(orderly_mysql::MysqlStore::open_scratch(url).expect("scratch mysql database"))
}

#[cfg(not(feature = "mysql"))]
fn mysql_scratch(_url: &str) -> Arc<dyn Store> {
    panic!("ORDERLY_TEST_DATABASE_URL is mysql://: this build left the mysql feature out")
}

/// The app over a fresh store, with a token minter.
pub struct Harness {
    pub state: AppState,
    pub router: Router,
    pub auth: Authenticator,
    _store: TestStore,
}

impl Harness {
    pub fn new(carts: Arc<dyn CartSource>) -> Harness {
        Harness::build(carts, |builder| builder)
    }

    /// A harness whose engine is configured further (a manual clock, a pricing policy, ...).
    pub fn build(
        carts: Arc<dyn CartSource>,
        configure: impl FnOnce(OrderServiceBuilder) -> OrderServiceBuilder,
    ) -> Harness {
        Harness::assemble(carts, |store| store, configure)
    }

    /// A harness whose engine runs on the fresh store as `wrap` decorates it (a store that
    /// reports other database settings, injects faults, ...).
    pub fn wrapping(
        carts: Arc<dyn CartSource>,
        wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>,
    ) -> Harness {
        Harness::assemble(carts, wrap, |builder| builder)
    }

    fn assemble(
        carts: Arc<dyn CartSource>,
        wrap: impl FnOnce(Arc<dyn Store>) -> Arc<dyn Store>,
        configure: impl FnOnce(OrderServiceBuilder) -> OrderServiceBuilder,
    ) -> Harness {
        let store = fresh_store();
        let service = configure(OrderService::builder(wrap(store.store.clone()), carts)).build();
        let auth = Authenticator::new(SECRET).unwrap();
        let state = AppState::new(service, auth.clone());
        Harness {
            router: app(state.clone()),
            state,
            auth,
            _store: store,
        }
    }

    /// A harness whose carts come from the Cart Service through `client`, fetched
    /// asynchronously before each engine call, as the binary does.
    pub fn with_cart_service(client: HttpCartSource) -> Harness {
        let mut h = Harness::new(Arc::new(NoCartService));
        h.state = h.state.clone().with_cart_service(client);
        h.router = app(h.state.clone());
        h
    }

    /// A harness whose carts live in memory (no Cart Service involved).
    pub fn in_memory() -> (Harness, Arc<InMemoryCarts>) {
        let carts = Arc::new(InMemoryCarts::new());
        (Harness::new(carts.clone()), carts)
    }

    pub fn token(&self, sub: &str, role: Role) -> String {
        self.auth
            .issue(sub, role, Duration::from_secs(3600))
            .unwrap()
    }

    pub fn customer(&self, sub: &str) -> String {
        self.token(sub, Role::Customer)
    }

    pub fn admin(&self) -> String {
        self.token("ops", Role::Admin)
    }

    pub fn service(&self) -> String {
        self.token("warehouse", Role::Service)
    }

    /// Sends one request through the router in-process.
    pub async fn send(&self, call: Call) -> Reply {
        send_to(&self.router, call).await
    }
}

/// Sends one request through `router` in-process and collects the whole answer.
pub async fn send_to(router: &Router, call: Call) -> Reply {
    let response = router.clone().oneshot(call.into_request()).await.unwrap();
    let status = response.status().as_u16();
    let headers = response.headers().clone();
    let bytes = response.into_body().collect().await.unwrap().to_bytes();
    Reply::new(status, headers, bytes.to_vec())
}

/// A request under construction.
pub struct Call {
    method: String,
    uri: String,
    headers: Vec<(String, String)>,
    body: Vec<u8>,
}

pub fn call(method: &str, uri: &str) -> Call {
    Call {
        method: method.to_owned(),
        uri: uri.to_owned(),
        headers: Vec::new(),
        body: Vec::new(),
    }
}

impl Call {
    pub fn token(self, token: &str) -> Call {
        self.header("authorization", &format!("Bearer {token}"))
    }

    pub fn header(mut self, name: &str, value: &str) -> Call {
        self.headers.push((name.to_owned(), value.to_owned()));
        self
    }

    pub fn json(self, value: &Value) -> Call {
        self.raw("application/json", serde_json::to_vec(value).unwrap())
    }

    pub fn raw(mut self, content_type: &str, body: impl Into<Vec<u8>>) -> Call {
        self.body = body.into();
        self.header("content-type", content_type)
    }

    pub fn key(self, key: &str) -> Call {
        self.header("idempotency-key", key)
    }

    pub fn into_request(self) -> Request<Body> {
        let mut builder = Request::builder()
            .method(self.method.as_str())
            .uri(self.uri);
        for (k, v) in self.headers {
            builder = builder.header(k, v);
        }
        builder.body(Body::from(self.body)).unwrap()
    }

    /// The same request over a real socket.
    pub fn into_reqwest(self, client: &reqwest::Client, base: &str) -> reqwest::RequestBuilder {
        let method = reqwest::Method::from_bytes(self.method.as_bytes()).unwrap();
        let mut builder = client.request(method, format!("{base}{}", self.uri));
        for (k, v) in self.headers {
            builder = builder.header(k, v);
        }
        builder.body(self.body)
    }
}

/// A response, read whole.
#[derive(Debug, Clone)]
pub struct Reply {
    pub status: u16,
    pub headers: HeaderMap,
    pub body: Value,
    pub text: String,
}

impl Reply {
    pub fn new(status: u16, headers: HeaderMap, bytes: Vec<u8>) -> Reply {
        let text = String::from_utf8_lossy(&bytes).into_owned();
        let body = serde_json::from_slice(&bytes).unwrap_or(Value::Null);
        Reply {
            status,
            headers,
            body,
            text,
        }
    }

    pub async fn from_reqwest(response: reqwest::Response) -> Reply {
        let status = response.status().as_u16();
        let mut headers = HeaderMap::new();
        for (k, v) in response.headers() {
            headers.append(
                axum::http::HeaderName::from_bytes(k.as_str().as_bytes()).unwrap(),
                axum::http::HeaderValue::from_bytes(v.as_bytes()).unwrap(),
            );
        }
        let bytes = response.bytes().await.unwrap();
        Reply::new(status, headers, bytes.to_vec())
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn code(&self) -> &str {
        self.body["code"].as_str().unwrap_or("")
    }

    /// Asserts the status and, for errors, a problem+json body with this code.
    #[track_caller]
    pub fn expect(&self, status: u16, code: &str) -> &Reply {
        assert_eq!(
            self.status, status,
            "unexpected status; body: {}",
            self.text
        );
        if status >= 400 {
            assert_problem(self);
            assert_eq!(self.code(), code, "unexpected code; body: {}", self.text);
        }
        self
    }
}

/// Every error body: RFC 9457 problem+json with a code.
#[track_caller]
pub fn assert_problem(reply: &Reply) {
    assert_eq!(
        reply.header("content-type"),
        Some("application/problem+json"),
        "error without problem+json: {} {}",
        reply.status,
        reply.text
    );
    let b = &reply.body;
    assert_eq!(
        b["status"].as_u64(),
        Some(u64::from(reply.status)),
        "{}",
        reply.text
    );
    for field in ["type", "title", "detail", "code"] {
        assert!(
            b[field].is_string(),
            "problem without {field}: {}",
            reply.text
        );
    }
}

pub fn cart(user: &str, items: &[(&str, i64, &str)]) -> RawCart {
    RawCart {
        user_id: user.into(),
        currency: "USD".into(),
        items: items
            .iter()
            .map(|(product, quantity, price)| RawCartItem {
                product_id: (*product).into(),
                name: format!("Product {product}"),
                quantity: *quantity,
                unit_price: (*price).into(),
            })
            .collect(),
        updated_at: None,
    }
}

/// A cart worth 2 x 19.99 + 1 x 5.00 USD.
pub fn standard_cart(user: &str) -> RawCart {
    cart(user, &[("sku-1", 2, "19.99"), ("sku-2", 1, "5.00")])
}

pub fn address() -> Value {
    json!({
        "name": "Alice Martin",
        "line1": "350 Fifth Avenue",
        "city": "New York",
        "region": "NY",
        "postalCode": "10118",
        "country": "US"
    })
}

pub fn card() -> Value {
    json!({
        "type": "card",
        "token": "tok_visa_4242",
        "brand": "visa",
        "last4": "4242",
        "expMonth": 12,
        "expYear": 2099
    })
}

pub fn order_body(user: &str) -> Value {
    json!({
        "userId": user,
        "deliveryAddress": address(),
        "paymentMethod": card()
    })
}

/// Places an order for `user` (whose cart must be set) and returns it.
pub async fn place(h: &Harness, user: &str, key: &str) -> Value {
    let reply = h
        .send(
            call("POST", "/order")
                .token(&h.customer(user))
                .key(key)
                .json(&order_body(user)),
        )
        .await;
    reply.expect(201, "");
    reply.body
}

/// The app on a real loopback socket, stopped gracefully on drop or `stop`.
pub struct TestServer {
    pub base: String,
    pub addr: std::net::SocketAddr,
    stop: Option<tokio::sync::oneshot::Sender<()>>,
    handle: Option<tokio::task::JoinHandle<std::io::Result<()>>>,
}

impl TestServer {
    pub async fn start(state: AppState) -> TestServer {
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
        let addr = listener.local_addr().unwrap();
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        let handle = tokio::spawn(orderly_server::serve(listener, state, async move {
            let _ = stopped.await;
        }));
        TestServer {
            base: format!("http://{addr}"),
            addr,
            stop: Some(stop),
            handle: Some(handle),
        }
    }

    /// Asks for a graceful shutdown and waits until the server has stopped.
    pub async fn stop(mut self) -> std::io::Result<()> {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
        match self.handle.take() {
            Some(handle) => handle.await.unwrap(),
            None => Ok(()),
        }
    }

    /// Triggers the shutdown without waiting.
    pub fn trigger_stop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }

    pub async fn join(mut self) -> std::io::Result<()> {
        match self.handle.take() {
            Some(handle) => handle.await.unwrap(),
            None => Ok(()),
        }
    }
}

impl Drop for TestServer {
    fn drop(&mut self) {
        if let Some(stop) = self.stop.take() {
            let _ = stop.send(());
        }
    }
}

/// A harness's app on a real loopback socket, and a client for it: requests go through real
/// HTTP (the connection layer, chunked bodies) rather than `oneshot`.
pub struct OverHttp {
    pub server: TestServer,
    pub client: reqwest::Client,
}

impl OverHttp {
    pub async fn start(h: &Harness) -> OverHttp {
        OverHttp {
            server: TestServer::start(h.state.clone()).await,
            client: reqwest::Client::new(),
        }
    }

    pub async fn send(&self, call: Call) -> Reply {
        let response = call
            .into_reqwest(&self.client, &self.server.base)
            .send()
            .await
            .unwrap();
        Reply::from_reqwest(response).await
    }

    /// Places an order for `user` (whose cart must be set) and returns it.
    pub async fn place(&self, h: &Harness, user: &str, key: &str) -> Value {
        let reply = self
            .send(
                call("POST", "/order")
                    .token(&h.customer(user))
                    .key(key)
                    .json(&order_body(user)),
            )
            .await;
        reply.expect(201, "");
        reply.body
    }
}
