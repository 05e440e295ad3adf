//! The checkout quote as `POST /checkout` shows it, and history pages built from stored
//! orders. Orders, carts, status views and pages are the engine's own types.

use orderly::search::SearchPage;
use orderly::{Address, Checkout, DocumentPage, OrderLine, PaymentSummary, ShippingMethod, Totals};
use serde::Serialize;
use utoipa::ToSchema;

/// A priced quote that `POST /order` honours (with its `checkoutId`) until `expiresAt` if
/// the cart has not changed. The engine's `Checkout` also holds what it compares an order
/// with (the payment token, the cart's fingerprint); this is what a client sees of it.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Checkout)]
pub struct CheckoutDto {
    #[schema(format = "uuid")]
    pub checkout_id: String,
    pub user_id: String,
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    pub items: Vec<OrderLine>,
    pub totals: Totals,
    pub payment_method: PaymentSummary,
    pub delivery_address: Address,
    pub shipping_method: ShippingMethod,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub expires_at: String,
}

impl From<Checkout> for CheckoutDto {
    fn from(c: Checkout) -> Self {
        CheckoutDto {
            checkout_id: c.checkout_id.to_string(),
            user_id: c.user_id.as_str().to_owned(),
            currency: c.currency.code().to_owned(),
            items: c.items,
            totals: c.totals,
            payment_method: c.payment_method.summary(),
            delivery_address: c.delivery_address,
            shipping_method: c.shipping_method,
            discount_code: c.discount_code,
            created_at: c.created_at.to_rfc3339(),
            expires_at: c.expires_at.to_rfc3339(),
        }
    }
}

/// The JSON of a page of stored orders, each passed on as stored: the same JSON as the
/// engine's `OrderPage` of those orders, without decoding and re-encoding every order.
pub fn order_page_json(page: DocumentPage) -> String {
    let size = page
        .documents
        .iter()
        .map(|d| d.json().len() + 1)
        .sum::<usize>();
    let mut json = String::with_capacity(size + 64);
    json.push_str("{\"orders\":[");
    for (i, document) in page.documents.iter().enumerate() {
        if i > 0 {
            json.push(',');
        }
        json.push_str(document.json());
    }
    json.push_str("],\"nextCursor\":");
    json.push_str(&serde_json::Value::from(page.next_cursor.as_deref()).to_string());
    json.push('}');
    json
}

/// The JSON of a page of search results: the same shape as a history page.
pub fn search_page_json(page: SearchPage) -> String {
    order_page_json(DocumentPage {
        documents: page.documents,
        next_cursor: page.next_cursor,
    })
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use orderly::{
        CheckoutId, IdGenerator as _, Milestone, OrderDocument, OrderPage, OrderStatus,
        PaymentMethod, UuidV7Generator,
    };
    use orderly_tests::fixtures::{Env, card, de_address, paypal, us_address};
    use serde_json::{Value, json};

    use super::*;

    /// History pages are built from stored orders without decoding them: the page must be
    /// exactly the JSON of the engine's `OrderPage` (and so what the OpenAPI document says).
    #[test]
    fn pages_of_stored_orders_are_the_json_of_an_order_page() {
        let env = Env::new(&|| orderly::open_store("sqlite::memory:").unwrap());
        env.set_cart(
            "alice",
            "EUR",
            &[
                ("sku-1", "Bohnen", 2, "9.99"),
                ("sku-2", "Filter", 1, "3.10"),
            ],
        );
        let mut order = env.place("alice", "k");
        order.discount_code = Some("WELCOME10".to_owned());
        order.checkout_id = Some(CheckoutId::from_uuid(UuidV7Generator.new_uuid()));
        order
            .metadata
            .insert("channel".to_owned(), json!({"app": "ios", "build": 42}));
        order.history.push(Milestone {
            status: OrderStatus::Processing,
            at: order.updated_at,
            actor: "admin:ops".to_owned(),
            note: Some("picked \"fast\" ✓".to_owned()),
            reason: None,
        });
        let payments = [card(), paypal(), PaymentMethod::CashOnDelivery];
        for (payment, address) in
            payments
                .into_iter()
                .zip([us_address(), de_address(), us_address()])
        {
            order.payment_method = payment.summary();
            order.delivery_address = address;
            let document = OrderDocument::encode(&order).unwrap();
            for next_cursor in [None, Some("djE6MTIzOng".to_owned())] {
                let page = DocumentPage {
                    documents: vec![document.clone(), document.clone()],
                    next_cursor: next_cursor.clone(),
                };
                let typed = OrderPage {
                    orders: vec![order.clone(), order.clone()],
                    next_cursor,
                };
                let sent: Value = serde_json::from_str(&order_page_json(page)).unwrap();
                assert_eq!(sent, serde_json::to_value(typed).unwrap());
            }
        }
        let empty = DocumentPage {
            documents: Vec::new(),
            next_cursor: None,
        };
        assert_eq!(order_page_json(empty), r#"{"orders":[],"nextCursor":null}"#);
    }
}
