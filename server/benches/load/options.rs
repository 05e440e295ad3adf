//! Command-line options of the load tool (after `cargo bench ... --`).

use std::path::PathBuf;
use std::time::Duration;

/// SQLite's `synchronous` setting for the server's database file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Durability {
    /// `may_lose_last_transactions`: no sync at commit (SQLite's NORMAL).
    Fast,
    /// The durable default: every commit synced.
    Full,
}

impl Durability {
    /// The URL parameter's value.
    pub fn as_str(self) -> &'static str {
        match self {
            Durability::Fast => "may_lose_last_transactions",
            Durability::Full => "full",
        }
    }
}

/// One server to measure: a binary and the `synchronous` value of its database URL.
#[derive(Debug, Clone)]
pub struct ServerSpec {
    pub binary: PathBuf,
    pub synchronous: &'static str,
    /// An earlier build, measured in the same run as the baseline.
    pub baseline: bool,
}

impl ServerSpec {
    pub fn label(&self) -> String {
        let build = if self.baseline {
            "baseline build"
        } else {
            "this build"
        };
        format!("{build}, synchronous={}", self.synchronous)
    }
}

#[derive(Debug, Clone)]
pub struct Options {
    /// Measured time per point (endpoint × connections).
    pub seconds: Duration,
    /// Unmeasured time before each point.
    pub warmup: Duration,
    /// Rounds each point's time is split into, the builds taking turns round by round.
    pub rounds: u32,
    pub durabilities: Vec<Durability>,
    /// An earlier `orderly-server` binary, run first as the same-run baseline.
    pub baseline_bin: Option<PathBuf>,
    /// The `synchronous` values the baseline runs with (`normal` only for builds from before
    /// the durable default, which refuse it).
    pub baseline_syncs: Vec<&'static str>,
    pub connections: Vec<usize>,
    /// Exit non-zero when a target is missed.
    pub strict: bool,
    /// `RUST_LOG` for the server (its log goes to a file next to the database).
    pub server_log: String,
}

pub const USAGE: &str = "\
usage: cargo bench -p orderly-server --bench load -- [options]
  --seconds N          measured seconds per point (default 3)
  --warmup-ms N        unmeasured warm-up per point (default 300)
  --rounds N           rounds per point, the servers taking turns (default 6)
  --sync fast|full|both   SQLite durability of this build's database (default both; fast is
                       synchronous=may_lose_last_transactions)
  --baseline-bin PATH  an earlier orderly-server build, measured first, against which this
                       build's durable figures are compared
  --baseline-sync LIST synchronous values of the baseline (default normal,full; builds with
                       the durable default take full or may_lose_last_transactions)
  --connections 1,8,64 connection counts (default 1,8,64)
  --server-log LEVEL   RUST_LOG of the server (default warn)
  --strict             exit 1 when a target is missed";

impl Options {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
        let mut options = Options {
            seconds: Duration::from_secs(3),
            warmup: Duration::from_millis(300),
            rounds: 6,
            durabilities: vec![Durability::Fast, Durability::Full],
            baseline_bin: None,
            baseline_syncs: vec!["normal", "full"],
            connections: vec![1, 8, 64],
            strict: false,
            server_log: "warn".into(),
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            match arg.as_str() {
                // `cargo bench` passes `--bench` to every bench target.
                "--bench" => {}
                "--seconds" => {
                    let secs: f64 = value("--seconds")?
                        .parse()
                        .map_err(|_| "--seconds must be a number")?;
                    if !(0.1..=600.0).contains(&secs) {
                        return Err("--seconds must be between 0.1 and 600".into());
                    }
                    options.seconds = Duration::from_secs_f64(secs);
                }
                "--warmup-ms" => {
                    let ms: u64 = value("--warmup-ms")?
                        .parse()
                        .map_err(|_| "--warmup-ms must be an integer")?;
                    options.warmup = Duration::from_millis(ms.min(60_000));
                }
                "--rounds" => {
                    let rounds: u32 = value("--rounds")?
                        .parse()
                        .map_err(|_| "--rounds must be an integer")?;
                    if !(1..=100).contains(&rounds) {
                        return Err("--rounds must be between 1 and 100".into());
                    }
                    options.rounds = rounds;
                }
                "--sync" => {
                    options.durabilities = match value("--sync")?.as_str() {
                        "fast" => vec![Durability::Fast],
                        "full" => vec![Durability::Full],
                        "both" => vec![Durability::Fast, Durability::Full],
                        other => return Err(format!("--sync {other}: use fast, full or both")),
                    }
                }
                "--connections" => {
                    let list = value("--connections")?;
                    options.connections = list
                        .split(',')
                        .map(|n| n.trim().parse::<usize>())
                        .collect::<Result<Vec<_>, _>>()
                        .map_err(|_| format!("--connections {list}: use e.g. 1,8,64"))?;
                    if options.connections.iter().any(|&n| n == 0 || n > 512) {
                        return Err("connection counts must be 1 to 512".into());
                    }
                }
                "--server-log" => options.server_log = value("--server-log")?,
                "--baseline-bin" => options.baseline_bin = Some(value("--baseline-bin")?.into()),
                "--baseline-sync" => {
                    let list = value("--baseline-sync")?;
                    options.baseline_syncs = list
                        .split(',')
                        .map(|s| match s.trim() {
                            "normal" => Ok("normal"),
                            "full" => Ok("full"),
                            "may_lose_last_transactions" => Ok("may_lose_last_transactions"),
                            other => Err(format!("--baseline-sync: unknown value {other}")),
                        })
                        .collect::<Result<_, _>>()?;
                }
                "--strict" => options.strict = true,
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown option {other}\n{USAGE}")),
            }
        }
        Ok(options)
    }

    /// The servers to measure, in order: the baseline's (if any), then this build's.
    pub fn specs(&self, this_build: &str) -> Vec<ServerSpec> {
        let mut specs = Vec::new();
        if let Some(binary) = &self.baseline_bin {
            for &synchronous in &self.baseline_syncs {
                specs.push(ServerSpec {
                    binary: binary.clone(),
                    synchronous,
                    baseline: true,
                });
            }
        }
        for durability in &self.durabilities {
            specs.push(ServerSpec {
                binary: this_build.into(),
                synchronous: durability.as_str(),
                baseline: false,
            });
        }
        specs
    }

    pub fn max_connections(&self) -> usize {
        self.connections.iter().copied().max().unwrap_or(1)
    }
}
