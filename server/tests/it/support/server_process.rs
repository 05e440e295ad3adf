//! The real `orderly-server` binary as a child process, for tests that need what only a
//! process has: being SIGKILLed mid-request and restarted on the same port and database, its
//! command line, its signals, its log.
//!
//! The port is chosen once and kept across restarts, so clients and a proxy in front keep
//! their address. The child's environment is cleared of the server's own variables
//! (`ORDERLY_*`, `CART_SERVICE_*`, `RUST_LOG`, `NO_COLOR`), so the developer's shell cannot
//! change what a test runs; everything comes from [`ServerOptions`]. Its stderr goes to a log
//! file (kept, and its tail printed, when a test fails) and to memory
//! ([`ServerProcess::log_lines`]).
//!
//! The methods block (starting waits for `/health`, up to a minute on a loaded machine). From
//! an async test, call them directly when nothing else on the test's runtime must progress
//! meanwhile, or through `tokio::task::block_in_place` on a multi-threaded runtime.
//!
//! ```ignore
//! let mut server = ServerOptions::sqlite(&dir.path().join("orders.db")).start()?;
//! let admin = server.token("ops", "admin")?;
//! server.kill9()?;       // SIGKILL: no shutdown, whatever was in flight is cut
//! server.restart()?;     // same port, same database, same options
//! server.stop()?;        // SIGTERM, and wait for the graceful exit
//! ```

// A toolkit: not every part of it has a caller yet.
#![allow(dead_code)]

mod log;
mod net;

use std::ffi::{OsStr, OsString};
use std::io;
use std::net::{Ipv4Addr, SocketAddr};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, ExitStatus, Stdio};
use std::thread::JoinHandle;
use std::time::{Duration, Instant};

use orderly_server::Authenticator;

use log::Log;

/// The binary under test.
pub const BIN: &str = env!("CARGO_BIN_EXE_orderly-server");

/// The JWT secret unless a test sets its own.
pub const DEFAULT_SECRET: &str = "server-process-test-secret-0123456789abcdef";

/// How long a start may take to answer `/health`, and a graceful stop to end, by default:
/// generous, since a loaded machine is slow, never wrong.
const PATIENCE: Duration = Duration::from_secs(60);

/// What to start: the database, and whatever else the command line and environment say.
#[derive(Debug, Clone)]
pub struct ServerOptions {
    database_url: String,
    secret: String,
    args: Vec<OsString>,
    envs: Vec<(OsString, OsString)>,
    port: Option<u16>,
    log_file: Option<PathBuf>,
    echo_log: bool,
    start_timeout: Duration,
}

impl ServerOptions {
    /// A server on `database_url` (`sqlite://…`, `mysql://…`), with human-readable logs at
    /// `info`.
    pub fn new(database_url: impl Into<String>) -> ServerOptions {
        ServerOptions {
            database_url: database_url.into(),
            secret: DEFAULT_SECRET.to_owned(),
            args: Vec::new(),
            envs: Vec::new(),
            port: None,
            log_file: None,
            echo_log: false,
            start_timeout: PATIENCE,
        }
    }

    /// A server on the SQLite file at `path`.
    pub fn sqlite(path: &Path) -> ServerOptions {
        ServerOptions::new(format!("sqlite://{}", path.display()))
    }

    /// The JWT secret (`ORDERLY_JWT_SECRET`), which tokens are minted with too.
    pub fn secret(mut self, secret: impl Into<String>) -> ServerOptions {
        self.secret = secret.into();
        self
    }

    /// One more command-line argument (`--cart-url`, its value, ...).
    pub fn arg(mut self, arg: impl AsRef<OsStr>) -> ServerOptions {
        self.args.push(arg.as_ref().to_owned());
        self
    }

    pub fn args<I: IntoIterator<Item = S>, S: AsRef<OsStr>>(self, args: I) -> ServerOptions {
        args.into_iter().fold(self, ServerOptions::arg)
    }

    /// An environment variable for the child (set after the clean-up, so any may be set).
    pub fn env(mut self, key: impl AsRef<OsStr>, value: impl AsRef<OsStr>) -> ServerOptions {
        self.envs
            .push((key.as_ref().to_owned(), value.as_ref().to_owned()));
        self
    }

    /// One JSON object per log line (`ORDERLY_LOG_FORMAT=json`).
    pub fn json_logs(self) -> ServerOptions {
        self.env("ORDERLY_LOG_FORMAT", "json")
    }

    /// The log filter (`RUST_LOG`): `debug`, `orderly_server=trace`, ...
    pub fn log_level(self, filter: &str) -> ServerOptions {
        self.env("RUST_LOG", filter)
    }

    /// Listens on this loopback port instead of a free one chosen at the first start.
    pub fn port(mut self, port: u16) -> ServerOptions {
        self.port = Some(port);
        self
    }

    /// Writes the log to `path` (kept) instead of a temporary file.
    pub fn log_file(mut self, path: impl Into<PathBuf>) -> ServerOptions {
        self.log_file = Some(path.into());
        self
    }

    /// Also copies every log line to the test's output as it is written.
    pub fn echo_log(mut self) -> ServerOptions {
        self.echo_log = true;
        self
    }

    /// How long a start may take to answer `/health`.
    pub fn start_timeout(mut self, limit: Duration) -> ServerOptions {
        self.start_timeout = limit;
        self
    }

    /// Starts the server and waits until it answers `/health`.
    pub fn start(self) -> io::Result<ServerProcess> {
        ServerProcess::start(self)
    }
}

/// A running (or stopped, between a kill and a restart) `orderly-server`. Dropping it kills
/// the process: a failing test leaves nothing running.
#[derive(Debug)]
pub struct ServerProcess {
    options: ServerOptions,
    port: u16,
    child: Option<Child>,
    drain: Option<JoinHandle<()>>,
    log: Log,
    starts: u32,
    /// Holds the log when no file was asked for; kept when a test fails.
    log_dir: Option<tempfile::TempDir>,
}

impl ServerProcess {
    /// See [`ServerOptions::start`].
    pub fn start(options: ServerOptions) -> io::Result<ServerProcess> {
        let (log, log_dir) = match &options.log_file {
            Some(path) => (Log::create(path)?, None),
            None => {
                let dir = tempfile::Builder::new()
                    .prefix("orderly-server-log-")
                    .tempdir()?;
                (Log::create(&dir.path().join("server.log"))?, Some(dir))
            }
        };
        let mut server = ServerProcess {
            port: options.port.unwrap_or(0),
            options,
            child: None,
            drain: None,
            log,
            starts: 0,
            log_dir,
        };
        if server.options.port.is_some() {
            server.spawn()?;
            return Ok(server);
        }
        // A chosen port can still be taken between the check and the bind by another test:
        // then try another.
        let mut attempts = 0;
        loop {
            server.port = net::pick_port()?;
            let first_line = server.log.len();
            match server.spawn() {
                Ok(()) => return Ok(server),
                Err(e) if attempts < 5 && server.bind_failed_since(first_line) => {
                    attempts += 1;
                    server
                        .log
                        .mark(&format!("port taken ({e}); trying another"));
                }
                Err(e) => return Err(e),
            }
        }
    }

    pub fn port(&self) -> u16 {
        self.port
    }

    pub fn addr(&self) -> SocketAddr {
        SocketAddr::from((Ipv4Addr::LOCALHOST, self.port))
    }

    /// `http://127.0.0.1:<port>`, without a trailing slash.
    pub fn url(&self) -> String {
        format!("http://{}", self.addr())
    }

    pub fn database_url(&self) -> &str {
        &self.options.database_url
    }

    pub fn secret(&self) -> &str {
        &self.options.secret
    }

    /// The running process's id.
    pub fn pid(&self) -> Option<u32> {
        self.child.as_ref().map(Child::id)
    }

    /// How many times the process was started.
    pub fn starts(&self) -> u32 {
        self.starts
    }

    /// Whether the process is still running.
    pub fn is_running(&mut self) -> bool {
        self.child
            .as_mut()
            .is_some_and(|child| matches!(child.try_wait(), Ok(None)))
    }

    /// SIGKILL (what `Child::kill` sends on Unix): no shutdown at all, whatever was in flight
    /// is cut where it was. Waits for the process to be gone.
    pub fn kill9(&mut self) -> io::Result<ExitStatus> {
        let child = self.child.as_mut().ok_or_else(not_running)?;
        child.kill()?;
        let status = child.wait()?;
        self.reap();
        Ok(status)
    }

    /// Sends SIGTERM (a graceful stop) without waiting; see [`ServerProcess::wait`].
    pub fn terminate(&self) -> io::Result<()> {
        let child = self.child.as_ref().ok_or_else(not_running)?;
        let pid = rustix::process::Pid::from_child(child);
        rustix::process::kill_process(pid, rustix::process::Signal::TERM).map_err(io::Error::from)
    }

    /// Waits up to `limit` for the process to exit.
    pub fn wait(&mut self, limit: Duration) -> io::Result<ExitStatus> {
        let child = self.child.as_mut().ok_or_else(not_running)?;
        let deadline = Instant::now() + limit;
        loop {
            if let Some(status) = child.try_wait()? {
                self.reap();
                return Ok(status);
            }
            if Instant::now() >= deadline {
                return Err(io::Error::new(
                    io::ErrorKind::TimedOut,
                    format!("orderly-server still running after {limit:?}"),
                ));
            }
            std::thread::sleep(Duration::from_millis(20));
        }
    }

    /// A graceful stop: SIGTERM, then waits for the exit. A server still running after a
    /// minute is killed, and that is an error.
    pub fn stop(&mut self) -> io::Result<ExitStatus> {
        self.terminate()?;
        match self.wait(PATIENCE) {
            Err(e) if e.kind() == io::ErrorKind::TimedOut => {
                let _ = self.kill9();
                Err(e)
            }
            done => done,
        }
    }

    /// Starts the process again, on the same port, database and options, and waits until it
    /// answers `/health`. It must have been stopped or killed first.
    pub fn restart(&mut self) -> io::Result<()> {
        if self.is_running() {
            return Err(io::Error::other(
                "orderly-server is still running: kill9 or stop it first",
            ));
        }
        self.reap();
        self.spawn()
    }

    /// A token minted by the binary's `token` subcommand with the server's secret, valid for
    /// an hour. `role` as the command line spells it: `customer`, `admin`, `service`, ...
    pub fn token(&self, sub: &str, role: &str) -> io::Result<String> {
        let mut command = clean_command();
        command
            .args(["token", "--sub", sub, "--role", role, "--ttl", "1h"])
            .env("ORDERLY_JWT_SECRET", &self.options.secret)
            .stdout(Stdio::piped())
            .stderr(Stdio::piped());
        let out = command.output()?;
        if !out.status.success() {
            return Err(io::Error::other(format!(
                "orderly-server token --sub {sub} --role {role}: {}: {}",
                out.status,
                String::from_utf8_lossy(&out.stderr).trim()
            )));
        }
        Ok(String::from_utf8_lossy(&out.stdout).trim().to_owned())
    }

    /// The server's authenticator, to mint tokens in process (many, or quickly).
    pub fn authenticator(&self) -> io::Result<Authenticator> {
        Authenticator::new(self.options.secret.as_bytes())
            .map_err(|e| io::Error::new(io::ErrorKind::InvalidInput, e))
    }

    /// The log file, over every start.
    pub fn log_path(&self) -> &Path {
        self.log.path()
    }

    /// Every line the server wrote to stderr so far, over every start. Complete up to the
    /// process's end once a kill, stop or wait returned.
    pub fn log_lines(&self) -> Vec<String> {
        self.log.lines()
    }

    /// The first log line matching `wanted`, waiting up to `limit` for it.
    pub fn wait_for_log(&self, wanted: impl Fn(&str) -> bool, limit: Duration) -> Option<String> {
        self.log.wait_for(wanted, limit)
    }

    /// Starts the process on `self.port` and waits until it answers `/health`.
    fn spawn(&mut self) -> io::Result<()> {
        let mut command = clean_command();
        command
            .arg("--listen")
            .arg(self.addr().to_string())
            .arg("--database")
            .arg(&self.options.database_url)
            .env("ORDERLY_JWT_SECRET", &self.options.secret)
            .args(&self.options.args)
            .envs(self.options.envs.iter().map(|(k, v)| (k, v)))
            .stderr(Stdio::piped());
        let mut child = command.spawn()?;
        self.starts += 1;
        self.log.mark(&format!(
            "start {} of {BIN}: pid {}, port {}",
            self.starts,
            child.id(),
            self.port
        ));
        if let Some(stderr) = child.stderr.take() {
            self.drain = Some(self.log.drain(stderr, self.options.echo_log)?);
        }
        self.child = Some(child);
        self.wait_healthy()
    }

    /// Waits until the process answers `/health`; on failure it is not left running.
    fn wait_healthy(&mut self) -> io::Result<()> {
        let deadline = Instant::now() + self.options.start_timeout;
        let addr = self.addr();
        loop {
            let child = self.child.as_mut().ok_or_else(not_running)?;
            if let Some(status) = child.try_wait()? {
                self.reap();
                return Err(self.failed(&format!("exited ({status}) before answering /health")));
            }
            // Healthy, and still the child's: a port taken by another process would answer
            // too while the child dies of it.
            if net::healthy(addr) && matches!(child.try_wait(), Ok(None)) {
                return Ok(());
            }
            if Instant::now() >= deadline {
                let _ = self.kill9();
                let limit = self.options.start_timeout;
                return Err(self.failed(&format!("did not answer /health within {limit:?}")));
            }
            std::thread::sleep(Duration::from_millis(25));
        }
    }

    /// Forgets the exited process, once its log is drained whole.
    fn reap(&mut self) {
        self.child = None;
        if let Some(drain) = self.drain.take() {
            let _ = drain.join();
        }
    }

    /// An error saying what went wrong, with the log's tail.
    fn failed(&self, what: &str) -> io::Error {
        io::Error::other(format!(
            "orderly-server on port {} {what}; log ({}):\n{}",
            self.port,
            self.log.path().display(),
            self.log.tail(40)
        ))
    }

    /// Whether a start that began at line `from` failed to bind its port.
    fn bind_failed_since(&self, from: usize) -> bool {
        self.log
            .lines_from(from)
            .iter()
            .any(|line| line.contains("Address already in use"))
    }
}

impl Drop for ServerProcess {
    fn drop(&mut self) {
        if let Some(child) = self.child.as_mut() {
            let _ = child.kill();
            let _ = child.wait();
        }
        self.reap();
        if std::thread::panicking() {
            if let Some(dir) = self.log_dir.take() {
                let _ = dir.keep();
            }
            eprintln!(
                "orderly-server log ({}), last lines:\n{}",
                self.log.path().display(),
                self.log.tail(60)
            );
        }
    }
}

/// The binary, with none of the server's own variables from the test's environment.
fn clean_command() -> Command {
    let mut command = Command::new(BIN);
    for (key, _) in std::env::vars_os() {
        let name = key.to_string_lossy();
        let servers = name.starts_with("ORDERLY_")
            || name.starts_with("CART_SERVICE_")
            || name == "RUST_LOG"
            || name == "NO_COLOR";
        if servers {
            command.env_remove(&key);
        }
    }
    command.stdin(Stdio::null()).stdout(Stdio::null());
    command
}

fn not_running() -> io::Error {
    io::Error::new(io::ErrorKind::NotConnected, "orderly-server is not running")
}
