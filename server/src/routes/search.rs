//! `GET /orders` and `GET /orders/export`: staff search across all orders, a page at a time or
//! as CSV.
//!
//! The query string goes to the engine as it came, name/value pairs in order:
//! `OrderSearch::from_params` knows every filter and refuses every mistake with its code, so
//! the server checks nothing itself. The parameter structs below only describe the filters in
//! the OpenAPI document.

use std::pin::Pin;
use std::task::{Context, Poll};

use axum::body::{Body, Bytes};
use axum::extract::State;
use axum::http::header::{CONTENT_DISPOSITION, CONTENT_TYPE, HeaderValue};
use axum::response::{IntoResponse, Response};
use hyper::body::Frame;
use orderly::search::OrderSearch;
use orderly::{OrderPage, OrderlyError};
use tokio::sync::mpsc;
use utoipa::IntoParams;

use super::versioning::json_response;
use crate::auth::Authenticated;
use crate::blocking;
use crate::dto::search_page_json;
use crate::extract::ApiQuery;
use crate::problem::Problem;
use crate::state::AppState;

/// The filters of a search (they combine with AND). Described here for the document; the
/// engine parses them.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query, rename_all = "camelCase")]
#[allow(dead_code)]
pub struct SearchFilters {
    /// Orders in any of these statuses; repeat the parameter or separate statuses with commas.
    #[param(inline, value_type = Option<Vec<orderly::OrderStatus>>)]
    status: Option<Vec<String>>,
    /// Created at or after (RFC 3339).
    #[param(format = DateTime)]
    created_from: Option<String>,
    /// Created before (RFC 3339); must be after `createdFrom`.
    #[param(format = DateTime)]
    created_to: Option<String>,
    /// ISO 4217 currency of the orders (needed with `totalMin` and `totalMax`).
    #[param(example = "USD")]
    currency: Option<String>,
    /// Placed by this user.
    #[param(example = "alice")]
    user_id: Option<String>,
    /// With a line of this product.
    #[param(example = "sku-1")]
    product_id: Option<String>,
    /// Total at least this amount of `currency`, e.g. `10.50`.
    #[param(example = "10.00")]
    total_min: Option<String>,
    /// Total at most this amount of `currency`.
    #[param(example = "100.00")]
    total_max: Option<String>,
    /// With a shipment of this tracking number (spaces and case do not matter).
    tracking_number: Option<String>,
    /// With this top-level metadata key (together with `metadataValue`).
    metadata_key: Option<String>,
    /// ... holding this value (a string as it is, numbers and booleans as their JSON text).
    metadata_value: Option<String>,
    /// A whole word of the delivery name, the user id or the email address (any case), or the
    /// first 8 or more characters of the order id.
    #[param(min_length = 1, max_length = 190)]
    q: Option<String>,
    /// Sort by creation time (the default) or total.
    #[param(pattern = "^(createdAt|total)$")]
    sort: Option<String>,
    /// Largest first (`desc`, the default) or smallest first (`asc`).
    #[param(pattern = "^(desc|asc)$")]
    direction: Option<String>,
}

/// Paging of a search.
#[derive(Debug, IntoParams)]
#[into_params(parameter_in = Query)]
#[allow(dead_code)]
pub struct SearchPaging {
    /// Page size, 1 to 200.
    #[param(minimum = 1, maximum = 200, default = 50)]
    limit: Option<i64>,
    /// `nextCursor` of the previous page, with the same filters and sort.
    cursor: Option<String>,
}

fn search_from(pairs: &[(String, String)]) -> Result<OrderSearch, OrderlyError> {
    OrderSearch::from_params(pairs.iter().map(|(n, v)| (n.as_str(), v.as_str())))
}

/// Orders of every user matching the filters, a page at a time (admin and service callers).
#[utoipa::path(
    get,
    path = "/orders",
    tag = "orders",
    params(SearchFilters, SearchPaging),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "One page of orders", body = OrderPage),
        (status = 403, description = "The caller is a customer"),
        (status = 422, description = "An unknown filter or a bad value: `invalid_field` names it, `invalid_status`, `invalid_currency`, `invalid_user_id`, `limit_out_of_range`, `invalid_cursor`"),
    )
)]
pub async fn search_orders(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiQuery(pairs): ApiQuery<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    let search = search_from(&pairs)?;
    let page = blocking::read(&state, move |service| {
        service.search_orders(&caller, &search)
    })
    .await?;
    Ok(json_response(search_page_json(page)))
}

/// Chunks of CSV on their way to the client: a slow client holds at most this many.
const CHUNKS_IN_FLIGHT: usize = 2;

/// What the export hands the response body.
#[derive(Debug)]
enum Part {
    Chunk(Bytes),
    Failed(OrderlyError),
    Done,
}

/// Every order matching the filters as CSV (RFC 4180, UTF-8, CRLF): a header row, then one row
/// per order line with the order's columns repeated. Streamed as the orders are read, however
/// many match (admin and service callers). `cursor` and `limit` are ignored.
#[utoipa::path(
    get,
    path = "/orders/export",
    tag = "orders",
    params(SearchFilters),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "The orders as CSV, streamed", content_type = "text/csv", body = String,
            headers(("Content-Disposition" = String, description = "`attachment; filename=\"orders.csv\"`"))),
        (status = 403, description = "The caller is a customer"),
        (status = 422, description = "An unknown filter or a bad value, as for `GET /orders`"),
    )
)]
pub async fn export_orders(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiQuery(mut pairs): ApiQuery<Vec<(String, String)>>,
) -> Result<Response, Problem> {
    pairs.retain(|(name, _)| name != "cursor" && name != "limit");
    let search = search_from(&pairs)?;
    // The export runs on a thread of its own and hands the CSV over a page of orders at a time
    // through a small bounded channel, so memory stays flat: when the client reads slowly the
    // export waits for it, and when the client goes away (the body and its receiver dropped)
    // the write callback returns false and the export stops.
    let (parts, mut received) = mpsc::channel(CHUNKS_IN_FLIGHT);
    blocking::spawn(&state, move |service| {
        let result = service.export_csv(&caller, &search, |chunk| {
            parts.blocking_send(Part::Chunk(Bytes::from(chunk))).is_ok()
        });
        let last = match result {
            Ok(orders) => {
                tracing::info!(orders, "orders exported");
                Part::Done
            }
            Err(e) => Part::Failed(e),
        };
        // Nobody may be listening any more; then there is nobody to tell.
        let _ = parts.blocking_send(last);
    })
    .await?;
    // The first part decides the answer: the header row, or why nothing is exported (a
    // customer asking, the store unavailable) as a problem.
    let header = match received.recv().await {
        Some(Part::Chunk(header)) => header,
        Some(Part::Failed(e)) => return Err(e.into()),
        Some(Part::Done) | None => {
            return Err(Problem::internal("the export ended before its header row"));
        }
    };
    // Why the request timeout does not cut a long export: the deadline that around_request
    // applies covers producing the response (status and headers) only, and this handler
    // returns as soon as the header row is ready; the body then streams on outside it, for as
    // long as the export takes. What bounds it instead is the connection's idle timeout: a
    // client that stops reading for that long is disconnected, which drops the body and so
    // stops the export, keeping the thread and the store slot from waiting on it forever.
    let body = CsvBody {
        first: Some(header),
        parts: received,
        done: false,
    };
    let mut response = Body::new(body).into_response();
    let headers = response.headers_mut();
    headers.insert(
        CONTENT_TYPE,
        HeaderValue::from_static("text/csv; charset=utf-8"),
    );
    headers.insert(
        CONTENT_DISPOSITION,
        HeaderValue::from_static("attachment; filename=\"orders.csv\""),
    );
    Ok(response)
}

/// The export broke off after its header row was sent: the response is cut short (the
/// connection is closed without the final chunk), so the client cannot take a partial CSV for
/// a whole one.
#[derive(Debug, thiserror::Error)]
#[error("the export broke off: {0}")]
struct ExportBrokeOff(String);

/// The CSV as it is exported: the header row, then each chunk as it arrives, until the export
/// says it is done.
struct CsvBody {
    first: Option<Bytes>,
    parts: mpsc::Receiver<Part>,
    done: bool,
}

impl hyper::body::Body for CsvBody {
    type Data = Bytes;
    type Error = ExportBrokeOff;

    fn poll_frame(
        self: Pin<&mut Self>,
        cx: &mut Context<'_>,
    ) -> Poll<Option<Result<Frame<Bytes>, ExportBrokeOff>>> {
        let this = self.get_mut();
        if let Some(first) = this.first.take() {
            return Poll::Ready(Some(Ok(Frame::data(first))));
        }
        if this.done {
            return Poll::Ready(None);
        }
        let failed = |detail: String| {
            tracing::error!(error = %detail, "export broke off");
            Poll::Ready(Some(Err(ExportBrokeOff(detail))))
        };
        match this.parts.poll_recv(cx) {
            Poll::Pending => Poll::Pending,
            Poll::Ready(Some(Part::Chunk(chunk))) => Poll::Ready(Some(Ok(Frame::data(chunk)))),
            Poll::Ready(Some(Part::Done)) => {
                this.done = true;
                Poll::Ready(None)
            }
            Poll::Ready(Some(Part::Failed(e))) => {
                this.done = true;
                failed(e.to_string())
            }
            // The export's thread ended without saying it was done: it panicked.
            Poll::Ready(None) => {
                this.done = true;
                failed("the export stopped unexpectedly".to_owned())
            }
        }
    }

    fn is_end_stream(&self) -> bool {
        self.done && self.first.is_none()
    }
}
