//! Offline capture and sync (see the offline sync contract): a device engine records each
//! order it places and each cancellation as an operation, numbered per device with no gaps,
//! in the same local transaction as the change; it pushes them to the server, which applies
//! each exactly once and answers a result, and it pulls the server's later changes to those
//! orders from a per-device feed.
//!
//! * [`wire`]: the push and pull bodies, as fixed by the contract;
//! * [`incoming`]: a push as it arrives, checked envelope first, then operation by operation;
//! * [`cursor`]: the pull cursor;
//! * [`policy`]: the server's offline limits;
//! * [`apply`]: the server's rules for one operation (pure);
//! * [`device`]: the device's side (pure): operations from local changes, pushes from the
//!   log, pulled changes onto local orders.
//!
//! The use cases that read and write around these are `OrderService::sync_push`,
//! `OrderService::sync_pull` (server) and `OrderService::build_push`,
//! `OrderService::apply_push_response`, `OrderService::apply_pull_page` (device).

pub mod apply;
pub mod cursor;
pub mod device;
pub mod incoming;
pub mod policy;
pub mod wire;

pub use cursor::PullCursor;
pub use incoming::{CheckedOperation, CheckedPush, IncomingOperation, IncomingPush};
pub use policy::OfflinePolicy;
pub use wire::{
    CapturedLine, CapturedOrder, CapturedTotals, Change, MAX_PUSH_OPERATIONS, OpBody, Operation,
    OperationResult, Outcome, PullPage, PushRequest, PushResponse,
};
