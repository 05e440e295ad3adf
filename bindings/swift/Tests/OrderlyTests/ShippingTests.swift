// Shipments, structured cancellation, staff search, export, notes, the timeline and webhook
// subscriptions through the Swift API. The same checks run through UniFFI's Python bindings over the same library in
// bindings/swift/tests/test_full_flow.py.

import Foundation
import XCTest

import Orderly

final class ShippingTests: XCTestCase {
    private var directory: URL!
    private var engine: Engine!

    private let ny = Address(
        name: "Alice Martin", line1: "350 Fifth Avenue", city: "New York", region: "NY",
        postalCode: "10118", country: "US")

    override func setUpWithError() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("orderly-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        engine = try Engine.open(url: "sqlite://" + directory.appendingPathComponent("orders.db").path)
    }

    override func tearDownWithError() throws {
        engine = nil
        try? FileManager.default.removeItem(at: directory)
    }

    /// An order of 2 x sku-espresso, 1 x sku-grinder and 3 x sku-filters.
    private func place(_ key: String, user: String = "alice") throws -> Order {
        engine.setCart(userId: user, currency: "USD", items: [
            CartItem(productId: "sku-espresso", name: "Espresso beans 1kg", quantity: 2, unitPrice: "19.99"),
            CartItem(productId: "sku-grinder", name: "Burr grinder", quantity: 1, unitPrice: "89.00"),
            CartItem(productId: "sku-filters", name: "Paper filters", quantity: 3, unitPrice: "4.25"),
        ])
        return try engine.placeOrder(
            userId: user, deliveryAddress: ny, paymentMethod: .cashOnDelivery, idempotencyKey: key
        ).order
    }

    private func assertThrowsCode<T>(
        _ code: String, _ body: @autoclosure () throws -> T,
        file: StaticString = #filePath, line: UInt = #line
    ) {
        do {
            _ = try body()
            XCTFail("expected an OrderlyError with code \(code)", file: file, line: line)
        } catch let error as OrderlyError {
            XCTAssertEqual(error.code, code, error.message, file: file, line: line)
        } catch {
            XCTFail("expected an OrderlyError, got \(error)", file: file, line: line)
        }
    }

    func testTheOrderStatusFollowsItsShipments() throws {
        let id = try place("k-1").orderId
        _ = try engine.updateStatus(orderId: id, status: .processing)

        var order = try engine.createShipment(
            orderId: id, lines: [ShipmentLine(productId: "sku-espresso", quantity: 2)],
            carrier: "UPS", trackingNumber: "1z999aa10123456784", idempotencyKey: "box-1")
        XCTAssertEqual(order.status, .partiallyShipped)
        let first = try XCTUnwrap(order.shipments.first)
        XCTAssertEqual(first.trackingUrl, "https://www.ups.com/track?tracknum=1Z999AA10123456784")
        assertThrowsCode("shipment_exceeds_order", try engine.createShipment(
            orderId: id, lines: [ShipmentLine(productId: "sku-grinder", quantity: 2)]))
        assertThrowsCode("invalid_field", try engine.createShipment(orderId: id, trackingUrl: "http://example.com"))

        order = try engine.createShipment(orderId: id)
        XCTAssertEqual(order.status, .shipped)
        for shipment in order.shipments {
            order = try engine.updateShipment(orderId: id, shipmentId: shipment.shipmentId, status: .delivered)
        }
        XCTAssertEqual(order.status, .delivered)
        assertThrowsCode("forbidden", try engine.createShipment(orderId: id, userId: "alice"))
    }

    func testCancellationReasonsSearchExportAndNotes() throws {
        let first = try place("k-1")
        let second = try place("k-2")
        _ = try place("k-3", user: "bob")
        let cancelled = try engine.cancel(orderId: first.orderId, reason: "inventory", note: "out of beans")
        XCTAssertEqual(cancelled.history.last?.reason, .inventory)
        assertThrowsCode("invalid_field", try engine.cancel(orderId: second.orderId, reason: "bored", note: "x"))
        let counts = Dictionary(uniqueKeysWithValues: try engine.cancellationsByReason().map { ($0.reason, $0.orders) })
        XCTAssertEqual(counts[.inventory], 1)

        let page = try engine.searchOrders(filters: SearchFilters(userId: "alice", limit: 1))
        XCTAssertEqual(page.orders.count, 1)
        let rest = try engine.searchOrders(filters: SearchFilters(userId: "alice", cursor: page.nextCursor, limit: 1))
        XCTAssertEqual(rest.orders.count, 1)
        XCTAssertNil(rest.nextCursor)
        XCTAssertEqual(try engine.searchOrders(filters: SearchFilters(statuses: [.cancelled])).orders.map(\.orderId), [first.orderId])
        assertThrowsCode("limit_out_of_range", try engine.searchOrders(filters: SearchFilters(limit: 0)))

        let path = directory.appendingPathComponent("orders.csv").path
        XCTAssertEqual(try engine.exportOrdersCsv(path: path, filters: SearchFilters()), 3)
        let csv = try String(contentsOfFile: path, encoding: .utf8)
        XCTAssertEqual(csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }.count, 1 + 3 * 3)

        let note = try engine.addStaffNote(orderId: second.orderId, text: "Customer called")
        let timeline = try engine.timeline(orderId: second.orderId)
        XCTAssertEqual(timeline.filter(\.internal).map(\.note), [note.text])
        assertThrowsCode("forbidden", try engine.timeline(orderId: second.orderId, userId: "alice"))
    }

    func testStaffManageWebhooksAndReadTheirHealthAndLog() throws {
        assertThrowsCode("webhook_target_refused", try engine.createWebhook(url: "https://10.0.0.1/", eventTypes: ["order.placed"]))
        assertThrowsCode("forbidden", try engine.createWebhook(url: "https://hooks.example.com/", eventTypes: ["order.placed"], userId: "alice"))
        let hook = try engine.createWebhook(url: "https://hooks.example.com/in", eventTypes: ["order.placed"], idempotencyKey: "w-1")
        XCTAssertTrue(hook.secret?.hasPrefix("whsec_") ?? false)
        _ = try place("k-1")
        let read = try engine.webhook(webhookId: hook.webhookId)
        XCTAssertNil(read.secret)
        XCTAssertEqual(read.health.status, .healthy)
        XCTAssertEqual(read.health.pendingCount, 1)
        XCTAssertEqual(try engine.updateWebhook(webhookId: hook.webhookId, enabled: false).health.status, .disabled)
        XCTAssertNotEqual(try engine.rotateWebhookSecret(webhookId: hook.webhookId).secret, hook.secret)
        let page = try engine.webhookDeliveries(webhookId: hook.webhookId, limit: 10)
        XCTAssertEqual(page.deliveries.map(\.status), [.pending])
        try engine.redeliverWebhook(webhookId: hook.webhookId, deliveryId: page.deliveries[0].deliveryId)
        try engine.deleteWebhook(webhookId: hook.webhookId)
        assertThrowsCode("not_found", try engine.webhook(webhookId: hook.webhookId))
    }
}
