//! Orderly's cross-crate tests: one Store conformance suite run against every backend.
