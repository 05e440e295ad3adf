//! Named leases, taken or renewed in one transaction: the row is created if missing, then
//! locked, taken over only if it is the caller's or has expired, and read back.

use mysql::prelude::Queryable;
use mysql::{PooledConn, TxOpts};
use orderly_core::{StoreError, Timestamp};

use crate::error::DbResult;

const CREATE: &str = "INSERT IGNORE INTO leases (name, owner, expires_at) VALUES (?, ?, ?)";
const HOLDER: &str = "SELECT owner, expires_at FROM leases WHERE name = ? FOR UPDATE";
const TAKE: &str = "UPDATE leases SET owner = ?, expires_at = ? WHERE name = ?";
const RELEASE: &str = "DELETE FROM leases WHERE name = ? AND owner = ?";

pub(crate) fn acquire(
    conn: &mut PooledConn,
    name: &str,
    owner: &str,
    now: Timestamp,
    ttl_ms: i64,
) -> Result<bool, StoreError> {
    let now = now.unix_millis();
    let until = now.saturating_add(ttl_ms.max(0));
    let mut tx = conn.start_transaction(TxOpts::default()).db()?;
    tx.exec_drop(CREATE, (name, owner.as_bytes(), until)).db()?;
    let holder: Option<(Vec<u8>, i64)> = tx.exec_first(HOLDER, (name,)).db()?;
    let held = match holder {
        Some((current, expires_at)) if current == owner.as_bytes() || expires_at <= now => {
            tx.exec_drop(TAKE, (owner.as_bytes(), until, name)).db()?;
            true
        }
        _ => false,
    };
    tx.commit().db()?;
    Ok(held)
}

pub(crate) fn release(conn: &mut PooledConn, name: &str, owner: &str) -> Result<(), StoreError> {
    conn.exec_drop(RELEASE, (name, owner.as_bytes())).db()
}
