//! `sqlite:` URLs: `sqlite://relative/path.db`, `sqlite:///absolute/path.db` and
//! `sqlite::memory:`, each optionally followed by
//! `?synchronous=full|may_lose_last_transactions&readers=N`. `full`, the default, syncs every
//! commit before acknowledging it; `may_lose_last_transactions` says what it risks.

use std::path::PathBuf;

use crate::OpenError;

/// Where the database lives.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Location {
    Memory,
    File(PathBuf),
}

/// A parsed `sqlite:` URL.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct SqliteUrl {
    pub location: Location,
    /// `true` for `synchronous=full`, `false` for `synchronous=may_lose_last_transactions`.
    pub synchronous_full: Option<bool>,
    pub readers: Option<usize>,
}

const SHAPES: &str =
    "expected sqlite://relative/path.db, sqlite:///absolute/path.db or sqlite::memory:";
const MAX_READERS: usize = 64;

fn invalid(reason: impl Into<String>) -> OpenError {
    OpenError::InvalidUrl(reason.into())
}

/// Parses what follows `sqlite:`.
pub(crate) fn parse(rest: &str) -> Result<SqliteUrl, OpenError> {
    let (target, query) = match rest.split_once('?') {
        Some((t, q)) => (t, Some(q)),
        None => (rest, None),
    };
    let location = if target == ":memory:" {
        Location::Memory
    } else if let Some(path) = target.strip_prefix("//") {
        match path {
            "" => return Err(invalid(format!("the file path is missing; {SHAPES}"))),
            ":memory:" => Location::Memory,
            _ => Location::File(PathBuf::from(percent_decode(path)?)),
        }
    } else {
        return Err(invalid(SHAPES));
    };
    let mut url = SqliteUrl {
        location,
        synchronous_full: None,
        readers: None,
    };
    for pair in query
        .into_iter()
        .flat_map(|q| q.split('&'))
        .filter(|p| !p.is_empty())
    {
        let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
        match key {
            "synchronous" => {
                url.synchronous_full = Some(match value.to_ascii_lowercase().as_str() {
                    "full" => true,
                    "may_lose_last_transactions" => false,
                    // The old name hid the risk; say what it is instead of taking it silently.
                    "normal" => {
                        return Err(invalid(
                            "synchronous=normal may lose the last transactions on power loss; \
                             write synchronous=may_lose_last_transactions to accept that, or \
                             leave it out for durable commits",
                        ));
                    }
                    _ => {
                        return Err(invalid(
                            "synchronous must be full (the default) or may_lose_last_transactions",
                        ));
                    }
                });
            }
            "readers" => {
                let n = value
                    .parse::<usize>()
                    .ok()
                    .filter(|n| (1..=MAX_READERS).contains(n))
                    .ok_or_else(|| invalid(format!("readers must be 1 to {MAX_READERS}")))?;
                url.readers = Some(n);
            }
            _ => {
                let key: String = key.chars().take(32).collect();
                return Err(invalid(format!(
                    "unknown sqlite parameter {key:?}; known: synchronous, readers"
                )));
            }
        }
    }
    Ok(url)
}

/// Decodes `%XX` escapes so that paths with spaces or `?` can be written.
fn percent_decode(s: &str) -> Result<String, OpenError> {
    let bad = || invalid("the path has an invalid %-escape");
    let mut out = Vec::with_capacity(s.len());
    let mut bytes = s.bytes();
    while let Some(b) = bytes.next() {
        if b == b'%' {
            let hex = [bytes.next().ok_or_else(bad)?, bytes.next().ok_or_else(bad)?];
            let hex = std::str::from_utf8(&hex).map_err(|_| bad())?;
            out.push(u8::from_str_radix(hex, 16).map_err(|_| bad())?);
        } else {
            out.push(b);
        }
    }
    String::from_utf8(out).map_err(|_| invalid("the path is not UTF-8 once decoded"))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    fn file(p: &str) -> Location {
        Location::File(PathBuf::from(p))
    }

    #[test]
    fn the_three_shapes() {
        assert_eq!(parse("//orderly.db").unwrap().location, file("orderly.db"));
        assert_eq!(parse("//data/o.db").unwrap().location, file("data/o.db"));
        assert_eq!(
            parse("///var/lib/o.db").unwrap().location,
            file("/var/lib/o.db")
        );
        assert_eq!(parse(":memory:").unwrap().location, Location::Memory);
        assert_eq!(parse("//:memory:").unwrap().location, Location::Memory);
        assert_eq!(
            parse("//my%20orders.db").unwrap().location,
            file("my orders.db")
        );
    }

    #[test]
    fn parameters() {
        let u = parse(":memory:?synchronous=full").unwrap();
        assert_eq!(u.synchronous_full, Some(true));
        let u = parse("//o.db?synchronous=May_Lose_Last_Transactions&readers=8").unwrap();
        assert_eq!((u.synchronous_full, u.readers), (Some(false), Some(8)));
        assert_eq!(parse("//o.db?").unwrap().synchronous_full, None);
    }

    #[test]
    fn bad_urls_say_why() {
        for bad in [
            "",
            "//",
            "orders.db",
            "/orders.db",
            "//o.db?synchronous=off",
            "//o.db?synchronous=normal",
            "//o.db?readers=0",
            "//o.db?readers=many",
            "//o.db?cache=shared",
            "//bad%zz.db",
            "//bad%2",
            "//bad%ff.db",
        ] {
            let err = parse(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_database_url", "{bad}");
        }
    }
}
