//! The connection pool, with connections checked before use only when they may have gone
//! stale.
//!
//! The driver can ping every connection it hands out, which costs a round trip per store call.
//! Instead, a connection is pinged only when it has sat unused for a while (the server or a
//! proxy may have closed it meanwhile) or has never been used by the store; one that was in use
//! a moment ago goes straight to work. A connection that fails anyway surfaces as a
//! `Connection` error and is discarded, the others are pinged before their next use, and the
//! engine's retry runs the call again on a live one.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use mysql::{Pool, PooledConn};
use orderly_core::{StoreError, StoreErrorKind};

use crate::config::MysqlOptions;
use crate::error::{BACKEND, DbResult};

/// How long a connection may sit in the pool before it is pinged on its next use.
const IDLE_BEFORE_PING: Duration = Duration::from_secs(1);
/// How long a call waits for a free connection before reporting the store unavailable: no
/// longer than a lock wait, so that one attempt stays within the engine's per-attempt bound.
const POOL_WAIT: Duration = Duration::from_secs(1);
/// Bound on remembered connections; past it the memory starts afresh (each is pinged again).
const MAX_TRACKED: usize = 4096;

pub(crate) struct ConnectionPool {
    pool: Pool,
    max_connections: usize,
    /// When each connection (by server thread id) was last returned by the store.
    last_used: Mutex<HashMap<u32, Instant>>,
}

impl ConnectionPool {
    pub(crate) fn new(options: &MysqlOptions) -> Result<ConnectionPool, StoreError> {
        Ok(ConnectionPool {
            pool: Pool::new(options.opts().clone()).db()?,
            max_connections: options.opts().get_pool_opts().constraints().max(),
            last_used: Mutex::new(HashMap::new()),
        })
    }

    /// A connection that answered recently or has just answered a ping.
    /// The most connections the pool opens.
    pub(crate) fn max_connections(&self) -> usize {
        self.max_connections
    }

    pub(crate) fn get(&self) -> Result<PooledConn, StoreError> {
        // Every stale connection in the pool may be dead (a server restart kills them all);
        // each failed ping discards one, so the loop ends with a fresh connection at the latest.
        for _ in 0..=self.max_connections {
            let mut conn = self.pool.try_get_conn(POOL_WAIT).db()?;
            if !self.is_stale(conn.connection_id()) {
                return Ok(conn);
            }
            if conn.as_mut().ping().is_ok() {
                return Ok(conn);
            }
            self.discard(conn);
        }
        Err(StoreError::new(
            StoreErrorKind::Connection,
            BACKEND,
            "no connection to the server answers",
        ))
    }

    /// Returns a connection after use; a broken one is discarded instead, and every other
    /// connection is pinged before its next use: what broke one (a server restart, a proxy
    /// dropping its connections) usually broke them all, and the engine's retry should find a
    /// live one rather than spend its attempts on the dead.
    pub(crate) fn put(&self, conn: PooledConn, broken: bool) {
        if broken {
            if let Ok(mut last_used) = self.last_used.lock() {
                last_used.clear();
            }
            self.discard(conn);
            return;
        }
        if let Ok(mut last_used) = self.last_used.lock() {
            if last_used.len() >= MAX_TRACKED {
                last_used.clear();
            }
            last_used.insert(conn.connection_id(), Instant::now());
        }
        drop(conn);
    }

    fn is_stale(&self, id: u32) -> bool {
        self.last_used
            .lock()
            .ok()
            .and_then(|m| m.get(&id).copied())
            .is_none_or(|at| at.elapsed() > IDLE_BEFORE_PING)
    }

    /// Drops a connection so that the pool does not hand it out again: resetting it on return
    /// fails on a dead connection, and the pool then lets it go.
    fn discard(&self, mut conn: PooledConn) {
        if let Ok(mut last_used) = self.last_used.lock() {
            last_used.remove(&conn.connection_id());
        }
        conn.reset_connection(true);
        drop(conn);
    }
}
