//! A push retried after a pause says when it is sent: the server corrects capture times by
//! the offset between its clock and the push's `deviceTime`, so a retry still carrying the
//! first attempt's time would move every order it holds later by the pause.

use std::time::Duration;

use orderly::{RetryPolicy, SyncOptions, Timestamp};

use super::fleet;
use super::staff::Staff;
use crate::support::fault_proxy::{Fault, FaultPlan, FaultProxy};
use crate::support::server_process::ServerOptions;

#[test]
fn a_retried_push_carries_the_time_it_is_sent() {
    let dir = tempfile::tempdir().expect("a temporary directory");
    let server = ServerOptions::sqlite(&dir.path().join("server.db"))
        .start()
        .expect("the server starts");
    // The first push is lost on its way; the retry goes 2 to 4 s later.
    let plan = FaultPlan::script([Fault::DropRequest]).only_paths("/sync/push");
    let proxy = FaultProxy::start(server.addr(), plan).expect("the proxy starts");
    let (engine, input) = fleet::open(dir.path(), "pos-clock");
    let order = engine
        .place_order(input, "clock-1", None, None)
        .expect("an order placed offline")
        .order
        .id
        .to_string();
    let options = SyncOptions {
        retry: RetryPolicy::new(2, Duration::from_secs(60))
            .with_delays(Duration::from_secs(4), Duration::from_secs(4)),
        ..SyncOptions::default()
    };
    let token = server.token("pos-clock", "device").expect("a device token");
    let report = engine
        .sync_with(&proxy.url(), &token, &options)
        .expect("the retry gets through");
    assert_eq!((report.pushed, proxy.stats().dropped_requests), (1, 1));

    let staff = Staff::new(
        server.url(),
        server.token("ops", "admin").expect("an admin token"),
    );
    let stored = staff.order(&order);
    let time = |field: &str| {
        let text = stored["offline"][field].as_str().expect("a time");
        Timestamp::parse_rfc3339(text)
            .expect("an RFC 3339 time")
            .unix_millis()
    };
    // Same clock on both sides: the correction is the retry's transit, not its pause.
    let shift = time("correctedCapturedAt") - time("capturedAt");
    assert!((0..1_000).contains(&shift), "moved by {shift} ms: {stored}");
}
