//! Analytics for admin and service callers: sales, top products, orders by status,
//! cancellations by reason.

use axum::Json;
use axum::extract::State;
use orderly::{Currency, DayRange, OrderlyError, Timestamp, ValidationError};
use serde::Deserialize;
use utoipa::IntoParams;

use crate::auth::Authenticated;
use crate::blocking;
use crate::dto::{
    CancellationsByReason, DailySalesDto, DailySalesReport, OrdersByStatus, ProductSalesDto,
    SalesReport, SalesSummaryDto, StatusCountDto, TopByDto, TopProducts,
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

/// The orders an analytics figure counts: those placed from `from`'s UTC day through `to`'s.
#[derive(Debug, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct DaysQuery {
    /// Count orders placed from this instant's UTC day on (RFC 3339); default: from the first.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Count orders placed up to this instant's UTC day (RFC 3339); default: to the last.
    #[param(format = DateTime)]
    pub to: Option<String>,
}

impl DaysQuery {
    fn days(&self) -> Result<DayRange, Problem> {
        let from = self
            .from
            .as_deref()
            .map(|f| timestamp("from", f))
            .transpose()?;
        let to = self.to.as_deref().map(|t| timestamp("to", t)).transpose()?;
        Ok(DayRange::between(from, to).map_err(OrderlyError::from)?)
    }
}

impl SalesQuery {
    /// `from` and `to` as given, `to` defaulting to now and `from` to 30 days before `to`.
    fn window(&self, state: &AppState) -> Result<(Timestamp, Timestamp), Problem> {
        let to = match self.to.as_deref() {
            Some(t) => timestamp("to", t)?,
            None => state.service().clock().now(),
        };
        let from = match self.from.as_deref() {
            Some(f) => timestamp("from", f)?,
            None => to.plus_millis(-DEFAULT_SALES_WINDOW_MS),
        };
        Ok((from, to))
    }
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
    let (from, to) = query.window(&state)?;
    let sales = blocking::read(&state, move |service| service.sales(&caller, from, to)).await?;
    Ok(Json(SalesReport {
        from: from.to_rfc3339(),
        to: to.to_rfc3339(),
        sales: sales.into_iter().map(SalesSummaryDto::from).collect(),
    }))
}

/// Sales per UTC day and currency of the orders placed from `from`'s day through `to`'s,
/// cancelled orders excluded; days without sales are left out.
#[utoipa::path(
    get,
    path = "/analytics/sales/daily",
    tag = "analytics",
    params(SalesQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Sales per day and currency", body = DailySalesReport),
        (status = 400, description = "from or to is not an RFC 3339 timestamp"),
        (status = 403, description = "The caller is a customer"),
        (status = 422, description = "to is before from"),
    )
)]
pub async fn sales_daily(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<SalesQuery>,
) -> Result<Json<DailySalesReport>, Problem> {
    let (from, to) = query.window(&state)?;
    let days = DayRange::between(Some(from), Some(to)).map_err(OrderlyError::from)?;
    let sales = blocking::read(&state, move |service| service.sales_by_day(&caller, days)).await?;
    Ok(Json(DailySalesReport {
        from: from.to_rfc3339(),
        to: to.to_rfc3339(),
        days: sales.into_iter().map(DailySalesDto::from).collect(),
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
    /// Count orders placed from this instant's UTC day on (RFC 3339); default: from the first.
    #[param(format = DateTime)]
    pub from: Option<String>,
    /// Count orders placed up to this instant's UTC day (RFC 3339); default: to the last.
    #[param(format = DateTime)]
    pub to: Option<String>,
}

/// Best-selling products in one currency among the orders placed in the range (all of them by
/// default), cancelled orders excluded.
#[utoipa::path(
    get,
    path = "/analytics/top-products",
    tag = "analytics",
    params(TopProductsQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Best sellers", body = TopProducts),
        (status = 400, description = "from or to is not an RFC 3339 timestamp"),
        (status = 403, description = "The caller is a customer"),
        (status = 422, description = "limit out of 1..100 (`limit_out_of_range`), unknown `by` (`invalid_top_by`), unknown currency (`unknown_currency`) or to before from"),
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
    let days = DaysQuery {
        from: query.from,
        to: query.to,
    }
    .days()?;
    let products = blocking::read(&state, move |service| {
        service.top_products(&caller, by.into(), limit, Some(currency), days)
    })
    .await?;
    Ok(Json(TopProducts {
        currency: currency.code().to_owned(),
        by,
        products: products.into_iter().map(ProductSalesDto::from).collect(),
    }))
}

/// How many of the orders placed in the range (all of them by default) are in each status now.
#[utoipa::path(
    get,
    path = "/analytics/orders-by-status",
    tag = "analytics",
    params(DaysQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Orders per status", body = OrdersByStatus),
        (status = 400, description = "from or to is not an RFC 3339 timestamp"),
        (status = 403, description = "The caller is a customer"),
        (status = 422, description = "to is before from"),
    )
)]
pub async fn orders_by_status(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<DaysQuery>,
) -> Result<Json<OrdersByStatus>, Problem> {
    let days = query.days()?;
    let counts = blocking::read(&state, move |service| {
        service.orders_by_status(&caller, days)
    })
    .await?;
    Ok(Json(OrdersByStatus {
        statuses: counts.into_iter().map(StatusCountDto::from).collect(),
    }))
}

/// How many of the orders placed in the range (all of them by default) were cancelled for each
/// reason, every reason listed.
#[utoipa::path(
    get,
    path = "/analytics/cancellations",
    tag = "analytics",
    params(DaysQuery),
    security(("bearerAuth" = [])),
    responses(
        (status = 200, description = "Cancelled orders per reason", body = CancellationsByReason),
        (status = 400, description = "from or to is not an RFC 3339 timestamp"),
        (status = 403, description = "The caller is a customer"),
        (status = 422, description = "to is before from"),
    )
)]
pub async fn cancellations(
    Authenticated(caller): Authenticated,
    State(state): State<AppState>,
    ApiQuery(query): ApiQuery<DaysQuery>,
) -> Result<Json<CancellationsByReason>, Problem> {
    let days = query.days()?;
    let reasons = blocking::read(&state, move |service| {
        service.cancellations_by_reason(&caller, days)
    })
    .await?;
    Ok(Json(CancellationsByReason { reasons }))
}
