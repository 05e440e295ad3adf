//! Apache Kafka brokers for tests: each [`Broker`] is a real Kafka broker (KRaft, one node)
//! started by `scripts/kafka.sh` on a free loopback port, with its log segments in a
//! directory of its own, so it can be killed (SIGKILL) and restarted with every record it
//! acknowledged.
//!
//! The broker's jars come from `scripts/kafka.sh install` (`$ORDERLY_KAFKA_LIB`). Without
//! them, [`Broker::start_or_skip`] fails the test when `CI` is set and skips it otherwise.

use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};
use std::time::Duration;

/// The script that installs, starts and stops brokers.
pub fn script() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../scripts/kafka.sh")
}

/// Whether the broker's jars are installed (`$ORDERLY_KAFKA_LIB` names their folder).
pub fn installed() -> bool {
    std::env::var_os("ORDERLY_KAFKA_LIB").is_some_and(|lib| Path::new(&lib).is_dir())
}

/// A running Apache Kafka broker, killed when dropped.
#[derive(Debug)]
pub struct Broker {
    dir: tempfile::TempDir,
    address: String,
}

impl Broker {
    /// Starts a broker, or returns `None` (after saying why) when Kafka is not installed and
    /// this is not CI. In CI a missing broker fails the test.
    pub fn start_or_skip() -> Option<Broker> {
        if installed() {
            return Some(Broker::start());
        }
        assert!(
            std::env::var_os("CI").is_none(),
            "Apache Kafka is not installed: run `source scripts/kafka.sh && ensure_kafka`"
        );
        eprintln!("Apache Kafka is not installed (ORDERLY_KAFKA_LIB): Kafka test skipped");
        None
    }

    /// Starts a broker in a new directory.
    pub fn start() -> Broker {
        let dir = tempfile::Builder::new()
            .prefix("orderly-kafka-")
            .tempdir()
            .expect("a directory for the broker");
        let mut broker = Broker {
            dir,
            address: String::new(),
        };
        broker.restart();
        broker
    }

    /// `host:port` to bootstrap from.
    pub fn address(&self) -> String {
        self.address.clone()
    }

    /// The directory holding the broker's log segments and its log file.
    pub fn dir(&self) -> &Path {
        self.dir.path()
    }

    /// Starts the broker again on the same port and log (no-op while it runs).
    pub fn restart(&mut self) {
        let out = self.run("start");
        self.address = String::from_utf8_lossy(&out).trim().to_owned();
        assert!(
            self.address.starts_with("127.0.0.1:"),
            "kafka.sh start printed {:?}",
            self.address
        );
    }

    /// Kills the broker with SIGKILL, as a crash would, and waits until it is gone.
    pub fn kill(&mut self) {
        self.run("kill");
    }

    /// Stops the broker cleanly (SIGTERM).
    pub fn stop(&mut self) {
        self.run("stop");
    }

    /// Reads `topic` from its start with the broker's own console consumer (a client no one
    /// here wrote) until `count` records arrived or `timeout` passed without a new one.
    /// Returns (key, value) per record, in the order the consumer printed them.
    pub fn console_consume(
        &self,
        topic: &str,
        count: usize,
        timeout: Duration,
    ) -> Vec<(String, String)> {
        let output = Command::new("bash")
            .arg(script())
            .args([
                "console-consumer",
                "--bootstrap-server",
                &self.address,
                "--topic",
                topic,
                "--from-beginning",
                "--max-messages",
                &count.to_string(),
                "--timeout-ms",
                &timeout.as_millis().to_string(),
                "--formatter-property",
                "print.key=true",
                "--formatter-property",
                "key.separator=\t",
            ])
            .stdin(Stdio::null())
            .output()
            .expect("run the console consumer");
        String::from_utf8_lossy(&output.stdout)
            .lines()
            .filter_map(|line| line.split_once('\t'))
            .map(|(key, value)| (key.to_owned(), value.to_owned()))
            .collect()
    }

    /// `kafka.sh VERB DIR` for this broker.
    fn script_command(&self, verb: &str) -> Command {
        let mut command = Command::new("bash");
        command
            .arg(script())
            .arg(verb)
            .arg(self.dir.path())
            .stdin(Stdio::null());
        command
    }

    fn run(&self, verb: &str) -> Vec<u8> {
        let output = self
            .script_command(verb)
            .stderr(Stdio::inherit())
            .output()
            .expect("run scripts/kafka.sh");
        assert!(
            output.status.success(),
            "kafka.sh {verb} failed: {}",
            String::from_utf8_lossy(&output.stdout)
        );
        output.stdout
    }
}

impl Drop for Broker {
    fn drop(&mut self) {
        let _ = self
            .script_command("kill")
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .status();
    }
}
