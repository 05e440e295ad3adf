// The full order flow through the Swift API, on a real SQLite file. The same flow runs through
// UniFFI's Python bindings over the same library in bindings/swift/tests/test_full_flow.py.

import Foundation
import XCTest

import Orderly

final class FullFlowTests: XCTestCase {
    private var directory: URL!
    private var engine: Engine!

    private let ny = Address(
        name: "Alice Martin", line1: "350 Fifth Avenue", line2: "Floor 21", city: "New York",
        region: "NY", postalCode: "10118", country: "US")
    private let card = PaymentMethod.card(
        token: "tok_visa_4242", brand: "visa", last4: "4242", expMonth: 12, expYear: 2099)

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("orderly-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        engine = try openEngine()
    }

    override func tearDownWithError() throws {
        engine = nil
        try? FileManager.default.removeItem(at: directory)
    }

    private func openEngine() throws -> Engine {
        try Engine.open(url: "sqlite://" + directory.appendingPathComponent("orders.db").path)
    }

    private func usd(_ amount: String) -> Money {
        Money(amount: amount, currency: "USD")
    }

    /// 2 x 19.99 + 1 x 89.00 + 3 x 4.25 = 141.73 USD.
    private func setCoffeeCart(for user: String = "alice") {
        engine.setCart(userId: user, currency: "USD", items: [
            CartItem(productId: "sku-espresso", name: "Espresso beans 1kg", quantity: 2, unitPrice: Decimal(string: "19.99")!),
            CartItem(productId: "sku-grinder", name: "Burr grinder", quantity: 1, unitPrice: "89.00"),
            CartItem(productId: "sku-filters", name: "Paper filters", quantity: 3, unitPrice: "4.25"),
        ])
    }

    /// Runs `body`, which must throw an `OrderlyError` with `code`; returns it.
    @discardableResult
    private func assertThrowsCode<T>(
        _ code: String, _ body: @autoclosure () throws -> T,
        file: StaticString = #filePath, line: UInt = #line
    ) -> OrderlyError? {
        do {
            _ = try body()
            XCTFail("expected an OrderlyError with code \(code)", file: file, line: line)
            return nil
        } catch let error as OrderlyError {
            XCTAssertEqual(error.code, code, error.message, file: file, line: line)
            XCTAssertFalse(error.message.isEmpty, file: file, line: line)
            return error
        } catch {
            XCTFail("expected an OrderlyError, got \(error)", file: file, line: line)
            return nil
        }
    }

    func testFullFlow() throws {
        setCoffeeCart()

        let cart = try engine.cart(userId: "alice")
        XCTAssertEqual(cart.items.map(\.productId), ["sku-espresso", "sku-grinder", "sku-filters"])
        XCTAssertEqual(cart.subtotal, usd("141.73"))
        XCTAssertEqual(cart.subtotal.decimal, Decimal(string: "141.73"))
        XCTAssertTrue(try engine.cart(userId: "nobody").items.isEmpty)

        // Checkout: free shipping from 50.00, NY tax 4 % rounded half-even.
        let quote = try engine.checkout(userId: "alice", deliveryAddress: ny, paymentMethod: card)
        XCTAssertEqual(quote.totals, Totals(
            subtotal: usd("141.73"), shipping: usd("0.00"), tax: usd("5.67"),
            discount: usd("0.00"), total: usd("147.40")))
        XCTAssertEqual(quote.expiresAt.timeIntervalSince(quote.createdAt), 15 * 60, accuracy: 0.001)

        // Place the order from the quote; the same key again is the same order.
        func place() throws -> Placement {
            try engine.placeOrder(
                userId: "alice", deliveryAddress: ny, paymentMethod: card, idempotencyKey: "alice-001",
                checkoutId: quote.checkoutId, metadataJson: #"{"channel": "app"}"#)
        }
        let placed = try place()
        let order = placed.order
        XCTAssertTrue(placed.created)
        XCTAssertEqual(order.status, .placed)
        XCTAssertEqual(order.version, 1)
        XCTAssertEqual(order.totals, quote.totals)
        // The token stays in the store: the order shows the rest.
        XCTAssertEqual(
            order.paymentMethod, .card(brand: "visa", last4: "4242", expMonth: 12, expYear: 2099))
        XCTAssertEqual(order.id, order.orderId)
        XCTAssertLessThan(abs(order.createdAt.timeIntervalSinceNow), 60)
        let again = try place()
        XCTAssertFalse(again.created)
        XCTAssertEqual(again.order, order)
        let conflict = assertThrowsCode("idempotency_conflict", try engine.placeOrder(
            userId: "alice", deliveryAddress: ny, paymentMethod: .cashOnDelivery, idempotencyKey: "alice-001"))
        if case .Conflict? = conflict {} else { XCTFail("an idempotency conflict is a Conflict") }

        // The warehouse moves it along; a stale expected version is refused.
        let moved = try engine.updateStatus(
            orderId: order.orderId, status: .processing, note: "picked", expectedVersion: 1, actor: "warehouse")
        XCTAssertEqual(moved.status, .processing)
        XCTAssertEqual(moved.version, 2)
        assertThrowsCode("version_conflict", try engine.updateStatus(
            orderId: order.orderId, status: .shipped, expectedVersion: 1))
        _ = try engine.updateStatus(orderId: order.orderId, status: .shipped, note: "UPS 1Z999", actor: "warehouse")

        // A shipped order cannot be cancelled.
        let refused = assertThrowsCode("invalid_transition", try engine.cancel(orderId: order.orderId, userId: "alice"))
        if case .Conflict? = refused {} else { XCTFail("an invalid transition is a Conflict") }
        let view = try engine.status(orderId: order.orderId, userId: "alice")
        XCTAssertEqual(view.status, .shipped)
        XCTAssertEqual(view.history.map(\.actor), ["customer:alice", "service:warehouse", "service:warehouse"])
        XCTAssertEqual(view.history.map(\.note), [nil, "picked", "UPS 1Z999"])
        assertThrowsCode("not_found", try engine.order(orderId: order.orderId, userId: "mallory"))

        // A second order from the cart, cancelled by its owner.
        let second = try engine.placeOrder(
            userId: "alice", deliveryAddress: ny, paymentMethod: card, idempotencyKey: "alice-002",
            shippingMethod: .express
        ).order
        XCTAssertEqual(second.totals.total, usd("162.39"))
        let cancelled = try engine.cancel(orderId: second.orderId, reason: "changed my mind", userId: "alice")
        XCTAssertEqual(cancelled.status, .cancelled)
        XCTAssertEqual(try engine.cancel(orderId: second.orderId, userId: "alice").version, cancelled.version)

        // History, newest first, a page at a time.
        let first = try engine.ordersForUser(userId: "alice", limit: 1)
        XCTAssertEqual(first.orders.map(\.orderId), [second.orderId])
        let last = try engine.ordersForUser(userId: "alice", limit: 1, cursor: first.nextCursor)
        XCTAssertEqual(last.orders.map(\.orderId), [order.orderId])
        XCTAssertNil(last.nextCursor)

        // Analytics: the cancelled order is not a sale.
        let now = Date()
        let sales = try engine.sales(start: now.addingTimeInterval(-3600), end: now.addingTimeInterval(3600))
        XCTAssertEqual(sales.map(\.total), [usd("147.40")])
        XCTAssertEqual(sales.map(\.orders), [1])
        let top = try engine.topProducts(limit: 2)
        XCTAssertEqual(top.map(\.productId), ["sku-filters", "sku-espresso"])
        let counts = Dictionary(uniqueKeysWithValues: try engine.ordersByStatus().map { ($0.status, $0.orders) })
        XCTAssertEqual(counts[.shipped], 1)
        XCTAssertEqual(counts[.cancelled], 1)

        // Events: 3 for the first order, 2 for the second, then delivered.
        let events = try engine.pendingEvents()
        XCTAssertEqual(events.filter { $0.orderId == order.orderId }.map(\.sequence), [1, 2, 3])
        XCTAssertEqual(events.filter { $0.orderId == second.orderId }.map(\.eventType), [.orderPlaced, .orderCancelled])
        XCTAssertEqual(try engine.markEventsDelivered(eventIds: events.map(\.eventId)), UInt64(events.count))
        XCTAssertTrue(try engine.pendingEvents().isEmpty)

        // It is all on disk.
        XCTAssertEqual(try openEngine().order(orderId: order.orderId), try engine.order(orderId: order.orderId))
    }

    func testBadInputGetsTheEnginesCodes() throws {
        assertThrowsCode("invalid_user_id", try engine.cart(userId: "not a user"))
        engine.setCart(userId: "bob", currency: "USD", items: [
            CartItem(productId: "sku-1", name: "Beans", quantity: 1, unitPrice: "1.999"),
        ])
        assertThrowsCode("invalid_price", try engine.cart(userId: "bob"))
        engine.removeCart(userId: "bob")
        assertThrowsCode("cart_empty", try engine.placeOrder(
            userId: "bob", deliveryAddress: ny, paymentMethod: card, idempotencyKey: "k"))
        assertThrowsCode("unsupported_database", try Engine.open(url: "postgres://localhost/db"))
        XCTAssertTrue(try engine.pendingEvents().isEmpty)
    }
}
