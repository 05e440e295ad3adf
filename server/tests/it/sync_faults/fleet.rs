//! The devices of the fault suite: device engines on SQLite files of their own that capture
//! orders offline, and a sync loop that retries through faults until nothing is pending.

use std::collections::BTreeSet;
use std::path::Path;
use std::thread;
use std::time::{Duration, Instant};

use orderly::store::DeviceLogState;
use orderly::{ActAs, Embedded, HistoryRequest, Order, OrderInput, RawCartItem, SyncOptions};

use crate::common::{address, card};

/// Orders each device captures offline.
pub const ORDERS: usize = 1_000;
/// Every order whose number leaves this remainder modulo [`CANCEL_EVERY`] is cancelled on the
/// device before it ever syncs.
const CANCEL_AT: usize = 7;
pub const CANCEL_EVERY: usize = 100;
/// Operations each device records: its orders and its cancellations.
pub const OPERATIONS: u64 = (ORDERS + ORDERS / CANCEL_EVERY) as u64;
/// Threads placing one device's orders at once: concurrent writes share one commit (group
/// commit), which is what makes 1,000 durable orders quick.
const CAPTURE_THREADS: usize = 4;

/// A device engine, its token, and what it captured.
pub struct Device {
    pub id: String,
    /// The one customer this device takes orders for, so a user's orders are a device's.
    pub user: String,
    pub engine: Embedded,
    pub token: String,
    /// Ids of the orders it placed.
    pub placed: BTreeSet<String>,
    /// Ids of those it cancelled offline.
    pub cancelled: BTreeSet<String>,
}

/// How a device's syncs went until nothing was pending.
#[derive(Debug, Default, Clone, Copy)]
pub struct Tally {
    pub syncs: u32,
    /// Syncs that ended in an error (the next one resumed).
    pub failures: u32,
}

impl Device {
    /// Opens device `id` on a new database in `dir` and captures [`ORDERS`] orders, cancelling
    /// a few, all offline.
    pub fn capture(dir: &Path, id: &str, token: String) -> Device {
        let (engine, input) = open(dir, id);
        let user = input.user_id.clone();
        let captured: Vec<(String, bool)> = thread::scope(|s| {
            let workers: Vec<_> = (0..CAPTURE_THREADS)
                .map(|worker| {
                    let (engine, input) = (&engine, &input);
                    s.spawn(move || {
                        (worker..ORDERS)
                            .step_by(CAPTURE_THREADS)
                            .map(|n| capture_one(engine, input, id, n))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            workers
                .into_iter()
                .flat_map(|w| w.join().expect("a capture thread"))
                .collect()
        });
        let placed = captured.iter().map(|(order, _)| order.clone()).collect();
        let cancelled = captured
            .iter()
            .filter(|(_, cancelled)| *cancelled)
            .map(|(order, _)| order.clone())
            .collect();
        let device = Device {
            id: id.to_owned(),
            user,
            engine,
            token,
            placed,
            cancelled,
        };
        let state = device.state();
        assert_eq!(
            (state.pending, state.last_recorded),
            (OPERATIONS, OPERATIONS)
        );
        device
    }

    pub fn state(&self) -> DeviceLogState {
        self.engine.sync_state().expect("the device's sync state")
    }

    /// Syncs with `url` again and again, each sync with `options(n)` for the n-th, until one
    /// ends with nothing pending. Every sync, failed or not, must leave the whole log on disk
    /// and never add to what is pending.
    pub fn sync_until_done(
        &self,
        url: &str,
        options: impl Fn(u32) -> SyncOptions,
        deadline: Instant,
    ) -> Tally {
        let mut tally = Tally::default();
        loop {
            assert!(
                Instant::now() < deadline,
                "{}: still pending after {tally:?}: {:?}",
                self.id,
                self.state()
            );
            let before = self.state();
            let outcome = self
                .engine
                .sync_with(url, &self.token, &options(tally.syncs));
            tally.syncs += 1;
            let after = self.state();
            assert_eq!(after.last_recorded, OPERATIONS, "{}: {after:?}", self.id);
            assert!(after.pending <= before.pending, "{}: {after:?}", self.id);
            match outcome {
                Ok(report) => {
                    // A sync that ends without an error has pushed everything: the server
                    // only stops advancing at a gap, and a device's log has none.
                    assert_eq!(report.pending, 0, "{}: {report:?}", self.id);
                    return tally;
                }
                Err(e) => {
                    // Only the network fails here; nothing is refused or malformed.
                    assert_eq!(e.code(), "sync_unavailable", "{}: {e}", self.id);
                    tally.failures += 1;
                    // A pause, so that a sync does not spin while the server restarts.
                    thread::sleep(Duration::from_millis(20));
                }
            }
        }
    }

    /// Every order the device holds, oldest first.
    pub fn local_orders(&self) -> Vec<Order> {
        let mut orders = Vec::new();
        let mut cursor = None;
        loop {
            let page = self
                .engine
                .orders_for_user(
                    &self.user,
                    &HistoryRequest {
                        limit: Some(100),
                        cursor,
                        status: None,
                    },
                )
                .expect("a page of the device's orders");
            orders.extend(page.orders);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return orders,
            }
        }
    }

    /// The device's copy of one order.
    pub fn local_order(&self, id: &str) -> Order {
        self.engine
            .order(id, &ActAs::default())
            .expect("the device's copy of an order")
    }
}

/// Opens device `id` on a new database in `dir`, with a cart set for its customer
/// (`shopper-<id>`); returns the engine and what an order of that cart takes.
pub fn open(dir: &Path, id: &str) -> (Embedded, OrderInput) {
    let url = format!("sqlite://{}", dir.join(format!("{id}.db")).display());
    let engine = Embedded::open_device(&url, id, None).expect("the device engine opens");
    let user = format!("shopper-{id}");
    engine.set_cart(
        user.clone(),
        "USD".into(),
        vec![
            item("sku-1", "Espresso beans", 2, "19.99"),
            item("sku-2", "Milk frother", 1, "34.50"),
        ],
    );
    let input = OrderInput {
        user_id: user,
        delivery_address: serde_json::from_value(address()).expect("an address"),
        payment_method: serde_json::from_value(card()).expect("a card"),
        shipping_method: None,
        discount_code: None,
    };
    (engine, input)
}

fn item(product: &str, name: &str, quantity: i64, price: &str) -> RawCartItem {
    RawCartItem {
        product_id: product.into(),
        name: name.into(),
        quantity,
        unit_price: price.into(),
    }
}

/// Places order number `n` of device `id`, cancelling it if its number says so; returns its
/// id and whether it was cancelled.
fn capture_one(engine: &Embedded, input: &OrderInput, id: &str, n: usize) -> (String, bool) {
    let order = engine
        .place_order(input.clone(), &format!("{id}-order-{n}"), None, None)
        .expect("an order placed offline")
        .order
        .id
        .to_string();
    let cancel = n % CANCEL_EVERY == CANCEL_AT;
    if cancel {
        engine
            .cancel(&order, Some("customer left"), &ActAs::default())
            .expect("an offline cancellation");
    }
    (order, cancel)
}
