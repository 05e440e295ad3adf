//! A small Cart Service that follows the cart-service contract, for demos and tests.
//!
//! It serves `GET /carts/{userId}` (200 with the cart, 404 when the user has none, 400 for a
//! user id outside `A-Z a-z 0-9 _ - . @` or longer than 64), `PUT /carts/{userId}` (stores any
//! cart of the right shape: applying cart rules is the order engine's job),
//! `DELETE /carts/{userId}` and `GET /health`. Carts live in memory, optionally seeded from a
//! JSON file. Every request is logged with its `X-Request-Id`; an optional static bearer token
//! guards everything but the health check.
//!
//! For tests of clients, [`ServiceOptions::admin_endpoints`] mounts `POST /_faults`, which
//! makes the real service slow, failing or malformed on demand (see [`Faults`]), and
//! `GET /_requests`, the log of what reached it.
//!
//! ## Quick start
//!
//! ```
//! use std::io::{Read, Write};
//! use orderly_example_cart_service::{Cart, CartItem, CartState, RunningCartService, ServiceOptions};
//!
//! let state = CartState::new(ServiceOptions::default());
//! state.put_cart(Cart::new("alice", "USD", vec![
//!     CartItem::new("sku-1001", "Espresso beans 1kg", 2, "19.99"),
//! ]))?;
//! let service = RunningCartService::start(state)?; // a real socket on 127.0.0.1
//!
//! let mut conn = std::net::TcpStream::connect(service.addr())?;
//! conn.write_all(b"GET /carts/alice HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")?;
//! let mut answer = String::new();
//! conn.read_to_string(&mut answer)?;
//! assert!(answer.starts_with("HTTP/1.1 200"));
//! assert!(answer.contains(r#""unitPrice":"19.99""#));
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```

mod cart;
mod faults;
mod problem;
mod routes;
mod running;
mod seed;
mod state;

pub use cart::{Cart, CartItem, is_valid_user_id};
pub use faults::Faults;
pub use problem::Problem;
pub use routes::{REQUEST_ID, app};
pub use running::{RunningCartService, serve, serve_until};
pub use seed::{SeedError, parse_seed, read_seed_file};
pub use state::{CartState, InvalidUserId, REQUEST_LOG_CAPACITY, RequestRecord, ServiceOptions};
