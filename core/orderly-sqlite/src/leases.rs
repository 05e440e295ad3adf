//! Named leases: one conditional upsert takes a free or expired lease, or renews one's own.

use orderly_core::Timestamp;
use rusqlite::{Connection, params};

use crate::error::OpError;

// The update applies only when the lease is the caller's or has expired, so exactly one
// row changes when the caller holds the lease afterwards and none when someone else does.
const ACQUIRE: &str = "INSERT INTO leases (name, owner, expires_at) VALUES (?1, ?2, ?3) \
     ON CONFLICT (name) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at \
     WHERE leases.owner = excluded.owner OR leases.expires_at <= ?4";

const RELEASE: &str = "DELETE FROM leases WHERE name = ?1 AND owner = ?2";

pub(crate) fn acquire(
    conn: &Connection,
    name: &str,
    owner: &str,
    now: Timestamp,
    ttl_ms: i64,
) -> Result<bool, OpError> {
    let now = now.unix_millis();
    let changed = conn.prepare_cached(ACQUIRE)?.execute(params![
        name,
        owner,
        now.saturating_add(ttl_ms.max(0)),
        now
    ])?;
    Ok(changed == 1)
}

pub(crate) fn release(conn: &Connection, name: &str, owner: &str) -> Result<(), OpError> {
    conn.prepare_cached(RELEASE)?
        .execute(params![name, owner])?;
    Ok(())
}
