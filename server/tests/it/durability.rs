//! Durability of acknowledged orders on the SQLite store with its default settings
//! (`synchronous=full` with group commit), checked on the real binary:
//!
//! - `acknowledged_orders_survive_sigkill_under_load`: the server is SIGKILLed while concurrent
//!   clients place orders; every order it acknowledged is in the database afterwards, each
//!   idempotency key names exactly one order, and each order has exactly one `order.placed`
//!   event.
//! - `no_answer_leaves_before_the_sync_that_covers_it`: under `strace`, every 201 answer is
//!   written to its socket only after an fsync of the WAL that started once the order's pages
//!   were in the WAL. The same check run on `synchronous=may_lose_last_transactions` must find
//!   answers that left before any such sync, which shows the check can fail.

use crate::common;

use std::collections::{HashMap, HashSet};
use std::io::{BufRead, BufReader};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};
use std::time::{Duration, Instant};

use common::{SECRET, order_body};
use orderly::store::HistoryQuery;
use orderly::{EventType, IdempotencyKey, Role, UserId};
use orderly_example_cart_service::{Cart, CartItem, CartState, RunningCartService, ServiceOptions};
use orderly_server::Authenticator;
use serde_json::Value;

const BIN: &str = env!("CARGO_BIN_EXE_orderly-server");

// ---------------------------------------------------------------------------------------------
// Shared helpers
// ---------------------------------------------------------------------------------------------

/// A Cart Service (in this process) with the same small cart for every user.
fn carts_for(users: &[String]) -> RunningCartService {
    let state = CartState::new(ServiceOptions::default());
    for user in users {
        state
            .put_cart(Cart::new(
                user.as_str(),
                "USD",
                vec![CartItem::new("sku-1", "Beans", 2, "19.99")],
            ))
            .unwrap();
    }
    RunningCartService::start(state).unwrap()
}

/// Users with their customer tokens.
fn make_users(prefix: &str, n: usize) -> Vec<(String, String)> {
    (0..n)
        .map(|i| {
            let user = format!("{prefix}{i}");
            let token = Authenticator::new(SECRET)
                .unwrap()
                .issue(&user, Role::Customer, Duration::from_secs(600))
                .unwrap();
            (user, token)
        })
        .collect()
}

fn server_args(database: &str, cart_url: &str) -> Vec<String> {
    [
        "--listen",
        "127.0.0.1:0",
        "--database",
        database,
        "--cart-url",
        cart_url,
    ]
    .map(str::to_owned)
    .to_vec()
}

/// Spawns `cmd` (the server, possibly under strace) with a clean `ORDERLY_*` environment and
/// returns it with its base URL, read from the server's JSON log.
fn spawn_server(mut cmd: Command) -> (Child, String) {
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("ORDERLY_") || name.starts_with("CART_SERVICE_") {
            cmd.env_remove(name.as_ref());
        }
    }
    cmd.env("ORDERLY_JWT_SECRET", std::str::from_utf8(SECRET).unwrap())
        .env("ORDERLY_LOG_FORMAT", "json")
        .stdout(Stdio::null())
        .stderr(Stdio::piped());
    let mut child = cmd.spawn().unwrap();
    let stderr = child.stderr.take().unwrap();
    let (tx, rx) = std::sync::mpsc::channel();
    std::thread::spawn(move || {
        let mut seen = Vec::new();
        let mut sent = false;
        for line in BufReader::new(stderr).lines().map_while(Result::ok) {
            if sent {
                continue; // keep draining so that the server never blocks on its log
            }
            // strace may print lines of its own; only JSON lines are the server's.
            let address = serde_json::from_str::<Value>(&line).ok().and_then(|v| {
                (v["fields"]["message"] == "listening")
                    .then(|| v["fields"]["address"].as_str().map(str::to_owned))
                    .flatten()
            });
            if let Some(address) = address {
                let _ = tx.send(Ok(address));
                sent = true;
            } else if seen.len() < 50 {
                seen.push(line);
            }
        }
        if !sent {
            let _ = tx.send(Err(seen));
        }
    });
    match rx.recv_timeout(Duration::from_secs(30)) {
        Ok(Ok(address)) => (child, format!("http://{address}")),
        Ok(Err(lines)) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server exited before listening: {lines:#?}");
        }
        Err(_) => {
            let _ = child.kill();
            let _ = child.wait();
            panic!("the server did not listen within 30 s");
        }
    }
}

/// Posts an order; `Err` when no complete answer came back (the outcome is unknown).
async fn post_order(
    client: &reqwest::Client,
    base: &str,
    user: &str,
    token: &str,
    key: &str,
) -> Result<(u16, Value), String> {
    let response = client
        .post(format!("{base}/order"))
        .bearer_auth(token)
        .header("Idempotency-Key", key)
        .json(&order_body(user))
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let status = response.status().as_u16();
    let text = response.text().await.map_err(|e| e.to_string())?;
    let body = serde_json::from_str(&text).unwrap_or(Value::String(text));
    Ok((status, body))
}

fn order_id_of(body: &Value) -> String {
    body["orderId"]
        .as_str()
        .unwrap_or_else(|| panic!("no orderId in {body}"))
        .to_owned()
}

fn http_client() -> reqwest::Client {
    reqwest::Client::builder()
        .timeout(Duration::from_secs(15))
        .build()
        .unwrap()
}

fn signal(sig: &str, pid: u32) {
    let _ = Command::new("kill")
        .args([format!("-{sig}"), pid.to_string()])
        .status();
}

/// Waits for `child` to exit, at most `limit`.
fn wait_at_most(child: &mut Child, limit: Duration) -> bool {
    let deadline = Instant::now() + limit;
    while Instant::now() < deadline {
        if child.try_wait().unwrap().is_some() {
            return true;
        }
        std::thread::sleep(Duration::from_millis(20));
    }
    false
}

// ---------------------------------------------------------------------------------------------
// 1. SIGKILL under load
// ---------------------------------------------------------------------------------------------

const CLIENTS: usize = 8;
const ROUNDS: usize = 3;

/// What one client saw during one round.
#[derive(Debug, Default)]
struct ClientLog {
    /// (key, order id, status) of every acknowledged new key.
    acked: Vec<(String, String, u16)>,
    /// Keys whose request got no answer.
    unknown: Vec<String>,
    /// Every key sent.
    sent: Vec<String>,
    replays: usize,
    /// Anything that should not happen (wrong status, a replay naming another order, an error
    /// before the kill).
    unexpected: Vec<String>,
}

/// Places orders until the server dies (or the safety deadline passes), now and then re-sending
/// a key it already got an answer for.
async fn load(
    base: String,
    user: String,
    token: String,
    tag: String,
    killed: Arc<AtomicBool>,
    deadline: Instant,
) -> ClientLog {
    let client = http_client();
    let mut log = ClientLog::default();
    let mut rng = fastrand::Rng::new();
    let mut n = 0;
    while !killed.load(Ordering::SeqCst) && Instant::now() < deadline {
        let replay_of = if !log.acked.is_empty() && rng.u8(..5) == 0 {
            let (key, id, _) = &log.acked[rng.usize(..log.acked.len())];
            Some((key.clone(), id.clone()))
        } else {
            None
        };
        let key = match &replay_of {
            Some((key, _)) => key.clone(),
            None => {
                n += 1;
                format!("{tag}-{n}")
            }
        };
        if replay_of.is_none() {
            log.sent.push(key.clone());
        }
        match post_order(&client, &base, &user, &token, &key).await {
            Ok((status @ (200 | 201), body)) => {
                let id = order_id_of(&body);
                match replay_of {
                    Some((_, first)) => {
                        log.replays += 1;
                        if id != first {
                            log.unexpected.push(format!(
                                "replay of {key} answered {status} with order {id}, first {first}"
                            ));
                        }
                    }
                    None => {
                        if status != 201 {
                            log.unexpected
                                .push(format!("new key {key} answered {status}: {body}"));
                        }
                        log.acked.push((key, id, status));
                    }
                }
            }
            Ok((status, body)) => {
                log.unexpected
                    .push(format!("{key} answered {status}: {body}"));
            }
            Err(error) => {
                if !killed.load(Ordering::SeqCst) {
                    log.unexpected
                        .push(format!("{key} failed before the kill: {error}"));
                }
                if replay_of.is_none() {
                    log.unknown.push(key);
                }
                // The server is gone (or the connection broke): this client is done.
                break;
            }
        }
    }
    log
}

#[derive(Debug, Default)]
struct Ledger {
    /// (user, key) -> acknowledged order id.
    acked: HashMap<(String, String), String>,
    /// Every (user, key) sent.
    sent: HashSet<(String, String)>,
}

impl Ledger {
    fn ack(&mut self, user: &str, key: &str, id: &str) {
        let previous = self
            .acked
            .insert((user.to_owned(), key.to_owned()), id.to_owned());
        if let Some(previous) = previous {
            assert_eq!(previous, id, "{user}/{key} acknowledged with two orders");
        }
    }
}

/// Re-sends (every other one of) the keys whose first request got no answer; each must now be
/// answered with one order: the one the lost request placed (200), or a new one (201).
async fn resend_unknown(
    base: &str,
    unknown: &[(String, String)],
    tokens: &HashMap<String, String>,
    ledger: &mut Ledger,
) -> (usize, usize) {
    let client = http_client();
    let (mut created, mut replayed) = (0, 0);
    for (user, key) in unknown.iter().step_by(2) {
        let (status, body) = post_order(&client, base, user, &tokens[user], key)
            .await
            .unwrap_or_else(|e| panic!("re-sending {user}/{key}: {e}"));
        match status {
            201 => created += 1,
            200 => replayed += 1,
            _ => panic!("re-sending {user}/{key}: {status} {body}"),
        }
        ledger.ack(user, key, &order_id_of(&body));
    }
    (created, replayed)
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn acknowledged_orders_survive_sigkill_under_load() {
    let dir = tempfile::tempdir().unwrap();
    let url = format!("sqlite://{}", dir.path().join("orders.db").display());
    let users = tokio::task::spawn_blocking(|| make_users("durable", CLIENTS))
        .await
        .unwrap();
    let names: Vec<String> = users.iter().map(|(u, _)| u.clone()).collect();
    let tokens: HashMap<String, String> = users.iter().cloned().collect();
    let carts = carts_for(&names);

    let mut ledger = Ledger::default();
    let mut unknown: Vec<(String, String)> = Vec::new();
    let mut in_flight_at_kill = 0;
    // The last pass only re-sends the previous round's unknown keys.
    for round in 0..=ROUNDS {
        let mut cmd = Command::new(BIN);
        cmd.args(server_args(&url, &carts.url()));
        let (mut child, base) = spawn_server(cmd);

        let (created, replayed) = resend_unknown(&base, &unknown, &tokens, &mut ledger).await;
        eprintln!(
            "round {round}: re-sent {} of {} unknown keys: {created} created, {replayed} replayed",
            created + replayed,
            unknown.len()
        );
        unknown.clear();
        if round == ROUNDS {
            child.kill().unwrap();
            child.wait().unwrap();
            break;
        }

        let killed = Arc::new(AtomicBool::new(false));
        let deadline = Instant::now() + Duration::from_secs(20);
        let tasks: Vec<_> = users
            .iter()
            .enumerate()
            .map(|(c, (user, token))| {
                let task = load(
                    base.clone(),
                    user.clone(),
                    token.clone(),
                    format!("r{round}-c{c}"),
                    killed.clone(),
                    deadline,
                );
                (user.clone(), tokio::spawn(task))
            })
            .collect();
        tokio::time::sleep(Duration::from_millis(1000 + fastrand::u64(..800))).await;
        killed.store(true, Ordering::SeqCst);
        child.kill().unwrap(); // SIGKILL, with requests in flight
        child.wait().unwrap();

        let (mut acked, mut replays) = (0, 0);
        let mut unexpected = Vec::new();
        for (user, task) in tasks {
            let log = tokio::time::timeout(Duration::from_secs(30), task)
                .await
                .expect("clients finish once the server is gone")
                .unwrap();
            for (key, id, _) in &log.acked {
                ledger.ack(&user, key, id);
            }
            for key in &log.sent {
                ledger.sent.insert((user.clone(), key.clone()));
            }
            acked += log.acked.len();
            replays += log.replays;
            in_flight_at_kill += log.unknown.len();
            unknown.extend(log.unknown.into_iter().map(|k| (user.clone(), k)));
            unexpected.extend(log.unexpected);
        }
        eprintln!(
            "round {round}: {acked} orders acknowledged, {replays} replays answered, {} requests \
             without an answer at the kill",
            unknown.len()
        );
        assert!(unexpected.is_empty(), "round {round}: {unexpected:#?}");
        assert!(acked > 0, "round {round}: no order was acknowledged");
    }
    assert!(
        in_flight_at_kill > 0,
        "no request was in flight at any kill: the test did not test anything"
    );

    // The server is gone: read the database directly.
    let store = orderly::open_store(&url).unwrap();
    let mut problems = Vec::new();

    // Every acknowledged order is there, under its key.
    for ((user, key), id) in &ledger.acked {
        let record = store
            .idempotency_record(
                &UserId::new(user.as_str()).unwrap(),
                &IdempotencyKey::new(key.as_str()).unwrap(),
            )
            .unwrap();
        match record {
            Some(r) if r.order_id.to_string() == *id => {}
            other => problems.push(format!(
                "{user}/{key} was acknowledged as {id}; the key now names {other:?}"
            )),
        }
        match store.order(&orderly::OrderId::parse(id).unwrap()).unwrap() {
            Some(order) if order.user_id.as_str() == user => {}
            other => problems.push(format!("acknowledged order {id} of {user}: {other:?}")),
        }
    }

    // Each key names at most one order, and each order is named by exactly one key.
    let mut all_orders: HashMap<String, String> = HashMap::new();
    for user in &names {
        let orders = store
            .orders_for_user(&HistoryQuery {
                user_id: UserId::new(user.as_str()).unwrap(),
                after: None,
                status: None,
                limit: 1_000_000,
            })
            .unwrap();
        for order in orders {
            all_orders.insert(order.id.to_string(), user.clone());
        }
    }
    let mut key_of: HashMap<String, (String, String)> = HashMap::new();
    for (user, key) in &ledger.sent {
        let record = store
            .idempotency_record(
                &UserId::new(user.as_str()).unwrap(),
                &IdempotencyKey::new(key.as_str()).unwrap(),
            )
            .unwrap();
        if let Some(record) = record {
            let id = record.order_id.to_string();
            if all_orders.get(&id) != Some(user) {
                problems.push(format!(
                    "{user}/{key} names {id}, which is not an order of {user}"
                ));
            }
            if let Some(other) = key_of.insert(id.clone(), (user.clone(), key.clone())) {
                problems.push(format!("{id} is named by {user}/{key} and by {other:?}"));
            }
        }
    }
    for (id, user) in &all_orders {
        if !key_of.contains_key(id) {
            problems.push(format!("order {id} of {user} has no idempotency key"));
        }
    }

    // No relay ran: every event is pending, exactly one `order.placed` per order.
    let events = store.pending_events(1_000_000).unwrap();
    let mut placed: HashMap<String, usize> = HashMap::new();
    for event in &events {
        if event.event_type != EventType::OrderPlaced {
            problems.push(format!("unexpected event {event:?}"));
        }
        *placed.entry(event.order_id.to_string()).or_default() += 1;
    }
    for id in all_orders.keys() {
        match placed.get(id) {
            Some(1) => {}
            n => problems.push(format!("order {id} has {n:?} order.placed events")),
        }
    }
    for id in placed.keys() {
        if !all_orders.contains_key(id) {
            problems.push(format!(
                "an order.placed event names {id}, which is not stored"
            ));
        }
    }

    eprintln!(
        "{} orders stored, {} acknowledged, {} keys sent, {} requests in flight at the kills, \
         {} events pending",
        all_orders.len(),
        ledger.acked.len(),
        ledger.sent.len(),
        in_flight_at_kill,
        events.len()
    );
    assert!(problems.is_empty(), "{problems:#?}");
}

// ---------------------------------------------------------------------------------------------
// 2. No answer before its sync, checked with strace
// ---------------------------------------------------------------------------------------------

/// One system call of an strace log.
#[derive(Debug)]
struct Syscall {
    name: String,
    /// What `-y` printed for the first argument: a path, `socket:[123]`, `pipe:[4]`, ...
    fd: String,
    /// Every string argument (for `writev`/`sendmsg`, every `iov_base`), decoded, end to end.
    data: Vec<u8>,
    ret: Option<i64>,
    /// Where the entry and the exit of the call are in the log. Entries sit at even and exits
    /// at odd positions (2 × line index, + 1 for the exit), so that a call printed on one line
    /// starts before it ends and ends before the next line.
    start: usize,
    /// `None` if the call never returned in the log.
    end: Option<usize>,
    /// The `-ttt` timestamp of the entry (for messages).
    at: String,
}

const SYNCS: [&str; 2] = ["fsync", "fdatasync"];
const SOCKET_WRITES: [&str; 5] = ["write", "writev", "sendto", "sendmsg", "pwrite64"];

/// Decodes the C-style strings (`"..."`) in `text`, as strace escapes them (`\"`, `\\`, `\n`,
/// `\t`, `\r`, `\v`, `\f`, octal `\NNN`, hex `\xHH`), and appends them end to end.
fn decode_strings(text: &str, out: &mut Vec<u8>) {
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if b[i] != b'"' {
            i += 1;
            continue;
        }
        i += 1;
        while i < b.len() && b[i] != b'"' {
            if b[i] != b'\\' || i + 1 >= b.len() {
                out.push(b[i]);
                i += 1;
                continue;
            }
            i += 1;
            let c = b[i];
            i += 1;
            match c {
                b'n' => out.push(b'\n'),
                b't' => out.push(b'\t'),
                b'r' => out.push(b'\r'),
                b'v' => out.push(0x0b),
                b'f' => out.push(0x0c),
                b'x' => {
                    let end = (i + 2).min(b.len());
                    let hex = std::str::from_utf8(&b[i..end]).unwrap_or("");
                    out.push(u8::from_str_radix(hex, 16).unwrap_or(0));
                    i = end;
                }
                b'0'..=b'7' => {
                    let mut value = u32::from(c - b'0');
                    let mut digits = 1;
                    while digits < 3 && i < b.len() && (b'0'..=b'7').contains(&b[i]) {
                        value = value * 8 + u32::from(b[i] - b'0');
                        i += 1;
                        digits += 1;
                    }
                    out.push(u8::try_from(value & 0xff).unwrap_or(0));
                }
                other => out.push(other), // `\"`, `\\`
            }
        }
        i += 1; // the closing quote
    }
}

/// The `-y` annotation of the first argument: `4</tmp/x/orders.db-wal>, ...` -> the path.
fn fd_annotation(args: &str) -> String {
    let Some(open) = args.find('<') else {
        return String::new();
    };
    if !args[..open].bytes().all(|c| c.is_ascii_digit()) {
        return String::new();
    }
    let rest = &args[open + 1..];
    // `-yy` prints `TCP:[a->b]`, so the closing `>` is the one before `, `, `)` or ` <`.
    let close = [">, ", ">)", "> <"]
        .iter()
        .filter_map(|end| rest.find(end))
        .min()
        .unwrap_or(rest.len());
    rest[..close].to_owned()
}

/// The first word of `s` and what follows it, without the spaces between.
fn next_word(s: &str) -> Option<(&str, &str)> {
    let (word, rest) = s.trim_start().split_once(' ')?;
    Some((word, rest.trim_start()))
}

fn parse_ret(tail: &str) -> Option<i64> {
    let (_, ret) = tail.rsplit_once(" = ")?;
    ret.split_whitespace().next()?.parse().ok()
}

/// Whether a call's strings matter to the check: WAL pwrites and socket writes.
fn wants_data(name: &str, fd: &str, wal: &str) -> bool {
    (name == "pwrite64" && fd == wal) || (SOCKET_WRITES.contains(&name) && is_socket(fd))
}

fn is_socket(fd: &str) -> bool {
    fd.starts_with("socket:") || fd.starts_with("TCP")
}

/// Parses an `strace -f -ttt -y` log, pairing `<unfinished ...>` entries with their
/// `<... resumed>` exits (one pending call per thread).
fn parse_trace(trace: &str, wal: &str) -> Vec<Syscall> {
    let mut calls: Vec<Syscall> = Vec::new();
    let mut pending: HashMap<String, usize> = HashMap::new();
    for (line_no, line) in trace.lines().enumerate() {
        // `PID TIME rest` (with -f; the pid may be padded with spaces) or `TIME rest`.
        let Some((first, after_first)) = next_word(line) else {
            continue;
        };
        let (pid, at, rest) = match next_word(after_first) {
            Some((second, rest)) if !first.contains('.') && second.contains('.') => {
                (first, second, rest)
            }
            _ => ("", first, after_first),
        };
        if rest.starts_with("---") || rest.starts_with("+++") {
            continue; // signals, exits
        }
        if let Some(resumed) = rest.strip_prefix("<... ") {
            let Some((_, tail)) = resumed.split_once(" resumed>") else {
                continue;
            };
            if let Some(index) = pending.remove(pid) {
                let call = &mut calls[index];
                call.end = Some(2 * line_no + 1);
                call.ret = parse_ret(tail);
            }
            continue;
        }
        let Some((name, args)) = rest.split_once('(') else {
            continue;
        };
        if name.is_empty() || !name.bytes().all(|c| c.is_ascii_alphanumeric() || c == b'_') {
            continue;
        }
        let fd = fd_annotation(args);
        let unfinished = args.ends_with("<unfinished ...>");
        let mut data = Vec::new();
        if wants_data(name, &fd, wal) {
            let strings = args.split_once("<unfinished ...>").map_or(args, |(a, _)| a);
            decode_strings(strings, &mut data);
        }
        calls.push(Syscall {
            name: name.to_owned(),
            fd,
            data,
            ret: if unfinished { None } else { parse_ret(args) },
            start: 2 * line_no,
            end: (!unfinished).then_some(2 * line_no + 1),
            at: at.to_owned(),
        });
        if unfinished {
            pending.insert(pid.to_owned(), calls.len() - 1);
        }
    }
    calls
}

/// The ids of `wanted` that occur in `data`, as text.
fn ids_in(data: &[u8], wanted: &HashSet<&str>) -> HashSet<String> {
    const LEN: usize = 36; // 8-4-4-4-12
    let mut found = HashSet::new();
    for window in data.windows(LEN) {
        let dashes = [8, 13, 18, 23].iter().all(|&d| window[d] == b'-');
        if dashes
            && let Ok(s) = std::str::from_utf8(window)
            && wanted.contains(s)
        {
            found.insert(s.to_owned());
        }
    }
    found
}

#[derive(Debug, PartialEq, Eq)]
enum Problem {
    /// No socket write contains the id (the checker could not see the answer).
    NoAnswer,
    /// No pwrite64 to the WAL contains the id (the checker could not see the order's pages).
    NotInWal,
    /// The order's first WAL write had not completed when its answer started.
    AnswerBeforeWalWrite,
    /// No fsync/fdatasync of the WAL started after the order's first WAL write completed and
    /// completed before its answer started.
    NoCoveringSync,
}

#[derive(Debug)]
struct Violation {
    order_id: String,
    problem: Problem,
    detail: String,
}

fn describe(violations: &[Violation]) -> String {
    violations
        .iter()
        .map(|v| format!("\n  {} {:?}: {}", v.order_id, v.problem, v.detail))
        .collect()
}

/// Checks, for each order of a 201 answer (`created`), that its answer was written to its
/// socket only after a sync of the WAL that covers the order:
///
/// - the answer starts at the earliest socket write that contains the order id;
/// - the order's pages reach the WAL with the first `pwrite64` to `wal` that contains the id
///   (the id is a fresh UUID: nothing before the order's own transaction contains it; a later
///   transaction may rewrite the same page, even before the answer, so the first write is
///   the one to take);
/// - some `fsync`/`fdatasync` of `wal`, successful, must have started after that write
///   completed and completed before the answer started. SQLite syncs the WAL at commit after
///   writing every frame of the transaction, so the first sync to start after one of them
///   is that transaction's commit sync (or a later one, which covers it too).
///
/// Order is the order of the log, not the timestamps: strace prints an entry before letting
/// the call run and an exit after the kernel finished it, and handles one stop at a time,
/// so "exit printed before entry" means "finished before started". A correct server cannot
/// look wrong either: its answering thread is woken by the committing thread, which is held
/// at the sync's exit until strace has printed it.
fn answers_before_their_sync(trace: &str, wal: &str, created: &[String]) -> Vec<Violation> {
    let calls = parse_trace(trace, wal);
    let wanted: HashSet<&str> = created.iter().map(String::as_str).collect();
    // id -> index of the earliest answer write / of the first WAL write containing it.
    let mut answer: HashMap<String, usize> = HashMap::new();
    let mut first_wal: HashMap<String, usize> = HashMap::new();
    for (index, call) in calls.iter().enumerate() {
        if call.data.is_empty() {
            continue;
        }
        let target = if call.name == "pwrite64" && call.fd == wal {
            &mut first_wal
        } else if is_socket(&call.fd) {
            &mut answer
        } else {
            continue;
        };
        for id in ids_in(&call.data, &wanted) {
            let slot = target.entry(id).or_insert(index);
            if calls[*slot].start > call.start {
                *slot = index;
            }
        }
    }
    let syncs: Vec<&Syscall> = calls
        .iter()
        .filter(|c| SYNCS.contains(&c.name.as_str()) && c.fd == wal && c.ret == Some(0))
        .collect();

    let mut violations = Vec::new();
    for id in created {
        let violation = |problem, detail| Violation {
            order_id: id.clone(),
            problem,
            detail,
        };
        let Some(answer) = answer.get(id).map(|&i| &calls[i]) else {
            violations.push(violation(Problem::NoAnswer, String::new()));
            continue;
        };
        let Some(written) = first_wal.get(id).map(|&i| &calls[i]) else {
            violations.push(violation(
                Problem::NotInWal,
                format!("answer {}({}) at {}", answer.name, answer.fd, answer.at),
            ));
            continue;
        };
        let Some(written_end) = written.end.filter(|&end| end < answer.start) else {
            violations.push(violation(
                Problem::AnswerBeforeWalWrite,
                format!(
                    "WAL write at {} (line {}), answer at {} (line {})",
                    written.at,
                    written.start / 2 + 1,
                    answer.at,
                    answer.start / 2 + 1
                ),
            ));
            continue;
        };
        let covered = syncs
            .iter()
            .any(|s| s.start > written_end && s.end.is_some_and(|end| end < answer.start));
        if !covered {
            let next_sync = syncs.iter().find(|s| s.start > written_end).map_or_else(
                || "none".to_owned(),
                |s| {
                    format!(
                        "{} at {} (line {}, done at line {:?})",
                        s.name,
                        s.at,
                        s.start / 2 + 1,
                        s.end.map(|e| e / 2 + 1)
                    )
                },
            );
            violations.push(violation(
                Problem::NoCoveringSync,
                format!(
                    "first WAL write at {} (line {}); answer {}({}) at {} (line {}); next WAL \
                     sync: {next_sync}",
                    written.at,
                    written.start / 2 + 1,
                    answer.name,
                    answer.fd,
                    answer.at,
                    answer.start / 2 + 1
                ),
            ));
        }
    }
    violations
}

/// The checker on a hand-written log: unfinished/resumed pairs, escapes, writev, the main
/// database file and a log pipe.
fn check_the_checker() {
    const A: &str = "01a231f7-16b3-77ee-902e-84f542bd631f";
    const B: &str = "01a231f7-16d7-775a-aff0-1f41a86c2a0f";
    const C: &str = "01a231f7-1700-7000-8000-000000000001";
    const D: &str = "01a231f7-1700-7000-8000-000000000002";
    const E: &str = "01a231f7-1700-7000-8000-000000000003";
    let wal = "/t/orders.db-wal";
    let trace = [
        // A: written, synced, then answered (the response split over two iovecs).
        format!(r#"10 1.000001 pwrite64(5</t/orders.db-wal>, "\0\0\r\n\"\\{{\"orderId\":\"{A}\"}}\0011", 30, 0) = 30"#),
        // B: its write is still running when a sync starts: that sync does not cover it.
        format!(r#"11 1.000002 pwrite64(5</t/orders.db-wal>, "{{\"orderId\":\"{B}\"}}", 20, 4096 <unfinished ...>"#),
        "10  1.000003 fsync(5</t/orders.db-wal> <unfinished ...>".to_owned(),
        "11 1.000004 <... pwrite64 resumed>) = 20".to_owned(),
        "10 1.000005 <... fsync resumed>) = 0".to_owned(),
        "10 1.000006 --- SIGCHLD {si_signo=SIGCHLD} ---".to_owned(),
        format!(r#"10 1.000007 write(2<pipe:[7]>, "log {B} {C}", 44) = 44"#),
        format!(r#"10 1.000008 writev(9<socket:[1]>, [{{iov_base="HTTP/1.1 201 Created\r\nlocation: /order/{}", iov_len=60}}, {{iov_base="{}", iov_len=20}}], 2) = 80"#, &A[..10], &A[10..]),
        format!(r#"11 1.000009 writev(8<socket:[2]>, [{{iov_base="HTTP/1.1 201 Created\r\n\r\n{{\"orderId\":\"{B}\"}}", iov_len=40}}], 1) = 40"#),
        // C: only in the main database file.
        format!(r#"10 1.000010 pwrite64(6</t/orders.db>, "{C}", 36, 0) = 36"#),
        format!(r#"10 1.000011 sendto(9<TCP:[127.0.0.1:1->127.0.0.1:2]>, "{C}", 36, MSG_NOSIGNAL, NULL, 0) = 36"#),
        // D: written and synced, but the sync ends after the answer starts.
        format!(r#"12 1.000012 pwrite64(5</t/orders.db-wal>, "{D}", 36, 8192) = 36"#),
        "12 1.000013 fdatasync(5</t/orders.db-wal> <unfinished ...>".to_owned(),
        format!(r#"13 1.000014 write(10<socket:[3]>, "{D}", 36) = 36"#),
        "12 1.000015 <... fdatasync resumed>) = 0".to_owned(),
        // E: written, synced by another fd of the WAL, answered; a later rewrite of its page
        // (by a later transaction) does not matter.
        format!(r#"12 1.000016 pwrite64(5</t/orders.db-wal>, "{E}", 36, 12288) = 36"#),
        "12 1.000017 fsync(23</t/orders.db-wal>) = 0".to_owned(),
        format!(r#"12 1.000018 pwrite64(5</t/orders.db-wal>, "x{E}", 37, 16384) = 37"#),
        format!(r#"13 1.000019 writev(11<socket:[4]>, [{{iov_base="{E}", iov_len=36}}], 1) = 36"#),
    ]
    .join("\n");
    let created: Vec<String> = [A, B, C, D, E, "01a231f7-1700-7000-8000-000000000004"]
        .map(str::to_owned)
        .to_vec();
    let found: Vec<(String, Problem)> = answers_before_their_sync(&trace, wal, &created)
        .into_iter()
        .map(|v| (v.order_id, v.problem))
        .collect();
    assert_eq!(
        found,
        vec![
            (B.to_owned(), Problem::NoCoveringSync),
            (C.to_owned(), Problem::NotInWal),
            (D.to_owned(), Problem::NoCoveringSync),
            (
                "01a231f7-1700-7000-8000-000000000004".to_owned(),
                Problem::NoAnswer
            ),
        ]
    );
    let mut decoded = Vec::new();
    decode_strings(r#""a\"b\\c\0011\377\x41\n""#, &mut decoded);
    assert_eq!(decoded, b"a\"b\\c\x011\xffA\n");
}

/// Why strace cannot be used here, if it cannot.
fn strace_unusable() -> Option<String> {
    match Command::new("strace")
        .args(["-f", "-qq", "-o", "/dev/null", "true"])
        .output()
    {
        Err(e) => Some(format!("strace is not installed ({e})")),
        Ok(out) if !out.status.success() => Some(format!(
            "strace cannot trace here: {}",
            String::from_utf8_lossy(&out.stderr).trim()
        )),
        Ok(_) => None,
    }
}

struct TracedRun {
    trace: String,
    wal: String,
    created: Vec<String>,
}

const TRACED_CLIENTS: usize = 6;
const ORDERS_PER_CLIENT: usize = 5;

/// Runs the server under strace on a new database (`query` appended to its URL), places
/// `TRACED_CLIENTS × ORDERS_PER_CLIENT` orders concurrently, stops the server and returns the
/// log.
async fn traced_run(
    dir: &Path,
    query: &str,
    cart_url: &str,
    users: &[(String, String)],
) -> TracedRun {
    let dir = std::fs::canonicalize(dir).unwrap(); // the path as `-y` prints it
    let db = dir.join("orders.db");
    let trace_file = dir.join("trace.txt");
    let mut cmd = Command::new("strace");
    cmd.args([
        "-f",
        "-qq",
        "-ttt",
        "-y",
        "-s",
        "65536",
        "-e",
        "trace=fsync,fdatasync,pwrite64,write,writev,sendto,sendmsg",
        "-o",
    ])
    .arg(&trace_file)
    .arg(BIN)
    .args(server_args(
        &format!("sqlite://{}{query}", db.display()),
        cart_url,
    ));
    let (mut strace, base) = spawn_server(cmd);

    let tasks: Vec<_> = users
        .iter()
        .take(TRACED_CLIENTS)
        .enumerate()
        .map(|(c, (user, token))| {
            let (base, user, token) = (base.clone(), user.clone(), token.clone());
            tokio::spawn(async move {
                let client = http_client();
                let mut ids = Vec::new();
                for n in 0..ORDERS_PER_CLIENT {
                    let key = format!("traced-c{c}-{n}");
                    let (status, body) = post_order(&client, &base, &user, &token, &key)
                        .await
                        .unwrap_or_else(|e| panic!("{key}: {e}"));
                    assert_eq!(status, 201, "{key}: {body}");
                    ids.push(order_id_of(&body));
                }
                ids
            })
        })
        .collect();
    let mut created = Vec::new();
    let mut failure = None;
    for task in tasks {
        match tokio::time::timeout(Duration::from_secs(60), task).await {
            Ok(Ok(ids)) => created.extend(ids),
            Ok(Err(e)) => failure = Some(format!("a client failed: {e}")),
            Err(_) => failure = Some("a client did not finish within 60 s".to_owned()),
        }
    }

    // Stop the server (strace's child) with SIGTERM; strace exits with it.
    let pid = strace.id();
    let children =
        std::fs::read_to_string(format!("/proc/{pid}/task/{pid}/children")).unwrap_or_default();
    let servers: Vec<u32> = children
        .split_whitespace()
        .filter_map(|p| p.parse().ok())
        .collect();
    if servers.is_empty() {
        signal("TERM", pid); // strace passes it on to the program it started
    }
    for &server in &servers {
        signal("TERM", server);
    }
    if !wait_at_most(&mut strace, Duration::from_secs(20)) {
        for &server in &servers {
            signal("KILL", server);
        }
        let _ = strace.kill();
        let _ = strace.wait();
        panic!("the traced server did not stop within 20 s of SIGTERM");
    }
    if let Some(failure) = failure {
        panic!("{failure}");
    }
    TracedRun {
        trace: std::fs::read_to_string(&trace_file).unwrap(),
        wal: format!("{}-wal", db.display()),
        created,
    }
}

fn count_wal_syncs(run: &TracedRun) -> usize {
    parse_trace(&run.trace, &run.wal)
        .iter()
        .filter(|c| SYNCS.contains(&c.name.as_str()) && c.fd == run.wal)
        .count()
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn no_answer_leaves_before_the_sync_that_covers_it() {
    check_the_checker();
    if let Some(reason) = strace_unusable() {
        assert!(std::env::var_os("CI").is_none(), "{reason}");
        eprintln!("{reason}: skipped");
        return;
    }
    let users = tokio::task::spawn_blocking(|| make_users("traced", TRACED_CLIENTS))
        .await
        .unwrap();
    let names: Vec<String> = users.iter().map(|(u, _)| u.clone()).collect();
    let carts = carts_for(&names);

    // The default: every answer after the sync that covers its order.
    let durable_dir = tempfile::tempdir().unwrap();
    let durable = traced_run(durable_dir.path(), "", &carts.url(), &users).await;
    let violations = answers_before_their_sync(&durable.trace, &durable.wal, &durable.created);
    eprintln!(
        "synchronous=full: {} answers checked, {} WAL syncs, {} violations",
        durable.created.len(),
        count_wal_syncs(&durable),
        violations.len()
    );
    assert_eq!(durable.created.len(), TRACED_CLIENTS * ORDERS_PER_CLIENT);
    if !violations.is_empty() {
        let kept = durable_dir.keep();
        panic!(
            "answers left before the sync that covers their order (trace kept in {}):{}",
            kept.display(),
            describe(&violations)
        );
    }

    // Without syncs at commit, the same check finds answers that left before any sync: it
    // can fail.
    let lossy_dir = tempfile::tempdir().unwrap();
    let lossy = traced_run(
        lossy_dir.path(),
        "?synchronous=may_lose_last_transactions",
        &carts.url(),
        &users,
    )
    .await;
    let violations = answers_before_their_sync(&lossy.trace, &lossy.wal, &lossy.created);
    eprintln!(
        "synchronous=may_lose_last_transactions: {} answers checked, {} WAL syncs, {} violations",
        lossy.created.len(),
        count_wal_syncs(&lossy),
        violations.len()
    );
    eprintln!(
        "for example:{}",
        describe(&violations[..violations.len().min(3)])
    );
    let unexpected: Vec<&Violation> = violations
        .iter()
        .filter(|v| v.problem != Problem::NoCoveringSync)
        .collect();
    if violations.is_empty() || !unexpected.is_empty() {
        let kept = lossy_dir.keep();
        panic!(
            "expected only answers without a covering sync on may_lose_last_transactions \
             (trace kept in {}); found:{}",
            kept.display(),
            describe(&violations)
        );
    }
}
