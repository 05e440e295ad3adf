//! Entity tags: an order's ETag is its version, quoted (a strong validator), and `If-Match`
//! pins a change to the versions the client names.
//!
//! Whether `If-Match` matches is decided against the order, after the order is known to exist
//! (RFC 9110 §13.2.2: a request that would fail anyway ignores its preconditions), so an
//! unknown order is a 404 whatever `If-Match` says. A value that is neither `*` nor a list of
//! entity tags names no version, so it never matches: 412, and nothing changes.

use axum::extract::FromRequestParts;
use axum::http::HeaderMap;
use axum::http::header::IF_MATCH;
use axum::http::request::Parts;

use std::convert::Infallible;

/// The ETag of an order at `version`.
pub fn etag(version: u32) -> String {
    format!("\"{version}\"")
}

/// One entity tag.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct EntityTag {
    pub weak: bool,
    pub opaque: String,
}

/// What an `If-Match` header asks for.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum IfMatch {
    /// No header, or `*`: any current version (the order must exist, which it must anyway).
    Any,
    /// One of these tags.
    Tags(Vec<EntityTag>),
}

impl IfMatch {
    /// The versions a strong comparison can match: strong tags that are exactly a version
    /// this server would issue. Weak and foreign tags never match.
    pub fn versions(&self) -> Vec<u32> {
        match self {
            IfMatch::Any => Vec::new(),
            IfMatch::Tags(tags) => tags
                .iter()
                .filter(|t| !t.weak)
                .filter_map(|t| {
                    t.opaque
                        .parse::<u32>()
                        .ok()
                        .filter(|v| v.to_string() == t.opaque)
                })
                .collect(),
        }
    }

    /// The single version to pin atomically, when the header names exactly one usable tag.
    pub fn single_version(&self) -> Option<u32> {
        match self {
            IfMatch::Tags(tags) if tags.len() == 1 => self.versions().first().copied(),
            _ => None,
        }
    }
}

fn is_etagc(b: u8) -> bool {
    b == 0x21 || (0x23..=0x7e).contains(&b)
}

fn skip_ows(s: &str) -> &str {
    s.trim_start_matches([' ', '\t'])
}

/// Parses `*` or a comma-separated list of entity tags (`"3"`, `W/"x"`).
fn parse(value: &str) -> Option<IfMatch> {
    let trimmed = value.trim_matches([' ', '\t']);
    if trimmed == "*" {
        return Some(IfMatch::Any);
    }
    let mut rest = trimmed;
    let mut tags = Vec::new();
    loop {
        let (weak, after) = match rest.strip_prefix("W/") {
            Some(r) => (true, r),
            None => (false, rest),
        };
        let inner = after.strip_prefix('"')?;
        let end = inner.find('"')?;
        let opaque = inner.get(..end)?;
        if !opaque.bytes().all(is_etagc) {
            return None;
        }
        tags.push(EntityTag {
            weak,
            opaque: opaque.to_owned(),
        });
        rest = skip_ows(inner.get(end + 1..)?);
        if rest.is_empty() {
            return Some(IfMatch::Tags(tags));
        }
        rest = skip_ows(rest.strip_prefix(',')?);
    }
}

/// Parses every `If-Match` line of a request. A line that does not parse contributes no tag,
/// so a header made only of such lines matches nothing.
pub fn if_match(headers: &HeaderMap) -> IfMatch {
    let mut values = headers.get_all(IF_MATCH).iter().peekable();
    if values.peek().is_none() {
        return IfMatch::Any;
    }
    let mut tags = Vec::new();
    for value in values {
        match value.to_str().ok().and_then(parse) {
            Some(IfMatch::Any) => return IfMatch::Any,
            Some(IfMatch::Tags(more)) => tags.extend(more),
            None => {}
        }
    }
    IfMatch::Tags(tags)
}

/// The `If-Match` header of a request.
#[derive(Debug, Clone)]
pub struct IfMatchHeader(pub IfMatch);

impl<S: Send + Sync> FromRequestParts<S> for IfMatchHeader {
    type Rejection = Infallible;

    async fn from_request_parts(parts: &mut Parts, _state: &S) -> Result<Self, Infallible> {
        Ok(IfMatchHeader(if_match(&parts.headers)))
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use axum::http::HeaderValue;

    fn parsed(value: &str) -> IfMatch {
        let mut h = HeaderMap::new();
        h.insert(IF_MATCH, HeaderValue::from_str(value).unwrap());
        if_match(&h)
    }

    fn tag(weak: bool, opaque: &str) -> EntityTag {
        EntityTag {
            weak,
            opaque: opaque.into(),
        }
    }

    #[test]
    fn syntax() {
        assert_eq!(if_match(&HeaderMap::new()), IfMatch::Any);
        assert_eq!(parsed(" * "), IfMatch::Any);
        assert_eq!(parsed("\"3\""), IfMatch::Tags(vec![tag(false, "3")]));
        assert_eq!(
            parsed("\"3\" , W/\"a,b\",\"\""),
            IfMatch::Tags(vec![tag(false, "3"), tag(true, "a,b"), tag(false, "")])
        );
        for bad in [
            "",
            "3",
            "\"3",
            "W/3",
            "\"3\" \"4\"",
            "\"3\",",
            ",\"3\"",
            "*, \"3\"",
            "null",
            "\"a b\"",
        ] {
            let m = parsed(bad);
            assert_eq!(m, IfMatch::Tags(vec![]), "{bad:?}");
            assert!(m.versions().is_empty() && m.single_version().is_none());
        }
    }

    #[test]
    fn only_strong_canonical_versions_match() {
        let m = parsed("\"3\", W/\"4\", \"05\", \"x\", \"6\"");
        assert_eq!(m.versions(), vec![3, 6]);
        assert_eq!(m.single_version(), None);
        assert_eq!(parsed("\"7\"").single_version(), Some(7));
        assert_eq!(parsed("W/\"7\"").single_version(), None);
        assert_eq!(IfMatch::Any.single_version(), None);
    }
}
