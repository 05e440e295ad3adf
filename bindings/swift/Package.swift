// swift-tools-version:5.9
// The Orderly order engine for iOS and macOS. `OrderlyFFI.xcframework` (the Rust library and
// its C header) is built on macOS as README.md describes; `Sources/Orderly/Orderly.swift` is
// generated from that library by uniffi-bindgen and committed.
import PackageDescription

let package = Package(
    name: "Orderly",
    platforms: [.iOS(.v15), .macOS(.v12)],
    products: [
        .library(name: "Orderly", targets: ["Orderly"]),
    ],
    targets: [
        .binaryTarget(name: "OrderlyFFI", path: "OrderlyFFI.xcframework"),
        .target(name: "Orderly", dependencies: ["OrderlyFFI"], path: "Sources/Orderly"),
        .testTarget(name: "OrderlyTests", dependencies: ["Orderly"], path: "Tests/OrderlyTests"),
    ]
)
