//! Reading orders: one order, and a user's history with cursor pagination.

use base64::Engine as _;
use base64::engine::general_purpose::URL_SAFE_NO_PAD;

use crate::clock::Timestamp;
use crate::document::OrderDocument;
use crate::error::{OrderlyError, Result, ValidationError};
use crate::ids::{OrderId, UserId};
use crate::model::{Caller, Order};
use crate::store::{HistoryPosition, HistoryQuery, StoreResult};

use super::{DocumentPage, HistoryRequest, OrderPage, OrderService};

pub const DEFAULT_PAGE_SIZE: i64 = 20;
pub const MAX_PAGE_SIZE: i64 = 100;

/// Cursors are `base64url("v1:<created_at ms>:<order id>")`: opaque to clients, checked here.
fn encode_cursor(p: &HistoryPosition) -> String {
    URL_SAFE_NO_PAD.encode(format!("v1:{}:{}", p.created_at.unix_millis(), p.order_id))
}

fn decode_cursor(cursor: &str) -> Result<HistoryPosition, ValidationError> {
    let bytes = URL_SAFE_NO_PAD
        .decode(cursor.as_bytes())
        .map_err(|_| ValidationError::InvalidCursor)?;
    let text = String::from_utf8(bytes).map_err(|_| ValidationError::InvalidCursor)?;
    let mut parts = text.splitn(3, ':');
    match (parts.next(), parts.next(), parts.next()) {
        (Some("v1"), Some(ms), Some(id)) => {
            let ms: i64 = ms.parse().map_err(|_| ValidationError::InvalidCursor)?;
            let order_id = OrderId::parse(id).ok_or(ValidationError::InvalidCursor)?;
            Ok(HistoryPosition {
                created_at: Timestamp::from_unix_millis(ms),
                order_id,
            })
        }
        _ => Err(ValidationError::InvalidCursor),
    }
}

impl OrderService {
    /// One order. A customer asking for someone else's order gets `NotFound`, as if it did
    /// not exist.
    pub fn order(&self, caller: &Caller, id: &OrderId) -> Result<Order> {
        Ok(self
            .order_document(caller, id)?
            .decode(self.store.backend())?)
    }

    /// [`order`](Self::order) as stored, undecoded: the same rules, for callers that pass the
    /// order on as JSON (the REST server).
    pub fn order_document(&self, caller: &Caller, id: &OrderId) -> Result<OrderDocument> {
        self.with_retry(|| self.store.order_document(id))?
            .filter(|d| caller.is_staff() || caller.is_user(&d.user_id))
            .ok_or_else(|| OrderlyError::not_found("order", id))
    }

    /// A user's orders, newest first, a page at a time.
    pub fn orders_for_user(
        &self,
        caller: &Caller,
        user: &UserId,
        req: &HistoryRequest,
    ) -> Result<OrderPage> {
        let page = self.order_documents_for_user(caller, user, req)?;
        let backend = self.store.backend();
        let orders = page
            .documents
            .iter()
            .map(|doc| doc.decode(backend))
            .collect::<StoreResult<_>>()?;
        Ok(OrderPage {
            orders,
            next_cursor: page.next_cursor,
        })
    }

    /// [`orders_for_user`](Self::orders_for_user) as stored, undecoded.
    pub fn order_documents_for_user(
        &self,
        caller: &Caller,
        user: &UserId,
        req: &HistoryRequest,
    ) -> Result<DocumentPage> {
        self.authorize_user(caller, user)?;
        let limit = req.limit.unwrap_or(DEFAULT_PAGE_SIZE);
        if !(1..=MAX_PAGE_SIZE).contains(&limit) {
            return Err(ValidationError::LimitOutOfRange(limit).into());
        }
        let after = req.cursor.as_deref().map(decode_cursor).transpose()?;
        // Ask for one more than the page to learn whether another page follows.
        let query = HistoryQuery {
            user_id: user.clone(),
            after,
            status: req.status,
            limit: u32::try_from(limit + 1).unwrap_or(101),
        };
        let mut documents = self.with_retry(|| self.store.order_documents_for_user(&query))?;
        let has_more = documents.len() > usize::try_from(limit).unwrap_or(usize::MAX);
        documents.truncate(usize::try_from(limit).unwrap_or(0));
        let next_cursor = if has_more {
            documents.last().map(|doc| encode_cursor(&doc.position()))
        } else {
            None
        };
        Ok(DocumentPage {
            documents,
            next_cursor,
        })
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn cursors_round_trip_and_reject_garbage() {
        let p = HistoryPosition {
            created_at: Timestamp::from_unix_millis(1_700_000_000_123),
            order_id: OrderId::parse("01890a5d-ac96-774b-bcce-b302099a8057").unwrap(),
        };
        assert_eq!(decode_cursor(&encode_cursor(&p)).unwrap(), p);
        for bad in ["", "!!!", "djE6eDp5", &URL_SAFE_NO_PAD.encode("v2:1:x")] {
            assert_eq!(decode_cursor(bad).unwrap_err().code(), "invalid_cursor");
        }
    }
}
