//! Orders as CSV (RFC 4180, UTF-8): one row per order line, the order's columns repeated on
//! each of its rows, CRLF line ends. Text a spreadsheet would run as a formula (starting with
//! `=`, `+`, `-`, `@`, a tab or a carriage return) is prefixed with `'`.

use crate::model::Order;

/// The columns, in order.
pub const COLUMNS: [&str; 21] = [
    "orderId",
    "createdAt",
    "status",
    "userId",
    "email",
    "currency",
    "subtotal",
    "shipping",
    "tax",
    "discount",
    "total",
    "deliveryName",
    "deliveryCountry",
    "productId",
    "productName",
    "quantity",
    "unitPrice",
    "lineTotal",
    "lineDiscount",
    "shippedQuantity",
    "trackingNumbers",
];

/// The header row.
pub fn header() -> String {
    let mut row = COLUMNS.join(",");
    row.push_str("\r\n");
    row
}

fn push_field(out: &mut String, text: &str, is_text: bool) {
    let guarded = is_text && text.starts_with(['=', '+', '-', '@', '\t', '\r']);
    let needs_quotes = guarded || text.contains([',', '"', '\r', '\n']);
    if needs_quotes {
        out.push('"');
    }
    if guarded {
        out.push('\'');
    }
    for c in text.chars() {
        if c == '"' {
            out.push('"');
        }
        out.push(c);
    }
    if needs_quotes {
        out.push('"');
    }
}

/// Appends `order`'s rows to `out`.
pub fn push_rows(out: &mut String, order: &Order) {
    let t = &order.totals;
    let tracking: Vec<&str> = order
        .shipments
        .iter()
        .filter_map(|s| s.tracking_number.as_deref())
        .collect();
    let tracking = tracking.join(" ");
    for line in &order.items {
        let shipped: u32 = order
            .shipments
            .iter()
            .filter(|s| s.status.has_left())
            .flat_map(|s| &s.lines)
            .filter(|l| l.product_id == line.product_id)
            .map(|l| l.quantity)
            .sum();
        let fields: [(String, bool); 21] = [
            (order.id.to_string(), false),
            (order.created_at.to_rfc3339(), false),
            (order.status.to_string(), false),
            (order.user_id.to_string(), true),
            (order.email().unwrap_or_default().to_owned(), true),
            (order.currency.code().to_owned(), false),
            (t.subtotal.amount_string(), false),
            (t.shipping.amount_string(), false),
            (t.tax.amount_string(), false),
            (t.discount.amount_string(), false),
            (t.total.amount_string(), false),
            (order.delivery_address.name.clone(), true),
            (order.delivery_address.country.clone(), true),
            (line.product_id.to_string(), true),
            (line.name.clone(), true),
            (line.quantity.to_string(), false),
            (line.unit_price.amount_string(), false),
            (line.line_total.amount_string(), false),
            (line.discount.amount_string(), false),
            (shipped.to_string(), false),
            (tracking.clone(), true),
        ];
        for (i, (text, is_text)) in fields.iter().enumerate() {
            if i > 0 {
                out.push(',');
            }
            push_field(out, text, *is_text);
        }
        out.push_str("\r\n");
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used, clippy::indexing_slicing)]
mod tests {
    use super::*;
    use crate::test_orders::sample_order;

    #[test]
    fn rows_quote_what_needs_quoting_and_defuse_formulas() {
        let mut order = sample_order();
        order.delivery_address.name = "=HYPERLINK(\"x\")".to_owned();
        order.items[0].name = "Beans, \"fine\"\nground".to_owned();
        let mut out = String::new();
        push_rows(&mut out, &order);
        assert!(out.ends_with("\r\n"));
        assert!(out.contains(",\"'=HYPERLINK(\"\"x\"\")\","));
        assert!(out.contains(",\"Beans, \"\"fine\"\"\nground\","));
        assert_eq!(header().split(',').count(), COLUMNS.len());
        let first_row = out.split("\r\n").next().unwrap();
        assert!(first_row.starts_with(&order.id.to_string()));
        assert!(first_row.contains(",19.99,"));
    }
}
