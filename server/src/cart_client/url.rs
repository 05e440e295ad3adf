//! Building `{base}/carts/{userId}` with the user id percent-encoded.

use super::error::CartClientError;

/// Checks the base URL and returns the carts prefix, `{base}/carts/`.
pub(super) fn carts_prefix(base_url: &str) -> Result<String, CartClientError> {
    let invalid = |reason: &str| CartClientError::InvalidBaseUrl {
        url: base_url.to_owned(),
        reason: reason.to_owned(),
    };
    let url = reqwest::Url::parse(base_url.trim()).map_err(|e| invalid(&e.to_string()))?;
    if !matches!(url.scheme(), "http" | "https") {
        return Err(invalid("the scheme must be http or https"));
    }
    if url.host_str().is_none_or(str::is_empty) {
        return Err(invalid("a host is required"));
    }
    if url.query().is_some() || url.fragment().is_some() {
        return Err(invalid("it must not have a query or a fragment"));
    }
    if !url.username().is_empty() || url.password().is_some() {
        return Err(invalid(
            "credentials do not belong in the URL; configure a bearer token",
        ));
    }
    Ok(format!("{}/carts/", url.as_str().trim_end_matches('/')))
}

/// Percent-encodes a path segment: everything but RFC 3986 unreserved characters, so `@`
/// becomes `%40`.
pub(super) fn encode_segment(segment: &str) -> String {
    let mut out = String::with_capacity(segment.len() * 3);
    for byte in segment.bytes() {
        if byte.is_ascii_alphanumeric() || matches!(byte, b'-' | b'.' | b'_' | b'~') {
            out.push(char::from(byte));
        } else {
            out.push('%');
            out.push(hex_digit(byte >> 4));
            out.push(hex_digit(byte & 0x0f));
        }
    }
    out
}

fn hex_digit(nibble: u8) -> char {
    char::from(
        b"0123456789ABCDEF"
            .get(usize::from(nibble))
            .copied()
            .unwrap_or(b'0'),
    )
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn user_ids_are_encoded_as_one_segment() {
        assert_eq!(encode_segment("alice"), "alice");
        assert_eq!(encode_segment("a.b-c_d"), "a.b-c_d");
        assert_eq!(encode_segment("dave@example.com"), "dave%40example.com");
        assert_eq!(encode_segment("a/b c"), "a%2Fb%20c");
        assert_eq!(encode_segment("é"), "%C3%A9");
    }

    #[test]
    fn base_urls_are_checked_and_normalized() {
        let prefix = |url: &str| carts_prefix(url);
        assert_eq!(
            prefix("http://127.0.0.1:8081").unwrap(),
            "http://127.0.0.1:8081/carts/"
        );
        assert_eq!(
            prefix("http://carts.internal:8081/api/v1/").unwrap(),
            "http://carts.internal:8081/api/v1/carts/"
        );
        for bad in [
            "",
            "127.0.0.1:8081",
            "ftp://host",
            "http://",
            "http://host/?x=1",
            "http://host/#frag",
            "http://user:pw@host",
        ] {
            let err = prefix(bad).unwrap_err();
            assert_eq!(err.code(), "invalid_cart_service_url", "{bad}");
        }
    }
}
