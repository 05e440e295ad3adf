//! What a store is like to call, for callers that size themselves to it (a server's read
//! threads, for instance) without knowing which backend it is.

/// How a store behaves, as far as its callers need to plan for it.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
#[non_exhaustive]
pub struct StoreCapabilities {
    /// Reads wait on a network round trip (a database server, a cache) rather than running on
    /// this machine's CPU and disk: more threads than cores can usefully wait at once.
    pub reads_wait_on_network: bool,
    /// How many reads the store runs at once at most (its read connections), when it has such
    /// a limit: more concurrent callers than that only queue.
    pub max_concurrent_reads: Option<usize>,
}

impl StoreCapabilities {
    /// A store on this machine whose reads are CPU and disk work.
    pub fn local(max_concurrent_reads: usize) -> Self {
        StoreCapabilities {
            reads_wait_on_network: false,
            max_concurrent_reads: Some(max_concurrent_reads.max(1)),
        }
    }

    /// A store reached over the network, with at most `max_connections` calls in flight.
    pub fn networked(max_connections: usize) -> Self {
        StoreCapabilities {
            reads_wait_on_network: true,
            max_concurrent_reads: Some(max_connections.max(1)),
        }
    }

    /// The same store with a network hop in front of its reads (a remote cache).
    #[must_use]
    pub fn with_reads_over_network(self) -> Self {
        StoreCapabilities {
            reads_wait_on_network: true,
            ..self
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_cache_in_front_makes_reads_wait_on_the_network() {
        let local = StoreCapabilities::local(4);
        assert!(!local.reads_wait_on_network);
        let cached = local.with_reads_over_network();
        assert!(cached.reads_wait_on_network);
        assert_eq!(cached.max_concurrent_reads, Some(4));
        assert_eq!(
            StoreCapabilities::networked(0).max_concurrent_reads,
            Some(1)
        );
    }
}
