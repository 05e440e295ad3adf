//! The API's JSON shapes that are not the engine's own: request bodies (with the checks that
//! give common mistakes their own codes), the checkout quote as clients see it, analytics and
//! health. Orders, carts, status views and pages are the engine's types, whose schemas the
//! engine derives (`openapi` feature), so the document describes exactly what is sent.

mod analytics;
mod common;
mod health;
mod order;
mod requests;
mod staff;
mod webhooks;

pub use analytics::{
    CancellationsByReason, DailySalesDto, DailySalesReport, OrdersByStatus, ProductSalesDto,
    SalesReport, SalesSummaryDto, StatusCountDto, TopByDto, TopProducts,
};
pub use common::PaymentMethodDto;
pub use health::{Health, Ready};
pub use order::{CheckoutDto, order_page_json, search_page_json};
pub use requests::{
    CheckoutBody, NewShipmentStatus, NoteBody, PlaceOrderBody, ShipmentBody, ShipmentLineBody,
    ShipmentStatusBody, StatusBody, parse_status,
};
pub use staff::Timeline;
pub use webhooks::{WebhookBody, WebhookPatchBody};
