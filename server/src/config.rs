//! Command line and environment: the flags and variables of the order API contract, and the
//! `token` subcommand.

use std::time::Duration;

use clap::{Parser, Subcommand, ValueEnum};
use orderly::sync::OfflinePolicy;
use orderly::webhooks::{DeliverySchedule, TargetPolicy};
use orderly::{Currency, Money, Role, WebhookConfig};

use crate::connections::ConnectionLimits;
use crate::limits::ServerLimits;
use crate::webhooks::SenderConfig;

/// Orderly's REST server.
#[derive(Debug, Clone, Parser)]
#[command(name = "orderly-server", version, about, long_about = None)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Option<Command>,

    /// Address to listen on.
    #[arg(long, env = "ORDERLY_LISTEN", default_value = "127.0.0.1:8080")]
    pub listen: String,

    /// Store URL: sqlite://orderly.db, sqlite:///abs/path.db, sqlite::memory: or
    /// mysql://user:pass@host:port/db.
    #[arg(
        long = "database",
        env = "ORDERLY_DATABASE_URL",
        default_value = "sqlite://orderly.db",
        global = true
    )]
    pub database_url: String,

    /// Base URL of the Cart Service; without it the cart endpoints answer 503.
    #[arg(long = "cart-url", env = "CART_SERVICE_URL")]
    pub cart_url: Option<String>,

    /// Bearer token sent to the Cart Service, when the deployment sets one.
    #[arg(
        long = "cart-token",
        env = "CART_SERVICE_TOKEN",
        hide_env_values = true
    )]
    pub cart_token: Option<String>,

    /// Redis URL (redis://127.0.0.1:6379) for the read-through order cache; optional. Redis
    /// being down never fails a request: orders are then served from the store.
    #[arg(long = "redis-url", env = "ORDERLY_REDIS_URL", hide_env_values = true)]
    pub redis_url: Option<String>,

    /// Threads that serve store reads (order, history, status, analytics, readiness).
    /// Default on SQLite: one per CPU core, at most 4 (its read connections). Default on MySQL:
    /// 4; reads there wait on the network, so raise it with the pool size for a remote database.
    #[arg(
        long = "read-threads",
        env = "ORDERLY_READ_THREADS",
        value_parser = clap::value_parser!(u16).range(1..=1024)
    )]
    pub read_threads: Option<u16>,

    /// Connections open at once. At the cap a new connection is still accepted, and the one
    /// that has waited longest for a request head (since it opened or since its last answer) is
    /// closed to make room; one in the middle of a request never is. Only when every connection
    /// is mid-request do new ones wait in the kernel's backlog. Keep it below the open files
    /// limit (the server raises its soft limit to the hard one at start-up).
    #[arg(
        long = "max-connections",
        env = "ORDERLY_MAX_CONNECTIONS",
        default_value_t = 10_000,
        value_parser = clap::value_parser!(u32).range(1..=1_000_000)
    )]
    pub max_connections: u32,

    /// Time a client has to send a request's head (also how long a keep-alive connection may
    /// wait for its next request): 500ms, 10s, 1m.
    #[arg(
        long = "header-read-timeout",
        env = "ORDERLY_HEADER_READ_TIMEOUT",
        default_value = "10s",
        value_parser = parse_timeout
    )]
    pub header_read_timeout: Duration,

    /// Time a connection may pass without a byte read or written (a client that stalls
    /// sending its body or reading its answer). Keep it above --request-timeout.
    #[arg(
        long = "idle-timeout",
        env = "ORDERLY_IDLE_TIMEOUT",
        default_value = "60s",
        value_parser = parse_timeout
    )]
    pub idle_timeout: Duration,

    /// Time a request may take before the client gets 503 `request_timeout`.
    #[arg(
        long = "request-timeout",
        env = "ORDERLY_REQUEST_TIMEOUT",
        default_value = "30s",
        value_parser = parse_timeout
    )]
    pub request_timeout: Duration,

    /// Engine calls that write running at once (each holds a thread and, on MySQL, a pooled
    /// connection while it runs).
    #[arg(
        long = "store-pool-size",
        env = "ORDERLY_STORE_POOL_SIZE",
        default_value_t = 32,
        value_parser = clap::value_parser!(u32).range(1..=4096)
    )]
    pub store_pool_size: u32,

    /// Store calls that may wait for a thread, reads and writes each; one more is shed with
    /// 503 `overloaded` and `Retry-After: 1`.
    #[arg(
        long = "store-queue",
        env = "ORDERLY_STORE_QUEUE",
        default_value_t = 256,
        value_parser = clap::value_parser!(u32).range(0..=1_000_000)
    )]
    pub store_queue: u32,

    /// How long delivered outbox events and expired checkout quotes are kept before the
    /// server's retention sweeps (every 10 minutes) delete them: 90s, 30m, 12h, 7d, ...
    #[arg(
        long = "retention",
        env = "ORDERLY_RETENTION",
        default_value = "7d",
        value_parser = parse_ttl
    )]
    pub retention: Duration,

    /// SMTP server for order confirmation emails (plain SMTP, e.g. a local relay). With
    /// --kafka-brokers, the server also runs the email worker; `orderly-server notify` runs
    /// only the worker.
    #[arg(long = "smtp-host", env = "ORDERLY_SMTP_HOST", global = true)]
    pub smtp_host: Option<String>,

    /// SMTP port.
    #[arg(
        long = "smtp-port",
        env = "ORDERLY_SMTP_PORT",
        default_value_t = 25,
        global = true
    )]
    pub smtp_port: u16,

    /// Sender of confirmation emails.
    #[arg(
        long = "mail-from",
        env = "ORDERLY_MAIL_FROM",
        default_value = "Orderly <orders@localhost>",
        global = true
    )]
    pub mail_from: String,

    /// Kafka bootstrap brokers (host:port, comma-separated). When set, the server also runs
    /// the outbox relay; `orderly-server relay` runs only the relay.
    #[arg(
        long = "kafka-brokers",
        env = "ORDERLY_KAFKA_BROKERS",
        value_delimiter = ',',
        global = true
    )]
    pub kafka_brokers: Vec<String>,

    /// Kafka topic for order events.
    #[arg(
        long = "kafka-topic",
        env = "ORDERLY_KAFKA_TOPIC",
        default_value = crate::relay::DEFAULT_TOPIC,
        global = true
    )]
    pub kafka_topic: String,

    /// A librdkafka property for the Kafka clients, KEY=VALUE; repeat the flag for several
    /// (in the environment, separate them with `;`). For managed Kafka, e.g.
    /// security.protocol=SASL_SSL, sasl.mechanism=SCRAM-SHA-512, sasl.username=...,
    /// sasl.password=...; or compression.type=zstd. Values are never logged.
    #[arg(
        long = "kafka-option",
        env = "ORDERLY_KAFKA_OPTIONS",
        value_delimiter = ';',
        value_parser = parse_kafka_option,
        hide_env_values = true,
        global = true
    )]
    pub kafka_options: Vec<(String, String)>,

    /// Kafka consumer group of the confirmation email workers.
    #[arg(
        long = "kafka-group",
        env = "ORDERLY_KAFKA_GROUP",
        default_value = crate::notify::DEFAULT_GROUP,
        global = true
    )]
    pub kafka_group: String,

    /// How old an order captured offline may be when a device pushes it (from its
    /// clock-corrected capture time) before it is stored as `needs_review`: 90s, 30m, 72h, 7d.
    #[arg(
        long = "offline-limit",
        env = "ORDERLY_OFFLINE_LIMIT",
        default_value = "72h",
        value_parser = parse_ttl
    )]
    pub offline_limit: Duration,

    /// The largest total of an order captured offline before it is stored as `needs_review`:
    /// `CUR=AMOUNT` per currency (`USD=500.00`; repeat the flag or separate with `,`), or a
    /// plain number of minor units for every currency without its own limit (`50000`).
    /// Default: no limit.
    #[arg(
        long = "offline-amount-limit",
        env = "ORDERLY_OFFLINE_AMOUNT_LIMIT",
        value_delimiter = ',',
        value_parser = parse_amount_limit
    )]
    pub offline_amount_limits: Vec<AmountLimit>,

    /// Do not send webhooks from this server (deliveries still accumulate for the servers that
    /// do, and staff still manage subscriptions).
    #[arg(long = "disable-webhooks", env = "ORDERLY_DISABLE_WEBHOOKS")]
    pub disable_webhooks: bool,

    /// Allow webhook targets on loopback, private, link-local and other internal addresses,
    /// and plain http (tests and private deployments). Off by default: such targets are
    /// refused when a subscription is made and again when a delivery connects.
    #[arg(long = "webhook-allow-private", env = "ORDERLY_WEBHOOK_ALLOW_PRIVATE")]
    pub webhook_allow_private: bool,

    /// The longest one webhook attempt may take, connecting included: 500ms, 10s, 1m.
    #[arg(
        long = "webhook-timeout",
        env = "ORDERLY_WEBHOOK_TIMEOUT",
        default_value = "10s",
        value_parser = parse_timeout
    )]
    pub webhook_timeout: Duration,

    /// How long a webhook delivery is retried before it fails and its subscription is marked
    /// failing: 24h (the default and the production minimum), or seconds in tests.
    #[arg(
        long = "webhook-retry-window",
        env = "ORDERLY_WEBHOOK_RETRY_WINDOW",
        default_value = "24h",
        value_parser = parse_ttl
    )]
    pub webhook_retry_window: Duration,

    /// The first pause before a failed webhook delivery is retried; it doubles (jittered) up
    /// to an hour.
    #[arg(
        long = "webhook-first-retry",
        env = "ORDERLY_WEBHOOK_FIRST_RETRY",
        default_value = "5s",
        value_parser = parse_timeout
    )]
    pub webhook_first_retry: Duration,

    /// Webhook attempts in flight at once, across subscriptions.
    #[arg(
        long = "webhook-concurrency",
        env = "ORDERLY_WEBHOOK_CONCURRENCY",
        default_value_t = 64,
        value_parser = clap::value_parser!(u32).range(1..=4096)
    )]
    pub webhook_concurrency: u32,

    /// Webhook attempts in flight at once for one subscription: a slow receiver holds at most
    /// this many.
    #[arg(
        long = "webhook-per-subscription",
        env = "ORDERLY_WEBHOOK_PER_SUBSCRIPTION",
        default_value_t = 8,
        value_parser = clap::value_parser!(u32).range(1..=1024)
    )]
    pub webhook_per_subscription: u32,

    /// Secret that signs and verifies HS256 tokens (at least 32 bytes). Required.
    #[arg(
        long = "jwt-secret",
        env = "ORDERLY_JWT_SECRET",
        hide_env_values = true,
        global = true
    )]
    pub jwt_secret: Option<String>,

    /// A staff secret (at least 16 bytes) that signs in to the dashboard at /admin as staff
    /// member `admin`, for an hour at a time. Off when absent: staff sign in with a token.
    #[arg(
        long = "admin-secret",
        env = "ORDERLY_ADMIN_SECRET",
        hide_env_values = true
    )]
    pub admin_secret: Option<String>,
}

#[derive(Debug, Clone, Subcommand)]
pub enum Command {
    /// Run only the outbox relay: publish undelivered order events to Kafka until stopped.
    /// Needs --database and --kafka-brokers, not a JWT secret.
    Relay,
    /// Run only the confirmation email worker: read order.placed events from Kafka and send
    /// one email per order. Needs --database, --kafka-brokers and --smtp-host.
    Notify,
    /// Print a signed token for local use.
    Token {
        /// The subject: the user id for customers, the device id for devices.
        #[arg(long)]
        sub: String,
        /// The caller's role.
        #[arg(long, value_enum, default_value_t = RoleArg::Customer)]
        role: RoleArg,
        /// How long the token is valid: 90s, 30m, 1h, 7d, or plain seconds.
        #[arg(long, default_value = "1h", value_parser = parse_ttl)]
        ttl: Duration,
    },
}

#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub enum RoleArg {
    Customer,
    Admin,
    Service,
    Device,
}

impl From<RoleArg> for Role {
    fn from(r: RoleArg) -> Self {
        match r {
            RoleArg::Customer => Role::Customer,
            RoleArg::Admin => Role::Admin,
            RoleArg::Service => Role::Service,
            RoleArg::Device => Role::Device,
        }
    }
}

/// Parses a `KEY=VALUE` librdkafka property.
pub fn parse_kafka_option(text: &str) -> Result<(String, String), String> {
    match text.trim().split_once('=') {
        Some((key, value)) if !key.trim().is_empty() => {
            Ok((key.trim().to_owned(), value.trim().to_owned()))
        }
        _ => Err("expected KEY=VALUE, e.g. security.protocol=SASL_SSL".into()),
    }
}

/// One `--offline-amount-limit` value.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum AmountLimit {
    /// A limit for one currency, in its minor units.
    Currency(Currency, i64),
    /// A limit in minor units for every currency without its own.
    Default(i64),
}

/// Parses `USD=500.00` (a decimal amount in the currency's digits) or `50000` (minor units).
pub fn parse_amount_limit(text: &str) -> Result<AmountLimit, String> {
    let text = text.trim();
    match text.split_once('=') {
        Some((code, amount)) => {
            let currency = Currency::from_code(code.trim()).map_err(|e| e.to_string())?;
            let money =
                Money::parse_non_negative(amount.trim(), currency).map_err(|e| e.to_string())?;
            Ok(AmountLimit::Currency(currency, money.minor()))
        }
        None => text
            .parse::<i64>()
            .ok()
            .filter(|n| *n >= 0)
            .map(AmountLimit::Default)
            .ok_or_else(|| {
                format!("{text:?} is not CUR=AMOUNT (USD=500.00) or a number of minor units")
            }),
    }
}

impl Cli {
    /// Where webhooks may go and how they are retried, as the flags set it. A delivery's
    /// lease outlasts its attempt by 5 s, so a stopped server's attempts are taken up again
    /// soon after.
    pub fn webhook_config(&self) -> WebhookConfig {
        WebhookConfig {
            targets: TargetPolicy {
                allow_private: self.webhook_allow_private,
            },
            schedule: DeliverySchedule::new(self.webhook_retry_window)
                .with_pauses(self.webhook_first_retry, Duration::from_secs(3600)),
            lease: self.webhook_timeout + Duration::from_secs(5),
        }
    }

    /// The webhook sender's settings as the flags set them.
    pub fn webhook_sender(&self) -> SenderConfig {
        SenderConfig {
            timeout: self.webhook_timeout,
            max_in_flight: self.webhook_concurrency as usize,
            per_subscription: self.webhook_per_subscription as usize,
            ..SenderConfig::default()
        }
    }

    /// The offline sync policy as the flags set it.
    pub fn offline_policy(&self) -> OfflinePolicy {
        let mut policy = OfflinePolicy {
            offline_limit_ms: i64::try_from(self.offline_limit.as_millis()).unwrap_or(i64::MAX),
            ..OfflinePolicy::default()
        };
        for limit in &self.offline_amount_limits {
            match *limit {
                AmountLimit::Currency(currency, minor) => {
                    policy.amount_limits.insert(currency, minor);
                }
                AmountLimit::Default(minor) => policy.default_amount_limit = Some(minor),
            }
        }
        policy
    }

    /// The server's limits as the flags set them.
    pub fn limits(&self) -> ServerLimits {
        ServerLimits {
            connections: ConnectionLimits {
                max_connections: usize::try_from(self.max_connections).unwrap_or(usize::MAX),
                header_read_timeout: self.header_read_timeout,
                idle_timeout: self.idle_timeout,
            },
            request_timeout: self.request_timeout,
            store_pool_size: usize::try_from(self.store_pool_size).unwrap_or(usize::MAX),
            store_queue: usize::try_from(self.store_queue).unwrap_or(usize::MAX),
        }
    }
}

/// Parses `250ms`, `10s`, `2m` or a number of seconds; between 1 ms and one hour.
pub fn parse_timeout(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, millis_per_unit) = if let Some(n) = text.strip_suffix("ms") {
        (n, 1)
    } else if let Some(n) = text.strip_suffix('s') {
        (n, 1000)
    } else if let Some(n) = text.strip_suffix('m') {
        (n, 60_000)
    } else {
        (text, 1000)
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 250ms, 10s or 2m"))?;
    let millis = n.saturating_mul(millis_per_unit);
    if !(1..=3_600_000).contains(&millis) {
        return Err("a timeout must be between 1 ms and 1 hour".into());
    }
    Ok(Duration::from_millis(millis))
}

/// Parses `90s`, `30m`, `1h`, `7d` or a number of seconds; between 1 second and 366 days.
pub fn parse_ttl(text: &str) -> Result<Duration, String> {
    let text = text.trim();
    let (number, unit) = match text.char_indices().last() {
        Some((i, c)) if c.is_ascii_alphabetic() => (text.get(..i).unwrap_or(""), c),
        _ => (text, 's'),
    };
    let n: u64 = number
        .parse()
        .map_err(|_| format!("{text:?} is not a duration like 90s, 30m, 1h or 7d"))?;
    let factor = match unit {
        's' => 1,
        'm' => 60,
        'h' => 3600,
        'd' => 86_400,
        _ => return Err(format!("unknown unit {unit:?}: use s, m, h or d")),
    };
    let secs = n.saturating_mul(factor);
    if !(1..=366 * 86_400).contains(&secs) {
        return Err("the ttl must be between 1 second and 366 days".into());
    }
    Ok(Duration::from_secs(secs))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn ttls() {
        assert_eq!(parse_ttl("1h").unwrap(), Duration::from_secs(3600));
        assert_eq!(parse_ttl("90s").unwrap(), Duration::from_secs(90));
        assert_eq!(parse_ttl("30m").unwrap(), Duration::from_secs(1800));
        assert_eq!(parse_ttl("2d").unwrap(), Duration::from_secs(172_800));
        assert_eq!(parse_ttl("45").unwrap(), Duration::from_secs(45));
        for bad in ["", "h", "1x", "-1h", "0s", "400d", "1.5h"] {
            assert!(parse_ttl(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn timeouts() {
        assert_eq!(parse_timeout("250ms").unwrap(), Duration::from_millis(250));
        assert_eq!(parse_timeout("10s").unwrap(), Duration::from_secs(10));
        assert_eq!(parse_timeout("2m").unwrap(), Duration::from_secs(120));
        assert_eq!(parse_timeout("5").unwrap(), Duration::from_secs(5));
        for bad in ["", "ms", "0s", "0ms", "-1s", "1.5s", "2h", "61m"] {
            assert!(parse_timeout(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn limits_default_to_the_documented_values_and_follow_the_flags() {
        let cli = Cli::try_parse_from(["orderly-server"]).unwrap();
        assert_eq!(cli.limits(), ServerLimits::default());
        let cli = Cli::try_parse_from([
            "orderly-server",
            "--max-connections",
            "50",
            "--header-read-timeout",
            "2s",
            "--idle-timeout",
            "90s",
            "--request-timeout",
            "500ms",
            "--store-pool-size",
            "4",
            "--store-queue",
            "0",
        ])
        .unwrap();
        let limits = cli.limits();
        assert_eq!(limits.connections.max_connections, 50);
        assert_eq!(
            limits.connections.header_read_timeout,
            Duration::from_secs(2)
        );
        assert_eq!(limits.connections.idle_timeout, Duration::from_secs(90));
        assert_eq!(limits.request_timeout, Duration::from_millis(500));
        assert_eq!((limits.store_pool_size, limits.store_queue), (4, 0));
        assert!(Cli::try_parse_from(["orderly-server", "--max-connections", "0"]).is_err());
    }

    #[test]
    fn offline_limits_follow_the_flags() {
        let cli = Cli::try_parse_from(["orderly-server"]).unwrap();
        assert_eq!(cli.offline_policy(), OfflinePolicy::default());
        let cli = Cli::try_parse_from([
            "orderly-server",
            "--offline-limit",
            "2h",
            "--offline-amount-limit",
            "USD=500.00,50000",
            "--offline-amount-limit",
            "JPY=9000",
        ])
        .unwrap();
        let policy = cli.offline_policy();
        assert_eq!(policy.offline_limit_ms, 7_200_000);
        let usd = Currency::from_code("USD").unwrap();
        let jpy = Currency::from_code("JPY").unwrap();
        assert_eq!(policy.amount_limits.get(&usd), Some(&50_000));
        assert_eq!(policy.amount_limits.get(&jpy), Some(&9_000));
        assert_eq!(policy.default_amount_limit, Some(50_000));
        for bad in ["", "USD=", "XXX=1", "USD=1.001", "-5", "USD=-1"] {
            assert!(parse_amount_limit(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn kafka_options_are_key_value_pairs() {
        let cli = Cli::try_parse_from([
            "orderly-server",
            "--kafka-option",
            "security.protocol=SASL_SSL",
            "--kafka-option",
            "sasl.password=a=b",
        ])
        .unwrap();
        assert_eq!(
            cli.kafka_options,
            vec![
                ("security.protocol".to_owned(), "SASL_SSL".to_owned()),
                ("sasl.password".to_owned(), "a=b".to_owned()),
            ]
        );
        assert_eq!(cli.kafka_group, "orderly-notify");
        for bad in ["", "novalue", "=x"] {
            assert!(parse_kafka_option(bad).is_err(), "{bad}");
        }
    }

    #[test]
    fn contract_flags_and_defaults() {
        let cli = Cli::try_parse_from(["orderly-server", "--jwt-secret", "s"]).unwrap();
        assert_eq!(cli.listen, "127.0.0.1:8080");
        assert_eq!(cli.database_url, "sqlite://orderly.db");
        assert!(cli.command.is_none());
        let cli = Cli::try_parse_from([
            "orderly-server",
            "token",
            "--sub",
            "alice",
            "--role",
            "admin",
            "--ttl",
            "1h",
            "--jwt-secret",
            "s",
        ])
        .unwrap();
        assert!(matches!(
            cli.command,
            Some(Command::Token {
                role: RoleArg::Admin,
                ..
            })
        ));
        assert_eq!(cli.jwt_secret.as_deref(), Some("s"));
    }
}
