//! Time: a millisecond UTC timestamp and the injected clock.

use std::fmt;
use std::time::{SystemTime, UNIX_EPOCH};

use chrono::{DateTime, Datelike, SecondsFormat, Utc};
use serde::{Deserialize, Deserializer, Serialize, Serializer};

/// A UTC instant with millisecond precision, serialized as RFC 3339.
#[derive(Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Timestamp(i64);

impl Timestamp {
    /// The instant `ms` milliseconds after the Unix epoch (negative before it).
    pub const fn from_unix_millis(ms: i64) -> Self {
        Timestamp(ms)
    }

    /// Milliseconds since the Unix epoch.
    pub fn unix_millis(&self) -> i64 {
        self.0
    }

    /// The instant as a chrono UTC date-time (the epoch for the few millisecond counts
    /// chrono cannot represent, hundreds of thousands of years away).
    pub fn to_datetime(&self) -> DateTime<Utc> {
        DateTime::from_timestamp_millis(self.0).unwrap_or_default()
    }

    /// A chrono date-time in any time zone, floored to the millisecond.
    pub fn from_datetime<Tz: chrono::TimeZone>(dt: DateTime<Tz>) -> Self {
        Timestamp(dt.timestamp_millis())
    }

    /// RFC 3339 in UTC with milliseconds, e.g. `2026-11-24T10:15:00.000Z`.
    pub fn to_rfc3339(&self) -> String {
        self.to_datetime()
            .to_rfc3339_opts(SecondsFormat::Millis, true)
    }

    /// Parses RFC 3339 with any offset; `None` if `s` is not RFC 3339.
    pub fn parse_rfc3339(s: &str) -> Option<Self> {
        DateTime::parse_from_rfc3339(s)
            .ok()
            .map(Timestamp::from_datetime)
    }

    /// `ms` milliseconds later (earlier when negative), saturating.
    pub fn plus_millis(&self, ms: i64) -> Self {
        Timestamp(self.0.saturating_add(ms))
    }

    /// Calendar year and month in UTC (card expiry compares these).
    pub fn year_month(&self) -> (i32, u8) {
        let dt = self.to_datetime();
        (dt.year(), u8::try_from(dt.month()).unwrap_or(1))
    }

    /// The start of the UTC hour containing this instant (analytics buckets).
    pub fn hour_bucket(&self) -> i64 {
        self.0.div_euclid(HOUR_MS) * HOUR_MS
    }

    /// The start of the UTC day containing this instant (daily analytics buckets).
    pub fn day_bucket(&self) -> i64 {
        self.0.div_euclid(DAY_MS) * DAY_MS
    }
}

/// One hour in milliseconds.
pub const HOUR_MS: i64 = 3_600_000;

/// One day in milliseconds.
pub const DAY_MS: i64 = 24 * HOUR_MS;

impl fmt::Display for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.to_rfc3339())
    }
}

impl fmt::Debug for Timestamp {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "Timestamp({})", self.to_rfc3339())
    }
}

impl Serialize for Timestamp {
    fn serialize<S: Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(&self.to_rfc3339())
    }
}

impl<'de> Deserialize<'de> for Timestamp {
    fn deserialize<D: Deserializer<'de>>(d: D) -> Result<Self, D::Error> {
        struct Rfc3339Visitor;
        impl serde::de::Visitor<'_> for Rfc3339Visitor {
            type Value = Timestamp;
            fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
                f.write_str("an RFC 3339 timestamp")
            }
            fn visit_str<E: serde::de::Error>(self, s: &str) -> Result<Timestamp, E> {
                Timestamp::parse_rfc3339(s)
                    .ok_or_else(|| E::custom("expected an RFC 3339 timestamp"))
            }
        }
        d.deserialize_str(Rfc3339Visitor)
    }
}

/// The engine's source of time. Injected so that expiry and card checks are testable.
pub trait Clock: Send + Sync + fmt::Debug {
    /// The current instant.
    fn now(&self) -> Timestamp;
}

/// The system clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now(&self) -> Timestamp {
        let ms = match SystemTime::now().duration_since(UNIX_EPOCH) {
            Ok(after) => i64::try_from(after.as_millis()).unwrap_or(i64::MAX),
            Err(before) => -i64::try_from(before.duration().as_millis()).unwrap_or(i64::MAX),
        };
        Timestamp(ms)
    }
}

/// A clock that tests move by hand.
#[derive(Debug)]
pub struct ManualClock(std::sync::atomic::AtomicI64);

impl ManualClock {
    /// A clock standing at `start`.
    pub fn new(start: Timestamp) -> Self {
        ManualClock(std::sync::atomic::AtomicI64::new(start.unix_millis()))
    }
    /// Moves the clock `ms` milliseconds forward (back when negative).
    pub fn advance_millis(&self, ms: i64) {
        self.0.fetch_add(ms, std::sync::atomic::Ordering::SeqCst);
    }
    /// Sets the clock to `t`.
    pub fn set(&self, t: Timestamp) {
        self.0
            .store(t.unix_millis(), std::sync::atomic::Ordering::SeqCst);
    }
}

impl Clock for ManualClock {
    fn now(&self) -> Timestamp {
        Timestamp(self.0.load(std::sync::atomic::Ordering::SeqCst))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rfc3339_round_trip() {
        let t = Timestamp::parse_rfc3339("2026-11-24T10:15:00Z").unwrap();
        assert_eq!(t.to_rfc3339(), "2026-11-24T10:15:00.000Z");
        assert_eq!(t.year_month(), (2026, 11));
        let t2 = Timestamp::parse_rfc3339("2026-11-24T12:15:00.123+02:00").unwrap();
        assert_eq!(t2.unix_millis() - t.unix_millis(), 123);
        assert!(Timestamp::parse_rfc3339("yesterday").is_none());
        let ten = Timestamp::parse_rfc3339("2026-11-24T10:00:00Z").unwrap();
        assert_eq!(t.hour_bucket(), ten.unix_millis());
        assert_eq!(
            t.plus_millis(45 * 60_000).hour_bucket(),
            ten.unix_millis() + 3_600_000
        );
        let midnight = Timestamp::parse_rfc3339("2026-11-24T00:00:00Z").unwrap();
        assert_eq!(t.day_bucket(), midnight.unix_millis());
        let before_epoch = Timestamp::parse_rfc3339("1969-12-31T23:00:00Z").unwrap();
        assert_eq!(before_epoch.day_bucket(), -DAY_MS);
    }

    #[test]
    fn sub_millisecond_digits_are_floored() {
        let t = Timestamp::parse_rfc3339("1969-12-31T23:59:59.9995Z").unwrap();
        assert_eq!(t.unix_millis(), -1);
        assert_eq!(t.to_rfc3339(), "1969-12-31T23:59:59.999Z");
    }

    proptest::proptest! {
        #[test]
        fn rfc3339_text_names_the_same_instant(
            ms in -62_135_596_800_000_i64..253_402_300_799_999_i64,
        ) {
            let t = Timestamp::from_unix_millis(ms);
            proptest::prop_assert_eq!(Timestamp::parse_rfc3339(&t.to_rfc3339()), Some(t));
            proptest::prop_assert_eq!(Timestamp::from_datetime(t.to_datetime()), t);
        }
    }
}
