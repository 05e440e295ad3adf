//! # orderly-tests
//!
//! The Store conformance suite: one set of cases that every storage backend must pass, run
//! through `OrderService` (the real use cases) and, where the storage contract itself is at
//! stake, through the `Store` methods directly.
//!
//! A backend's test file instantiates the whole suite with a factory that returns a fresh,
//! empty store on every call; each case becomes one `#[test]`:
//!
//! ```no_run
//! mod on_memory {
//!     orderly_tests::conformance_suite!(|| -> std::sync::Arc<dyn orderly::Store> {
//!         orderly::open_store("sqlite::memory:").unwrap()
//!     });
//! }
//! ```
//!
//! Cases live in [`cases`], grouped by theme; [`fixtures`] builds carts, addresses, payment
//! methods and a service on a `ManualClock` with `InMemoryCarts`; [`kafka`] starts real Apache
//! Kafka brokers for the relay and email tests.

#![allow(
    clippy::unwrap_used,
    clippy::expect_used,
    clippy::panic,
    clippy::indexing_slicing
)]

pub mod cases;
pub mod fixtures;
pub mod kafka;

/// Makes a fresh, empty store for one case.
pub type StoreFactory = dyn Fn() -> std::sync::Arc<dyn orderly::Store> + Sync;

/// Expands to one `#[test]` per conformance case, each calling the case with `$factory`
/// (an expression usable as `&StoreFactory`, e.g. a closure or a function path).
#[macro_export]
macro_rules! conformance_suite {
    ($factory:expr) => {
        $crate::conformance_suite!(@cases $factory;
            // placing
            place_and_read_back_round_trips_every_field,
            hostile_and_maximal_input_round_trips,
            same_key_same_request_returns_the_same_order,
            same_key_different_request_is_a_conflict,
            keys_are_scoped_to_the_user,
            orders_of_others_are_not_found,
            // checkout
            quotes_round_trip,
            order_from_a_quote_keeps_the_quote_totals,
            expired_quote_is_refused,
            changed_cart_is_refused,
            another_users_quote_is_not_found,
            mismatching_address_is_refused,
            // history
            history_of_a_user_without_orders_is_empty,
            history_with_exactly_limit_orders_has_no_next_cursor,
            history_with_limit_plus_one_orders_has_two_pages,
            history_walks_250_orders_in_pages_of_7,
            history_breaks_same_millisecond_ties_by_id,
            history_filters_by_status,
            history_rejects_bad_limits_and_cursors,
            documents_match_typed_reads,
            // status
            status_moves_through_the_machine_with_milestones,
            same_status_again_is_a_no_op,
            invalid_moves_are_refused,
            owner_cancels_with_a_reason,
            cancellation_rules,
            stale_expected_version_is_a_version_conflict,
            // shipments and cancellation reasons
            shipments_move_the_order_from_partial_to_delivered,
            shipment_refusals_change_nothing,
            whole_order_moves_ship_and_deliver_every_unit,
            cancellations_are_counted_by_reason,
            a_shipping_notice_is_recorded_once_per_shipment,
            // staff search, export, notes
            search_finds_exactly_the_matching_orders_page_by_page,
            export_writes_one_row_per_line_for_the_matching_orders,
            staff_notes_join_the_timeline_and_stay_internal,
            // events
            events_follow_each_order_in_sequence,
            delivered_events_leave_the_pending_list,
            payment_tokens_stay_in_the_store,
            // analytics
            sales_per_currency_over_a_range,
            cancelled_orders_leave_sales_and_products,
            top_products_by_quantity_and_by_revenue,
            status_counts_list_every_status,
            analytics_over_a_range_count_the_orders_placed_on_its_days,
            // concurrency
            racing_threads_place_one_order_per_key,
            racing_status_updates_on_one_version_let_one_win,
            // rollback
            failed_insert_leaves_nothing_behind,
            failed_change_leaves_the_order_unchanged,
            // the Store contract itself
            store_insert_reports_a_taken_key,
            store_change_from_a_stale_version_writes_nothing,
            store_reads_of_missing_rows_are_none,
            store_history_positions_are_exclusive,
            store_pending_events_and_delivery,
            store_pending_events_keep_sequence_within_a_millisecond,
            // leases
            lease_is_exclusive_until_it_expires,
            released_lease_is_free_at_once,
            leases_are_independent_by_name,
            racing_owners_get_one_lease,
            // retention
            delivered_events_are_purged_once_older_than_the_cut_off,
            delivered_events_are_purged_in_bounded_batches,
            expired_checkouts_are_purged_in_bounded_batches,
            one_event_per_order_and_sequence,
            // sent confirmations
            a_confirmation_is_recorded_once_per_order,
            // offline sync
            device_operations_are_logged_gap_free_with_each_change,
            a_device_identity_is_claimed_once,
            pushes_apply_once_and_the_feed_brings_changes_back,
            a_sync_write_after_a_gap_or_a_replay_writes_nothing,
            racing_pushes_apply_each_operation_once,
            racing_pushes_of_one_order_id_store_it_once,
            a_run_of_sync_writes_stops_at_the_first_that_cannot_apply,
            // webhooks
            webhook_subscriptions_round_trip_and_change,
            events_fan_out_to_the_enabled_subscriptions_of_their_type,
            claims_keep_each_orders_sequence_and_lease_to_one_sender,
            only_the_lease_holder_records_an_attempt,
            a_failed_delivery_marks_the_subscription_failing_until_a_redelivery_succeeds,
            staff_manage_webhooks_through_the_engine,
            finished_deliveries_are_purged_by_age_in_bounded_batches,
        );
    };
    (@cases $factory:expr; $($case:ident),* $(,)?) => {
        $(
            #[test]
            fn $case() {
                let factory = $factory;
                $crate::cases::$case(&factory);
            }
        )*
    };
}
