//! Orders, checkouts, carts, status views and history pages.

use orderly::{Cart, CartLine, Checkout, DocumentPage, Metadata, Order, OrderPage, StatusView};
use serde::Serialize;
use utoipa::ToSchema;

use super::common::{
    AddressDto, MilestoneDto, MoneyDto, OrderLineDto, OrderStatusDto, PaymentSummaryDto,
    ShippingMethodDto, TotalsDto,
};

/// A placed order.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Order)]
pub struct OrderDto {
    #[schema(format = "uuid")]
    pub order_id: String,
    pub user_id: String,
    pub status: OrderStatusDto,
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    pub items: Vec<OrderLineDto>,
    pub totals: TotalsDto,
    pub delivery_address: AddressDto,
    pub payment_method: PaymentSummaryDto,
    pub shipping_method: ShippingMethodDto,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub discount_code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(format = "uuid")]
    pub checkout_id: Option<String>,
    /// Free-form data the client attached when placing the order.
    #[schema(value_type = Object)]
    pub metadata: Metadata,
    #[schema(format = DateTime)]
    pub created_at: String,
    #[schema(format = DateTime)]
    pub updated_at: String,
    /// Starts at 1 and grows by one with every change; the `ETag` is this number, quoted.
    #[schema(minimum = 1)]
    pub version: u32,
    /// Every milestone, oldest first, starting with `placed`.
    pub history: Vec<MilestoneDto>,
}

impl From<Order> for OrderDto {
    fn from(o: Order) -> Self {
        OrderDto {
            order_id: o.id.to_string(),
            user_id: o.user_id.as_str().to_owned(),
            status: o.status.into(),
            currency: o.currency.code().to_owned(),
            items: o.items.into_iter().map(Into::into).collect(),
            totals: o.totals.into(),
            delivery_address: o.delivery_address.into(),
            payment_method: o.payment_method.into(),
            shipping_method: o.shipping_method.into(),
            discount_code: o.discount_code,
            checkout_id: o.checkout_id.map(|c| c.to_string()),
            metadata: o.metadata,
            created_at: o.created_at.to_rfc3339(),
            updated_at: o.updated_at.to_rfc3339(),
            version: o.version,
            history: o.history.into_iter().map(Into::into).collect(),
        }
    }
}

/// A priced quote that `POST /order` honours (with its `checkoutId`) until `expiresAt` if
/// the cart has not changed.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Checkout)]
pub struct CheckoutDto {
    #[schema(format = "uuid")]
    pub checkout_id: String,
    pub user_id: String,
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    pub items: Vec<OrderLineDto>,
    pub totals: TotalsDto,
    pub payment_method: PaymentSummaryDto,
    pub delivery_address: AddressDto,
    pub shipping_method: ShippingMethodDto,
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
            items: c.items.into_iter().map(Into::into).collect(),
            totals: c.totals.into(),
            payment_method: c.payment_method.summary().into(),
            delivery_address: c.delivery_address.into(),
            shipping_method: c.shipping_method.into(),
            discount_code: c.discount_code,
            created_at: c.created_at.to_rfc3339(),
            expires_at: c.expires_at.to_rfc3339(),
        }
    }
}

/// One line of a cart.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = CartLine)]
pub struct CartLineDto {
    pub product_id: String,
    pub name: String,
    #[schema(minimum = 1, maximum = 1000)]
    pub quantity: u32,
    pub unit_price: MoneyDto,
    pub line_total: MoneyDto,
}

impl From<CartLine> for CartLineDto {
    fn from(l: CartLine) -> Self {
        CartLineDto {
            product_id: l.product_id.as_str().to_owned(),
            name: l.name,
            quantity: l.quantity,
            unit_price: l.unit_price.into(),
            line_total: l.line_total.into(),
        }
    }
}

/// A user's cart as the Cart Service holds it, validated and totalled.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = Cart)]
pub struct CartDto {
    pub user_id: String,
    #[schema(pattern = "^[A-Z]{3}$")]
    pub currency: String,
    pub items: Vec<CartLineDto>,
    pub subtotal: MoneyDto,
}

impl From<Cart> for CartDto {
    fn from(c: Cart) -> Self {
        CartDto {
            user_id: c.user_id.as_str().to_owned(),
            currency: c.currency.code().to_owned(),
            items: c.items.into_iter().map(Into::into).collect(),
            subtotal: c.subtotal.into(),
        }
    }
}

/// An order's status and every milestone, oldest first, starting with `placed`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = StatusView)]
pub struct StatusViewDto {
    #[schema(format = "uuid")]
    pub order_id: String,
    pub status: OrderStatusDto,
    #[schema(format = DateTime)]
    pub updated_at: String,
    #[schema(minimum = 1)]
    pub version: u32,
    pub history: Vec<MilestoneDto>,
}

impl From<StatusView> for StatusViewDto {
    fn from(v: StatusView) -> Self {
        StatusViewDto {
            order_id: v.order_id.to_string(),
            status: v.status.into(),
            updated_at: v.updated_at.to_rfc3339(),
            version: v.version,
            history: v.history.into_iter().map(Into::into).collect(),
        }
    }
}

/// One page of a user's orders, newest first.
#[derive(Debug, Clone, PartialEq, Serialize, ToSchema)]
#[serde(rename_all = "camelCase")]
#[schema(as = OrderPage)]
pub struct OrderPageDto {
    pub orders: Vec<OrderDto>,
    /// Pass as `cursor` to get the next page; `null` on the last page.
    #[schema(required = true)]
    pub next_cursor: Option<String>,
}

impl From<OrderPage> for OrderPageDto {
    fn from(p: OrderPage) -> Self {
        OrderPageDto {
            orders: p.orders.into_iter().map(Into::into).collect(),
            next_cursor: p.next_cursor,
        }
    }
}

impl OrderPageDto {
    /// The JSON of a page of stored orders, each passed on as stored: the same JSON as the
    /// page's `OrderPageDto`, without decoding and re-encoding every order.
    pub fn json_of(page: DocumentPage) -> String {
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
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use orderly::{
        CheckoutId, IdGenerator as _, Milestone, OrderDocument, OrderStatus, PaymentMethod,
        UuidV7Generator,
    };
    use orderly_tests::fixtures::{Env, card, de_address, paypal, us_address};
    use serde_json::{Value, json};

    use super::*;

    /// Orders read by id or by history are sent as stored, without `OrderDto`: the stored JSON
    /// must be exactly what `OrderDto` (and so the OpenAPI document) describes.
    #[test]
    fn stored_orders_are_the_json_of_their_dto() {
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
        });
        let payments = [card(), paypal(), PaymentMethod::CashOnDelivery];
        for (payment, address) in
            payments
                .into_iter()
                .zip([us_address(), de_address(), us_address()])
        {
            order.payment_method = payment.summary();
            order.delivery_address = address;
            let dto = serde_json::to_value(OrderDto::from(order.clone())).unwrap();
            let document = OrderDocument::encode(&order).unwrap();
            assert_eq!(serde_json::from_str::<Value>(document.json()).unwrap(), dto);

            for next_cursor in [None, Some("djE6MTIzOng".to_owned())] {
                let page = DocumentPage {
                    documents: vec![document.clone(), document.clone()],
                    next_cursor: next_cursor.clone(),
                };
                let typed = OrderPageDto {
                    orders: vec![OrderDto::from(order.clone()), OrderDto::from(order.clone())],
                    next_cursor,
                };
                let sent: Value = serde_json::from_str(&OrderPageDto::json_of(page)).unwrap();
                assert_eq!(sent, serde_json::to_value(typed).unwrap());
            }
        }
        let empty = DocumentPage {
            documents: Vec::new(),
            next_cursor: None,
        };
        assert_eq!(
            OrderPageDto::json_of(empty),
            r#"{"orders":[],"nextCursor":null}"#
        );
    }
}
