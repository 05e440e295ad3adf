//! Graceful shutdown: a request in flight when shutdown begins is answered in full, then the
//! server stops.

use crate::common;

use std::time::Duration;

use common::{Harness, Reply, TestServer, call};
use orderly_example_cart_service::{
    Cart, CartItem, CartState, Faults, RunningCartService, ServiceOptions,
};
use orderly_server::{HttpCartConfig, HttpCartSource};

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn in_flight_requests_complete_after_shutdown_begins() {
    let state = CartState::new(ServiceOptions::default());
    state
        .put_cart(Cart::new(
            "alice",
            "USD",
            vec![CartItem::new("sku-1", "Beans", 1, "9.99")],
        ))
        .unwrap();
    state
        .set_faults(Faults {
            delay_ms: 800,
            ..Faults::default()
        })
        .unwrap();
    let carts = RunningCartService::start(state).unwrap();
    let config = HttpCartConfig::new(carts.url())
        .with_request_timeout(Duration::from_secs(5))
        .with_retry_budget(Duration::from_secs(5));
    let h = Harness::with_cart_service(HttpCartSource::new(config).unwrap());
    let mut server = TestServer::start(h.state.clone()).await;
    let client = reqwest::Client::new();

    let slow = call("GET", "/cart/alice")
        .token(&h.customer("alice"))
        .into_reqwest(&client, &server.base);
    let in_flight =
        tokio::spawn(async move { Reply::from_reqwest(slow.send().await.unwrap()).await });
    tokio::time::sleep(Duration::from_millis(250)).await;
    server.trigger_stop();
    let addr = server.addr;

    let reply = in_flight.await.unwrap();
    reply.expect(200, "");
    assert_eq!(reply.body["subtotal"]["amount"], "9.99");
    tokio::time::timeout(Duration::from_secs(5), server.join())
        .await
        .expect("the server stops once the request is answered")
        .unwrap();
    assert!(
        tokio::net::TcpStream::connect(addr).await.is_err(),
        "no longer accepting connections"
    );
}
