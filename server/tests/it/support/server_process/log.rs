//! The server's stderr, kept twice: in a file a person reads after a failure (every start of
//! the process marked in it, so a run with restarts reads in order), and in memory for the
//! tests that look for a line. A thread drains the pipe as the server writes, so the server
//! never blocks on a full pipe, and ends when the process does.

use std::fs::File;
use std::io::{self, BufRead, BufReader, Write};
use std::path::{Path, PathBuf};
use std::process::ChildStderr;
use std::sync::{Arc, Condvar, Mutex, MutexGuard, PoisonError};
use std::time::{Duration, Instant};

#[derive(Debug)]
pub struct Log {
    path: PathBuf,
    shared: Arc<Shared>,
}

#[derive(Debug)]
struct Shared {
    file: Mutex<File>,
    lines: Mutex<Vec<String>>,
    grew: Condvar,
}

impl Log {
    /// A log written to `path` (created, or emptied).
    pub fn create(path: &Path) -> io::Result<Log> {
        let file = File::create(path)?;
        Ok(Log {
            path: path.to_owned(),
            shared: Arc::new(Shared {
                file: Mutex::new(file),
                lines: Mutex::new(Vec::new()),
                grew: Condvar::new(),
            }),
        })
    }

    pub fn path(&self) -> &Path {
        &self.path
    }

    /// Writes a line of the harness's own to the file only (the lines in memory are the
    /// server's).
    pub fn mark(&self, text: &str) {
        let _ = writeln!(lock(&self.shared.file), "=== {text} ===");
    }

    /// Drains `stderr` on a thread until the process closes it; `echo` also copies each line
    /// to the test's output.
    pub fn drain(
        &self,
        stderr: ChildStderr,
        echo: bool,
    ) -> io::Result<std::thread::JoinHandle<()>> {
        let shared = self.shared.clone();
        std::thread::Builder::new()
            .name("server-log".to_owned())
            .spawn(move || {
                let mut reader = BufReader::new(stderr);
                let mut raw = Vec::new();
                while matches!(reader.read_until(b'\n', &mut raw), Ok(n) if n > 0) {
                    let line = String::from_utf8_lossy(&raw).trim_end().to_owned();
                    raw.clear();
                    if echo {
                        eprintln!("server: {line}");
                    }
                    // A full disk loses the file's copy, never the server's progress.
                    let _ = writeln!(lock(&shared.file), "{line}");
                    lock(&shared.lines).push(line);
                    shared.grew.notify_all();
                }
            })
    }

    /// Every line the server wrote so far, over all its starts.
    pub fn lines(&self) -> Vec<String> {
        lock(&self.shared.lines).clone()
    }

    /// How many lines the server wrote so far.
    pub fn len(&self) -> usize {
        lock(&self.shared.lines).len()
    }

    /// The lines from the `from`th on.
    pub fn lines_from(&self, from: usize) -> Vec<String> {
        lock(&self.shared.lines)
            .get(from..)
            .unwrap_or_default()
            .to_vec()
    }

    /// The first line matching `wanted`, waiting up to `limit` for it to be written.
    pub fn wait_for(&self, wanted: impl Fn(&str) -> bool, limit: Duration) -> Option<String> {
        let deadline = Instant::now() + limit;
        let mut lines = lock(&self.shared.lines);
        loop {
            if let Some(line) = lines.iter().find(|line| wanted(line)) {
                return Some(line.clone());
            }
            let left = deadline.checked_duration_since(Instant::now())?;
            lines = self
                .shared
                .grew
                .wait_timeout(lines, left)
                .unwrap_or_else(PoisonError::into_inner)
                .0;
        }
    }

    /// The last `count` lines, one string, for an error message.
    pub fn tail(&self, count: usize) -> String {
        let lines = lock(&self.shared.lines);
        let start = lines.len().saturating_sub(count);
        lines.get(start..).unwrap_or_default().join("\n")
    }
}

/// A poisoned lock only means a test panicked elsewhere; the log is still what it was.
fn lock<T>(mutex: &Mutex<T>) -> MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(PoisonError::into_inner)
}
