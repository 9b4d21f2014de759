// swift-tools-version: 6.1
import PackageDescription

/// Settings every Swift target shares: Swift 6 language mode (strict concurrency) and warnings as errors are
/// enforced by CI through `-warnings-as-errors` rather than here, because unsafeFlags would make the package
/// unusable as a dependency.
let strict: [SwiftSetting] = [
    .enableUpcomingFeature("ExistentialAny"),
    .enableUpcomingFeature("InternalImportsByDefault"),
]

let package = Package(
    name: "housekeeper",
    platforms: [.macOS(.v15)],
    products: [
        .executable(name: "housekeeper", targets: ["Host"]),
        // Worker-process isolation cost (not a test): `swift build --product isolation-bench`.
        .executable(name: "isolation-bench", targets: ["IsolationBench"]),
        // The C ABI for plugin authors: one header, usable from plain C.
        .library(name: "PluginABI", targets: ["PluginABI"]),
        // The Swift helper for plugin authors: a protocol plus one export call.
        .library(name: "HousekeeperPlugin", targets: ["HousekeeperPlugin"]),
        // Bundled plugins: each one a shared object the daemon dlopens.
        .library(name: "StampPlugin", type: .dynamic, targets: ["StampPlugin"]),
        .library(name: "CStampPlugin", type: .dynamic, targets: ["CStampPlugin"]),
        .library(name: "FilesPlugin", type: .dynamic, targets: ["FilesPlugin"]),
        .library(name: "SQLitePlugin", type: .dynamic, targets: ["SQLitePlugin"]),
        .library(name: "ExecPlugin", type: .dynamic, targets: ["ExecPlugin"]),
        .library(name: "HTTPPlugin", type: .dynamic, targets: ["HTTPPlugin"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-argument-parser", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log", from: "1.16.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle", from: "2.13.0"),
        .package(url: "https://github.com/groue/GRDB.swift", from: "7.10.0"),
        .package(url: "https://github.com/apple/swift-crypto", from: "3.12.3"),
        .package(url: "https://github.com/apple/swift-collections", from: "1.6.0"),
        .package(url: "https://github.com/hummingbird-project/hummingbird", from: "2.28.1"),
        .package(url: "https://github.com/apple/swift-metrics", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus", from: "2.4.1"),
    ],
    targets: [
        // MARK: The public contract
        .target(
            name: "PluginABI",
            path: "Sources/PluginABI",
            exclude: ["README.md"],
            cSettings: [.unsafeFlags(["-std=c99", "-Wall", "-Wextra", "-Werror"])]
        ),
        .systemLibrary(
            name: "CYAML",
            path: "Sources/CYAML",
            pkgConfig: "yaml-0.1",
            providers: [.apt(["libyaml-dev"])]
        ),

        // MARK: Pure modules
        .target(name: "Cron", exclude: ["README.md"], swiftSettings: strict),
        .target(name: "Config", dependencies: ["CYAML", "Cron"], swiftSettings: strict),

        // MARK: Runtime modules
        .target(
            name: "PluginHost",
            dependencies: [
                "PluginABI",
                "HousekeeperPlugin",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CIsolation",
            path: "Sources/CIsolation",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])]
        ),
        .target(
            name: "Isolation",
            dependencies: [
                "CIsolation", "Config", "PluginHost",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Crypto", package: "swift-crypto"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "CHistory",
            cSettings: [.unsafeFlags(["-Wall", "-Wextra", "-Werror"])],
            linkerSettings: [.linkedLibrary("sqlite3")]
        ),
        .target(
            name: "History",
            dependencies: [
                "CHistory",
                .product(name: "GRDB", package: "GRDB.swift"), .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Scheduling",
            dependencies: [
                "Cron", "Config", "PluginHost", "History", "Isolation", "CIsolation",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Telemetry",
            dependencies: [
                "Config", "History", "Scheduling",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "Metrics", package: "swift-metrics"),
                .product(name: "Prometheus", package: "swift-prometheus"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),
        .target(
            name: "Admin",
            dependencies: [
                "Config", "History", "PluginHost", "Scheduling", "Telemetry",
                .product(name: "Hummingbird", package: "hummingbird"),
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .executableTarget(
            name: "Host",
            dependencies: [
                "Cron", "Config", "PluginHost", "History", "Scheduling", "Isolation", "CIsolation", "Telemetry",
                "Admin", .product(name: "ArgumentParser", package: "swift-argument-parser"),
                .product(name: "Logging", package: "swift-log"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"),
            ],
            swiftSettings: strict
        ),

        // MARK: Plugin authoring and bundled plugins
        .target(name: "HousekeeperPlugin", dependencies: ["PluginABI"], swiftSettings: strict),
        .target(name: "StampPlugin", dependencies: ["HousekeeperPlugin"], path: "Plugins/Stamp", swiftSettings: strict),
        .target(
            name: "CStampPlugin",
            dependencies: ["PluginABI"],
            path: "Plugins/CStamp",
            cSettings: [.unsafeFlags(["-std=c99", "-Wall", "-Wextra", "-Werror"])]
        ),
        .target(name: "FilesPlugin", dependencies: ["HousekeeperPlugin"], path: "Plugins/Files", swiftSettings: strict),
        .target(
            name: "SQLitePlugin",
            dependencies: ["HousekeeperPlugin", .product(name: "GRDBSQLite", package: "GRDB.swift")],
            path: "Plugins/SQLite",
            swiftSettings: strict
        ),
        .target(name: "ExecPlugin", dependencies: ["HousekeeperPlugin"], path: "Plugins/Exec", swiftSettings: strict),
        .target(name: "HTTPPlugin", dependencies: ["HousekeeperPlugin"], path: "Plugins/HTTP", swiftSettings: strict),

        // MARK: Benchmarks
        // The cron benchmark: next()/s for a documented mix in UTC and Europe/Paris, and mallocs per call
        // (counted by a tiny C allocator shim linked into this executable only).
        .target(name: "CronBenchMallocCounter", path: "Benchmarks/CronBench/MallocCounter"),
        .executableTarget(
            name: "cron-bench",
            dependencies: ["Cron", "CronBenchMallocCounter"],
            path: "Benchmarks/CronBench/Bench",
            swiftSettings: strict
        ),
        .executableTarget(
            name: "IsolationBench",
            dependencies: [
                "Isolation", "PluginHost",
                .product(name: "Logging", package: "swift-log"),
            ],
            path: "Benchmarks/IsolationBench",
            swiftSettings: strict
        ),

        // MARK: Tests
        .testTarget(name: "CronTests", dependencies: ["Cron"], swiftSettings: strict),
        .testTarget(name: "ConfigTests", dependencies: ["Config", "Cron"], swiftSettings: strict),
        .testTarget(
            name: "PluginHostTests",
            dependencies: [
                "PluginHost", "PluginABI", "HousekeeperPlugin",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "InMemoryLogging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "BundledPluginTests",
            dependencies: [
                "PluginHost", "HousekeeperPlugin", "Config",
                .product(name: "Logging", package: "swift-log"),
                .product(name: "GRDBSQLite", package: "GRDB.swift"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "HistoryTests", dependencies: ["History", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
        .testTarget(
            name: "SchedulingTests",
            dependencies: ["Scheduling", "Cron", "Config", "PluginHost", "History", "Isolation", "Telemetry"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IsolationTests",
            dependencies: [
                "Isolation", "PluginHost", "Config",
                .product(name: "Logging", package: "swift-log"),
            ],
            swiftSettings: strict
        ),
        .testTarget(
            name: "TelemetryTests",
            dependencies: ["Telemetry", "Scheduling", "History", "Config", .product(name: "Logging", package: "swift-log")],
            swiftSettings: strict
        ),
        .testTarget(
            name: "AdminTests",
            dependencies: ["Admin", "Config"],
            swiftSettings: strict
        ),
        .testTarget(
            name: "IntegrationTests", dependencies: ["History", .product(name: "GRDB", package: "GRDB.swift")],
            swiftSettings: strict),
    ],
    swiftLanguageModes: [.v6]
)
