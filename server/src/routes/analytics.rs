//! Analytics for admin and service callers: sales, top products, orders by status,
//! cancellations by reason.

use axum::Json;
use axum::extract::State;
use orderly::{Currency, OrderlyError, Timestamp, ValidationError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::blocking;
use crate::dto::{
    CancellationsByReason, OrdersByStatus, ProductSalesDto, SalesReport, SalesSummaryDto,
    StatusCountDto, TopByDto, TopProducts,
};
use crate::extract::ApiQuery;
use crate::problem::Problem;
use crate::state::AppState;

/// The default sales window: the last 30 days.
const DEFAULT_SALES_WINDOW_MS: i64 = 30 * 24 * 3600 * 1000;

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SalesQuery {
    /// Start of the range (RFC 3339); default: 30 days before `to`.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// End of the range (RFC 3339); default: now.
    #[param(format = DateTime)]
    pub to: Option<String>,
}

fn timestamp(name: &str, value: &str) -> Result<Timestamp, Problem> {
    Timestamp::parse_rfc3339(value).ok_or_else(|| {
        Problem::bad_request(
            "invalid_query",
            format!("{name} must be an RFC 3339 timestamp such as 2026-11-24T10:15:00Z"),
        )
    })
}

/// Sales per currency for orders created in `[from, to)`, widened to whole UTC hours;
/// cancelled orders are excluded.
#[utoipa::path(
    get,
    path = "/analytics/sales",
    tag = "analytics",
    params(SalesQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Sales per currency", body = SalesReport),
        (status = 400, description = "from or to is not an RFC 3339 timestamp"),
        (status = 403, description = "The caller is a customer"),
        (status = 422, description = "to is before from"),
    )
)]
pub async fn sales(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SalesQuery>,
) -> Result<Json<SalesReport>, Problem> {
    let to = match query.to.as_deref() {
        Some(t) => timestamp("to", t)?,
        None => state.service().clock().now(),
    };
    let from = match query.from.as_deref() {
        Some(f) => timestamp("from", f)?,
        None => to.plus_millis(-DEFAULT_SALES_WINDOW_MS),
    };
    let sales = blocking::read(&state, move |service| service.sales(&caller, from, to)).await?;
    Ok(Json(SalesReport {
        from: from.to_rfc3339(),
        to: to.to_rfc3339(),
        sales: sales.into_iter().map(SalesSummaryDto::from).collect(),
    }))
}

#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct TopProductsQuery {
    /// How many products, 1 to 100.
    #[param(minimum = 1, maximum = 100, default = 10)]
    pub limit: Option<i64>,
    /// Rank by units sold or by revenue.
    #[param(inline, value_type = Option<TopByDto>)]
    pub by: Option<String>,
    /// ISO 4217 currency; default: the shop's default currency.
    #[param(pattern = "^[A-Z]{3}$")]
    pub currency: Option<String>,
}

/// Best-selling products in one currency (cancelled orders excluded).
#[utoipa::path(
    get,
    path = "/analytics/top-products",
    tag = "analytics",
    params(TopProductsQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Best sellers", body = TopProducts),
        (status = 403, description = "The caller is a customer"),
        (status = 422, description = "limit out of 1..100 (`limit_out_of_range`), unknown `by` (`invalid_top_by`) or unknown currency (`unknown_currency`)"),
    )
)]
pub async fn top_products(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<TopProductsQuery>,
) -> Result<Json<TopProducts>, Problem> {
    let limit = query.limit.unwrap_or(10);
    let limit = u32::try_from(limit)
        .map_err(|_| OrderlyError::from(ValidationError::LimitOutOfRange(limit)))?;
    let by = match query.by.as_deref() {
        None | Some("quantity") => TopByDto::Quantity,
        Some("revenue") => TopByDto::Revenue,
        Some(other) => {
            return Err(Problem::unprocessable(
                "invalid_top_by",
                format!(
                    "by {:?} is not one of quantity, revenue",
                    other.chars().take(32).collect::<String>()
                ),
            ));
        }
    };
    let currency = match query.currency.as_deref() {
        Some(code) => Currency::from_code(code).map_err(OrderlyError::from)?,
        None => state.service().policy().default_currency,
    };
    let products = blocking::read(&state, move |service| {
        service.top_products(&caller, by.into(), limit, Some(currency))
    })
    .await?;
    Ok(Json(TopProducts {
        currency: currency.code().to_owned(),
        by,
        products: products.into_iter().map(ProductSalesDto::from).collect(),
    }))
}

/// How many orders are in each status now.
#[utoipa::path(
    get,
    path = "/analytics/orders-by-status",
    tag = "analytics",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Orders per status", body = OrdersByStatus),
        (status = 403, description = "The caller is a customer"),
    )
)]
pub async fn orders_by_status(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
) -> Result<Json<OrdersByStatus>, Problem> {
    let counts = blocking::read(&state, move |service| service.orders_by_status(&caller)).await?;
    Ok(Json(OrdersByStatus {
        statuses: counts.into_iter().map(StatusCountDto::from).collect(),
    }))
}

/// How many orders were cancelled for each reason, every reason listed.
#[utoipa::path(
    get,
    path = "/analytics/cancellations",
    tag = "analytics",
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Cancelled orders per reason", body = CancellationsByReason),
        (status = 403, description = "The caller is a customer"),
    )
)]
pub async fn cancellations(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
) -> Result<Json<CancellationsByReason>, Problem> {
    let reasons = blocking::read(&state, move |service| {
        service.cancellations_by_reason(&caller)
    })
    .await?;
    Ok(Json(CancellationsByReason { reasons }))
}
