//! The conformance cases, by theme. Each takes a factory and asks it for a fresh store.

mod analytics;
mod checkout;
mod concurrency;
mod confirmations;
mod events;
mod history;
mod leases;
mod placing;
mod retention;
mod rollback;
mod shipping;
mod staff;
mod status;
mod store_contract;
mod sync;
mod webhooks;

pub use analytics::*;
pub use checkout::*;
pub use concurrency::*;
pub use confirmations::*;
pub use events::*;
pub use history::*;
pub use leases::*;
pub use placing::*;
pub use retention::*;
pub use rollback::*;
pub use shipping::*;
pub use staff::*;
pub use status::*;
pub use store_contract::*;
pub use sync::*;
pub use webhooks::*;
