//! Command-line options of the sync benchmark (after `cargo bench ... --`).

#[derive(Debug, Clone)]
pub struct Options {
    /// Orders each mode sends per round.
    pub orders: usize,
    /// Rounds; the modes take turns in each, the first of a round rotating.
    pub rounds: usize,
    /// Operations per push, each measured as its own mode.
    pub batches: Vec<usize>,
    /// Offline orders the backlog device drains in one `Embedded::sync` (0: skip).
    pub backlog: usize,
    /// The `synchronous` value of the server's database URL; `None` for the durable default.
    pub server_sync: Option<String>,
    /// `RUST_LOG` for the server (its log goes to a file next to the database).
    pub server_log: String,
    /// Exit non-zero when the target is missed.
    pub strict: bool,
}

pub const USAGE: &str = "\
usage: cargo bench -p orderly-server --bench sync -- [options]
  --orders N        orders each mode sends per round (default 500)
  --rounds N        rounds, the modes taking turns in each (default 5)
  --batches LIST    operations per push (default 1,100,500)
  --backlog N       offline orders drained by one Embedded::sync (default 10000; 0 skips)
  --server-sync V   synchronous= of the server's SQLite URL (default: none given, the
                    durable default full; may_lose_last_transactions to see what the
                    per-operation commit sync costs)
  --server-log LEVEL  RUST_LOG of the server (default warn)
  --strict          exit 1 when the 5x target is missed";

impl Options {
    pub fn parse(args: impl IntoIterator<Item = String>) -> Result<Options, String> {
        let mut options = Options {
            orders: 500,
            rounds: 5,
            batches: vec![1, 100, 500],
            backlog: 10_000,
            server_sync: None,
            server_log: "warn".into(),
            strict: false,
        };
        let mut args = args.into_iter();
        while let Some(arg) = args.next() {
            let mut value = |name: &str| args.next().ok_or(format!("{name} needs a value"));
            let number = |name: &str, text: String, range: std::ops::RangeInclusive<usize>| {
                text.parse::<usize>()
                    .ok()
                    .filter(|n| range.contains(n))
                    .ok_or(format!(
                        "{name} must be an integer from {} to {}",
                        range.start(),
                        range.end()
                    ))
            };
            match arg.as_str() {
                // `cargo bench` passes `--bench` to every bench target.
                "--bench" => {}
                "--orders" => options.orders = number(&arg, value(&arg)?, 1..=100_000)?,
                "--rounds" => options.rounds = number(&arg, value(&arg)?, 1..=100)?,
                "--backlog" => options.backlog = number(&arg, value(&arg)?, 0..=1_000_000)?,
                "--batches" => {
                    let list = value(&arg)?;
                    options.batches = list
                        .split(',')
                        .map(|n| number("a batch size", n.trim().to_owned(), 1..=500))
                        .collect::<Result<_, _>>()?;
                }
                "--server-sync" => {
                    let v = value(&arg)?;
                    if !matches!(v.as_str(), "full" | "may_lose_last_transactions") {
                        return Err(format!(
                            "--server-sync {v}: use full or may_lose_last_transactions"
                        ));
                    }
                    options.server_sync = Some(v);
                }
                "--server-log" => options.server_log = value(&arg)?,
                "--strict" => options.strict = true,
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown option {other}\n{USAGE}")),
            }
        }
        Ok(options)
    }
}
