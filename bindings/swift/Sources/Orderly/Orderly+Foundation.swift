// Written by hand (Orderly.swift next to it is generated): Foundation conveniences over the
// generated types. Conversion only; every rule stays in the engine.

import Foundation

private let posix = Locale(identifier: "en_US_POSIX")

extension Money {
    /// The amount as a Foundation `Decimal`, parsed exactly from the decimal string (never
    /// through a `Double`). The engine only returns well-formed amounts.
    public var decimal: Decimal {
        Decimal(string: amount, locale: posix) ?? .nan
    }
}

extension CartItem {
    /// A cart line with a `Decimal` unit price. The engine checks its digits against the
    /// cart's currency (`19.99` for USD, `1500` for JPY) when it reads the cart.
    public init(productId: String, name: String, quantity: Int64, unitPrice: Decimal) {
        self.init(
            productId: productId,
            name: name,
            quantity: quantity,
            unitPrice: NSDecimalNumber(decimal: unitPrice).stringValue
        )
    }
}

extension OrderlyError {
    /// The engine's stable, machine-readable code, e.g. `"invalid_transition"`.
    public var code: String {
        switch self {
        case .Invalid(let code, _), .NotFound(let code, _), .Forbidden(let code, _),
             .Conflict(let code, _), .StaleVersion(let code, _), .Unavailable(let code, _),
             .UpstreamInvalid(let code, _), .Internal(let code, _), .Open(let code, _):
            return code
        }
    }

    /// What went wrong, for people; wording may change, `code` does not.
    public var message: String {
        switch self {
        case .Invalid(_, let message), .NotFound(_, let message), .Forbidden(_, let message),
             .Conflict(_, let message), .StaleVersion(_, let message),
             .Unavailable(_, let message), .UpstreamInvalid(_, let message), .Internal(_, let message),
             .Open(_, let message):
            return message
        }
    }
}

extension Order: Identifiable {
    /// The order id, so that orders can drive SwiftUI lists directly.
    public var id: String { orderId }
}
