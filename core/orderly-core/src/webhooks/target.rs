//! Where a webhook may be sent: URL validation and the address policy that keeps deliveries
//! away from the deployment's own network (SSRF). Both are pure; the server applies the
//! address policy again to every address a name resolves to, at connect time, so a name that
//! resolves differently later (DNS rebinding) is still refused.

use std::fmt;
use std::net::{IpAddr, Ipv4Addr, Ipv6Addr};

use serde::{Deserialize, Serialize};
use url::{Host, Url};

use crate::error::ValidationError;

/// The longest target URL accepted, in bytes.
pub const MAX_URL_LEN: usize = 2048;

/// What configuration allows beyond public `https` targets.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct TargetPolicy {
    /// Loopback, private, link-local and other internal addresses are allowed, and so is
    /// plain `http` (for tests and private deployments).
    pub allow_private: bool,
}

impl TargetPolicy {
    /// The default: public `https` targets only.
    pub const PUBLIC_ONLY: TargetPolicy = TargetPolicy {
        allow_private: false,
    };

    /// True when a delivery may connect to `addr`.
    pub fn allows(&self, addr: IpAddr) -> bool {
        self.allow_private || is_public(addr)
    }

    /// `Ok` when a delivery may connect to `addr`; otherwise the refusal, naming it.
    pub fn check(&self, addr: IpAddr) -> Result<(), ValidationError> {
        if self.allows(addr) {
            Ok(())
        } else {
            Err(ValidationError::WebhookTargetRefused(addr.to_string()))
        }
    }

    /// Validates a target URL: absolute, `https` (or `http` when private targets are
    /// allowed), a host, no user name or password, no fragment, at most [`MAX_URL_LEN`] bytes;
    /// a literal address must pass [`TargetPolicy::check`], and so must the names every
    /// resolver maps to loopback (`localhost`, `*.localhost`). Other names are checked when
    /// they are resolved.
    pub fn validate_url(&self, raw: &str) -> Result<WebhookUrl, ValidationError> {
        let invalid = |why: &str| ValidationError::InvalidWebhookUrl(why.to_owned());
        if raw.len() > MAX_URL_LEN {
            return Err(invalid("longer than 2048 bytes"));
        }
        let url = Url::parse(raw).map_err(|e| ValidationError::InvalidWebhookUrl(e.to_string()))?;
        match url.scheme() {
            "https" => {}
            "http" if self.allow_private => {}
            "http" => return Err(invalid("the scheme must be https")),
            _ => return Err(invalid("the scheme must be https")),
        }
        if !url.username().is_empty() || url.password().is_some() {
            return Err(invalid("credentials in the url are not allowed"));
        }
        if url.fragment().is_some() {
            return Err(invalid("a fragment is not allowed"));
        }
        match url.host() {
            None => return Err(invalid("a host is required")),
            Some(Host::Ipv4(v4)) => self.check(IpAddr::V4(v4))?,
            Some(Host::Ipv6(v6)) => self.check(IpAddr::V6(v6))?,
            Some(Host::Domain(name)) => {
                let name = name.trim_end_matches('.').to_ascii_lowercase();
                if !self.allow_private && (name == "localhost" || name.ends_with(".localhost")) {
                    return Err(ValidationError::WebhookTargetRefused(name));
                }
            }
        }
        Ok(WebhookUrl(url.to_string()))
    }
}

/// A validated webhook target URL, in its normalized form.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(transparent)]
pub struct WebhookUrl(String);

impl WebhookUrl {
    /// The URL's text.
    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// A URL read back from the store, which validated it when it was written.
    pub fn from_stored(url: String) -> Self {
        WebhookUrl(url)
    }
}

impl fmt::Display for WebhookUrl {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// True for addresses on the public internet: not unspecified, loopback, private (RFC 1918),
/// shared (CGNAT 100.64/10), link-local (including the cloud metadata address
/// 169.254.169.254), unique-local (fc00::/7), multicast, broadcast, documentation or
/// otherwise reserved. IPv4-mapped and IPv4-compatible IPv6 forms are judged as the IPv4
/// address they carry.
pub fn is_public(addr: IpAddr) -> bool {
    match addr {
        IpAddr::V4(v4) => is_public_v4(v4),
        IpAddr::V6(v6) => match embedded_v4(v6) {
            Some(v4) => is_public_v4(v4),
            None => is_public_v6(v6),
        },
    }
}

fn is_public_v4(a: Ipv4Addr) -> bool {
    let [first, second, ..] = a.octets();
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_private()
        || a.is_link_local()
        || a.is_multicast()
        || a.is_broadcast()
        || a.is_documentation()
        || first == 0
        || (first == 100 && (64..128).contains(&second))
        || (first == 192 && second == 0 && a.octets()[2] == 0)
        || (first == 198 && (18..20).contains(&second))
        || first >= 240)
}

fn is_public_v6(a: Ipv6Addr) -> bool {
    let first = a.segments()[0];
    !(a.is_unspecified()
        || a.is_loopback()
        || a.is_multicast()
        || (first & 0xfe00) == 0xfc00
        || (first & 0xffc0) == 0xfe80
        || (first & 0xffc0) == 0xfec0
        || first == 0x2001 && a.segments()[1] == 0x0db8
        || first == 0x0064 && a.segments()[1] == 0xff9b)
}

/// The IPv4 address inside an IPv4-mapped (`::ffff:a.b.c.d`) or IPv4-compatible
/// (`::a.b.c.d`) IPv6 address.
fn embedded_v4(a: Ipv6Addr) -> Option<Ipv4Addr> {
    if let Some(v4) = a.to_ipv4_mapped() {
        return Some(v4);
    }
    let s = a.segments();
    if s[..6].iter().all(|&x| x == 0) && !(s[6] == 0 && s[7] <= 1) {
        return a.to_ipv4();
    }
    None
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    fn refused(policy: TargetPolicy, url: &str) -> &'static str {
        policy.validate_url(url).unwrap_err().code()
    }

    #[test]
    fn internal_addresses_are_not_public() {
        for addr in [
            "127.0.0.1",
            "10.1.2.3",
            "172.16.0.1",
            "192.168.1.1",
            "100.64.0.1",
            "100.127.255.255",
            "169.254.169.254",
            "0.0.0.0",
            "224.0.0.1",
            "255.255.255.255",
            "::1",
            "::",
            "fc00::1",
            "fd12:3456::1",
            "fe80::1",
            "ff02::1",
            "::ffff:127.0.0.1",
            "::ffff:169.254.169.254",
            "::ffff:10.0.0.1",
            "::127.0.0.1",
        ] {
            assert!(!is_public(addr.parse().unwrap()), "{addr} must be refused");
        }
        for addr in ["93.184.216.34", "100.128.0.1", "8.8.8.8", "2606:4700::1111"] {
            assert!(is_public(addr.parse().unwrap()), "{addr} is public");
        }
    }

    #[test]
    fn urls_must_be_https_with_a_public_literal() {
        let public = TargetPolicy::PUBLIC_ONLY;
        assert_eq!(
            public
                .validate_url("https://hooks.example.com/orders")
                .unwrap()
                .as_str(),
            "https://hooks.example.com/orders"
        );
        assert_eq!(
            refused(public, "http://hooks.example.com/"),
            "invalid_webhook_url"
        );
        assert_eq!(
            refused(public, "ftp://hooks.example.com/"),
            "invalid_webhook_url"
        );
        assert_eq!(refused(public, "not a url"), "invalid_webhook_url");
        assert_eq!(
            refused(public, "https://u:p@example.com/"),
            "invalid_webhook_url"
        );
        assert_eq!(
            refused(public, "https://example.com/#x"),
            "invalid_webhook_url"
        );
        let long = format!("https://example.com/{}", "a".repeat(MAX_URL_LEN));
        assert_eq!(refused(public, &long), "invalid_webhook_url");
        for url in [
            "https://127.0.0.1/",
            "https://169.254.169.254/latest/meta-data",
            "https://[::1]/",
            "https://[::ffff:10.0.0.1]/",
            "https://localhost/",
            "https://api.localhost./",
            "https://2130706433/",
            "https://0x7f.1/",
        ] {
            assert_eq!(refused(public, url), "webhook_target_refused", "{url}");
        }
    }

    #[test]
    fn configuration_may_allow_private_targets() {
        let private = TargetPolicy {
            allow_private: true,
        };
        assert!(private.validate_url("http://127.0.0.1:9000/hook").is_ok());
        assert!(private.validate_url("http://localhost:9000/hook").is_ok());
        assert!(private.allows("10.0.0.1".parse().unwrap()));
        assert_eq!(refused(private, "ftp://127.0.0.1/"), "invalid_webhook_url");
    }
}
