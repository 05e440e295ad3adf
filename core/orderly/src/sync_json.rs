//! The by-hand sync calls with the wire bodies as JSON text (feature `sync-client`), for apps
//! and bindings that move the bytes themselves: the push body exactly as `POST /sync/push`
//! takes it, and the server's answers exactly as it sends them. An answer that is not the
//! contract's JSON is [`SyncClientError::Protocol`] (`sync_protocol`), as when
//! [`Embedded::sync`] receives it.

use orderly_core::sync::{PullPage, PushResponse};

use crate::{Embedded, SyncClientError};

impl Embedded {
    /// [`Embedded::build_push`] as the JSON body of `POST /sync/push`.
    pub fn build_push_json(&self, max_ops: usize) -> Result<String, SyncClientError> {
        let push = self.build_push(max_ops)?;
        serde_json::to_string(&push).map_err(|e| SyncClientError::Protocol(e.to_string()))
    }

    /// [`Embedded::apply_push_response`] from the JSON text of the push's answer; returns how
    /// many results were new.
    pub fn apply_push_response_json(&self, json: &str) -> Result<u64, SyncClientError> {
        let answer: PushResponse =
            serde_json::from_str(json).map_err(|e| SyncClientError::Protocol(e.to_string()))?;
        Ok(self.apply_push_response(&answer)?)
    }

    /// [`Embedded::apply_pull_page`] from the JSON text of a `GET /sync/pull` page; returns
    /// how many local orders changed.
    pub fn apply_pull_page_json(&self, json: &str) -> Result<usize, SyncClientError> {
        let page: PullPage =
            serde_json::from_str(json).map_err(|e| SyncClientError::Protocol(e.to_string()))?;
        Ok(self.apply_pull_page(&page)?)
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;

    #[test]
    fn malformed_answers_are_protocol_errors_and_an_empty_push_is_json() {
        let dir = tempfile::tempdir().unwrap();
        let url = format!("sqlite://{}", dir.path().join("pos.db").display());
        let engine = Embedded::open_device(&url, "pos-12", None).unwrap();
        let body: serde_json::Value =
            serde_json::from_str(&engine.build_push_json(10).unwrap()).unwrap();
        assert_eq!(body["deviceId"], "pos-12");
        assert_eq!(body["operations"], serde_json::json!([]));
        let err = engine.apply_push_response_json("{").unwrap_err();
        assert_eq!(err.code(), "sync_protocol");
        let err = engine
            .apply_pull_page_json(r#"{"changes": 3}"#)
            .unwrap_err();
        assert_eq!(err.code(), "sync_protocol");
        let page = r#"{"changes": [], "nextCursor": "c0", "hasMore": false}"#;
        assert_eq!(engine.apply_pull_page_json(page).unwrap(), 0);
    }
}
