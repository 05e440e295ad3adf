//! The Redis side of the order cache: a few pooled connections with short timeouts, a
//! version-guarded put (never replaces a newer version with an older one) and a circuit that
//! skips Redis for a moment after it failed.

use std::sync::Mutex;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::{Duration, Instant};

use orderly::{OrderDocument, OrderId, Timestamp, UserId};
use redis::{Client, Commands, Connection, RedisResult, Script};
use serde::de::IgnoredAny;

// Sets the document only if the cached version is missing or older; refreshes the expiry.
// An entry holds the document's columns beside it: version, owner, creation time and the
// document's format.
const PUT_IF_NEWER: &str = r"
local current = redis.call('HGET', KEYS[1], 'v')
if current and tonumber(current) >= tonumber(ARGV[1]) then return 0 end
redis.call('HSET', KEYS[1], 'v', ARGV[1], 'doc', ARGV[2], 'u', ARGV[3], 'c', ARGV[4], 'f', ARGV[6])
redis.call('PEXPIRE', KEYS[1], ARGV[5])
return 1
";

/// `v`, `doc`, `u`, `c` and `f` of an entry; any of the first four missing makes the entry a
/// miss.
type CachedFields = (
    Option<u32>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<u32>,
);

/// The format of entries written before entries named theirs: documents that may still hold
/// a payment token, which reading them removes.
const FORMAT_OF_UNMARKED_ENTRIES: u32 = 1;

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
            "{}g{}:doc:{id}",
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

    /// The cached document, if Redis answers and has a whole entry for `id`. `None` on a miss
    /// or any failure.
    pub(crate) fn get(&self, id: &OrderId) -> Option<OrderDocument> {
        let key = self.key(id);
        let fields: CachedFields =
            self.with_connection(|c| c.hget(&key, &["v", "doc", "u", "c", "f"]))?;
        let entry = match fields {
            (None, None, None, None, _) => return None,
            // Redis is shared: an entry is served as it is only if it is at least JSON.
            (Some(version), Some(doc), Some(user), Some(created_at), format)
                if serde_json::from_str::<IgnoredAny>(&doc).is_ok() =>
            {
                UserId::new(user).ok().and_then(|user| {
                    OrderDocument::from_stored(
                        *id,
                        user,
                        version,
                        Timestamp::from_unix_millis(created_at),
                        format.unwrap_or(FORMAT_OF_UNMARKED_ENTRIES),
                        doc,
                    )
                    .ok()
                })
            }
            _ => None,
        };
        if entry.is_none() {
            tracing::warn!(order_id = %id, "malformed cache entry ignored");
        }
        entry
    }

    /// Caches `document` unless a newer version is cached. False when Redis did not take it.
    pub(crate) fn put(&self, document: &OrderDocument) -> bool {
        let key = self.key(&document.id);
        let ttl = u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX);
        let done = self.with_connection(|c| {
            self.script
                .key(&key)
                .arg(document.version)
                .arg(document.json())
                .arg(document.user_id.as_str())
                .arg(document.created_at.unix_millis())
                .arg(ttl)
                .arg(OrderDocument::FORMAT)
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
