//! [`Embedded`]: the engine as an application embeds it in process, which the Python, Node and
//! Swift bindings wrap. It owns what those three would otherwise each write: the in-process
//! cart source, who acts on each call (customer or staff), the default actor and page sizes,
//! and the parsing of the ids and keys callers pass as text. The bindings only convert values
//! between their language and these types.
//!
//! Who acts: calls that name a user (`cart`, `checkout`, `place_order`, `orders_for_user`) act
//! as that customer; `order`, `status` and `cancel` act as the customer [`ActAs::user_id`]
//! when it is given (who must own the order) and otherwise, like the staff operations
//! (`update_status`, analytics), as the service actor ([`DEFAULT_ACTOR`] unless named), which
//! the milestones record as `service:<actor>`. `cancel_with` and the staff operations on
//! shipments, search, export, notes, the timeline, cancellation counts and webhook
//! subscriptions take an [`ActAs`] too, so that a customer acting through them is refused
//! `forbidden` by the engine, exactly as over HTTP.

use std::fs::File;
use std::io::Write;
use std::path::Path;
use std::sync::Arc;

use orderly_core::{
    Address, Caller, Cancellation, Cart, Checkout, CheckoutRequest, Currency, DeviceId, EventId,
    HistoryRequest, IdempotencyKey, InMemoryCarts, Metadata, Order, OrderPage, OrderService,
    OrderStatus, OrderlyError, OutboxEvent, PaymentMethod, PlaceOrderRequest, Placement,
    PricingPolicy, ProductId, ProductSales, RawCart, RawCartItem, Result, SalesSummary,
    ServiceConfig, ShipmentId, ShipmentLine, ShipmentRequest, ShipmentStatus, ShippingMethod,
    StatusCount, StatusUpdate, StatusView, Store, Timestamp, TopBy, UserId, ValidationError,
    analytics::CancellationCount,
    parse,
    search::OrderSearch,
    timeline::{StaffNote, TimelineEntry},
};

use crate::OpenError;

mod webhooks;

pub use webhooks::DEFAULT_DELIVERY_PAGE;

/// The service actor when a call names none.
pub const DEFAULT_ACTOR: &str = "app";
/// How many best sellers `top_products` returns when no limit is given.
pub const DEFAULT_TOP_PRODUCTS: u32 = 10;
/// How many outbox events `pending_events` returns when no limit is given.
pub const DEFAULT_PENDING_EVENTS: u32 = 100;

/// Who reads or cancels an order: the customer `user_id` when given, else the service
/// `actor` ([`DEFAULT_ACTOR`] when `None`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ActAs {
    /// The customer acting on their own orders; `None` for staff.
    pub user_id: Option<String>,
    /// The staff actor recorded in milestones when `user_id` is `None`.
    pub actor: Option<String>,
}

impl ActAs {
    fn caller(&self) -> Result<Caller> {
        match &self.user_id {
            Some(id) => Ok(Caller::customer(&UserId::new(id.as_str())?)),
            None => Ok(staff(self.actor.as_deref())),
        }
    }
}

fn staff(actor: Option<&str>) -> Caller {
    Caller::service(actor.unwrap_or(DEFAULT_ACTOR))
}

/// What a checkout and an order have in common, with the user id as the caller gave it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct OrderInput {
    /// Whose cart is checked out; parsed by the engine, so a bad id gets its code.
    pub user_id: String,
    /// Where the order goes.
    pub delivery_address: Address,
    /// How it is paid (validated, never charged).
    pub payment_method: PaymentMethod,
    /// Standard when `None`.
    pub shipping_method: Option<ShippingMethod>,
    /// A discount code, if the customer gave one.
    pub discount_code: Option<String>,
}

/// One line of a shipment as a caller gives it: the product and how many units. The engine
/// checks the product and the quantity (a quantity below 1 is `invalid_field`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ShipmentLineInput {
    /// The order line's product.
    pub product_id: String,
    /// How many units.
    pub quantity: i64,
}

/// A shipment as staff ask for it, with ids and quantities as the caller gave them; every
/// field is optional (see [`ShipmentRequest`]: without lines, everything not yet in a
/// shipment; without a status, shipped).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct ShipmentInput {
    /// What it carries; `None` for everything not yet in a shipment.
    pub lines: Option<Vec<ShipmentLineInput>>,
    /// The carrier's name (`ups`, `Royal Mail`, any other).
    pub carrier: Option<String>,
    /// The carrier's tracking number.
    pub tracking_number: Option<String>,
    /// An explicit tracking link (`https://` only); a known carrier's template otherwise.
    pub tracking_url: Option<String>,
    /// `Shipped` (the default) or `Pending`.
    pub status: Option<ShipmentStatus>,
    /// A note for the shipment's first milestone.
    pub note: Option<String>,
}

impl ShipmentInput {
    fn request(self) -> Result<ShipmentRequest> {
        let lines = match self.lines {
            None => None,
            Some(lines) => Some(
                lines
                    .into_iter()
                    .map(|line| {
                        let quantity = u32::try_from(line.quantity).map_err(|_| {
                            ValidationError::InvalidField {
                                field: "lines".to_owned(),
                                reason: format!(
                                    "quantity of {} must be at least 1",
                                    line.product_id.chars().take(64).collect::<String>()
                                ),
                            }
                        })?;
                        Ok(ShipmentLine {
                            product_id: ProductId::new(line.product_id)?,
                            quantity,
                        })
                    })
                    .collect::<Result<Vec<_>>>()?,
            ),
        };
        Ok(ShipmentRequest {
            lines,
            carrier: self.carrier,
            tracking_number: self.tracking_number,
            tracking_url: self.tracking_url,
            status: self.status,
            note: self.note,
        })
    }
}

/// A shipment id; a malformed one cannot name a shipment, so it is `not_found` like an
/// unknown one (as for order ids).
fn shipment_id(text: &str) -> Result<ShipmentId> {
    ShipmentId::parse(text).ok_or_else(|| {
        OrderlyError::not_found("shipment", text.chars().take(32).collect::<String>())
    })
}

/// A search from name/value pairs, parsed by the engine's one parser.
fn search(filters: &[(String, String)]) -> Result<OrderSearch> {
    OrderSearch::from_params(filters.iter().map(|(k, v)| (k.as_str(), v.as_str())))
}

/// The export file could not be created or written: the caller's path is the input at fault.
fn export_path_error(path: &Path, err: &std::io::Error) -> OrderlyError {
    ValidationError::InvalidField {
        field: "path".to_owned(),
        reason: format!("{} could not be written: {err}", path.display()),
    }
    .into()
}

/// An engine over one store, with carts the application sets in process. Cheap to clone;
/// every call blocks until the store answers.
#[derive(Debug, Clone)]
pub struct Embedded {
    service: OrderService,
    carts: Arc<InMemoryCarts>,
}

impl Embedded {
    /// Opens (creating and migrating if needed) the store at `url`, priced by `policy` or the
    /// default policy. A database a device engine created stays that device's: its orders and
    /// cancellations are still recorded for sync (see [`Embedded::open_device`]).
    pub fn open(url: &str, policy: Option<PricingPolicy>) -> Result<Self, OpenError> {
        let store = crate::open_store(url)?;
        let device = store.device_identity()?;
        Ok(Self::over(store, policy, device))
    }

    /// The engine over `store`; a device engine for `device` when it is given.
    pub(crate) fn over(
        store: Arc<dyn Store>,
        policy: Option<PricingPolicy>,
        device: Option<DeviceId>,
    ) -> Self {
        let carts = Arc::new(InMemoryCarts::new());
        let config = ServiceConfig {
            device,
            ..ServiceConfig::default()
        };
        let service = OrderService::builder(store, carts.clone())
            .policy(policy.unwrap_or_default())
            .config(config)
            .build();
        Embedded { service, carts }
    }

    /// The service underneath, for what this type does not wrap.
    pub fn service(&self) -> &OrderService {
        &self.service
    }

    /// Sets (or replaces) a user's cart. The engine applies the cart rules when it reads the
    /// cart, exactly as for a remote cart service.
    pub fn set_cart(&self, user_id: String, currency: String, items: Vec<RawCartItem>) {
        self.carts.set(RawCart {
            user_id,
            currency,
            items,
            updated_at: None,
        });
    }

    /// Forgets a user's cart; the user then has an empty cart.
    pub fn remove_cart(&self, user_id: &str) {
        self.carts.remove(user_id);
    }

    /// The user's cart, validated and totalled, as that customer.
    pub fn cart(&self, user_id: &str) -> Result<Cart> {
        let user = UserId::new(user_id)?;
        self.service.cart(&Caller::customer(&user), &user)
    }

    /// Validates the cart, address and payment method, prices the order and stores a quote.
    pub fn checkout(&self, input: OrderInput) -> Result<Checkout> {
        let req = CheckoutRequest {
            user_id: UserId::new(input.user_id)?,
            delivery_address: input.delivery_address,
            payment_method: input.payment_method,
            shipping_method: input.shipping_method,
            discount_code: input.discount_code,
        };
        self.service.checkout(&Caller::customer(&req.user_id), &req)
    }

    /// Places an order from the user's cart, or from the checkout quote `checkout_id` (a
    /// malformed one is `not_found`), exactly once per `idempotency_key`.
    pub fn place_order(
        &self,
        input: OrderInput,
        idempotency_key: &str,
        checkout_id: Option<&str>,
        metadata: Option<Metadata>,
    ) -> Result<Placement> {
        let key = IdempotencyKey::new(idempotency_key)?;
        let req = PlaceOrderRequest {
            user_id: UserId::new(input.user_id)?,
            delivery_address: input.delivery_address,
            payment_method: input.payment_method,
            shipping_method: input.shipping_method,
            checkout_id: checkout_id.map(parse::checkout_id).transpose()?,
            discount_code: input.discount_code,
            metadata,
        };
        self.service
            .place_order(&Caller::customer(&req.user_id), &req, &key)
    }

    /// One order; a malformed id is `not_found` like an unknown one.
    pub fn order(&self, order_id: &str, who: &ActAs) -> Result<Order> {
        let caller = who.caller()?;
        self.service.order(&caller, &parse::order_id(order_id)?)
    }

    /// A user's orders, newest first, a page at a time, as that customer.
    pub fn orders_for_user(&self, user_id: &str, req: &HistoryRequest) -> Result<OrderPage> {
        let user = UserId::new(user_id)?;
        self.service
            .orders_for_user(&Caller::customer(&user), &user, req)
    }

    /// The order's status and every milestone, oldest first.
    pub fn status(&self, order_id: &str, who: &ActAs) -> Result<StatusView> {
        let caller = who.caller()?;
        self.service.status(&caller, &parse::order_id(order_id)?)
    }

    /// Cancels an order from `placed` or `processing`; the `reason` is kept in the history.
    pub fn cancel(&self, order_id: &str, reason: Option<&str>, who: &ActAs) -> Result<Order> {
        let caller = who.caller()?;
        self.service
            .cancel(&caller, &parse::order_id(order_id)?, reason)
    }

    /// Cancels an order with a reason from the list and a note, as `DELETE /order/{id}` takes
    /// them (see [`Cancellation::from_request`]): a reason word alone is the reason, any other
    /// text alone is the note with the caller's default reason; with a note, the reason must
    /// be a word from the list. Customers may give only `customer`.
    pub fn cancel_with(
        &self,
        order_id: &str,
        reason: Option<&str>,
        note: Option<&str>,
        who: &ActAs,
    ) -> Result<Order> {
        let caller = who.caller()?;
        let cancellation = Cancellation::from_request(reason, note)?;
        let id = parse::order_id(order_id)?;
        let document = self
            .service
            .cancel_with(&caller, &id, &cancellation, None)?;
        self.decode(&document)
    }

    /// Adds a shipment to an order in `processing` or `partially_shipped` (staff only); the
    /// order's status follows. With `idempotency_key`, a retry finds the shipment it created.
    pub fn create_shipment(
        &self,
        order_id: &str,
        input: ShipmentInput,
        idempotency_key: Option<&str>,
        who: &ActAs,
    ) -> Result<Order> {
        let caller = who.caller()?;
        let id = parse::order_id(order_id)?;
        let key = idempotency_key.map(IdempotencyKey::new).transpose()?;
        let request = input.request()?;
        let document = self
            .service
            .create_shipment(&caller, &id, &request, key.as_ref(), None)?;
        self.decode(&document)
    }

    /// Moves a shipment to `status` (staff only): shipped, delivered, or cancelled while
    /// pending. The order's status follows.
    pub fn update_shipment(
        &self,
        order_id: &str,
        shipment: &str,
        status: ShipmentStatus,
        note: Option<&str>,
        who: &ActAs,
    ) -> Result<Order> {
        let caller = who.caller()?;
        let id = parse::order_id(order_id)?;
        let shipment = shipment_id(shipment)?;
        let document = self
            .service
            .update_shipment(&caller, &id, &shipment, status, note, None)?;
        self.decode(&document)
    }

    /// Orders across all users (staff only), filtered by name/value pairs exactly as
    /// `GET /orders` takes them in its query string (see [`OrderSearch::from_params`]), a page
    /// at a time.
    pub fn search_orders(&self, filters: &[(String, String)], who: &ActAs) -> Result<OrderPage> {
        let caller = who.caller()?;
        let search = search(filters)?;
        let page = self.service.search_orders(&caller, &search)?;
        Ok(OrderPage {
            orders: page
                .documents
                .iter()
                .map(|d| self.decode(d))
                .collect::<Result<_>>()?,
            next_cursor: page.next_cursor,
        })
    }

    /// Writes every order matching `filters` (their cursor and limit aside) to the file at
    /// `path` as CSV, one row per order line (staff only). Each page of orders is written as
    /// it is read, so memory stays flat however many match. Returns how many orders were
    /// written. The file is created only once the filters and the caller pass; when the
    /// export fails part-way, the partial file is removed.
    pub fn export_csv(
        &self,
        path: &Path,
        filters: &[(String, String)],
        who: &ActAs,
    ) -> Result<u64> {
        let caller = who.caller()?;
        let search = search(filters)?;
        let mut file: Option<File> = None;
        let mut failed: Option<std::io::Error> = None;
        let written = self.service.export_csv(&caller, &search, |chunk| {
            let result = match &mut file {
                Some(f) => f.write_all(chunk.as_bytes()),
                None => File::create(path).and_then(|mut f| {
                    f.write_all(chunk.as_bytes())?;
                    file = Some(f);
                    Ok(())
                }),
            };
            match result {
                Ok(()) => true,
                Err(e) => {
                    failed = Some(e);
                    false
                }
            }
        });
        let created = file.is_some();
        let flushed = match file {
            Some(f) => f.sync_all(),
            None => Ok(()),
        };
        let outcome = match (written, failed, flushed) {
            (Err(e), _, _) => Err(e),
            (Ok(_), Some(e), _) | (Ok(_), None, Err(e)) => Err(export_path_error(path, &e)),
            (Ok(n), None, Ok(())) => Ok(n),
        };
        if outcome.is_err() && created {
            // Best effort: a partial export must not pass for a whole one. A file this call
            // did not create (a refusal comes before the first chunk) is left alone.
            let _ = std::fs::remove_file(path);
        }
        outcome
    }

    /// Keeps an internal note on an order (staff only); with `idempotency_key`, a retry keeps
    /// one note.
    pub fn add_staff_note(
        &self,
        order_id: &str,
        text: &str,
        idempotency_key: Option<&str>,
        who: &ActAs,
    ) -> Result<StaffNote> {
        let caller = who.caller()?;
        let id = parse::order_id(order_id)?;
        let key = idempotency_key.map(IdempotencyKey::new).transpose()?;
        self.service
            .add_staff_note(&caller, &id, text, key.as_ref())
    }

    /// An order's timeline (staff only): milestones, shipment steps and staff notes, oldest
    /// first.
    pub fn timeline(&self, order_id: &str, who: &ActAs) -> Result<Vec<TimelineEntry>> {
        let caller = who.caller()?;
        self.service.timeline(&caller, &parse::order_id(order_id)?)
    }

    /// Cancelled orders per reason, every reason listed (staff only), of all time.
    pub fn cancellations_by_reason(&self, who: &ActAs) -> Result<Vec<CancellationCount>> {
        let caller = who.caller()?;
        self.service
            .cancellations_by_reason(&caller, orderly_core::DayRange::ALL)
    }

    fn decode(&self, document: &orderly_core::OrderDocument) -> Result<Order> {
        Ok(document.decode(self.service.store().backend())?)
    }

    /// Moves an order along its status machine as the service `actor`.
    pub fn update_status(
        &self,
        order_id: &str,
        to: OrderStatus,
        update: &StatusUpdate,
        actor: Option<&str>,
    ) -> Result<Order> {
        let id = parse::order_id(order_id)?;
        self.service.update_status(&staff(actor), &id, to, update)
    }

    /// Sales per currency for orders created in `[from, to)`, widened to whole UTC hours.
    pub fn sales(
        &self,
        from: Timestamp,
        to: Timestamp,
        actor: Option<&str>,
    ) -> Result<Vec<SalesSummary>> {
        self.service.sales(&staff(actor), from, to)
    }

    /// Best sellers of all time in `currency` (the policy's default currency when `None`), by
    /// quantity unless `by` says otherwise, [`DEFAULT_TOP_PRODUCTS`] unless `limit` is given.
    pub fn top_products(
        &self,
        by: Option<TopBy>,
        limit: Option<u32>,
        currency: Option<&str>,
        actor: Option<&str>,
    ) -> Result<Vec<ProductSales>> {
        let currency = currency.map(Currency::from_code).transpose()?;
        self.service.top_products(
            &staff(actor),
            by.unwrap_or_default(),
            limit.unwrap_or(DEFAULT_TOP_PRODUCTS),
            currency,
            orderly_core::DayRange::ALL,
        )
    }

    /// How many orders are in each status now.
    pub fn orders_by_status(&self, actor: Option<&str>) -> Result<Vec<StatusCount>> {
        self.service
            .orders_by_status(&staff(actor), orderly_core::DayRange::ALL)
    }

    /// Undelivered outbox events, oldest first ([`DEFAULT_PENDING_EVENTS`] unless `limit` is
    /// given; the engine keeps it within 1 to 10 000).
    pub fn pending_events(&self, limit: Option<u32>) -> Result<Vec<OutboxEvent>> {
        self.service
            .pending_events(limit.unwrap_or(DEFAULT_PENDING_EVENTS))
    }

    /// Marks events delivered; returns how many were newly marked.
    pub fn mark_events_delivered(&self, ids: &[EventId]) -> Result<u64> {
        self.service.mark_events_delivered(ids)
    }

    /// Fails if the store does not answer.
    pub fn ready(&self) -> Result<()> {
        self.service.ready()
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
pub(crate) mod tests {
    use super::*;

    pub(crate) fn engine() -> Embedded {
        let engine = Embedded::open("sqlite::memory:", None).unwrap();
        engine.set_cart(
            "alice".into(),
            "USD".into(),
            vec![RawCartItem {
                product_id: "sku-1".into(),
                name: "Espresso beans".into(),
                quantity: 2,
                unit_price: "19.99".into(),
            }],
        );
        engine
    }

    /// An order input for `user`: a New York address, cash on delivery.
    pub(crate) fn input(user: &str) -> OrderInput {
        OrderInput {
            user_id: user.into(),
            delivery_address: Address {
                name: "Alice".into(),
                line1: "350 Fifth Ave".into(),
                line2: None,
                city: "New York".into(),
                region: Some("NY".into()),
                postal_code: "10118".into(),
                country: "US".into(),
            },
            payment_method: PaymentMethod::CashOnDelivery,
            shipping_method: None,
            discount_code: None,
        }
    }

    #[test]
    fn customers_see_only_their_orders_and_staff_act_as_the_default_actor() {
        let engine = engine();
        let placed = engine
            .place_order(input("alice"), "k-1", None, None)
            .unwrap();
        let id = placed.order.id.to_string();

        let alice = ActAs {
            user_id: Some("alice".into()),
            actor: None,
        };
        let bob = ActAs {
            user_id: Some("bob".into()),
            actor: None,
        };
        assert!(engine.order(&id, &alice).is_ok());
        assert_eq!(engine.order(&id, &bob).unwrap_err().code(), "not_found");

        engine
            .update_status(&id, OrderStatus::Processing, &StatusUpdate::default(), None)
            .unwrap();
        let view = engine.status(&id, &alice).unwrap();
        let by = &view.history.last().unwrap().actor;
        assert_eq!(by, &format!("service:{DEFAULT_ACTOR}"));
    }

    #[test]
    fn text_ids_are_parsed_once_here() {
        let engine = engine();
        let staff = ActAs::default();
        assert_eq!(engine.order("42", &staff).unwrap_err().code(), "not_found");
        let err = engine
            .place_order(input("alice"), "k-2", Some("not-a-checkout"), None)
            .unwrap_err();
        assert_eq!(err.code(), "not_found");
        let err = engine
            .place_order(input("alice"), "", None, None)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_idempotency_key");
        assert_eq!(
            engine.cart("not a user").unwrap_err().code(),
            "invalid_user_id"
        );
    }

    fn line(product: &str, quantity: i64) -> ShipmentLineInput {
        ShipmentLineInput {
            product_id: product.into(),
            quantity,
        }
    }

    #[test]
    fn staff_ship_search_export_and_annotate_and_customers_may_not() {
        let engine = engine();
        let staff = ActAs::default();
        let alice = ActAs {
            user_id: Some("alice".into()),
            actor: None,
        };
        let id = engine
            .place_order(input("alice"), "k-ship", None, None)
            .unwrap()
            .order
            .id
            .to_string();
        engine
            .update_status(&id, OrderStatus::Processing, &StatusUpdate::default(), None)
            .unwrap();

        let too_many = ShipmentInput {
            lines: Some(vec![line("sku-1", 3)]),
            ..ShipmentInput::default()
        };
        let err = engine
            .create_shipment(&id, too_many, None, &staff)
            .unwrap_err();
        assert_eq!(err.code(), "shipment_exceeds_order");
        let negative = ShipmentInput {
            lines: Some(vec![line("sku-1", -1)]),
            ..ShipmentInput::default()
        };
        let err = engine
            .create_shipment(&id, negative, None, &staff)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_field");
        let err = engine
            .create_shipment(&id, ShipmentInput::default(), None, &alice)
            .unwrap_err();
        assert_eq!(err.code(), "forbidden");

        let first = ShipmentInput {
            lines: Some(vec![line("sku-1", 1)]),
            carrier: Some("ups".into()),
            tracking_number: Some("1Z999AA10123456784".into()),
            ..ShipmentInput::default()
        };
        let order = engine
            .create_shipment(&id, first, Some("s-1"), &staff)
            .unwrap();
        assert_eq!(order.status, OrderStatus::PartiallyShipped);
        let order = engine
            .create_shipment(&id, ShipmentInput::default(), None, &staff)
            .unwrap();
        assert_eq!(order.status, OrderStatus::Shipped);
        for shipment in &order.shipments {
            let sid = shipment.shipment_id.to_string();
            engine
                .update_shipment(&id, &sid, ShipmentStatus::Delivered, None, &staff)
                .unwrap();
        }
        assert_eq!(
            engine.order(&id, &staff).unwrap().status,
            OrderStatus::Delivered
        );
        let err = engine
            .update_shipment(&id, "nope", ShipmentStatus::Shipped, None, &staff)
            .unwrap_err();
        assert_eq!(err.code(), "not_found");

        let pairs = |p: &[(&str, &str)]| -> Vec<(String, String)> {
            p.iter()
                .map(|(k, v)| (k.to_string(), v.to_string()))
                .collect()
        };
        let page = engine
            .search_orders(&pairs(&[("trackingNumber", "1Z999AA10123456784")]), &staff)
            .unwrap();
        assert_eq!(page.orders.len(), 1);
        let err = engine
            .search_orders(&pairs(&[("colour", "red")]), &staff)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_field");
        let err = engine.search_orders(&[], &alice).unwrap_err();
        assert_eq!(err.code(), "forbidden");

        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("orders.csv");
        assert_eq!(engine.export_csv(&path, &[], &staff).unwrap(), 1);
        let text = std::fs::read_to_string(&path).unwrap();
        assert_eq!(text.lines().count(), 2);
        let refused = dir.path().join("refused.csv");
        let err = engine.export_csv(&refused, &[], &alice).unwrap_err();
        assert_eq!(err.code(), "forbidden");
        assert!(!refused.exists());
        // A refused export leaves a file it did not write alone.
        let err = engine.export_csv(&path, &[], &alice).unwrap_err();
        assert_eq!(err.code(), "forbidden");
        assert_eq!(std::fs::read_to_string(&path).unwrap(), text);

        let note = engine
            .add_staff_note(&id, "called the customer", Some("n-1"), &staff)
            .unwrap();
        assert_eq!(note.text, "called the customer");
        let timeline = engine.timeline(&id, &staff).unwrap();
        assert!(timeline.iter().any(|e| e.internal));
    }

    #[test]
    fn cancellation_takes_a_reason_word_or_a_note() {
        let engine = engine();
        let staff = ActAs::default();
        let id = engine
            .place_order(input("alice"), "k-c", None, None)
            .unwrap()
            .order
            .id
            .to_string();
        let err = engine
            .cancel_with(&id, Some("bored"), Some("x"), &staff)
            .unwrap_err();
        assert_eq!(err.code(), "invalid_field");
        let order = engine
            .cancel_with(&id, Some("fraud"), Some("chargeback"), &staff)
            .unwrap();
        assert_eq!(order.status, OrderStatus::Cancelled);
        let counts = engine.cancellations_by_reason(&staff).unwrap();
        let fraud = counts
            .iter()
            .find(|c| c.reason == orderly_core::CancelReason::Fraud)
            .unwrap();
        assert_eq!(fraud.orders, 1);
    }

    #[test]
    fn removing_a_cart_leaves_an_empty_one() {
        let engine = engine();
        assert_eq!(engine.cart("alice").unwrap().items.len(), 1);
        engine.remove_cart("alice");
        assert!(engine.cart("alice").unwrap().items.is_empty());
    }
}
