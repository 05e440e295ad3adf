//! One opener per backend, each behind its Cargo feature.

use std::sync::Arc;

use orderly_core::Store;

use crate::OpenError;

/// Opens a `sqlite:` URL; `rest` is what follows `sqlite:`.
#[cfg(feature = "sqlite")]
pub(crate) fn sqlite(rest: &str) -> Result<Arc<dyn Store>, OpenError> {
    use orderly_sqlite::{SqliteOptions, SqliteStore, Synchronous};

    use crate::sqlite_url::{self, Location};

    let url = sqlite_url::parse(rest)?;
    let store = match url.location {
        Location::Memory => SqliteStore::open_in_memory()?,
        Location::File(path) => {
            let defaults = SqliteOptions::default();
            let options = SqliteOptions {
                synchronous: match url.synchronous_full {
                    Some(true) => Synchronous::Full,
                    Some(false) => Synchronous::MayLoseLastTransactions,
                    None => defaults.synchronous,
                },
                readers: url.readers.unwrap_or(defaults.readers),
                ..defaults
            };
            SqliteStore::open(path, options)?
        }
    };
    Ok(Arc::new(store))
}

#[cfg(not(feature = "sqlite"))]
pub(crate) fn sqlite(_rest: &str) -> Result<Arc<dyn Store>, OpenError> {
    Err(OpenError::BackendNotBuilt("sqlite"))
}

/// Opens a `mysql://user:pass@host:port/db` URL (the whole URL).
#[cfg(feature = "mysql")]
pub(crate) fn mysql(url: &str) -> Result<Arc<dyn Store>, OpenError> {
    let options = orderly_mysql::MysqlOptions::from_url(url)
        .map_err(|e| OpenError::InvalidUrl(format!("MySQL: {}", e.reason())))?;
    Ok(Arc::new(orderly_mysql::MysqlStore::open_with(options)?))
}

#[cfg(not(feature = "mysql"))]
pub(crate) fn mysql(_url: &str) -> Result<Arc<dyn Store>, OpenError> {
    Err(OpenError::BackendNotBuilt("mysql"))
}
