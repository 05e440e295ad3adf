//! How much work the server takes on at once, and how long it gives each piece of it.

use std::time::Duration;

use crate::connections::ConnectionLimits;

/// The server's bounds. [`Default`] gives the documented defaults of the command line.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct ServerLimits {
    /// Connection cap, header-read and idle timeouts.
    pub connections: ConnectionLimits,
    /// Time a request may take from its head being read to its answer; past it the client
    /// gets 503 `request_timeout` (an engine call already under way still finishes, bounded by
    /// the store's retry deadline, but nobody waits for it).
    pub request_timeout: Duration,
    /// Engine calls that write (or wait on the store's locks) running at once, each on a
    /// thread of Tokio's blocking pool.
    pub store_pool_size: usize,
    /// Store calls allowed to wait for a thread, per kind (reads on the read threads, writes
    /// for the store pool); one more is shed with 503 `overloaded` and `Retry-After`.
    pub store_queue: usize,
}

impl Default for ServerLimits {
    fn default() -> Self {
        ServerLimits {
            connections: ConnectionLimits::default(),
            request_timeout: Duration::from_secs(30),
            store_pool_size: 32,
            store_queue: 256,
        }
    }
}
