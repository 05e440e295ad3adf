//! The conformance suite on SQLite: once on a fresh database file per case, once on a
//! private in-memory database per case.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::sync::Arc;

use orderly::{SqliteOptions, SqliteStore, Store, StoreDecorator};
use tempfile::TempDir;

/// A file store that removes its directory once the last handle to it is dropped.
#[derive(Debug)]
struct TempFileStore {
    store: SqliteStore,
    _dir: TempDir,
}

fn file_store() -> Arc<dyn Store> {
    let dir = tempfile::tempdir().unwrap();
    let store = SqliteStore::open(dir.path().join("orderly.db"), SqliteOptions::default()).unwrap();
    Arc::new(TempFileStore { store, _dir: dir })
}

mod file {
    orderly_tests::conformance_suite!(super::file_store);
}

mod memory {
    orderly_tests::conformance_suite!(|| orderly::open_store("sqlite::memory:").unwrap());
}

impl StoreDecorator for TempFileStore {
    fn inner(&self) -> &dyn Store {
        &self.store
    }
}
