//! How a file-backed store is opened.

use std::time::Duration;

/// SQLite's `synchronous` setting for the store's writes.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub enum Synchronous {
    /// Durable across application crashes; with WAL, a power loss may lose the last commits
    /// but never corrupts the database. The default.
    #[default]
    Normal,
    /// Every commit is synced to disk before it returns: durable across power loss, slower.
    Full,
}

impl Synchronous {
    pub(crate) fn pragma_value(self) -> &'static str {
        match self {
            Synchronous::Normal => "NORMAL",
            Synchronous::Full => "FULL",
        }
    }
}

/// Options for [`SqliteStore::open`](crate::SqliteStore::open).
///
/// ```
/// use orderly_sqlite::{SqliteOptions, Synchronous};
///
/// let options = SqliteOptions {
///     synchronous: Synchronous::Full,
///     ..SqliteOptions::default()
/// };
/// assert_eq!(options.readers, 4);
/// ```
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SqliteOptions {
    /// Durability of commits. Default [`Synchronous::Normal`].
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
            synchronous: Synchronous::Normal,
            readers: 4,
            busy_timeout: Duration::from_millis(50),
        }
    }
}
