//! Staff on the server, over HTTP straight to it (never through the fault proxy): reading
//! orders and moving them along, each write guarded by `If-Match` as a careful client does.

use std::time::Duration;

use reqwest::blocking::{Client, RequestBuilder};
use serde_json::{Value, json};

pub struct Staff {
    http: Client,
    base: String,
    token: String,
}

impl Staff {
    pub fn new(base: String, token: String) -> Staff {
        let http = Client::builder()
            .timeout(Duration::from_secs(60))
            .build()
            .expect("an HTTP client");
        Staff { http, base, token }
    }

    /// `GET /order/{id}`, which must answer 200.
    pub fn order(&self, id: &str) -> Value {
        self.send(self.http.get(format!("{}/order/{id}", self.base)), 200)
    }

    /// Moves an order at `version` to `status`; returns the order as answered.
    pub fn move_to(&self, id: &str, status: &str, version: u64) -> Value {
        let request = self
            .http
            .put(format!("{}/order/{id}/status", self.base))
            .header("If-Match", format!("\"{version}\""))
            .json(&json!({"status": status}));
        let order = self.send(request, 200);
        assert_eq!(order["status"], status, "{order}");
        order
    }

    /// Cancels an order at `version`.
    pub fn cancel(&self, id: &str, version: u64) -> Value {
        let request = self
            .http
            .delete(format!("{}/order/{id}", self.base))
            .query(&[("reason", "out of stock")])
            .header("If-Match", format!("\"{version}\""));
        let order = self.send(request, 200);
        assert_eq!(order["status"], "cancelled", "{order}");
        order
    }

    /// Sends with the staff token; the answer must have `status`. Returns its JSON body.
    pub fn send(&self, request: RequestBuilder, status: u16) -> Value {
        send_as(request, &self.token, status)
    }
}

/// Sends `request` with `token`; the answer must have `status`. Returns its JSON body (null
/// when there is none).
pub fn send_as(request: RequestBuilder, token: &str, status: u16) -> Value {
    let response = request
        .bearer_auth(token)
        .send()
        .expect("the server answers");
    let got = response.status().as_u16();
    let text = response.text().expect("the answer's body");
    assert_eq!(got, status, "unexpected status; body: {text}");
    if text.is_empty() {
        return Value::Null;
    }
    serde_json::from_str(&text).expect("a JSON body")
}
