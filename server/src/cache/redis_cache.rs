//! The Redis side of the order cache: a few pooled connections with short timeouts, a
//! version-guarded put (never replaces a newer version with an older one) and a circuit that
//! skips Redis for a moment after it failed.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use orderly::{Order, OrderId};
use redis::{Client, Commands, Connection, RedisResult, Script};

// Sets the order only if the cached version is missing or older; refreshes the expiry.
const PUT_IF_NEWER: &str = r"
local current = redis.call('HGET', KEYS[1], 'v')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'doc', ARGV[2])
redis.call('PEXPIRE', KEYS[1], ARGV[3])
return 1
";

const TIMEOUT: Duration = Duration::from_millis(250);
const PAUSE_AFTER_FAILURE: Duration = Duration::from_secs(1);
const POOL: usize = 8;

pub(crate) struct RedisCache {
    client: Client,
    prefix: String,
    ttl: Duration,
    /// Part of every key. Changed after a write could not be applied to Redis, so that entries
    /// this server can no longer vouch for are never read again (they expire on their own).
    generation: AtomicU64,
    idle: Mutex<Vec<Connection>>,
    paused_until: Mutex<Option<Instant>>,
    script: Script,
}

impl std::fmt::Debug for RedisCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisCache")
            .field("prefix", &self.prefix)
            .field("generation", &self.generation.load(Ordering::Relaxed))
            .finish()
    }
}

impl RedisCache {
    pub(crate) fn new(url: &str, prefix: &str, ttl: Duration) -> RedisResult<Self> {
        Ok(RedisCache {
            client: Client::open(url)?,
            prefix: prefix.to_owned(),
            ttl,
            generation: AtomicU64::new(0),
            idle: Mutex::new(Vec::new()),
            paused_until: Mutex::new(None),
            script: Script::new(PUT_IF_NEWER),
        })
    }

    fn key(&self, id: &OrderId) -> String {
        format!(
            "{}g{}:order:{id}",
            self.prefix,
            self.generation.load(Ordering::SeqCst)
        )
    }

    /// Forget everything cached so far (for this server).
    pub(crate) fn invalidate_all(&self) {
        self.generation
            .store(fastrand::u64(1..u64::MAX), Ordering::SeqCst);
    }

    fn paused(&self) -> bool {
        let guard = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        guard.is_some_and(|until| Instant::now() < until)
    }

    fn with_connection<T>(&self, op: impl FnOnce(&mut Connection) -> RedisResult<T>) -> Option<T> {
        if self.paused() {
            return None;
        }
        let pooled = self.idle.lock().unwrap_or_else(|p| p.into_inner()).pop();
        let connection = match pooled {
            Some(c) => Ok(c),
            None => self
                .client
                .get_connection_with_timeout(TIMEOUT)
                .and_then(|c| {
                    c.set_read_timeout(Some(TIMEOUT))?;
                    c.set_write_timeout(Some(TIMEOUT))?;
                    Ok(c)
                }),
        };
        let result = connection.and_then(|mut c| op(&mut c).map(|value| (value, c)));
        match result {
            Ok((value, c)) => {
                let mut idle = self.idle.lock().unwrap_or_else(|p| p.into_inner());
                if idle.len() < POOL {
                    idle.push(c);
                }
                Some(value)
            }
            Err(e) => {
                let mut paused = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
                if paused.is_none() {
                    tracing::warn!(error = %e, "redis unavailable: serving orders from the store");
                }
                *paused = Some(Instant::now() + PAUSE_AFTER_FAILURE);
                self.idle.lock().unwrap_or_else(|p| p.into_inner()).clear();
                None
            }
        }
    }

    /// The cached order, if Redis answers and has it. `None` on a miss or any failure.
    pub(crate) fn get(&self, id: &OrderId) -> Option<Order> {
        let key = self.key(id);
        let doc: String =
            self.with_connection(|c| c.hget::<_, _, Option<String>>(&key, "doc"))??;
        match serde_json::from_str(&doc) {
            Ok(order) => Some(order),
            Err(e) => {
                tracing::warn!(error = %e, order_id = %id, "undecodable cache entry ignored");
                None
            }
        }
    }

    /// Caches `order` unless a newer version is cached. False when Redis did not take it.
    pub(crate) fn put(&self, order: &Order) -> bool {
        let Ok(doc) = serde_json::to_string(order) else {
            return false;
        };
        let key = self.key(&order.id);
        let ttl = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        let done = self.with_connection(|c| {
            self.script
                .key(&key)
                .arg(order.version)
                .arg(&doc)
                .arg(ttl)
                .invoke::<i64>(c)
        });
        if done.is_some() {
            self.clear_pause_log();
        }
        done.is_some()
    }

    /// Drops the cached entry. False when Redis did not answer.
    pub(crate) fn remove(&self, id: &OrderId) -> bool {
        let key = self.key(id);
        self.with_connection(|c| c.del::<_, i64>(&key)).is_some()
    }

    fn clear_pause_log(&self) {
        let mut paused = self.paused_until.lock().unwrap_or_else(|p| p.into_inner());
        if paused.take().is_some() {
            tracing::info!("redis available again");
        }
    }
}
