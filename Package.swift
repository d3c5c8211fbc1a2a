// swift-tools-version:6.0
import PackageDescription

// Modules (each name says what it is):
//   UDPChatSupport     – tiny pure helpers: Instant, Endpoint, seeded RNG, duration parsing
//   UDPChatWire        – the wire codec: Message, strict parse / serialise, WireError
//   UDPChatCore        – sans-I/O state machines: server registry and chat client (events in, effects out)
//   UDPChatRuntime     – SwiftNIO drivers running the core state machines over real UDP sockets and timers
//   UDPChatImpairment  – sans-I/O impairment models and protocol-aware rules (loss, delay, duplicate, …)
//   UDPChatRelay       – the sans-I/O relay core: flow table, impairment engine, delay queue, counters, trace records
//   UDPChatProxy       – the SwiftNIO UDP proxy: a thin driver of UDPChatRelay over sockets and timers
//   CPcap              – libpcap as a SwiftPM system library (pkg-config libpcap, apt libpcap-dev)
//   UDPChatCapture     – pcap writing/reading, live capture, decoding and replay
//   UDPChatGrader      – the conformance grader behind `udpchat grade`: fake server/peers over NIO, case catalogue, reports
//   UDPChatBench       – load generators behind `udpchat bench …`
//   udpchat            – the command-line tool (swift-argument-parser subcommands)
let nio: [Target.Dependency] = [
    .product(name: "NIOCore", package: "swift-nio"),
    .product(name: "NIOPosix", package: "swift-nio"),
]
let logging: Target.Dependency = .product(name: "Logging", package: "swift-log")

let package = Package(
    name: "udpchat",
    platforms: [.macOS(.v14)],
    products: [
        .executable(name: "udpchat", targets: ["udpchat"]),
    ],
    dependencies: [
        .package(url: "https://github.com/apple/swift-nio.git", from: "2.101.2"),
        .package(url: "https://github.com/apple/swift-argument-parser.git", from: "1.8.2"),
        .package(url: "https://github.com/apple/swift-log.git", from: "1.16.2"),
        .package(url: "https://github.com/apple/swift-collections.git", from: "1.6.0"),
        .package(url: "https://github.com/jpsim/Yams.git", from: "6.2.2"),
    ],
    targets: [
        .target(name: "UDPChatSupport"),
        .target(name: "UDPChatWire", dependencies: ["UDPChatSupport"]),
        .target(
            name: "UDPChatCore",
            dependencies: ["UDPChatWire", "UDPChatSupport", .product(name: "DequeModule", package: "swift-collections")]
        ),
        .target(
            name: "UDPChatRuntime",
            dependencies: ["UDPChatCore", "UDPChatWire", "UDPChatSupport", logging, .product(name: "NIOConcurrencyHelpers", package: "swift-nio")] + nio
        ),
        .target(
            name: "UDPChatImpairment",
            dependencies: ["UDPChatWire", "UDPChatSupport", .product(name: "DequeModule", package: "swift-collections")]
        ),
        .target(
            name: "UDPChatRelay",
            dependencies: ["UDPChatImpairment", "UDPChatWire", "UDPChatSupport"]
        ),
        .target(
            name: "UDPChatProxy",
            dependencies: ["UDPChatRelay", "UDPChatImpairment", "UDPChatWire", "UDPChatSupport", logging, .product(name: "Yams", package: "Yams")] + nio
        ),
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .target(
            name: "UDPChatCapture",
            dependencies: ["CPcap", "UDPChatWire", "UDPChatSupport", logging, .product(name: "NIOConcurrencyHelpers", package: "swift-nio")] + nio
        ),
        .target(
            name: "UDPChatGrader",
            dependencies: ["UDPChatCapture", "UDPChatProxy", "UDPChatImpairment", "UDPChatWire", "UDPChatSupport", logging, .product(name: "Yams", package: "Yams")] + nio
        ),
        .target(name: "UDPChatBench", dependencies: ["UDPChatRuntime", "UDPChatProxy", "UDPChatCapture", "UDPChatCore", "UDPChatWire", "UDPChatSupport"] + nio),
        .executableTarget(
            name: "udpchat",
            dependencies: [
                "UDPChatRuntime", "UDPChatCore", "UDPChatWire", "UDPChatSupport", "UDPChatImpairment", "UDPChatProxy",
                "UDPChatCapture", "UDPChatBench", "UDPChatScenario", "UDPChatGrader",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), logging,
            ] + nio
        ),
        .target(
            name: "UDPChatSimulation",
            dependencies: [
                "UDPChatCore", "UDPChatWire", "UDPChatSupport", "UDPChatImpairment", "UDPChatRelay",
                .product(name: "HeapModule", package: "swift-collections"),
                .product(name: "DequeModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "UDPChatScenario",
            dependencies: [
                "UDPChatSimulation", "UDPChatCore", "UDPChatWire", "UDPChatSupport", "UDPChatImpairment", "UDPChatRuntime", "UDPChatProxy",
                "UDPChatCapture", "UDPChatGrader", .product(name: "Yams", package: "Yams"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ] + nio
        ),
        .testTarget(name: "UDPChatSimulationTests", dependencies: ["UDPChatSimulation", "UDPChatCore", "UDPChatImpairment", "UDPChatWire", "UDPChatSupport"]),
        .testTarget(name: "UDPChatScenarioTests", dependencies: ["UDPChatScenario", "UDPChatSimulation", "UDPChatImpairment", "UDPChatWire", "UDPChatSupport"]),
        .testTarget(name: "UDPChatWireTests", dependencies: ["UDPChatWire", "UDPChatSupport"]),
        .testTarget(name: "UDPChatCoreTests", dependencies: ["UDPChatCore", "UDPChatWire", "UDPChatSupport"]),
        .testTarget(
            name: "UDPChatRuntimeTests",
            dependencies: ["UDPChatRuntime", "UDPChatCore", "UDPChatWire", "UDPChatSupport", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")] + nio
        ),
        .testTarget(name: "UDPChatImpairmentTests", dependencies: ["UDPChatImpairment", "UDPChatWire", "UDPChatSupport"]),
        .testTarget(name: "UDPChatRelayTests", dependencies: ["UDPChatRelay", "UDPChatImpairment", "UDPChatWire", "UDPChatSupport"]),
        .testTarget(name: "UDPChatProxyTests", dependencies: ["UDPChatProxy", "UDPChatRelay", "UDPChatImpairment", "UDPChatWire", "UDPChatSupport"] + nio),
        .testTarget(name: "UDPChatCaptureTests", dependencies: ["UDPChatCapture", "UDPChatRuntime", "UDPChatProxy", "UDPChatWire", "UDPChatSupport"] + nio),
        .testTarget(name: "UDPChatGraderTests", dependencies: ["UDPChatGrader", "UDPChatWire", "UDPChatSupport"] + nio),
    ],
    swiftLanguageModes: [.v6]
)
