//! Carriers and tracking: names, tracking numbers and the tracking links of common carriers.

use crate::error::ValidationError;

/// Carriers whose tracking link the engine makes from the tracking number: (name, link
/// template with `{}` for the number).
pub const KNOWN_CARRIERS: [(&str, &str); 5] = [
    ("ups", "https://www.ups.com/track?tracknum={}"),
    (
        "usps",
        "https://tools.usps.com/go/TrackConfirmAction?tLabels={}",
    ),
    ("fedex", "https://www.fedex.com/fedextrack/?trknbr={}"),
    (
        "dhl",
        "https://www.dhl.com/global-en/home/tracking/tracking-express.html?submit=1&tracking-id={}",
    ),
    (
        "royal_mail",
        "https://www.royalmail.com/track-your-item#/tracking-results/{}",
    ),
];

/// The longest carrier name and tracking number.
pub const MAX_CARRIER_CHARS: usize = 64;
/// The longest tracking URL.
pub const MAX_TRACKING_URL_CHARS: usize = 2048;

fn invalid(field: &str, reason: impl Into<String>) -> ValidationError {
    ValidationError::InvalidField {
        field: field.to_owned(),
        reason: reason.into(),
    }
}

/// A carrier name as stored: trimmed and lower case, spaces and dashes as `_` (`Royal Mail`
/// is `royal_mail`), 1 to 64 of `a-z 0-9 _ .`.
pub fn normalize_carrier(name: &str) -> Result<String, ValidationError> {
    let normalized: String = name
        .trim()
        .chars()
        .map(|c| match c {
            ' ' | '-' => '_',
            c => c.to_ascii_lowercase(),
        })
        .collect();
    let ok = !normalized.is_empty()
        && normalized.len() <= MAX_CARRIER_CHARS
        && normalized
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_' || b == b'.');
    if ok {
        Ok(normalized)
    } else {
        Err(invalid(
            "carrier",
            "must be 1 to 64 letters, digits, spaces, dashes, dots or underscores",
        ))
    }
}

/// A tracking number as stored: spaces removed, upper case, 1 to 64 of `A-Z 0-9 -`.
pub fn normalize_tracking_number(number: &str) -> Result<String, ValidationError> {
    let normalized: String = number
        .chars()
        .filter(|c| *c != ' ')
        .map(|c| c.to_ascii_uppercase())
        .collect();
    let ok = !normalized.is_empty()
        && normalized.len() <= MAX_CARRIER_CHARS
        && normalized
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'-');
    if ok {
        Ok(normalized)
    } else {
        Err(invalid(
            "trackingNumber",
            "must be 1 to 64 letters, digits or dashes",
        ))
    }
}

/// Checks an explicit tracking URL: an absolute `https://` URL of at most 2048 characters with
/// a host, and nothing an email or a page could misread (no whitespace, quotes or angle
/// brackets).
pub fn validate_tracking_url(url: &str) -> Result<(), ValidationError> {
    let rest = url
        .strip_prefix("https://")
        .ok_or_else(|| invalid("trackingUrl", "must be an absolute https:// URL"))?;
    let host = rest.split(['/', '?', '#']).next().unwrap_or_default();
    let clean = url.len() <= MAX_TRACKING_URL_CHARS
        && !host.is_empty()
        && url
            .chars()
            .all(|c| c.is_ascii_graphic() && !matches!(c, '"' | '\'' | '<' | '>' | '\\' | '`'));
    if clean {
        Ok(())
    } else {
        Err(invalid(
            "trackingUrl",
            "must be an absolute https:// URL of at most 2048 characters, without spaces, \
             quotes or angle brackets",
        ))
    }
}

/// The tracking link of a known carrier for `number` (already normalized); `None` for a
/// carrier without a template.
pub fn tracking_url(carrier: &str, number: &str) -> Option<String> {
    KNOWN_CARRIERS
        .iter()
        .find(|(name, _)| *name == carrier)
        .map(|(_, template)| template.replace("{}", number))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn carriers_and_numbers_are_normalized() {
        assert_eq!(normalize_carrier(" Royal Mail ").unwrap(), "royal_mail");
        assert_eq!(normalize_carrier("UPS").unwrap(), "ups");
        assert!(normalize_carrier("").is_err());
        assert!(normalize_carrier("a/b").is_err());
        assert_eq!(normalize_tracking_number("1z 999 aa1").unwrap(), "1Z999AA1");
        assert!(normalize_tracking_number("12<34").is_err());
        assert!(normalize_tracking_number(&"9".repeat(65)).is_err());
    }

    #[test]
    fn known_carriers_get_their_link() {
        assert_eq!(
            tracking_url("ups", "1Z999AA1").unwrap(),
            "https://www.ups.com/track?tracknum=1Z999AA1"
        );
        assert!(tracking_url("acme", "1").is_none());
        for (name, _) in KNOWN_CARRIERS {
            let url = tracking_url(name, "AB12").unwrap();
            validate_tracking_url(&url).unwrap();
        }
    }

    #[test]
    fn explicit_urls_must_be_plain_https() {
        validate_tracking_url("https://track.example/p/1?x=2").unwrap();
        for bad in [
            "http://track.example/1",
            "https:///nohost",
            "https://a.example/\"onload",
            "https://a.example/ space",
            "javascript:alert(1)",
        ] {
            assert!(validate_tracking_url(bad).is_err(), "{bad}");
        }
    }
}
