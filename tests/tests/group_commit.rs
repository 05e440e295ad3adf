//! Group commit under a mixed concurrent workload: one durable SQLite file (default options:
//! `synchronous=FULL` and group commit), one `OrderService`, and 12 threads started together
//! that place orders with idempotency keys drawn from a small pool (same and different
//! requests), move orders along the status machine (some pinned to a version read earlier,
//! some invalid), cancel their own orders, and slip in writes that fail at their last
//! statement (a duplicate outbox event id) so that batches hold failing members.
//!
//! Every call must return: a round in which some call is still unanswered after
//! `ROUND_DEADLINE` fails, naming what each stuck thread was doing. Every answer is recorded;
//! afterwards everything is read back and checked:
//!
//! 1. each idempotency key placed exactly one order, answered `created` once, replayed to the
//!    same order, and refused (`idempotency_conflict`) only requests other than the winner's;
//! 2. each order's outbox events are sequences 1..=version, one `order.placed`, each matching
//!    the milestone of that version;
//! 3. every change a caller was told about is in the order's history, nothing else is;
//! 4. the rollups (status counts, hourly sales per currency, product sales) equal a
//!    recomputation from the stored orders, cancelled orders taken out of sales and products;
//! 5. group commit really shared commits among writes.
//!
//! Rounds use seeds derived from `ORDERLY_GROUP_COMMIT_SEED` (a `u64`, default fixed).

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::sync::{Arc, Barrier, Mutex};
use std::time::{Duration, Instant};

use orderly::DayRange;
use orderly::analytics::RollupDelta;
use orderly::pricing::{Discount, Rate};
use orderly::store::{ChangeOutcome, HistoryQuery, InsertOutcome, OrderChange};
use orderly::{
    Currency, EventId, EventType, Milestone, Order, OrderId, OrderStatus, OrderlyError,
    OutboxEvent, PlaceOrderRequest, Placement, PricingPolicy, SqliteOptions, SqliteStore,
    StatusUpdate, Store, StoreError, StoreErrorKind, TopBy,
};
use orderly_tests::fixtures::{
    self, Env, MINUTE_MS, admin, customer, de_address, idem, new_order_like, user, warehouse,
};

const ROUNDS: u64 = 8;
const THREADS: usize = 12;
const OPS_PER_THREAD: usize = 60;
/// Keys come from a window of `KEY_WINDOW` keys per user that moves on every `KEY_STEP` calls
/// of a thread: threads started together send the same keys at about the same time, and new
/// orders keep arriving while older ones move along.
const KEY_WINDOW: usize = 3;
const KEY_STEP: usize = 5;
const USERS: [&str; 4] = ["alice", "bob", "carol", "dave"];
const SETUP_KEY: &str = "setup";
const HOUR_MS: i64 = 3_600_000;
/// A round normally takes well under a second; past this, a call is stuck and the round fails
/// instead of hanging.
const ROUND_DEADLINE: Duration = Duration::from_secs(30);
/// Status targets for staff updates, weighted toward moves that can apply.
const TARGETS: [OrderStatus; 7] = [
    OrderStatus::Processing,
    OrderStatus::Processing,
    OrderStatus::Shipped,
    OrderStatus::Shipped,
    OrderStatus::Delivered,
    OrderStatus::Cancelled,
    OrderStatus::Placed,
];

#[test]
fn mixed_concurrent_writes_stay_exact_under_group_commit() {
    let base = std::env::var("ORDERLY_GROUP_COMMIT_SEED")
        .ok()
        .and_then(|s| s.parse::<u64>().ok())
        .unwrap_or(0x6F72_6465_726C_7921);
    let mut largest_batch = 0;
    let mut shared_commits = false;
    for round in 0..ROUNDS {
        let seed = base.wrapping_add(round.wrapping_mul(0x9E37_79B9_7F4A_7C15));
        let stats = run_round(round, seed);
        largest_batch = largest_batch.max(stats.largest_batch);
        shared_commits |= stats.writes > stats.commits;
    }
    assert!(
        largest_batch > 1 && shared_commits,
        "no commit carried more than one write in {ROUNDS} rounds of {THREADS} threads"
    );
}

/// A tiny deterministic generator (SplitMix64): the workload needs no crate for dice.
struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    fn below(&mut self, n: usize) -> usize {
        (self.next() % n as u64) as usize
    }
    fn percent(&mut self, p: usize) -> bool {
        self.below(100) < p
    }
    fn pick<T: Copy>(&mut self, items: &[T]) -> T {
        items[self.below(items.len())]
    }
}

/// The two requests a key is used with: the winner's is replayed, the other is a conflict.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Variant {
    Plain,
    Discounted,
}

fn place_request(u: usize, variant: Variant) -> PlaceOrderRequest {
    let mut request = fixtures::request(USERS[u]);
    if USERS[u] == "carol" {
        request.delivery_address = de_address();
    }
    if variant == Variant::Discounted {
        request.discount_code = Some("welcome10".into());
    }
    request
}

type PlaceResult = Result<Placement, OrderlyError>;

/// Every call of the workload with what it was answered.
#[derive(Debug)]
enum Call {
    Place {
        user: usize,
        key: String,
        variant: Variant,
        result: PlaceResult,
    },
    /// `update_status` by staff, or a cancellation by the owner (`to` is then `Cancelled`).
    Change {
        order: OrderId,
        to: OrderStatus,
        note: String,
        expected: Option<u32>,
        result: Result<Order, OrderlyError>,
    },
    /// A new order straight to the store whose outbox event reuses an existing event id: it
    /// fails at its last statement, after claiming its key and writing order and rollups.
    PoisonedInsert {
        order: OrderId,
        result: Result<InsertOutcome, StoreError>,
    },
    /// A status change straight to the store that fails the same way.
    PoisonedChange {
        note: String,
        result: Result<ChangeOutcome, StoreError>,
    },
}

struct Round {
    round: u64,
    seed: u64,
    env: Env,
    /// Orders placed so far, with their owner's index in `USERS`.
    known: Mutex<Vec<(OrderId, usize)>>,
    /// An event id already in the outbox.
    poison: EventId,
    /// What each thread is doing, for the report if one gets stuck.
    doing: Vec<Mutex<String>>,
}

fn run_round(round: u64, seed: u64) -> BatchStats {
    let dir = tempfile::tempdir().unwrap();
    let store = Arc::new(
        SqliteStore::open(dir.path().join("orderly.db"), SqliteOptions::default()).unwrap(),
    );
    let shared = store.clone();
    let factory = move || -> Arc<dyn Store> { shared.clone() };
    let mut policy = PricingPolicy::default();
    policy.discounts.insert(
        "WELCOME10".into(),
        Discount::Percent {
            rate: Rate::percent("10").unwrap(),
        },
    );
    let env = Env::with_policy(&factory, policy);
    // Overlapping products across users and two currencies.
    env.set_cart(
        "alice",
        "USD",
        &[
            ("sku-mug", "Mug", 2, "7.50"),
            ("sku-beans", "Espresso beans", 1, "19.99"),
        ],
    );
    env.set_cart(
        "bob",
        "USD",
        &[
            ("sku-mug", "Mug", 1, "7.50"),
            ("sku-kettle", "Kettle", 1, "45.00"),
        ],
    );
    env.set_cart(
        "carol",
        "EUR",
        &[
            ("sku-mug", "Mug", 3, "6.90"),
            ("sku-moka", "Moka pot", 1, "34.90"),
        ],
    );
    env.set_cart(
        "dave",
        "USD",
        &[("sku-beans", "Espresso beans", 3, "19.99")],
    );

    let setup = env
        .service
        .place_order(
            &customer(USERS[0]),
            &place_request(0, Variant::Plain),
            &idem(SETUP_KEY),
        )
        .unwrap();
    assert!(setup.created);
    let poison = env.store.pending_events(10).unwrap()[0].event_id;
    let ctx = Round {
        round,
        seed,
        env,
        known: Mutex::new(vec![(setup.order.id, 0)]),
        poison,
        doing: (0..THREADS).map(|_| Mutex::new(String::new())).collect(),
    };
    let mut calls = vec![Call::Place {
        user: 0,
        key: SETUP_KEY.into(),
        variant: Variant::Plain,
        result: Ok(setup),
    }];

    let before = store.group_commit_stats();
    let started = Instant::now();
    // Plain threads rather than a scope, so that a call that never returns fails the round
    // (with what every thread is doing) instead of hanging the test.
    let ctx = Arc::new(ctx);
    let barrier = Arc::new(Barrier::new(THREADS));
    let handles: Vec<_> = (0..THREADS)
        .map(|t| {
            let (ctx, barrier) = (ctx.clone(), barrier.clone());
            std::thread::spawn(move || worker(&ctx, t, &barrier))
        })
        .collect();
    while handles.iter().any(|h| !h.is_finished()) {
        if started.elapsed() > ROUND_DEADLINE {
            let stuck: Vec<String> = handles
                .iter()
                .enumerate()
                .filter(|(_, h)| !h.is_finished())
                .map(|(t, _)| format!("thread {t}: {}", ctx.doing[t].lock().unwrap()))
                .collect();
            panic!(
                "round {round} (seed {seed}): calls unanswered after {ROUND_DEADLINE:?} \
                 ({:?}):\n{}",
                store.group_commit_stats(),
                stuck.join("\n")
            );
        }
        std::thread::sleep(Duration::from_millis(5));
    }
    let per_thread: Vec<Vec<Call>> = handles.into_iter().map(|h| h.join().unwrap()).collect();
    let elapsed = started.elapsed();
    calls.extend(per_thread.into_iter().flatten());
    let after = store.group_commit_stats();

    let tally = verify(&ctx, &calls);
    let stats = BatchStats {
        commits: after.commits - before.commits,
        writes: after.writes - before.writes,
        largest_batch: after.largest_batch,
    };
    println!(
        "round {round} (seed {seed}): {} calls in {elapsed:.2?}; {tally:?}; group commit: \
         {} writes in {} commits, largest batch {}",
        calls.len(),
        stats.writes,
        stats.commits,
        stats.largest_batch
    );
    assert!(stats.commits > 0 && stats.writes >= stats.commits);
    stats
}

/// Group commit counts of one round's workload (the store's counters minus those before it).
#[derive(Debug, Clone, Copy)]
struct BatchStats {
    commits: u64,
    writes: u64,
    largest_batch: u64,
}

fn worker(ctx: &Round, t: usize, barrier: &Barrier) -> Vec<Call> {
    let service = &ctx.env.service;
    let mut rng = Rng(ctx.seed ^ (t as u64 + 1).wrapping_mul(0xD1B5_4A32_D192_ED03));
    // Versions (and statuses, when known) this thread has seen, possibly stale by the time it
    // uses them.
    let mut seen: HashMap<OrderId, (u32, Option<OrderStatus>)> = HashMap::new();
    let mut calls = Vec::with_capacity(OPS_PER_THREAD);
    let doing = |what: String| *ctx.doing[t].lock().unwrap() = what;
    barrier.wait();
    for i in 0..OPS_PER_THREAD {
        // Orders spread over hours, so the hourly sales buckets are checked too.
        if rng.percent(30) {
            ctx.env
                .advance(rng.below(6) as i64 * MINUTE_MS + rng.below(1000) as i64);
        }
        let note = format!("r{}-t{t}-op{i}", ctx.round);
        let target = {
            let known = ctx.known.lock().unwrap();
            rng.pick(&known[..])
        };
        let roll = rng.below(100);
        if roll < 35 {
            let u = rng.below(USERS.len());
            let key = pool_key(&mut rng, i);
            let variant = if rng.percent(15) {
                Variant::Discounted
            } else {
                Variant::Plain
            };
            doing(format!(
                "{note}: place_order for {} with key {key}",
                USERS[u]
            ));
            let result =
                service.place_order(&customer(USERS[u]), &place_request(u, variant), &idem(&key));
            if let Ok(p) = &result {
                seen.insert(p.order.id, (p.order.version, Some(p.order.status)));
                if p.created {
                    ctx.known.lock().unwrap().push((p.order.id, u));
                }
            }
            calls.push(Call::Place {
                user: u,
                key,
                variant,
                result,
            });
            continue;
        }
        let (id, owner) = target;
        if roll < 85 {
            let by_owner = roll >= 75;
            let expected = if rng.percent(if by_owner { 30 } else { 50 }) {
                Some(match seen.get(&id) {
                    Some((v, _)) => *v,
                    None => {
                        let now = service.status(&admin(), &id).unwrap();
                        seen.insert(id, (now.version, Some(now.status)));
                        now.version
                    }
                })
            } else {
                None
            };
            let (to, result) = if by_owner {
                doing(format!("{note}: owner cancels {id} at {expected:?}"));
                let who = customer(USERS[owner]);
                let r = service.cancel_at_version(&who, &id, Some(&note), expected);
                (OrderStatus::Cancelled, r)
            } else {
                let who = if rng.percent(50) {
                    admin()
                } else {
                    warehouse()
                };
                // Mostly the next step from the status last seen, else anything.
                let next = match seen.get(&id) {
                    Some((_, Some(OrderStatus::Placed))) => Some(OrderStatus::Processing),
                    Some((_, Some(OrderStatus::Processing))) => Some(OrderStatus::Shipped),
                    Some((_, Some(OrderStatus::Shipped))) => Some(OrderStatus::Delivered),
                    _ => None,
                };
                let to = match next {
                    Some(to) if rng.percent(60) => to,
                    _ => rng.pick(&TARGETS),
                };
                doing(format!(
                    "{note}: update_status of {id} to {to} at {expected:?}"
                ));
                let update = StatusUpdate {
                    note: Some(note.clone()),
                    expected_version: expected,
                };
                (to, service.update_status(&who, &id, to, &update))
            };
            match &result {
                Ok(o) => {
                    seen.insert(id, (o.version, Some(o.status)));
                }
                Err(OrderlyError::VersionConflict { actual, .. }) => {
                    seen.insert(id, (*actual, None));
                }
                Err(_) => {}
            }
            calls.push(Call::Change {
                order: id,
                to,
                note,
                expected,
                result,
            });
        } else if roll < 93 {
            doing(format!("{note}: poisoned write on {id}"));
            calls.extend(poisoned_write(ctx, &mut rng, i, (id, owner), note));
        } else {
            doing(format!("{note}: reads the status of {id}"));
            let now = service.status(&admin(), &id).unwrap();
            seen.insert(id, (now.version, Some(now.status)));
        }
    }
    doing("done".into());
    calls
}

/// A key of the window for a thread's `i`th call.
fn pool_key(rng: &mut Rng, i: usize) -> String {
    format!("k{}", i / KEY_STEP + rng.below(KEY_WINDOW))
}

/// A write straight to the store that fails at its outbox insert (a duplicate event id).
fn poisoned_write(
    ctx: &Round,
    rng: &mut Rng,
    i: usize,
    (id, owner): (OrderId, usize),
    note: String,
) -> Option<Call> {
    let store = &ctx.env.store;
    let current = store.order(&id).unwrap().unwrap();
    let now = ctx.env.now().max(current.updated_at);
    if rng.percent(50) {
        // A key from the pool: free, it is claimed and must be released by the rollback.
        let key = pool_key(rng, i);
        let mut new = new_order_like(&current, &key, now);
        new.event.event_id = ctx.poison;
        assert_eq!(new.order.user_id, user(USERS[owner]));
        return Some(Call::PoisonedInsert {
            order: new.order.id,
            result: store.insert_order(&new),
        });
    }
    let to = match current.status {
        OrderStatus::Placed => OrderStatus::Processing,
        OrderStatus::Processing => OrderStatus::Cancelled,
        OrderStatus::PartiallyShipped => OrderStatus::Shipped,
        OrderStatus::Shipped => OrderStatus::Delivered,
        OrderStatus::Delivered | OrderStatus::Cancelled => return None,
    };
    let from = current.status;
    let from_version = current.version;
    let milestone = Milestone {
        status: to,
        at: now,
        actor: "admin:poison".into(),
        note: Some(note.clone()),
        reason: None,
    };
    let mut order = current;
    order.status = to;
    order.updated_at = now;
    order.version = from_version + 1;
    order.history.push(milestone.clone());
    let change = OrderChange {
        order_id: order.id,
        user_id: order.user_id.clone(),
        from_version,
        rollup: RollupDelta::moved(&order, from, to),
        index: None,
        feed: None,
        device_op: None,
        milestone,
        event: OutboxEvent {
            event_id: ctx.poison,
            event_type: if to == OrderStatus::Cancelled {
                EventType::OrderCancelled
            } else {
                EventType::StatusChanged
            },
            order_id: order.id,
            user_id: order.user_id.clone(),
            sequence: order.version,
            at: now,
            payload: fixtures::payload(
                serde_json::json!({ "from": from, "to": to, "version": order.version }),
            ),
        },
        document: fixtures::document(&order),
        order,
    };
    Some(Call::PoisonedChange {
        note,
        result: store.apply_change(&change),
    })
}

/// Outcome counts of a round, for the log.
#[derive(Debug, Default)]
struct Tally {
    orders: usize,
    created: usize,
    replayed: usize,
    idempotency_conflicts: usize,
    applied: usize,
    no_ops: usize,
    version_conflicts: usize,
    invalid_transitions: usize,
    poisoned_rolled_back: usize,
    poisoned_not_reached: usize,
    events: usize,
}

/// The order as placed, as far as it can be told from a later state: everything but status,
/// version, `updated_at`, the milestones after `placed` and the shipments that moving it to
/// shipped and delivered made.
fn frozen(o: &Order) -> Order {
    let mut o = o.clone();
    o.status = OrderStatus::Placed;
    o.version = 1;
    o.updated_at = o.created_at;
    o.history.truncate(1);
    o.shipments.clear();
    o
}

/// An order some caller saw is an earlier state of the stored one.
#[track_caller]
fn assert_earlier_state(seen: &Order, stored: &Order, what: &str) {
    assert_eq!(frozen(seen), frozen(stored), "{what}: fixed fields differ");
    assert!(
        seen.version <= stored.version
            && stored.history.starts_with(&seen.history)
            && seen.history.len() == seen.version as usize,
        "{what}: answered {seen:?}, stored {stored:?}"
    );
}

fn verify(ctx: &Round, calls: &[Call]) -> Tally {
    let store = ctx.env.store.as_ref();
    let mut tally = Tally::default();
    let r = ctx.round;

    // Everything stored, read back through the store.
    let mut stored: HashMap<OrderId, Order> = HashMap::new();
    for u in USERS {
        let orders = store
            .orders_for_user(&HistoryQuery {
                user_id: user(u),
                after: None,
                status: None,
                limit: 100_000,
            })
            .unwrap();
        for o in orders {
            assert_eq!(o.user_id, user(u));
            assert!(
                stored.insert(o.id, o).is_none(),
                "round {r}: order listed twice"
            );
        }
    }
    tally.orders = stored.len();
    for o in stored.values() {
        assert_eq!(store.order(&o.id).unwrap().as_ref(), Some(o));
        // The order itself: one milestone per version along the machine.
        assert_eq!(o.history.len(), o.version as usize, "round {r}: {o:?}");
        assert_eq!(o.history[0].status, OrderStatus::Placed);
        assert_eq!(o.history.last().unwrap().status, o.status);
        assert_eq!(o.history.last().unwrap().at, o.updated_at);
        for w in o.history.windows(2) {
            assert!(
                w[0].status.can_move_to(w[1].status) && w[0].at <= w[1].at,
                "round {r}: impossible history {:?}",
                o.history
            );
        }
    }

    // 1. Idempotency: per (user, key), one order, created once, replayed, conflicts only for
    //    the other request.
    let mut by_key: BTreeMap<(usize, &str), Vec<(Variant, &PlaceResult)>> = BTreeMap::new();
    for call in calls {
        if let Call::Place {
            user,
            key,
            variant,
            result,
        } = call
        {
            by_key
                .entry((*user, key.as_str()))
                .or_default()
                .push((*variant, result));
        }
    }
    let mut winners: HashSet<OrderId> = HashSet::new();
    for ((u, key), answers) in &by_key {
        let what = format!("round {r}, {} key {key}", USERS[*u]);
        let created: Vec<(Variant, &Placement)> = answers
            .iter()
            .filter_map(|(v, res)| match res {
                Ok(p) if p.created => Some((*v, p)),
                _ => None,
            })
            .collect();
        let record = store
            .idempotency_record(&user(USERS[*u]), &idem(key))
            .unwrap();
        // Every call with a key either placed the order, was answered with it, or was refused
        // for a different request: a key used at all has a winner.
        let Some(&(won_with, winner)) = created.first() else {
            panic!("{what}: no call created an order: {answers:?}, key record {record:?}");
        };
        assert_eq!(created.len(), 1, "{what}: created {created:#?}");
        assert_eq!(
            record.map(|rec| rec.order_id),
            Some(winner.order.id),
            "{what}: key points elsewhere"
        );
        assert!(
            winners.insert(winner.order.id),
            "{what}: order shared by keys"
        );
        let final_order = stored
            .get(&winner.order.id)
            .unwrap_or_else(|| panic!("{what}: created order {} not stored", winner.order.id));
        assert_earlier_state(&winner.order, final_order, &what);
        assert_eq!(winner.order.version, 1);
        assert_eq!(winner.order.user_id, user(USERS[*u]));
        assert_eq!(
            winner.order.discount_code.is_some(),
            won_with == Variant::Discounted,
            "{what}"
        );
        for (variant, res) in answers {
            match res {
                Ok(p) => {
                    assert_eq!(*variant, won_with, "{what}: replayed a different request");
                    assert_eq!(p.order.id, winner.order.id, "{what}: a second order");
                    assert_earlier_state(&p.order, final_order, &what);
                    if p.created {
                        tally.created += 1;
                    } else {
                        tally.replayed += 1;
                    }
                }
                Err(OrderlyError::IdempotencyConflict) => {
                    assert_ne!(*variant, won_with, "{what}: same request refused");
                    tally.idempotency_conflicts += 1;
                }
                Err(e) => panic!("{what}: unexpected {e:?} ({})", e.code()),
            }
        }
    }
    let stored_ids: HashSet<OrderId> = stored.keys().copied().collect();
    assert_eq!(
        stored_ids, winners,
        "round {r}: stored orders differ from the orders callers were told were created"
    );

    // 3. Status changes: what callers were told applied is in the history, once, at its
    //    version; what failed or was a no-op left no milestone.
    let mut notes: HashMap<&str, (OrderId, usize)> = HashMap::new();
    for o in stored.values() {
        for (i, m) in o.history.iter().enumerate().skip(1) {
            let note = m.note.as_deref().unwrap_or("");
            assert!(
                notes.insert(note, (o.id, i)).is_none(),
                "round {r}: milestone note {note:?} twice"
            );
        }
    }
    let mut told_applied: HashSet<&str> = HashSet::new();
    for call in calls {
        match call {
            Call::Change {
                order,
                to,
                note,
                expected,
                result,
            } => {
                let what = format!("round {r}, change {note} of {order} to {to}");
                let final_order = &stored[order];
                match result {
                    Ok(o) => {
                        assert_eq!(o.id, *order);
                        assert_eq!(o.status, *to, "{what}");
                        assert_earlier_state(o, final_order, &what);
                        let mine = o.history.last().unwrap().note.as_deref() == Some(note);
                        if mine {
                            assert_eq!(
                                notes.get(note.as_str()),
                                Some(&(*order, o.history.len() - 1)),
                                "{what}: not in history at its version"
                            );
                            assert_eq!(
                                final_order.history[o.history.len() - 1],
                                *o.history.last().unwrap()
                            );
                            if let Some(v) = expected {
                                assert_eq!(o.version, v + 1, "{what}: applied on another version");
                            }
                            told_applied.insert(note);
                            tally.applied += 1;
                        } else {
                            // Already in that status: nothing written.
                            assert!(!notes.contains_key(note.as_str()), "{what}: no-op wrote");
                            if let Some(v) = expected {
                                assert_eq!(o.version, *v, "{what}: no-op on another version");
                            }
                            tally.no_ops += 1;
                        }
                    }
                    Err(e) => {
                        assert!(
                            !notes.contains_key(note.as_str()),
                            "{what}: answered {e:?} but written"
                        );
                        match e {
                            OrderlyError::VersionConflict {
                                expected: e_expected,
                                actual,
                            } => {
                                assert_eq!(Some(*e_expected), *expected, "{what}: {e:?}");
                                assert!(
                                    *actual > *e_expected && *actual <= final_order.version,
                                    "{what}: {e:?}"
                                );
                                tally.version_conflicts += 1;
                            }
                            OrderlyError::InvalidTransition { from, to: e_to } => {
                                assert_eq!(e_to, to, "{what}");
                                assert!(from != to && !from.can_move_to(*to), "{what}: {e:?}");
                                assert!(
                                    final_order.history.iter().any(|m| m.status == *from),
                                    "{what}: refused from a status the order never had: {e:?}"
                                );
                                tally.invalid_transitions += 1;
                            }
                            e => panic!("{what}: unexpected {e:?} ({})", e.code()),
                        }
                    }
                }
            }
            Call::PoisonedInsert { order, result } => {
                let what = format!("round {r}, poisoned insert of {order}");
                assert!(!stored.contains_key(order), "{what}: order kept");
                assert_eq!(store.order(order).unwrap(), None, "{what}: order kept");
                match result {
                    Err(e) if e.kind == StoreErrorKind::Constraint => {
                        tally.poisoned_rolled_back += 1;
                    }
                    Ok(InsertOutcome::KeyTaken(_)) => tally.poisoned_not_reached += 1,
                    other => panic!("{what}: answered {other:?}"),
                }
            }
            Call::PoisonedChange { note, result } => {
                let what = format!("round {r}, poisoned change {note}");
                assert!(!notes.contains_key(note.as_str()), "{what}: change kept");
                match result {
                    Err(e) if e.kind == StoreErrorKind::Constraint => {
                        tally.poisoned_rolled_back += 1;
                    }
                    Ok(ChangeOutcome::Stale) => tally.poisoned_not_reached += 1,
                    other => panic!("{what}: answered {other:?}"),
                }
            }
            Call::Place { .. } => {}
        }
    }
    let unreported: BTreeSet<&&str> = notes
        .keys()
        .filter(|n| !told_applied.contains(*n))
        .collect();
    assert!(
        unreported.is_empty(),
        "round {r}: milestones no caller was told about: {unreported:?}"
    );

    // 2. The outbox: per order, sequences 1..=version, one `order.placed`, each event the
    //    milestone of its version.
    let events = store.pending_events(1_000_000).unwrap();
    tally.events = events.len();
    let ids: HashSet<EventId> = events.iter().map(|e| e.event_id).collect();
    assert_eq!(ids.len(), events.len(), "round {r}: duplicate event ids");
    let mut by_order: HashMap<OrderId, Vec<&OutboxEvent>> = HashMap::new();
    for e in &events {
        assert!(
            stored.contains_key(&e.order_id),
            "round {r}: event of an order that is not stored: {e:?}"
        );
        by_order.entry(e.order_id).or_default().push(e);
    }
    for o in stored.values() {
        let mut evs = by_order.remove(&o.id).unwrap_or_default();
        evs.sort_by_key(|e| e.sequence);
        let sequences: Vec<u32> = evs.iter().map(|e| e.sequence).collect();
        assert_eq!(
            sequences,
            (1..=o.version).collect::<Vec<_>>(),
            "round {r}: events of {} at version {}",
            o.id,
            o.version
        );
        let placed = evs
            .iter()
            .filter(|e| e.event_type == EventType::OrderPlaced)
            .count();
        assert_eq!(placed, 1, "round {r}: order.placed events of {}", o.id);
        for (e, m) in evs.iter().zip(&o.history) {
            let what = format!("round {r}: event {} of {}", e.sequence, o.id);
            let expected_type = match m.status {
                OrderStatus::Placed => EventType::OrderPlaced,
                OrderStatus::Cancelled => EventType::OrderCancelled,
                _ => EventType::StatusChanged,
            };
            assert_eq!(e.event_type, expected_type, "{what}");
            assert_eq!((&e.user_id, e.at), (&o.user_id, m.at), "{what}");
            let payload = fixtures::payload_json(e);
            if e.sequence == 1 {
                assert_eq!(payload["order"]["orderId"], o.id.to_string(), "{what}");
            } else {
                let previous = o.history[e.sequence as usize - 2].status;
                assert_eq!(payload["from"], previous.as_str(), "{what}");
                assert_eq!(payload["version"], e.sequence, "{what}");
                assert_eq!(payload["actor"], m.actor.as_str(), "{what}");
                if m.status == OrderStatus::Cancelled {
                    let reason = m.reason.map(|r| r.as_str());
                    assert_eq!(payload["reason"].as_str(), reason, "{what}");
                } else {
                    assert_eq!(payload["to"], m.status.as_str(), "{what}");
                }
                assert_eq!(payload["note"].as_str(), m.note.as_deref(), "{what}");
            }
        }
    }
    let versions: usize = stored.values().map(|o| o.version as usize).sum();
    assert_eq!(events.len(), versions, "round {r}: events beside versions");

    // 4. Rollups against a recomputation from the stored orders.
    verify_rollups(ctx, &stored);
    tally
}

fn verify_rollups(ctx: &Round, stored: &HashMap<OrderId, Order>) {
    let store = ctx.env.store.as_ref();
    let r = ctx.round;

    let mut statuses: BTreeMap<OrderStatus, u64> =
        OrderStatus::ALL.iter().map(|s| (*s, 0)).collect();
    for o in stored.values() {
        *statuses.get_mut(&o.status).unwrap() += 1;
    }
    let counted: BTreeMap<OrderStatus, u64> = store
        .status_counts(DayRange::ALL)
        .unwrap()
        .into_iter()
        .map(|c| (c.status, c.orders))
        .collect();
    assert_eq!(counted, statuses, "round {r}: status counts");
    let by_service: BTreeMap<OrderStatus, u64> = ctx
        .env
        .service
        .orders_by_status(&admin(), DayRange::ALL)
        .unwrap()
        .into_iter()
        .map(|c| (c.status, c.orders))
        .collect();
    assert_eq!(by_service, statuses, "round {r}: status counts (service)");

    // Cancelled orders leave sales and products (see the analytics cases).
    let live: Vec<&Order> = stored
        .values()
        .filter(|o| o.status != OrderStatus::Cancelled)
        .collect();
    let mut sales: BTreeMap<(i64, Currency), (i64, i64)> = BTreeMap::new();
    let mut products: BTreeMap<(Currency, String), (String, u64, i64)> = BTreeMap::new();
    for o in &live {
        let s = sales
            .entry((o.created_at.hour_bucket(), o.currency))
            .or_default();
        s.0 += o.totals.total.minor();
        s.1 += 1;
        for line in &o.items {
            let p = products
                .entry((o.currency, line.product_id.as_str().to_owned()))
                .or_insert_with(|| (line.name.clone(), 0, 0));
            p.1 += u64::from(line.quantity);
            p.2 += line.line_total.minor() - line.discount.minor();
        }
    }

    let hours: BTreeSet<i64> = stored
        .values()
        .map(|o| o.created_at.hour_bucket())
        .collect();
    for &hour in &hours {
        let rows: BTreeMap<(i64, Currency), (i64, i64)> = store
            .sales(hour, hour + HOUR_MS)
            .unwrap()
            .into_iter()
            .inspect(|row| {
                assert!(
                    row.orders != 0 || row.total_minor == 0,
                    "round {r}: hour {hour}: {row:?}"
                )
            })
            .filter(|row| row.orders != 0)
            .map(|row| ((hour, row.currency), (row.total_minor, row.orders)))
            .collect();
        let expected: BTreeMap<(i64, Currency), (i64, i64)> = sales
            .iter()
            .filter(|((h, _), _)| *h == hour)
            .map(|(k, v)| (*k, *v))
            .collect();
        assert_eq!(rows, expected, "round {r}: sales in hour {hour}");
    }
    let mut per_currency: BTreeMap<Currency, (i64, i64)> = BTreeMap::new();
    for ((_, currency), (amount, orders)) in &sales {
        let c = per_currency.entry(*currency).or_default();
        c.0 += amount;
        c.1 += orders;
    }
    let everything: BTreeMap<Currency, (i64, i64)> = store
        .sales(0, i64::MAX)
        .unwrap()
        .into_iter()
        .filter(|row| row.orders != 0 || row.total_minor != 0)
        .map(|row| (row.currency, (row.total_minor, row.orders)))
        .collect();
    assert_eq!(everything, per_currency, "round {r}: sales over all time");
    let (first, last) = (hours.first().unwrap(), hours.last().unwrap());
    let through_service: BTreeMap<Currency, (i64, i64)> = ctx
        .env
        .service
        .sales(
            &admin(),
            orderly::Timestamp::from_unix_millis(*first),
            orderly::Timestamp::from_unix_millis(last + HOUR_MS),
        )
        .unwrap()
        .into_iter()
        .map(|s| (s.currency, (s.total.minor(), s.orders as i64)))
        .collect();
    assert_eq!(through_service, per_currency, "round {r}: sales (service)");

    for currency in [Currency::USD, Currency::EUR] {
        let expected: BTreeMap<String, (String, u64, i64)> = products
            .iter()
            .filter(|((c, _), p)| *c == currency && p.1 > 0)
            .map(|((_, id), p)| (id.clone(), p.clone()))
            .collect();
        for by in [TopBy::Quantity, TopBy::Revenue] {
            let top = store
                .top_products(currency, by, 1_000, DayRange::ALL)
                .unwrap();
            let ranked = top.windows(2).all(|w| match by {
                TopBy::Quantity => {
                    (w[0].quantity, w[0].revenue.minor()) >= (w[1].quantity, w[1].revenue.minor())
                }
                TopBy::Revenue => {
                    (w[0].revenue.minor(), w[0].quantity) >= (w[1].revenue.minor(), w[1].quantity)
                }
            });
            assert!(
                ranked,
                "round {r}: {currency:?} by {by:?} out of order: {top:?}"
            );
            let got: BTreeMap<String, (String, u64, i64)> = top
                .into_iter()
                .map(|p| {
                    (
                        p.product_id.as_str().to_owned(),
                        (p.name, p.quantity, p.revenue.minor()),
                    )
                })
                .collect();
            assert_eq!(got, expected, "round {r}: {currency:?} products by {by:?}");
        }
    }
}
