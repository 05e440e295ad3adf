//! The Redis order cache against the real Redis on 127.0.0.1:6379 (`ORDERLY_TEST_REDIS_URL`
//! overrides it): reads come from Redis, every write refreshes it, Redis down serves from the
//! store, and a write made while Redis was unreachable is never followed by a stale read.

use crate::common;

use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::Router;
use orderly::{InMemoryCarts, OrderService, Role};
use orderly_server::{AppState, Authenticator, CachingStore, app};
use redis::Commands;
use serde_json::{Value, json};
use tokio::net::{TcpListener, TcpStream};

use common::{Call, Reply, SECRET, call, fresh_store, order_body, standard_cart};

fn redis_url() -> String {
    std::env::var("ORDERLY_TEST_REDIS_URL").unwrap_or_else(|_| "redis://127.0.0.1:6379".into())
}

fn unique_prefix() -> String {
    format!("orderly-test:{}:", uuid::Uuid::now_v7())
}

struct Setup {
    router: Router,
    auth: Authenticator,
    prefix: String,
    _store: common::TestStore,
}

fn setup(redis: &str) -> Setup {
    let store = fresh_store();
    let prefix = unique_prefix();
    let cached =
        CachingStore::new(store.store.clone(), redis, &prefix, Duration::from_secs(60)).unwrap();
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(standard_cart("alice"));
    let service = OrderService::builder(Arc::new(cached), carts).build();
    let auth = Authenticator::new(SECRET).unwrap();
    Setup {
        router: app(AppState::new(service, auth.clone())),
        auth,
        prefix,
        _store: store,
    }
}

impl Setup {
    fn token(&self, sub: &str, role: Role) -> String {
        self.auth
            .issue(sub, role, Duration::from_secs(600))
            .unwrap()
    }

    async fn send(&self, c: Call) -> Reply {
        common::send_to(&self.router, c).await
    }

    async fn place(&self, key: &str) -> String {
        let reply = self
            .send(
                call("POST", "/order")
                    .token(&self.token("alice", Role::Customer))
                    .key(key)
                    .json(&order_body("alice")),
            )
            .await;
        reply.expect(201, "");
        reply.body["orderId"].as_str().unwrap().to_owned()
    }

    async fn get(&self, id: &str) -> Value {
        let reply = self
            .send(call("GET", &format!("/order/{id}")).token(&self.token("alice", Role::Customer)))
            .await;
        reply.expect(200, "");
        reply.body
    }

    async fn status(&self, id: &str) -> Value {
        let reply = self
            .send(
                call("GET", &format!("/order/{id}/status"))
                    .token(&self.token("alice", Role::Customer)),
            )
            .await;
        reply.expect(200, "");
        reply.body
    }

    async fn set_status(&self, id: &str, status: &str) {
        self.send(
            call("PUT", &format!("/order/{id}/status"))
                .token(&self.token("ops", Role::Admin))
                .json(&json!({ "status": status })),
        )
        .await
        .expect(200, "");
    }

    fn key(&self, id: &str) -> String {
        format!("{}g0:doc:{id}", self.prefix)
    }
}

fn redis() -> redis::Connection {
    redis::Client::open(redis_url().as_str())
        .unwrap()
        .get_connection()
        .expect("Redis on 127.0.0.1:6379 (or ORDERLY_TEST_REDIS_URL)")
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn reads_come_from_redis_and_every_write_refreshes_it() {
    let s = setup(&redis_url());
    let a = s.place("a").await;
    let b = s.place("b").await;
    let mut r = redis();
    // Placing put version 1 into the cache.
    let version: String = r.hget(s.key(&a), "v").unwrap();
    assert_eq!(version, "1");

    // Prove that reads are served from Redis: mark the cached document, read it back, and
    // put the original back.
    let original: String = r.hget(s.key(&a), "doc").unwrap();
    let mut marked: Value = serde_json::from_str(&original).unwrap();
    marked["deliveryAddress"]["name"] = json!("Served From Redis");
    let _: () = r.hset(s.key(&a), "doc", marked.to_string()).unwrap();
    assert_eq!(
        s.get(&a).await["deliveryAddress"]["name"],
        "Served From Redis"
    );
    let _: () = r.hset(s.key(&a), "doc", &original).unwrap();
    assert_ne!(
        s.get(&a).await["deliveryAddress"]["name"],
        "Served From Redis"
    );

    // A write replaces the entry with the new version, in the same call.
    s.set_status(&a, "processing").await;
    let version: String = r.hget(s.key(&a), "v").unwrap();
    assert_eq!(version, "2");
    let order = s.get(&a).await;
    assert_eq!(order["orderId"], a.as_str());
    assert_eq!(order["status"], "processing");
    let status = s.status(&a).await;
    assert_eq!(status["status"], "processing");
    assert_eq!(status["version"], 2);

    // A miss reads the store and fills the cache.
    let _: () = r.del(s.key(&a)).unwrap();
    assert_eq!(s.get(&a).await["status"], "processing");
    let version: String = r.hget(s.key(&a), "v").unwrap();
    assert_eq!(version, "2");
    let _: () = r.del(&[s.key(&a), s.key(&b)]).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_malformed_entry_is_never_served() {
    let s = setup(&redis_url());
    let a = s.place("a").await;
    let mut r = redis();
    // Someone else wrote garbage under the key, or dropped a field of the entry.
    let _: () = r.hset(s.key(&a), "doc", "{not json").unwrap();
    let order = s.get(&a).await;
    assert_eq!(order["orderId"], a.as_str());
    assert_eq!(order["status"], "placed");
    let _: () = r.hdel(s.key(&a), "u").unwrap();
    assert_eq!(s.get(&a).await["orderId"], a.as_str());
    assert_eq!(s.status(&a).await["status"], "placed");
    // The next write replaces the entry with a whole one.
    s.set_status(&a, "processing").await;
    let doc: String = r.hget(s.key(&a), "doc").unwrap();
    assert_eq!(
        serde_json::from_str::<Value>(&doc).unwrap()["status"],
        "processing"
    );
    let _: () = r.del(s.key(&a)).unwrap();
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn with_redis_down_orders_are_served_from_the_store() {
    // Nothing listens on port 1.
    let s = setup("redis://127.0.0.1:1");
    let a = s.place("a").await;
    assert_eq!(s.get(&a).await["status"], "placed");
    s.set_status(&a, "processing").await;
    assert_eq!(s.get(&a).await["status"], "processing");
    assert_eq!(s.status(&a).await["version"], 2);
}

/// A loopback proxy to Redis that can be cut (closing every connection) and restored.
struct Proxy {
    url: String,
    up: Arc<AtomicBool>,
    connections: Arc<Mutex<Vec<tokio::task::JoinHandle<()>>>>,
}

impl Proxy {
    async fn start() -> Proxy {
        let target = redis_url()
            .trim_start_matches("redis://")
            .trim_end_matches('/')
            .to_owned();
        let listener = TcpListener::bind("127.0.0.1:0").await.unwrap();
        let url = format!("redis://{}", listener.local_addr().unwrap());
        let up = Arc::new(AtomicBool::new(true));
        let connections = Arc::new(Mutex::new(Vec::new()));
        let (up2, conns2) = (up.clone(), connections.clone());
        tokio::spawn(async move {
            loop {
                let Ok((mut client, _)) = listener.accept().await else {
                    return;
                };
                if !up2.load(Ordering::SeqCst) {
                    continue; // dropped: the connection closes at once
                }
                let target = target.clone();
                let task = tokio::spawn(async move {
                    if let Ok(mut server) = TcpStream::connect(&target).await {
                        let _ = tokio::io::copy_bidirectional(&mut client, &mut server).await;
                    }
                });
                conns2.lock().unwrap().push(task);
            }
        });
        Proxy {
            url,
            up,
            connections,
        }
    }

    fn cut(&self) {
        self.up.store(false, Ordering::SeqCst);
        for task in self.connections.lock().unwrap().drain(..) {
            task.abort();
        }
    }

    fn restore(&self) {
        self.up.store(true, Ordering::SeqCst);
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn a_write_while_redis_is_away_is_never_followed_by_a_stale_read() {
    let proxy = Proxy::start().await;
    let s = setup(&proxy.url);
    let a = s.place("a").await;
    assert_eq!(s.get(&a).await["status"], "placed");
    let mut r = redis();
    let version: String = r.hget(s.key(&a), "v").unwrap();
    assert_eq!(version, "1", "version 1 is cached");

    proxy.cut();
    s.set_status(&a, "processing").await;
    proxy.restore();
    // Past the pause after a failure, Redis is used again; the stale version 1 is still in
    // Redis under the old key, and must not be served.
    tokio::time::sleep(Duration::from_millis(1_200)).await;
    let version: String = r.hget(s.key(&a), "v").unwrap();
    assert_eq!(version, "1", "the stale entry is still there");
    for _ in 0..3 {
        assert_eq!(s.get(&a).await["status"], "processing");
        assert_eq!(s.status(&a).await["version"], 2);
    }
    let _: () = r.del(s.key(&a)).unwrap();
}

/// Cached documents are the stored ones: the payment method without its token, through every
/// write.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn cached_orders_carry_no_payment_token() {
    let s = setup(&redis_url());
    let token = common::card()["token"].as_str().unwrap().to_owned();
    let a = s.place("a").await;
    let mut r = redis();
    let mut entries = vec![r.hget::<_, _, String>(s.key(&a), "doc").unwrap()];
    for status in ["processing", "shipped", "delivered"] {
        s.set_status(&a, status).await;
        entries.push(r.hget(s.key(&a), "doc").unwrap());
    }
    let _: () = r.del(s.key(&a)).unwrap();
    assert_eq!(s.get(&a).await["status"], "delivered");
    entries.push(r.hget(s.key(&a), "doc").unwrap());
    for entry in &entries {
        assert!(!entry.contains(&token), "{entry}");
        let doc: Value = serde_json::from_str(entry).unwrap();
        assert_eq!(doc["paymentMethod"]["last4"], "4242");
        assert!(doc["paymentMethod"].get("token").is_none(), "{entry}");
    }
    let format: u32 = r.hget(s.key(&a), "f").unwrap();
    assert_eq!(format, orderly::OrderDocument::FORMAT);
    let _: () = r.del(s.key(&a)).unwrap();
}

/// An entry a build before document formats put into Redis (no `f`, the token inside) is
/// served without its token.
#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn an_entry_of_an_older_build_is_served_without_its_token() {
    let s = setup(&redis_url());
    let a = s.place("a").await;
    let mut r = redis();
    let stored: String = r.hget(s.key(&a), "doc").unwrap();
    let mut old: Value = serde_json::from_str(&stored).unwrap();
    old["paymentMethod"] = common::card();
    old["deliveryAddress"]["name"] = json!("Served From Redis");
    let _: () = r.hset(s.key(&a), "doc", old.to_string()).unwrap();
    let _: () = r.hdel(s.key(&a), "f").unwrap();
    let order = s.get(&a).await;
    assert_eq!(order["deliveryAddress"]["name"], "Served From Redis");
    assert!(order["paymentMethod"].get("token").is_none(), "{order}");
    assert_eq!(order["paymentMethod"]["last4"], "4242");
    let _: () = r.del(s.key(&a)).unwrap();
}
