//! The batcher under concurrency: every caller gets exactly its own outcome, an answer of
//! success always means the write is in the database, and the database ends as if the
//! requests had run one by one.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::indexing_slicing)]

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::sync::Barrier;

use proptest::prelude::*;
use rusqlite::{Connection, params};

use super::{Finish, GroupWriter};
use crate::error::OpError;

/// What one request does inside its savepoint.
#[derive(Debug, Clone, Copy)]
enum Plan {
    /// Inserts key `k` (a constraint error if the key is taken).
    Insert(u8),
    /// Writes a row, then fails: nothing of it may remain.
    Fail,
    /// Writes a row, then decides not to keep it (`Finish::Rollback`).
    Rollback,
    /// Writes a row that breaks a deferred foreign key: the commit of its whole batch fails.
    PoisonCommit,
}

fn plan() -> impl Strategy<Value = Plan> {
    prop_oneof![
        6 => (0u8..6).prop_map(Plan::Insert),
        1 => Just(Plan::Fail),
        1 => Just(Plan::Rollback),
        1 => Just(Plan::PoisonCommit),
    ]
}

fn open(path: &Path, max_batch: usize) -> GroupWriter {
    let conn = Connection::open(path).unwrap();
    conn.execute_batch(
        "PRAGMA journal_mode = WAL; PRAGMA synchronous = OFF; PRAGMA foreign_keys = ON;
         CREATE TABLE IF NOT EXISTS t (k INTEGER PRIMARY KEY, writer INTEGER NOT NULL);
         CREATE TABLE IF NOT EXISTS parent (id INTEGER PRIMARY KEY);
         CREATE TABLE IF NOT EXISTS child (id INTEGER PRIMARY KEY,
             parent INTEGER REFERENCES parent(id) DEFERRABLE INITIALLY DEFERRED);",
    )
    .unwrap();
    GroupWriter::new(conn, max_batch)
}

/// Runs request `id` with its plan; `Ok(id)` is success.
fn request(writer: &GroupWriter, id: usize, plan: Plan) -> Result<usize, String> {
    let (own, writer_id) = (
        i64::try_from(1_000 + id).unwrap(),
        i64::try_from(id).unwrap(),
    );
    writer
        .write(|conn| match plan {
            Plan::Insert(k) => {
                conn.execute("INSERT INTO t VALUES (?1, ?2)", params![k, writer_id])?;
                Ok(Finish::Commit(id))
            }
            Plan::Fail => {
                conn.execute("INSERT INTO t VALUES (?1, ?2)", params![own, writer_id])?;
                Err(OpError::Corrupt(format!("planned failure of {id}")))
            }
            Plan::Rollback => {
                conn.execute("INSERT INTO t VALUES (?1, ?2)", params![own, writer_id])?;
                Ok(Finish::Rollback(id))
            }
            Plan::PoisonCommit => {
                conn.execute("INSERT INTO child VALUES (?1, 999999)", params![own])?;
                Ok(Finish::Commit(id))
            }
        })
        .map_err(|e| e.message)
}

fn rows(path: &Path) -> BTreeMap<i64, i64> {
    let conn = Connection::open(path).unwrap();
    let mut stmt = conn.prepare("SELECT k, writer FROM t").unwrap();
    stmt.query_map([], |r| Ok((r.get(0)?, r.get(1)?)))
        .unwrap()
        .map(Result::unwrap)
        .collect()
}

fn is_commit_failure(message: &str) -> bool {
    message.contains("FOREIGN KEY")
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(48))]

    #[test]
    fn every_caller_gets_its_own_outcome_and_the_store_is_serial(
        plans in prop::collection::vec(plan(), 1..24),
        max_batch in 1usize..8,
    ) {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("batch.db");
        let writer = open(&path, max_batch);
        let start = Barrier::new(plans.len());
        let results: Vec<Result<usize, String>> = std::thread::scope(|s| {
            let handles: Vec<_> = plans
                .iter()
                .enumerate()
                .map(|(id, plan)| {
                    let (writer, start) = (&writer, &start);
                    s.spawn(move || {
                        start.wait();
                        request(writer, id, *plan)
                    })
                })
                .collect();
            handles.into_iter().map(|h| h.join().unwrap()).collect()
        });
        let stored = rows(&path);
        let mut winners: BTreeMap<u8, BTreeSet<usize>> = BTreeMap::new();
        for (id, (plan, result)) in plans.iter().zip(&results).enumerate() {
            match (plan, result) {
                // A commit that failed fails every member of its batch, whatever it did.
                (_, Err(m)) if is_commit_failure(m) => {}
                (Plan::Insert(k), Ok(got)) => {
                    prop_assert_eq!(*got, id);
                    winners.entry(*k).or_default().insert(id);
                }
                (Plan::Insert(_), Err(m)) => prop_assert!(m.contains("UNIQUE"), "{}", m),
                (Plan::Fail, Err(m)) => prop_assert_eq!(m, &format!("planned failure of {id}")),
                (Plan::Rollback, Ok(got)) => prop_assert_eq!(*got, id),
                (plan, result) => prop_assert!(false, "{:?} of {} gave {:?}", plan, id, result),
            }
        }
        // One success per key at most, and exactly the successes are stored: as if serial.
        let mut expected = BTreeMap::new();
        for (k, ids) in &winners {
            prop_assert_eq!(ids.len(), 1, "key {} acknowledged to {:?}", k, ids);
            expected.insert(i64::from(*k), i64::try_from(*ids.iter().next().unwrap()).unwrap());
        }
        prop_assert_eq!(stored, expected);
        let stats = writer.stats();
        prop_assert_eq!(stats.writes, u64::try_from(plans.len()).unwrap());
        prop_assert!(stats.largest_batch <= u64::try_from(max_batch).unwrap());
    }
}

#[test]
fn concurrent_writers_share_commits() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("shared.db");
    let writer = open(&path, 256);
    writer
        .connection()
        .execute_batch("PRAGMA synchronous = FULL")
        .unwrap();
    std::thread::scope(|s| {
        for thread in 0..16usize {
            let writer = &writer;
            s.spawn(move || {
                for i in 0..25usize {
                    let k = i64::try_from(thread * 100 + i).unwrap();
                    writer
                        .write(|conn| {
                            conn.execute("INSERT INTO t VALUES (?1, 0)", [k])?;
                            Ok(Finish::Commit(()))
                        })
                        .unwrap();
                }
            });
        }
    });
    let stats = writer.stats();
    assert_eq!(stats.writes, 400);
    assert_eq!(rows(&path).len(), 400);
    assert!(
        stats.commits < stats.writes && stats.largest_batch > 1,
        "no write shared a commit: {stats:?}"
    );
}

#[test]
fn a_failed_commit_keeps_nothing_and_fails_every_member() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("poison.db");
    let writer = open(&path, 8);
    assert!(request(&writer, 0, Plan::PoisonCommit).is_err());
    assert_eq!(request(&writer, 1, Plan::Insert(1)), Ok(1));
    assert_eq!(rows(&path).len(), 1);
    // The batch after a failed commit starts clean.
    assert_eq!(request(&writer, 2, Plan::Insert(2)), Ok(2));
    assert_eq!(rows(&path).len(), 2);
}

#[test]
fn a_write_that_panics_leaves_nothing_behind() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("panic.db");
    let writer = open(&path, 8);
    let unwound = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
        let _: Result<(), _> = writer.write(|conn| {
            conn.execute("INSERT INTO t VALUES (7, 7)", [])?;
            #[allow(clippy::panic)]
            {
                panic!("a bug mid-write")
            }
        });
    }));
    assert!(unwound.is_err());
    // The batch the panicking write joined is committed by the next write, without its row.
    assert_eq!(request(&writer, 1, Plan::Insert(1)), Ok(1));
    assert_eq!(rows(&path), BTreeMap::from([(1, 1)]));
}

#[test]
fn a_writer_counted_as_queued_that_never_arrives_does_not_strand_the_batch() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("late.db");
    let writer = open(&path, 8);
    // A writer announced itself (as between its count and its lock) and was descheduled.
    writer
        .queued
        .fetch_add(1, std::sync::atomic::Ordering::SeqCst);
    // Whoever is left waiting commits the batch itself and is answered.
    assert_eq!(request(&writer, 1, Plan::Insert(1)), Ok(1));
    let (first, second) = std::thread::scope(|s| {
        let a = s.spawn(|| request(&writer, 2, Plan::Insert(2)));
        let b = s.spawn(|| request(&writer, 3, Plan::Insert(3)));
        (a.join().unwrap(), b.join().unwrap())
    });
    assert_eq!((first, second), (Ok(2), Ok(3)));
    assert_eq!(rows(&path).len(), 3);
}

/// A failure after which SQLite has rolled the whole transaction back (as it may on a full disk
/// or an I/O error) fails the batch with that failure, not with the savepoint it took along,
/// and the writer goes on with the next batch.
#[test]
fn a_failure_that_ends_the_transaction_is_reported_as_itself() {
    let dir = tempfile::tempdir().unwrap();
    let path = dir.path().join("ended.db");
    let writer = open(&path, 8);
    let failed = writer
        .write(|conn| {
            conn.execute("INSERT INTO t VALUES (1, 1)", [])?;
            conn.execute_batch("ROLLBACK")?;
            Err::<Finish<()>, _>(OpError::corrupt("database or disk is full"))
        })
        .unwrap_err();
    assert!(failed.message.contains("disk is full"), "{failed}");
    writer
        .write(|conn| {
            conn.execute("INSERT INTO t VALUES (2, 2)", [])?;
            Ok(Finish::Commit(()))
        })
        .unwrap();
    assert_eq!(rows(&path), BTreeMap::from([(2, 2)]));
}
