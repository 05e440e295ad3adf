//! The shipping email: plain text and HTML naming what one shipment carries, its carrier,
//! tracking number and tracking link.

use lettre::Message;
use lettre::message::{Mailbox, MultiPart, SinglePart, header::ContentType};
use orderly::{Order, Shipment};

use super::email::escape;

/// Where a shipping email goes: the order's email address. `None` when it has none (or one
/// that is not an address).
pub fn recipient(order: &Order) -> Option<Mailbox> {
    order.email()?.parse::<Mailbox>().ok()
}

/// What the shipment carries, as `(quantity, name)`, in its line order; a product the order
/// no longer lists (never the case for a shipment the engine made) shows its id.
fn contents(order: &Order, shipment: &Shipment) -> Vec<(u32, String)> {
    shipment
        .lines
        .iter()
        .map(|line| {
            let name = order
                .items
                .iter()
                .find(|item| item.product_id == line.product_id)
                .map_or_else(|| line.product_id.to_string(), |item| item.name.clone());
            (line.quantity, name)
        })
        .collect()
}

fn carrier_name(shipment: &Shipment) -> Option<String> {
    shipment
        .carrier
        .as_deref()
        .map(|c| c.replace('_', " ").to_uppercase())
}

pub fn text_body(order: &Order, shipment: &Shipment) -> String {
    let mut out = format!(
        "Good news: items of your order {} are on their way.\n\nIn this shipment:\n",
        order.id
    );
    for (quantity, name) in contents(order, shipment) {
        out.push_str(&format!("  {quantity} x {name}\n"));
    }
    out.push('\n');
    if let Some(carrier) = carrier_name(shipment) {
        out.push_str(&format!("Carrier: {carrier}\n"));
    }
    if let Some(number) = &shipment.tracking_number {
        out.push_str(&format!("Tracking number: {number}\n"));
    }
    if let Some(url) = &shipment.tracking_url {
        out.push_str(&format!("Track your parcel: {url}\n"));
    }
    out
}

pub fn html_body(order: &Order, shipment: &Shipment) -> String {
    let items = contents(order, shipment)
        .iter()
        .map(|(quantity, name)| format!("<li>{quantity} x {}</li>", escape(name)))
        .collect::<String>();
    let mut tracking = String::new();
    if let Some(carrier) = carrier_name(shipment) {
        tracking.push_str(&format!("Carrier: {}<br>", escape(&carrier)));
    }
    if let Some(number) = &shipment.tracking_number {
        tracking.push_str(&format!("Tracking number: {}<br>", escape(number)));
    }
    if let Some(url) = &shipment.tracking_url {
        let url = escape(url);
        tracking.push_str(&format!("<a href=\"{url}\">Track your parcel</a> ({url})"));
    }
    format!(
        "<!doctype html><html><body><h1>Your order is on its way</h1>\
         <p>Order <strong>{id}</strong></p><p>In this shipment:</p><ul>{items}</ul>\
         <p>{tracking}</p></body></html>",
        id = order.id,
    )
}

/// The whole message, or why it cannot be built.
pub fn shipping_notice(
    order: &Order,
    shipment: &Shipment,
    from: &Mailbox,
    to: Mailbox,
) -> Result<Message, String> {
    Message::builder()
        .from(from.clone())
        .to(to)
        .subject(format!("Your order {} has shipped", order.id))
        .multipart(
            MultiPart::alternative()
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_PLAIN)
                        .body(text_body(order, shipment)),
                )
                .singlepart(
                    SinglePart::builder()
                        .header(ContentType::TEXT_HTML)
                        .body(html_body(order, shipment)),
                ),
        )
        .map_err(|e| e.to_string())
}
