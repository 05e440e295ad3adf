//! The real `orderly-server` binary (this build's, or an earlier one to compare with) as a
//! child process: start, wait for health, mint tokens with its `token` subcommand, read its
//! peak memory, stop.

use std::fs::File;
use std::net::TcpListener;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Signs the tokens; only for this run.
const JWT_SECRET: &str = "bench-secret-of-at-least-thirty-two-bytes";

/// This build's server.
pub const SERVER_BIN: &str = env!("CARGO_BIN_EXE_orderly-server");

/// A running server; killed when dropped.
#[derive(Debug)]
pub struct ServerProcess {
    child: Child,
    /// `127.0.0.1:PORT`.
    pub addr: String,
    pub log: PathBuf,
}

impl ServerProcess {
    /// Starts `binary` on `database` (a `sqlite:` URL) with its log in `dir`, reading carts
    /// from `cart_url`, and waits until `GET /health` answers 200.
    pub fn start(
        binary: &Path,
        dir: &Path,
        database: &str,
        cart_url: &str,
        log_level: &str,
    ) -> Result<ServerProcess, String> {
        let port = TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .map(|a| a.port())
            .map_err(|e| format!("no free port: {e}"))?;
        let log = dir.join("server.log");
        let log_file = File::create(&log).map_err(|e| format!("cannot create the log: {e}"))?;
        let log_err = log_file
            .try_clone()
            .map_err(|e| format!("cannot share the log: {e}"))?;
        let child = Command::new(binary)
            .args(["--listen", &format!("127.0.0.1:{port}")])
            .args(["--database", database])
            .args(["--cart-url", cart_url])
            .env("ORDERLY_JWT_SECRET", JWT_SECRET)
            .env("RUST_LOG", log_level)
            .stdin(Stdio::null())
            .stdout(log_file)
            .stderr(log_err)
            .spawn()
            .map_err(|e| format!("cannot start {}: {e}", binary.display()))?;
        let mut server = ServerProcess {
            child,
            addr: format!("127.0.0.1:{port}"),
            log,
        };
        server.wait_healthy(Duration::from_secs(30))?;
        Ok(server)
    }

    pub fn base_url(&self) -> String {
        format!("http://{}", self.addr)
    }

    pub fn pid(&self) -> u32 {
        self.child.id()
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

    fn wait_healthy(&mut self, limit: Duration) -> Result<(), String> {
        let started = Instant::now();
        let health = format!("{}/health", self.base_url());
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

    /// Asks the server to stop (SIGTERM); `false` if it has not within 10 s (it is then
    /// killed on drop).
    pub fn stop(mut self) -> bool {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let started = Instant::now();
        while started.elapsed() < Duration::from_secs(10) {
            if let Ok(Some(_)) = self.child.try_wait() {
                return true;
            }
            std::thread::sleep(Duration::from_millis(20));
        }
        false
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

/// A token for `sub` with `role` (`customer` or `device`) from `orderly-server token`.
pub fn token(sub: &str, role: &str) -> Result<String, String> {
    let out = Command::new(SERVER_BIN)
        .args(["token", "--sub", sub, "--role", role, "--ttl", "2h"])
        .env("ORDERLY_JWT_SECRET", JWT_SECRET)
        .output()
        .map_err(|e| format!("cannot run {SERVER_BIN} token: {e}"))?;
    let token = String::from_utf8_lossy(&out.stdout).trim().to_owned();
    if !out.status.success() || token.is_empty() {
        return Err(format!(
            "{SERVER_BIN} token --sub {sub} --role {role} failed: {}",
            String::from_utf8_lossy(&out.stderr)
        ));
    }
    Ok(token)
}

/// `sqlite:///abs/path` for `path`, with characters that would end the path percent-encoded,
/// followed by `query` (e.g. `?synchronous=full`) when it is not empty.
pub fn sqlite_url(path: &Path, query: &str) -> String {
    let absolute = std::path::absolute(path).unwrap_or_else(|_| path.to_owned());
    let mut out = String::from("sqlite://");
    for c in absolute.to_string_lossy().chars() {
        match c {
            '?' | '#' | '%' | ' ' => out.push_str(&format!("%{:02X}", u32::from(c))),
            c => out.push(c),
        }
    }
    out.push_str(query);
    out
}
