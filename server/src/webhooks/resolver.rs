//! Name resolution for webhook deliveries: every address a target's name resolves to passes
//! the core's address policy before a connection is made, so a name cannot lead a delivery
//! into the deployment's own network, however it resolves later (no DNS-rebinding gap: the
//! addresses checked are the addresses connected to).

use std::net::SocketAddr;

use orderly::webhooks::TargetPolicy;
use reqwest::dns::{Addrs, Name, Resolve, Resolving};

/// Resolves with the system resolver and keeps only the addresses the policy allows.
#[derive(Debug, Clone, Copy)]
pub struct PolicyResolver {
    policy: TargetPolicy,
}

impl PolicyResolver {
    /// A resolver applying `policy`.
    pub fn new(policy: TargetPolicy) -> Self {
        PolicyResolver { policy }
    }
}

/// Why a name led nowhere a delivery may go.
#[derive(Debug, thiserror::Error)]
#[error("target refused: {name} resolves only to private, loopback or link-local addresses")]
struct Refused {
    name: String,
}

impl Resolve for PolicyResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let policy = self.policy;
        Box::pin(async move {
            let host = name.as_str().to_owned();
            let found: Vec<SocketAddr> = tokio::net::lookup_host((host.as_str(), 0))
                .await?
                .filter(|addr| policy.allows(addr.ip()))
                .collect();
            if found.is_empty() {
                return Err(Box::new(Refused { name: host }) as Box<_>);
            }
            let addrs: Addrs = Box::new(found.into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use std::str::FromStr;

    use super::*;

    async fn resolve(policy: TargetPolicy, name: &str) -> Result<Vec<SocketAddr>, String> {
        PolicyResolver::new(policy)
            .resolve(Name::from_str(name).unwrap())
            .await
            .map(Iterator::collect)
            .map_err(|e| e.to_string())
    }

    #[tokio::test]
    async fn names_of_internal_addresses_resolve_to_nothing_unless_allowed() {
        let refused = resolve(TargetPolicy::PUBLIC_ONLY, "localhost")
            .await
            .unwrap_err();
        assert!(refused.contains("target refused"), "{refused}");
        let allowed = resolve(
            TargetPolicy {
                allow_private: true,
            },
            "localhost",
        )
        .await
        .unwrap();
        assert!(!allowed.is_empty());
        assert!(allowed.iter().all(|a| a.ip().is_loopback()));
    }
}
