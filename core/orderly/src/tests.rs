#![allow(clippy::unwrap_used, clippy::expect_used)]

use crate::{OpenError, open_store};

#[test]
fn unknown_schemes_and_shapeless_urls_are_refused() {
    let err = open_store("postgres://localhost/db").unwrap_err();
    assert_eq!(err, OpenError::UnsupportedScheme("postgres".into()));
    assert_eq!(err.code(), "unsupported_database");
    assert_eq!(
        open_store("orders.db").unwrap_err().code(),
        "invalid_database_url"
    );
}

#[cfg(not(feature = "mysql"))]
#[test]
fn mysql_without_its_feature_says_so_and_hides_the_password() {
    let err = open_store("mysql://root:secret@127.0.0.1:3306/test").unwrap_err();
    assert_eq!(err, OpenError::BackendNotBuilt("mysql"));
    assert_eq!(err.code(), "backend_not_built");
    assert!(!err.to_string().contains("secret"));
}

#[cfg(feature = "sqlite")]
mod sqlite {
    use std::sync::Arc;

    use super::*;
    use crate::{DayRange, InMemoryCarts, SqliteStore, StoreErrorKind, open};

    #[test]
    fn memory_urls_open_fresh_stores() {
        for url in ["sqlite::memory:", "SQLite::memory:?synchronous=full"] {
            let store = open_store(url).unwrap();
            assert_eq!(store.backend(), "sqlite");
            store.ping().unwrap();
            assert!(
                store
                    .status_counts(DayRange::ALL)
                    .unwrap()
                    .iter()
                    .all(|c| c.orders == 0)
            );
        }
        let carts = Arc::new(InMemoryCarts::new());
        open("sqlite::memory:", carts).unwrap().ready().unwrap();
    }

    #[test]
    fn absolute_file_urls_open_and_reopen_the_same_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("facade.db");
        let url = format!("sqlite://{}?synchronous=full&readers=2", path.display());
        assert!(url.starts_with("sqlite:///"));
        open_store(&url).unwrap().ping().unwrap();
        assert!(path.exists());
        open_store(&url).unwrap().ping().unwrap();
    }

    #[test]
    fn file_urls_are_durable_unless_they_say_what_they_risk() {
        let dir = tempfile::tempdir().unwrap();
        let url = |name: &str, query: &str| {
            format!("sqlite://{}{query}", dir.path().join(name).display())
        };
        let durable = open_store(&url("durable.db", "")).unwrap();
        assert!(durable.durability_warnings().unwrap().is_empty());
        let fast = open_store(&url("fast.db", "?synchronous=may_lose_last_transactions")).unwrap();
        let warnings = fast.durability_warnings().unwrap();
        assert!(
            warnings
                .iter()
                .any(|w| w.contains("may lose the last transactions on power loss")),
            "{warnings:?}"
        );
        let err = open_store(&url("old.db", "?synchronous=normal")).unwrap_err();
        assert_eq!(err.code(), "invalid_database_url");
        assert!(
            err.to_string().contains("may_lose_last_transactions"),
            "{err}"
        );
    }

    #[test]
    fn bad_sqlite_urls_and_unopenable_files_fail_clearly() {
        let err = open_store("sqlite::memory:?synchronous=sometimes").unwrap_err();
        assert_eq!(err.code(), "invalid_database_url");
        let dir = tempfile::tempdir().unwrap();
        let missing = dir.path().join("no/such/dir/o.db");
        let err = open_store(&format!("sqlite://{}", missing.display())).unwrap_err();
        assert!(matches!(&err, OpenError::Store(e) if e.kind == StoreErrorKind::Connection));
        assert_eq!(err.code(), "storage_unavailable");
    }

    #[test]
    fn a_newer_schema_is_a_migration_error() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("newer.db");
        drop(SqliteStore::open(&path, crate::SqliteOptions::default()).unwrap());
        // As if a future build had migrated the file.
        let raw = rusqlite::Connection::open(&path).unwrap();
        raw.pragma_update(None, "user_version", crate::SQLITE_SCHEMA_VERSION + 1)
            .unwrap();
        drop(raw);
        let err = open_store(&format!("sqlite://{}", path.display())).unwrap_err();
        assert_eq!(err.code(), "schema_migration_failed");
    }
}
