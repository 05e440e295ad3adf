//! How a file-backed store is opened.

use std::time::Duration;

/// When the store's commits reach the disk.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
#[non_exhaustive]
pub enum Synchronous {
    /// Every commit is synced to disk before any write it holds returns (SQLite's
    /// `synchronous=FULL`): nothing acknowledged is lost, not even to a power cut. Group commit
    /// shares each sync among the writes that arrive together. The default.
    #[default]
    Full,
    /// **May lose the last transactions on power loss**: commits are synced only at WAL
    /// checkpoints (SQLite's `synchronous=NORMAL`). Survives the application crashing and never
    /// corrupts the database, but a power cut or a flat battery can take back writes that were
    /// already acknowledged.
    MayLoseLastTransactions,
}

impl Synchronous {
    pub(crate) fn pragma_value(self) -> &'static str {
        match self {
            Synchronous::Full => "FULL",
            Synchronous::MayLoseLastTransactions => "NORMAL",
        }
    }
}

/// Options for [`SqliteStore::open`](crate::SqliteStore::open).
///
/// ```
/// use orderly_sqlite::{SqliteOptions, Synchronous};
///
/// // Durable by default; this device accepts losing its last writes on power loss.
/// let options = SqliteOptions {
///     synchronous: Synchronous::MayLoseLastTransactions,
///     ..SqliteOptions::default()
/// };
/// assert_eq!(SqliteOptions::default().synchronous, Synchronous::Full);
/// assert_eq!(options.readers, 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Durability of commits. Default [`Synchronous::Full`].
    pub synchronous: Synchronous,
    /// Reader connections kept open beside the single writer (at least one). Default 4.
    pub readers: usize,
    /// How long one attempt waits on a lock held by another connection or process before the
    /// store backs off and tries again. Default 50 ms.
    pub busy_timeout: Duration,
}

impl Default for SqliteOptions {
    fn default() -> Self {
        SqliteOptions {
            synchronous: Synchronous::Full,
            readers: 4,
            busy_timeout: Duration::from_millis(50),
        }
    }
}
