//! The conformance suite on MySQL/MariaDB, one fresh scratch database per case, plus the
//! facade's `mysql://` URLs.
//!
//! The server comes from `ORDERLY_TEST_MYSQL_URL` (e.g. `mysql://orderly:orderly@127.0.0.1:3306/orderly_test`;
//! the database it names only serves to connect, each case creates and drops its own). Without
//! it the cases pass after saying they were skipped, except under CI, where they fail.

#![cfg(feature = "mysql")]
#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet};
use std::sync::Arc;

use mysql::prelude::Queryable;
use orderly::{InMemoryCarts, SqliteOptions, SqliteStore, Store, StoreErrorKind};
use orderly_mysql::{MysqlStore, ScratchDatabase};

const URL_VAR: &str = "ORDERLY_TEST_MYSQL_URL";

/// The server to test against, or `None` (tests skip) when none is configured outside CI.
fn server_url() -> Option<String> {
    match std::env::var(URL_VAR) {
        Ok(url) if !url.trim().is_empty() => Some(url),
        _ if std::env::var_os("CI").is_some() => {
            panic!("{URL_VAR} must name a MySQL/MariaDB server in CI (scripts/test sets it)")
        }
        _ => {
            eprintln!("{URL_VAR} is not set: MySQL tests skipped");
            None
        }
    }
}

/// A store on a new, empty database, dropped with the store.
fn scratch_store(server: &str) -> Arc<dyn Store> {
    Arc::new(MysqlStore::open_scratch(server).expect("open a scratch MySQL store"))
}

/// The suite's factory. The macro evaluates it at the top of each case, so the `return` ends
/// the case early (passing) when there is no server to test against.
macro_rules! mysql_factory {
    () => {{
        let Some(server) = crate::server_url() else {
            return;
        };
        move || crate::scratch_store(&server)
    }};
}

mod suite {
    orderly_tests::conformance_suite!(mysql_factory!());
}

#[test]
fn facade_opens_mysql_urls_and_the_engine_runs_on_them() {
    let Some(server) = server_url() else { return };
    let scratch = ScratchDatabase::create(&server).unwrap();
    let carts = Arc::new(InMemoryCarts::new());
    carts.set(orderly_tests::fixtures::cart(
        "alice",
        "USD",
        &[("sku-1", "Teapot", 2, "19.99")],
    ));
    let engine = orderly::open(scratch.url(), carts.clone()).unwrap();
    assert_eq!(engine.store().backend(), "mysql");
    engine.ready().unwrap();
    let alice = orderly_tests::fixtures::customer("alice");
    let request = orderly_tests::fixtures::request("alice");
    let key = orderly_tests::fixtures::idem("facade-1");
    let placed = engine.place_order(&alice, &request, &key).unwrap();
    assert!(placed.created);

    // A second engine (another process, say) on the same URL sees the order and the key.
    let other = orderly::open(scratch.url(), carts).unwrap();
    let replay = other.place_order(&alice, &request, &key).unwrap();
    assert_eq!((replay.order, replay.created), (placed.order, false));
}

#[test]
fn facade_reports_bad_mysql_urls_and_unreachable_servers_by_code() {
    let no_database = orderly::open_store("mysql://root:s3cret@127.0.0.1:3306").unwrap_err();
    assert_eq!(no_database.code(), "invalid_database_url", "{no_database}");
    assert!(!no_database.to_string().contains("s3cret"));

    let unknown_option = orderly::open_store("mysql://root@127.0.0.1/x?bogus=1").unwrap_err();
    assert_eq!(
        unknown_option.code(),
        "invalid_database_url",
        "{unknown_option}"
    );

    // Nothing listens on port 1: the connection is refused at once.
    let unreachable = orderly::open_store("mysql://root:s3cret@127.0.0.1:1/orders").unwrap_err();
    assert_eq!(unreachable.code(), "storage_unavailable", "{unreachable}");
    assert!(!unreachable.to_string().contains("s3cret"));
    match unreachable {
        orderly::OpenError::Store(e) => assert_eq!(e.kind, StoreErrorKind::Connection),
        other => panic!("expected a store error, got {other:?}"),
    }
}

/// Tables, each with its columns and its unique keys (primary key included), as sorted names.
#[derive(Debug, PartialEq, Eq)]
struct Schema {
    columns: BTreeMap<String, BTreeSet<String>>,
    unique_keys: BTreeMap<String, BTreeSet<Vec<String>>>,
}

fn sqlite_schema() -> Schema {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("schema.db");
    drop(SqliteStore::open(&path, SqliteOptions::default()).unwrap());
    let conn = rusqlite::Connection::open(&path).unwrap();
    let names = |sql: &str, arg: &str| -> Vec<String> {
        conn.prepare(sql)
            .unwrap()
            .query_map([arg], |r| r.get(0))
            .unwrap()
            .collect::<Result<_, _>>()
            .unwrap()
    };
    let tables = names("SELECT name FROM sqlite_schema WHERE type = ?1", "table");
    let mut schema = Schema {
        columns: BTreeMap::new(),
        unique_keys: BTreeMap::new(),
    };
    for table in tables.into_iter().filter(|t| !t.starts_with("sqlite_")) {
        let columns = names("SELECT name FROM pragma_table_info(?1)", &table);
        let uniques = names(
            "SELECT name FROM pragma_index_list(?1) WHERE \"unique\" = 1",
            &table,
        );
        let keys = uniques
            .iter()
            .map(|index| {
                let mut key = names("SELECT name FROM pragma_index_info(?1)", index);
                key.sort();
                key
            })
            .collect();
        schema.unique_keys.insert(table.clone(), keys);
        schema.columns.insert(table, columns.into_iter().collect());
    }
    schema
}

fn mysql_schema(server: &str) -> Schema {
    let scratch = ScratchDatabase::create(server).unwrap();
    drop(orderly_mysql::MysqlStore::open(scratch.url()).unwrap());
    let mut conn = mysql::Conn::new(mysql::Opts::from_url(scratch.url()).unwrap()).unwrap();
    let columns: Vec<(String, String)> = conn
        .query(
            "SELECT table_name, column_name FROM information_schema.columns \
             WHERE table_schema = DATABASE() AND table_name <> 'schema_migrations'",
        )
        .unwrap();
    let indexed: Vec<(String, String, String)> = conn
        .query(
            "SELECT table_name, index_name, column_name FROM information_schema.statistics \
             WHERE table_schema = DATABASE() AND table_name <> 'schema_migrations' \
             AND non_unique = 0",
        )
        .unwrap();
    let mut schema = Schema {
        columns: BTreeMap::new(),
        unique_keys: BTreeMap::new(),
    };
    for (table, column) in columns {
        schema
            .columns
            .entry(table.clone())
            .or_default()
            .insert(column);
        schema.unique_keys.entry(table).or_default();
    }
    let mut keys: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (table, index, column) in indexed {
        keys.entry((table, index)).or_default().push(column);
    }
    for ((table, _), mut key) in keys {
        key.sort();
        schema.unique_keys.entry(table).or_default().insert(key);
    }
    schema
}

/// SQLite and MySQL stores have the same tables, columns and unique keys.
#[test]
fn both_backends_have_the_same_schema() {
    let Some(server) = server_url() else { return };
    let sqlite = sqlite_schema();
    assert_eq!(sqlite, mysql_schema(&server));
    assert_eq!(sqlite.columns.len(), 25, "{sqlite:?}");
    assert!(sqlite.columns.contains_key("order_index"));
    assert!(sqlite.columns["status_counts_daily"].contains("day"));
    assert!(sqlite.columns["orders"].contains("device_id"));
    let by_device_seq = vec!["device_id".to_owned(), "seq".to_owned()];
    assert!(sqlite.unique_keys["sync_results"].contains(&by_device_seq));
    assert!(sqlite.columns["outbox"].contains("event_type"));
    let by_sequence = vec!["order_id".to_owned(), "sequence".to_owned()];
    assert!(sqlite.unique_keys["outbox"].contains(&by_sequence));
}
