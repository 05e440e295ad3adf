//! The real `orderly-server` binary as a child process: start, wait for health, mint tokens,
//! read its peak memory, stop.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

use crate::options::ServerSpec;

/// Signs the tokens; only for this run.
pub const JWT_SECRET: &str = "load-test-secret-of-at-least-thirty-two-bytes";

pub const SERVER_BIN: &str = env!("CARGO_BIN_EXE_orderly-server");

/// A running server; killed when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    pub base: String,
    pub log: PathBuf,
}

impl ServerProcess {
    /// Starts the server `spec` names on SQLite in `dir`, reading carts from `cart_url`, and
    /// waits until `GET /health` answers 200.
    pub fn start(
        dir: &Path,
        spec: &ServerSpec,
        cart_url: &str,
        log_level: &str,
    ) -> Result<ServerProcess, String> {
        std::fs::create_dir_all(dir)
            .map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let port = free_port()?;
        let db = dir.join("orderly-load.db");
        let database = format!(
            "sqlite://{}?synchronous={}",
            absolute_url_path(&db),
            spec.synchronous
        );
        let log = dir.join("server.log");
        let log_file = File::create(&log).map_err(|e| format!("cannot create the log: {e}"))?;
        let log_err = log_file
            .try_clone()
            .map_err(|e| format!("cannot share the log: {e}"))?;
        let child = Command::new(&spec.binary)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--database", &database])
            .args(["--cart-url", cart_url])
            .env("ORDERLY_JWT_SECRET", JWT_SECRET)
            .env("RUST_LOG", log_level)
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", spec.binary.display()))?;
        let mut server = ServerProcess {
            child,
            base: format!("http://127.0.0.1:{port}"),
            log,
        };
        server.wait_healthy(Duration::from_secs(30))?;
        Ok(server)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    fn wait_healthy(&mut self, limit: Duration) -> Result<(), String> {
        let started = Instant::now();
        let health = format!("{}/health", self.base);
        while started.elapsed() < limit {
            if let Ok(Some(status)) = self.child.try_wait() {
                return Err(format!(
                    "the server exited ({status}) before answering; its log:\n{}",
                    std::fs::read_to_string(&self.log).unwrap_or_default()
                ));
            }
            if reqwest::blocking::get(&health).is_ok_and(|r| r.status().as_u16() == 200) {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(50));
        }
        Err(format!("GET {health} did not answer 200 within {limit:?}"))
    }

    /// `VmHWM` (peak resident set) and `VmRSS` from `/proc/<pid>/status`, in KiB.
    pub fn memory_kib(&self) -> Option<(u64, u64)> {
        let status = std::fs::read_to_string(format!("/proc/{}/status", self.pid())).ok()?;
        let field = |name: &str| {
            status
                .lines()
                .find_map(|l| l.strip_prefix(name))
                .and_then(|rest| {
                    rest.trim()
                        .trim_end_matches("kB")
                        .trim()
                        .parse::<u64>()
                        .ok()
                })
        };
        Some((field("VmHWM:")?, field("VmRSS:")?))
    }

    /// Asks the server to stop (SIGTERM), then kills it if it has not within 10 s.
    pub fn stop(mut self) -> Result<(), String> {
        let _ = Command::new("kill")
            .args(["-TERM", &self.pid().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return Ok(());
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        Err("the server did not stop within 10 s of SIGTERM".into())
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Ok(None) = self.child.try_wait() {
            let _ = self.child.kill();
            let _ = self.child.wait();
        }
    }
}

/// A customer token for `user` from `orderly-server token`.
pub fn customer_token(user: &str) -> Result<String, String> {
    let out = Command::new(SERVER_BIN)
        .args(["token", "--sub", user, "--role", "customer", "--ttl", "2h"])
        .env("ORDERLY_JWT_SECRET", JWT_SECRET)
        .output()
        .map_err(|e| format!("cannot run {SERVER_BIN} token: {e}"))?;
    if !out.status.success() {
        return Err(format!(
            "{SERVER_BIN} token failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if token.is_empty() {
        return Err("orderly-server token printed nothing".into());
    }
    Ok(token)
}

fn free_port() -> Result<u16, String> {
    TcpListener::bind("127.0.0.1:0")
        .and_then(|l| l.local_addr())
        .map(|a| a.port())
        .map_err(|e| format!("no free port: {e}"))
}

/// `/abs/path.db` for `sqlite:///abs/path.db`, with characters that would end the path
/// percent-encoded.
fn absolute_url_path(path: &Path) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = String::new();
    for c in absolute.to_string_lossy().chars() {
        match c {
            '?' | '#' | '%' | ' ' => out.push_str(&format!("%{:02X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out
}
