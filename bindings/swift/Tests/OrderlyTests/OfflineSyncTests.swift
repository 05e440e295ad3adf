// Offline capture through the Swift API, on a real SQLite file: a device engine keeps what it
// captured while no server answers. The sync against a real orderly-server runs through UniFFI's
// Python bindings over the same library in bindings/swift/tests/test_sync.py.

import Foundation
import XCTest

import Orderly

final class OfflineSyncTests: XCTestCase {
    func testADeviceKeepsWhatItCapturedWhileOffline() throws {
        let directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("orderly-sync-tests-\(UUID().uuidString)", isDirectory: true)
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let url = "sqlite://" + directory.appendingPathComponent("pos.db").path

        let engine = try Engine.open(url: url, deviceId: "pos-12")
        XCTAssertEqual(engine.deviceId(), "pos-12")
        engine.setCart(userId: "walk-in", currency: "USD", items: [
            CartItem(productId: "sku-1", name: "Espresso beans", quantity: 2, unitPrice: "19.99"),
        ])
        let shop = Address(
            name: "Corner Shop", line1: "350 Fifth Ave", city: "New York", region: "NY",
            postalCode: "10118", country: "US")
        let placed = try engine.placeOrder(
            userId: "walk-in", deliveryAddress: shop, paymentMethod: .cashOnDelivery, idempotencyKey: "sale-1")
        _ = try engine.cancel(orderId: placed.order.orderId, reason: "customer left")
        XCTAssertEqual(try engine.syncState(), SyncState(pending: 2, lastRecorded: 2, cursor: nil))

        // Nothing listens on the discard port: the sync throws with a code and keeps everything.
        do {
            _ = try engine.sync(serverUrl: "http://127.0.0.1:9", token: "unused")
            XCTFail("a sync with no server succeeded")
        } catch let error as OrderlyError {
            XCTAssertEqual(error.code, "sync_unavailable")
        }
        XCTAssertEqual(try engine.syncState().pending, 2)

        let push = try JSONSerialization.jsonObject(with: Data(try engine.buildPush(maxOperations: nil).utf8))
        let body = push as? [String: Any]
        XCTAssertEqual(body?["deviceId"] as? String, "pos-12")
        XCTAssertEqual((body?["operations"] as? [Any])?.count, 2)

        do {
            _ = try Engine.open(url: url, deviceId: "pos-13")
            XCTFail("opened another device's database")
        } catch let error as OrderlyError {
            XCTAssertEqual(error.code, "device_mismatch")
        }
    }
}
