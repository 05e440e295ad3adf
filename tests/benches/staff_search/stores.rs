//! The store under test: opened on a database kept between runs, loaded once with the
//! synthetic orders, measured for size, and asked for its plans.

use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};

use orderly::search::OrderSearch;
use orderly::{SqliteOptions, SqliteStore, Store, Synchronous};

use crate::data;

pub struct Size {
    pub orders: u64,
    pub index_rows: u64,
    pub bytes: u64,
}

/// The store's own plan of a search, one line per step.
type Explain = Box<dyn Fn(&OrderSearch) -> Vec<String>>;

pub struct Bench {
    pub store: Arc<dyn Store>,
    pub size: Size,
    explain: Explain,
}

impl Bench {
    pub fn explain(&self, search: &OrderSearch) -> Vec<String> {
        (self.explain)(search)
    }
}

/// Whether a plan line reads a whole table rather than seeking an index.
pub fn reads_whole_table(backend: &str, line: &str) -> bool {
    match backend {
        // `SCAN o` without an index is a table scan; `SCAN o USING INDEX` walks an index in
        // sort order and stops at the page's end.
        // `SCAN (subquery-N)` reads a branch's page, already limited.
        "sqlite" => {
            line.starts_with("SCAN ") && !line.contains(" USING ") && !line.contains("(subquery")
        }
        // A derived table or union result holds the rows already found.
        _ => {
            line.contains(" type=ALL ") && !line.contains(" <derived") && !line.contains(" <union")
        }
    }
}

/// Writes orders `0..count` that are not stored yet (the store keeps what earlier runs
/// loaded), from several threads so that commits are shared.
fn load(store: &Arc<dyn Store>, have: u64, count: u64) {
    if have >= count {
        return;
    }
    let next = Arc::new(AtomicU64::new(have));
    let started = std::time::Instant::now();
    let threads: Vec<_> = (0..8)
        .map(|_| {
            let (store, next) = (store.clone(), next.clone());
            std::thread::spawn(move || {
                loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    if i >= count {
                        return;
                    }
                    store.insert_order(&data::order(i, count)).unwrap();
                    if i % 100_000 == 0 {
                        eprintln!("loaded {i} orders in {:?}", started.elapsed());
                    }
                }
            })
        })
        .collect();
    for t in threads {
        t.join().unwrap();
    }
    eprintln!("loaded {} orders in {:?}", count - have, started.elapsed());
}

pub fn open(backend: &str, count: u64) -> Bench {
    match backend {
        "sqlite" => open_sqlite(count),
        #[cfg(feature = "mysql")]
        "mysql" => open_mysql(count),
        other => panic!("unknown backend {other} (mysql needs --features mysql)"),
    }
}

fn open_sqlite(count: u64) -> Bench {
    let dir = std::env::var("ORDERLY_BENCH_DIR")
        .unwrap_or_else(|_| std::env::temp_dir().display().to_string());
    let path = std::path::Path::new(&dir).join(format!("orderly-staff-search-{count}.db"));
    let open = |synchronous| {
        let options = SqliteOptions {
            synchronous,
            ..SqliteOptions::default()
        };
        Arc::new(SqliteStore::open(&path, options).unwrap())
    };
    let raw = || rusqlite::Connection::open(&path).unwrap();
    let count_rows = |table: &str| -> u64 {
        let n: i64 = raw()
            .query_row(&format!("SELECT COUNT(*) FROM {table}"), [], |r| r.get(0))
            .unwrap();
        u64::try_from(n).unwrap_or(0)
    };
    // Loading is not what is measured: it may lose its last commits to a crash.
    let sqlite = open(Synchronous::MayLoseLastTransactions);
    let store: Arc<dyn Store> = sqlite.clone();
    load(&store, count_rows("orders"), count);
    // Statistics for the planner, as the store gathers them when it opens a database.
    drop(store);
    drop(sqlite);
    let sqlite = open(Synchronous::Full);
    let bytes = std::fs::metadata(&path).map(|m| m.len()).unwrap_or(0);
    let size = Size {
        orders: count_rows("orders"),
        index_rows: count_rows("order_index"),
        bytes,
    };
    let explainer = sqlite.clone();
    Bench {
        store: sqlite,
        size,
        explain: Box::new(move |search| explainer.explain_search(search).unwrap()),
    }
}

#[cfg(feature = "mysql")]
fn open_mysql(count: u64) -> Bench {
    use mysql::prelude::Queryable;
    use orderly_mysql::MysqlStore;
    let server = std::env::var("ORDERLY_BENCH_MYSQL_URL")
        .or_else(|_| std::env::var("ORDERLY_TEST_MYSQL_URL"))
        .expect("set ORDERLY_BENCH_MYSQL_URL to a MySQL/MariaDB server");
    let database = format!("orderly_staff_search_{count}");
    let mut admin = mysql::Conn::new(mysql::Opts::from_url(&server).unwrap()).unwrap();
    admin
        .query_drop(format!("CREATE DATABASE IF NOT EXISTS {database}"))
        .unwrap();
    let base = server.rsplit_once('/').map(|(b, _)| b).unwrap_or(&server);
    let url = format!("{base}/{database}");
    let mysql = Arc::new(MysqlStore::open(&url).unwrap());
    let store: Arc<dyn Store> = mysql.clone();
    let count_rows = |admin: &mut mysql::Conn, table: &str| -> u64 {
        admin
            .query_first(format!("SELECT COUNT(*) FROM {database}.{table}"))
            .unwrap()
            .unwrap_or(0)
    };
    let have = count_rows(&mut admin, "orders");
    load(&store, have, count);
    admin
        .query_drop(format!(
            "ANALYZE TABLE {database}.orders, {database}.order_index"
        ))
        .unwrap();
    let bytes: u64 = admin
        .query_first(format!(
            "SELECT SUM(data_length + index_length) FROM information_schema.tables WHERE table_schema = '{database}'"
        ))
        .unwrap()
        .unwrap_or(0);
    let size = Size {
        orders: count_rows(&mut admin, "orders"),
        index_rows: count_rows(&mut admin, "order_index"),
        bytes,
    };
    let explainer = mysql.clone();
    Bench {
        store: mysql,
        size,
        explain: Box::new(move |search| explainer.explain_search(search).unwrap()),
    }
}
