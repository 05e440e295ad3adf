//! Analytics answers.

use orderly::{DailySales, Money, OrderStatus, ProductSales, SalesSummary, StatusCount};
use serde::{Deserialize, Serialize};
use utoipa::ToSchema;

/// Sales in one currency over the range.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = SalesSummary)]
pub struct SalesSummaryDto {
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    pub total: Money,
    pub orders: u64,
    /// `total / orders`, rounded half-even.
    pub average_order_value: Money,
}

impl From<SalesSummary> for SalesSummaryDto {
    fn from(s: SalesSummary) -> Self {
        SalesSummaryDto {
            currency: s.currency.code().to_owned(),
            total: s.total,
            orders: s.orders,
            average_order_value: s.average_order_value,
        }
    }
}

/// `GET /analytics/sales`: orders created in the range (widened to whole UTC hours), per
/// currency, cancelled orders excluded.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct SalesReport {
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: String,
    pub sales: Vec<SalesSummaryDto>,
}

/// Sales in one currency on one UTC day.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = DailySales)]
pub struct DailySalesDto {
    /// The UTC day, `YYYY-MM-DD`.
    #[schema(format = Date)]
    pub day: String,
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    /// Sum of the totals of the orders placed that day and not cancelled.
    pub total: Money,
    pub orders: u64,
}

impl From<DailySales> for DailySalesDto {
    fn from(d: DailySales) -> Self {
        let day = d.day.to_rfc3339();
        DailySalesDto {
            day: day.get(..10).unwrap_or(&day).to_owned(),
            currency: d.currency.code().to_owned(),
            total: d.total,
            orders: d.orders,
        }
    }
}

/// `GET /analytics/sales/daily`: sales per UTC day and currency of the orders placed from
/// `from`'s day through `to`'s, cancelled orders excluded; days without sales are left out.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct DailySalesReport {
    #[schema(format = DateTime)]
    pub from: String,
    #[schema(format = DateTime)]
    pub to: String,
    pub days: Vec<DailySalesDto>,
}

/// Which measure ranks products.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, ToSchema)]
#[serde(rename_all = "snake_case")]
#[schema(as = TopBy)]
pub enum TopByDto {
    Quantity,
    Revenue,
}

impl From<TopByDto> for orderly::TopBy {
    fn from(b: TopByDto) -> Self {
        match b {
            TopByDto::Quantity => orderly::TopBy::Quantity,
            TopByDto::Revenue => orderly::TopBy::Revenue,
        }
    }
}

/// One product's sales; revenue is net of discounts.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = ProductSales)]
pub struct ProductSalesDto {
    pub product_id: String,
    pub name: String,
    pub quantity: u64,
    pub revenue: Money,
}

impl From<ProductSales> for ProductSalesDto {
    fn from(p: ProductSales) -> Self {
        ProductSalesDto {
            product_id: p.product_id.as_str().to_owned(),
            name: p.name,
            quantity: p.quantity,
            revenue: p.revenue,
        }
    }
}

/// `GET /analytics/top-products`: best sellers in one currency.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct TopProducts {
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    pub by: TopByDto,
    pub products: Vec<ProductSalesDto>,
}

/// Orders in one status.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[schema(as = StatusCount)]
pub struct StatusCountDto {
    pub status: OrderStatus,
    pub orders: u64,
}

impl From<StatusCount> for StatusCountDto {
    fn from(c: StatusCount) -> Self {
        StatusCountDto {
            status: c.status,
            orders: c.orders,
        }
    }
}

/// `GET /analytics/orders-by-status`: how many orders are in each status now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct OrdersByStatus {
    pub statuses: Vec<StatusCountDto>,
}

/// `GET /analytics/cancellations`: how many orders were cancelled for each reason, every
/// reason listed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct CancellationsByReason {
    pub reasons: Vec<orderly::analytics::CancellationCount>,
}
