//! The server's integration tests, in one binary: one module per area, sharing the harness in
//! `common` and the helpers in `support` (reading Kafka topics, the server binary as a child
//! process, a fault-injecting HTTP proxy). One binary links the server, rdkafka and the rest
//! once instead of once per file.
//!
//! The tests share a process, so none may change process-wide state that another relies on:
//! environment variables are only read (children get theirs through `Command::env`), and the
//! only process-wide change, raising the open files limit (`connections`), only ever raises it.
//!
//! Run one area with a filter: `cargo test -p orderly-server --test it -- relay::`.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

mod common;
mod support {
    pub mod fault_proxy;
    pub mod server_process;
    pub mod topic;
    pub mod webhook_receiver;
}

mod admin;
mod auth_matrix;
mod bad_input;
mod binary;
mod cache;
mod cancellation_reasons;
mod cart_service;
mod checkout_quotes;
mod concurrency;
mod connections;
mod durability;
mod endpoints;
mod fault_proxy;
mod load_shedding;
mod notify;
mod openapi;
mod payment_tokens;
mod relay;
mod relay_binary;
mod retention;
mod retry;
mod shipments;
mod shutdown;
mod staff_search;
mod state_machine;
mod sync;
mod sync_faults;
mod webhooks;
mod webhooks_binary;
