//! Tokens already verified, so that a client sending the same bearer token on every request
//! pays for its signature once rather than on each request (HMAC, base64 and JSON were a sixth
//! of serving a stored order).
//!
//! A token's claims are a pure function of its bytes and the server's secret, so a token seen
//! valid stays valid until it expires; only `exp` is checked again on each use. The cache is
//! direct-mapped and bounded: a token whose slot another took is verified again, nothing
//! worse, and refused tokens are never kept.

use std::collections::hash_map::RandomState;
use std::hash::BuildHasher;
use std::sync::{Mutex, PoisonError};

use orderly::Caller;

/// Slots in the cache; each holds one token (about 300 KiB when all are full).
const SLOTS: usize = 1024;

/// The cache of verified tokens and the callers they stand for.
#[derive(Debug)]
pub struct VerifiedTokens {
    slots: Box<[Mutex<Option<Verified>>]>,
    /// Keyed per process, so that nobody can choose tokens that share a slot.
    hasher: RandomState,
}

#[derive(Debug)]
struct Verified {
    token: Box<str>,
    caller: Caller,
    /// The last second (leeway included) at which the token is still accepted.
    valid_until: u64,
}

/// What the cache knows of a token.
#[derive(Debug, PartialEq)]
pub enum Known {
    /// Verified before and not expired.
    Valid(Caller),
    /// Verified before, and expired since.
    Expired,
    /// Not in the cache: verify it.
    Unknown,
}

impl Default for VerifiedTokens {
    fn default() -> Self {
        VerifiedTokens {
            slots: (0..SLOTS).map(|_| Mutex::new(None)).collect(),
            hasher: RandomState::new(),
        }
    }
}

impl VerifiedTokens {
    fn slot(&self, token: &str) -> Option<&Mutex<Option<Verified>>> {
        let index = usize::try_from(self.hasher.hash_one(token) % SLOTS as u64).ok()?;
        self.slots.get(index)
    }

    /// What is known of `token` at `now` (seconds since the Unix epoch).
    pub fn get(&self, token: &str, now: u64) -> Known {
        let Some(slot) = self.slot(token) else {
            return Known::Unknown;
        };
        let slot = slot.lock().unwrap_or_else(PoisonError::into_inner);
        match slot.as_ref() {
            Some(known) if &*known.token == token => {
                if now <= known.valid_until {
                    Known::Valid(known.caller.clone())
                } else {
                    Known::Expired
                }
            }
            _ => Known::Unknown,
        }
    }

    /// Remembers a token just verified, accepted up to `valid_until`.
    pub fn insert(&self, token: &str, caller: &Caller, valid_until: u64) {
        let Some(slot) = self.slot(token) else {
            return;
        };
        *slot.lock().unwrap_or_else(PoisonError::into_inner) = Some(Verified {
            token: token.into(),
            caller: caller.clone(),
            valid_until,
        });
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_verified_token_is_known_until_it_expires() {
        let tokens = VerifiedTokens::default();
        let caller = Caller::admin("ops");
        assert_eq!(tokens.get("t1", 100), Known::Unknown);
        tokens.insert("t1", &caller, 150);
        assert_eq!(tokens.get("t1", 150), Known::Valid(caller));
        assert_eq!(tokens.get("t1", 151), Known::Expired);
        assert_eq!(tokens.get("t2", 100), Known::Unknown);
    }

    #[test]
    fn a_token_sharing_a_slot_is_only_ever_its_own() {
        let tokens = VerifiedTokens::default();
        for i in 0..(SLOTS * 4) {
            tokens.insert(
                &format!("token-{i}"),
                &Caller::service(format!("s{i}")),
                1000,
            );
        }
        for i in 0..(SLOTS * 4) {
            let known = tokens.get(&format!("token-{i}"), 10);
            if let Known::Valid(caller) = &known {
                assert_eq!(caller, &Caller::service(format!("s{i}")));
            }
            assert_ne!(known, Known::Expired, "nothing has expired");
        }
    }
}
