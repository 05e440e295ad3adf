//! The server's database, read directly (not through the server under test): what it holds is
//! what the checks are about, whatever the server would answer.

use std::sync::Arc;

use orderly::DayRange;
use orderly::{Caller, DeviceId, HistoryRequest, InMemoryCarts, Order, OrderService, UserId};

pub struct ServerDb(OrderService);

impl ServerDb {
    pub fn open(url: &str) -> ServerDb {
        let service =
            orderly::open(url, Arc::new(InMemoryCarts::new())).expect("the server's database");
        ServerDb(service)
    }

    /// Orders in the database, by the per-status counts written with every order.
    pub fn total_orders(&self) -> u64 {
        self.0
            .orders_by_status(&Caller::admin("audit"), DayRange::ALL)
            .expect("orders by status")
            .iter()
            .map(|count| count.orders)
            .sum()
    }

    /// Every order of `user`, page by page.
    pub fn orders_of(&self, user: &str) -> Vec<Order> {
        let user = UserId::new(user).expect("a user id");
        let mut orders = Vec::new();
        let mut cursor = None;
        loop {
            let request = HistoryRequest {
                limit: Some(100),
                cursor,
                status: None,
            };
            let page = self
                .0
                .orders_for_user(&Caller::admin("audit"), &user, &request)
                .expect("a page of orders");
            orders.extend(page.orders);
            match page.next_cursor {
                Some(next) => cursor = Some(next),
                None => return orders,
            }
        }
    }

    /// The device's `lastSeq` (0 before its first operation).
    pub fn last_seq(&self, device: &str) -> u64 {
        let device = DeviceId::new(device).expect("a device id");
        self.0
            .store()
            .device_state(&device)
            .expect("the device's row")
            .map_or(0, |state| state.last_seq)
    }
}
