//! What staff read and keep beyond orders themselves: searches across all orders, and
//! internal notes.

use crate::ids::OrderId;
use crate::search::{OrderSearch, SearchHit};
use crate::timeline::StaffNote;

use super::StoreResult;

/// Staff search and notes.
pub trait StaffStore: Send + Sync {
    /// Orders matching `search`, in its sort order, after its position, at most `limit`.
    /// Runs on indexes only: no search scans every order.
    fn search_orders(&self, search: &OrderSearch) -> StoreResult<Vec<SearchHit>>;

    /// Keeps a note; returns false (and changes nothing) when a note with its id exists.
    fn add_staff_note(&self, note: &StaffNote) -> StoreResult<bool>;

    /// An order's notes, oldest first.
    fn staff_notes(&self, order_id: &OrderId) -> StoreResult<Vec<StaffNote>>;
}
