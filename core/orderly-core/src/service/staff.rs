//! What staff do beyond moving statuses: search across all orders, export them, keep
//! internal notes, and read an order's timeline.

use crate::error::{OrderlyError, Result, ValidationError};
use crate::export;
use crate::ids::{IdempotencyKey, NoteId, OrderId, derived_uuid};
use crate::model::Caller;
use crate::search::{OrderSearch, SearchPage, encode_cursor};
use crate::timeline::{self, MAX_STAFF_NOTE_CHARS, StaffNote, TimelineEntry};
use crate::validation;

use super::OrderService;

/// Orders per store read while exporting.
const EXPORT_PAGE: u32 = 500;

impl OrderService {
    /// Orders across all users matching `search`, a page at a time (staff only).
    pub fn search_orders(&self, caller: &Caller, search: &OrderSearch) -> Result<SearchPage> {
        self.require_staff(caller, "search orders")?;
        let limit = search.limit;
        let query = OrderSearch {
            limit: limit.saturating_add(1),
            ..search.clone()
        };
        let mut hits = self.with_retry(|| self.store.search_orders(&query))?;
        let has_more = hits.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        hits.truncate(usize::try_from(limit).unwrap_or(0));
        let next_cursor = if has_more {
            hits.last()
                .map(|hit| encode_cursor(search.sort, &search.position_of(hit)))
        } else {
            None
        };
        Ok(SearchPage {
            documents: hits.into_iter().map(|hit| hit.document).collect(),
            next_cursor,
        })
    }

    /// Every order matching `search` (its cursor and limit aside) as CSV (see [`export`]):
    /// the header, then one row per order line, handed to `write` a page of orders at a time,
    /// so memory stays flat however many orders match. `write` returns false to stop early
    /// (the reader went away). Returns how many orders were written. Staff only.
    pub fn export_csv(
        &self,
        caller: &Caller,
        search: &OrderSearch,
        mut write: impl FnMut(String) -> bool,
    ) -> Result<u64> {
        self.require_staff(caller, "export orders")?;
        if !write(export::header()) {
            return Ok(0);
        }
        let backend = self.store.backend();
        let mut query = OrderSearch {
            limit: EXPORT_PAGE,
            after: None,
            ..search.clone()
        };
        let mut written = 0u64;
        loop {
            let hits = self.with_retry(|| self.store.search_orders(&query))?;
            let mut chunk = String::new();
            for hit in &hits {
                export::push_rows(&mut chunk, &hit.document.decode(backend)?);
            }
            written += hits.len() as u64;
            if !chunk.is_empty() && !write(chunk) {
                return Ok(written);
            }
            match hits.last() {
                Some(last) if hits.len() == EXPORT_PAGE as usize => {
                    query.after = Some(query.position_of(last));
                }
                _ => return Ok(written),
            }
        }
    }

    /// Keeps an internal note on an order (staff only). With `key`, the note's id is derived
    /// from the order and the key, so a retried request keeps one note.
    pub fn add_staff_note(
        &self,
        caller: &Caller,
        id: &OrderId,
        text: &str,
        key: Option<&IdempotencyKey>,
    ) -> Result<StaffNote> {
        self.require_staff(caller, "keep staff notes")?;
        let trimmed = text.trim();
        if trimmed.is_empty()
            || trimmed.chars().count() > MAX_STAFF_NOTE_CHARS
            || trimmed.chars().any(|c| c.is_control() && c != '\n')
        {
            return Err(ValidationError::InvalidField {
                field: "text".to_owned(),
                reason: format!(
                    "must be 1 to {MAX_STAFF_NOTE_CHARS} characters without control characters"
                ),
            }
            .into());
        }
        if validation::looks_like_card_number(trimmed) {
            return Err(ValidationError::CardNumberRefused.into());
        }
        self.order_document(caller, id)?;
        let note_id = NoteId::from_uuid(match key {
            Some(key) => derived_uuid(id.as_uuid(), "note", key),
            None => self.new_uuid(),
        });
        let note = StaffNote {
            note_id,
            order_id: *id,
            at: self.clock.now(),
            actor: caller.actor(),
            text: trimmed.to_owned(),
        };
        if self.with_retry(|| self.store.add_staff_note(&note))? {
            return Ok(note);
        }
        // A replay: answer with the note as first kept.
        self.with_retry(|| self.store.staff_notes(id))?
            .into_iter()
            .find(|n| n.note_id == note_id)
            .ok_or_else(|| OrderlyError::not_found("note", note_id))
    }

    /// An order's timeline: milestones, shipment steps and staff notes, oldest first, each
    /// with who and when (staff only).
    pub fn timeline(&self, caller: &Caller, id: &OrderId) -> Result<Vec<TimelineEntry>> {
        self.require_staff(caller, "read an order's timeline")?;
        let order = self.order(caller, id)?;
        let notes = self.with_retry(|| self.store.staff_notes(id))?;
        Ok(timeline::timeline(&order, &notes))
    }
}
