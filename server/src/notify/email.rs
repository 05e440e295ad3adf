//! The order confirmation message: plain text and HTML with the items, totals, delivery
//! address and order id.

use lettre::Message;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use orderly::Order;

/// Where a confirmation goes: the order's `metadata.email` if set, else the user id when it
/// is an email address. `None` when the order names no address.
pub fn recipient(order: &Order) -> Option<Mailbox> {
    let from_metadata = order.metadata.get("email").and_then(|v| v.as_str());
    let candidate = from_metadata.unwrap_or(order.user_id.as_str());
    candidate.parse::<Mailbox>().ok()
}

/// `text` safe to put in HTML text and attribute values.
pub fn escape(text: &str) -> String {
    text.replace('&', "&amp;")
        .replace('<', "&lt;")
        .replace('>', "&gt;")
        .replace('"', "&quot;")
}

fn address_lines(order: &Order) -> Vec<String> {
    let a = &order.delivery_address;
    let mut lines = vec![a.name.clone(), a.line1.clone()];
    lines.extend(a.line2.clone());
    let mut city = format!("{} {}", a.postal_code, a.city);
    if let Some(region) = &a.region {
        city.push_str(&format!(", {region}"));
    }
    lines.push(city);
    lines.push(a.country.clone());
    lines
}

pub fn text_body(order: &Order) -> String {
    let mut out = format!(
        "Thank you for your order.\n\nOrder {}\n\nItems:\n",
        order.id
    );
    for line in &order.items {
        out.push_str(&format!(
            "  {} x {} ({}) at {} = {}\n",
            line.quantity, line.name, line.product_id, line.unit_price, line.line_total
        ));
    }
    let t = &order.totals;
    out.push_str(&format!(
        "\nSubtotal: {}\nShipping: {}\nTax: {}\nDiscount: {}\nTotal: {}\n\nDelivery address:\n",
        t.subtotal, t.shipping, t.tax, t.discount, t.total
    ));
    for line in address_lines(order) {
        out.push_str(&format!("  {line}\n"));
    }
    out
}

pub fn html_body(order: &Order) -> String {
    let mut rows = String::new();
    for line in &order.items {
        rows.push_str(&format!(
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>",
            escape(&line.name),
            line.quantity,
            escape(&line.unit_price.to_string()),
            escape(&line.line_total.to_string())
        ));
    }
    let t = &order.totals;
    let address = address_lines(order)
        .iter()
        .map(|l| escape(l))
        .collect::<Vec<_>>()
        .join("<br>");
    format!(
        "<!doctype html><html><body><h1>Thank you for your order</h1>\
         <p>Order <strong>{id}</strong></p>\
         <table><tr><th>Item</th><th>Quantity</th><th>Unit price</th><th>Line total</th></tr>{rows}</table>\
         <p>Subtotal: {sub}<br>Shipping: {ship}<br>Tax: {tax}<br>Discount: {disc}<br>\
         <strong>Total: {total}</strong></p><p>Delivery address:<br>{address}</p></body></html>",
        id = order.id,
        sub = escape(&t.subtotal.to_string()),
        ship = escape(&t.shipping.to_string()),
        tax = escape(&t.tax.to_string()),
        disc = escape(&t.discount.to_string()),
        total = escape(&t.total.to_string()),
    )
}

/// The whole message, or why it cannot be built.
pub fn confirmation(order: &Order, from: &Mailbox, to: Mailbox) -> Result<Message, String> {
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(format!("Your order {} is confirmed", order.id))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text_body(order)),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html_body(order)),
                ),
        )
        .map_err(|e| e.to_string())
}
