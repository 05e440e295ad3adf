//! Node.js bindings for the Orderly engine: the addon behind the `orderly` npm package.
//!
//! This crate only converts: JavaScript objects into the engine's request types and the
//! engine's results into plain objects (camelCase, money as decimal strings, instants as
//! `Date`). Every engine call runs on the libuv thread pool and returns a Promise; engine
//! errors reject it with an `Error` whose `code` is the engine's stable code (`errors.rs`, the
//! one conversion point).

// Exports are registered by napi's module constructor, which is not compiled under `cfg(test)`.
#![cfg_attr(test, allow(dead_code))]

mod engine;
mod errors;
mod inputs;
mod results;
mod staff;
mod sync;
mod task;
mod webhooks;
