//! The API's JSON shapes. They mirror what the engine's types serialize to and derive the
//! OpenAPI schemas, so the document describes exactly what the server sends and accepts.
//! Conversions from engine types are plain field copies; no rule lives here.

mod analytics;
mod common;
mod health;
mod order;
mod requests;

pub use analytics::{
    OrdersByStatus, ProductSalesDto, SalesReport, SalesSummaryDto, StatusCountDto, TopByDto,
    TopProducts,
};
pub use common::{
    AddressDto, MilestoneDto, MoneyDto, OrderLineDto, OrderStatusDto, PaymentMethodDto,
    PaymentSummaryDto, ShippingMethodDto, TotalsDto,
};
pub use health::{Health, Ready};
pub use order::{CartDto, CartLineDto, CheckoutDto, OrderDto, OrderPageDto, StatusViewDto};
pub use requests::{CheckoutBody, PlaceOrderBody, StatusBody, USER_ID_PATTERN, parse_status};
