// swift-tools-version:6.2
import PackageDescription

// Modules (each name says what it is):
//   UDPChatSupport     – tiny pure helpers: Instant, Endpoint, seeded RNG, duration parsing (no I/O)
//   UDPChatHost        – this host's kernel tables read from /proc: UDP sockets (ports, inodes, drops), processes
//   UDPChatWire        – the wire codec: Message, strict parse / serialise, WireError
//   UDPChatDialect     – dialects: other wire formats of the protocol (YAML files) mapped to Message; the contract's is `default`
//   UDPChatCore        – sans-I/O state machines: server registry and chat client (events in, effects out)
//   UDPChatTerminal    – the interactive client's console: key decoding, line editor with history, screen redraw, raw mode
//   UDPChatRuntime     – SwiftNIO drivers running the core state machines over real UDP sockets and timers
//   UDPChatScript      – the one script step model and its sans-I/O interpreter (scenarios, simulator, live runner, demo)
//   UDPChatImpairment  – sans-I/O impairment models and protocol-aware rules (loss, delay, duplicate, …)
//   UDPChatRelay       – the sans-I/O relay core: flow table, impairment engine, delay queue, counters, trace records
//   UDPChatProxy       – the SwiftNIO UDP proxy: a thin driver of UDPChatRelay over sockets and timers
//   UDPChatProxyControl – the proxy's live control API: HTTP/JSON over NIOHTTP1 and Prometheus metrics
//   CPcap              – libpcap as a SwiftPM system library (pkg-config libpcap, apt libpcap-dev)
//   CSeccomp           – libseccomp as a SwiftPM system library (pkg-config libseccomp, apt libseccomp-dev): the sandbox's syscall filter
//   CNetfilterQueue    – libnetfilter_queue as a SwiftPM system library (pkg-config libnetfilter_queue, apt libnetfilter-queue-dev)
//   UDPChatCapture     – pcap writing/reading, live capture, decoding and replay
//   UDPChatTransparent – the relay core fed by netfilter's queue: every UDP datagram on a private namespace's loopback, addresses unchanged
//   UDPChatReports     – how runs are shown to people: progress lines/status line, the HTML page and sequence diagram, PROTOCOL.md rule ids, run info
//   UDPChatIUT         – the implementation under test: manifests, placeholders, one process launcher (swift-subprocess, process groups), sandboxes
//   UDPChatGrader      – the conformance grader behind `udpchat grade`: fake server/peers over NIO, case catalogue, reports
//   UDPChatSimulation  – a deterministic discrete-event simulator: the core machines on a virtual network and clock
//   UDPChatScenario    – YAML scenarios, their checks, the sim and live backends of the script interpreter, the swarm, the demo
//   UDPChatBench       – load generators behind `udpchat bench …`, with a C relay and socat as yardsticks
//   (Fuzz/*: libFuzzer targets for the codec and the dialect engine, added only under UDPCHAT_FUZZ=1 by Scripts/fuzz)
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
        .package(url: "https://github.com/apple/swift-metrics.git", from: "2.13.0"),
        .package(url: "https://github.com/swift-server/swift-prometheus.git", from: "2.4.1"),
        .package(url: "https://github.com/swiftlang/swift-subprocess.git", from: "1.0.2"),
        .package(url: "https://github.com/swift-server/swift-service-lifecycle.git", from: "2.13.0"),
        .package(url: "https://github.com/apple/swift-system.git", from: "1.5.0"),
    ],
    targets: [
        .target(name: "UDPChatSupport"),
        .target(name: "UDPChatHost"),
        .target(name: "UDPChatWire"),
        .target(name: "UDPChatDialect", dependencies: ["UDPChatWire", "UDPChatSupport", .product(name: "Yams", package: "Yams")]),
        .target(
            name: "UDPChatCore",
            dependencies: ["UDPChatWire", "UDPChatSupport", .product(name: "DequeModule", package: "swift-collections")]
        ),
        .target(name: "UDPChatScript", dependencies: ["UDPChatCore", "UDPChatWire", "UDPChatSupport"]),
        .target(
            name: "UDPChatTerminal",
            dependencies: ["UDPChatCore", "UDPChatWire", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        .target(
            name: "UDPChatRuntime",
            dependencies: ["UDPChatCore", "UDPChatDialect", "UDPChatWire", "UDPChatSupport", logging, .product(name: "NIOConcurrencyHelpers", package: "swift-nio")] + nio
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
            dependencies: ["UDPChatRelay", "UDPChatImpairment", "UDPChatHost", "UDPChatSupport", .product(name: "Yams", package: "Yams")] + nio
        ),
        .target(
            name: "UDPChatProxyControl",
            dependencies: [
                "UDPChatProxy", "UDPChatRelay", "UDPChatImpairment", "UDPChatSupport", .product(name: "NIOHTTP1", package: "swift-nio"),
                .product(name: "CoreMetrics", package: "swift-metrics"), .product(name: "Prometheus", package: "swift-prometheus"),
            ] + nio
        ),
        .systemLibrary(name: "CPcap", pkgConfig: "libpcap", providers: [.apt(["libpcap-dev"])]),
        .systemLibrary(name: "CSeccomp", pkgConfig: "libseccomp", providers: [.apt(["libseccomp-dev"])]),
        .systemLibrary(name: "CNetfilterQueue", pkgConfig: "libnetfilter_queue", providers: [.apt(["libnetfilter-queue-dev"])]),
        .target(
            name: "UDPChatTransparent",
            dependencies: ["CNetfilterQueue", "UDPChatProxy", "UDPChatRelay", "UDPChatCapture", "UDPChatIUT", "UDPChatImpairment", "UDPChatSupport", "UDPChatWire"]
        ),
        .target(
            name: "UDPChatCapture",
            dependencies: ["CPcap", "UDPChatDialect", "UDPChatWire", "UDPChatSupport", .product(name: "NIOConcurrencyHelpers", package: "swift-nio")] + nio
        ),
        .target(name: "UDPChatReports"),
        .target(
            name: "UDPChatIUT",
            dependencies: [
                "CSeccomp", "UDPChatDialect", "UDPChatWire", "UDPChatHost", "UDPChatSupport", .product(name: "Subprocess", package: "swift-subprocess"), .product(name: "Yams", package: "Yams"),
                .product(name: "SystemPackage", package: "swift-system"),
            ]
        ),
        .target(
            name: "UDPChatGrader",
            dependencies: ["UDPChatDialect", "UDPChatIUT", "UDPChatReports", "UDPChatCapture", "UDPChatProxy", "UDPChatImpairment",
                           "UDPChatRelay", "UDPChatTransparent", "UDPChatWire", "UDPChatHost", "UDPChatSupport", .product(name: "Yams", package: "Yams")] + nio
        ),
        .target(
            name: "UDPChatBench",
            dependencies: ["UDPChatIUT", "UDPChatProxy", "UDPChatImpairment", "UDPChatCapture", "UDPChatWire", "UDPChatSupport"] + nio,
            resources: [.copy("Resources/udp-relay.c")]
        ),
        .executableTarget(
            name: "udpchat",
            dependencies: [
                "UDPChatRuntime", "UDPChatCore", "UDPChatWire", "UDPChatSupport", "UDPChatImpairment", "UDPChatProxy",
                "UDPChatProxyControl", "UDPChatCapture", "UDPChatBench", "UDPChatScenario", "UDPChatGrader", "UDPChatReports", "UDPChatIUT",
                "UDPChatTerminal", "UDPChatDialect", "UDPChatSimulation", "UDPChatTransparent",
                .product(name: "ArgumentParser", package: "swift-argument-parser"), logging,
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
                .product(name: "ServiceLifecycle", package: "swift-service-lifecycle"), .product(name: "UnixSignals", package: "swift-service-lifecycle"),
            ] + nio
        ),
        .target(
            name: "UDPChatSimulation",
            dependencies: [
                "UDPChatScript", "UDPChatCore", "UDPChatWire", "UDPChatSupport", "UDPChatImpairment", "UDPChatRelay",
                .product(name: "HeapModule", package: "swift-collections"),
            ]
        ),
        .target(
            name: "UDPChatScenario",
            dependencies: [
                "UDPChatSimulation", "UDPChatScript", "UDPChatCore", "UDPChatWire", "UDPChatDialect", "UDPChatSupport", "UDPChatImpairment", "UDPChatRelay",
                "UDPChatRuntime", "UDPChatProxy",
                "UDPChatCapture", "UDPChatIUT", "UDPChatHost", "UDPChatReports", .product(name: "Yams", package: "Yams"), .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ] + nio
        ),
        .testTarget(name: "UDPChatScriptTests", dependencies: ["UDPChatScript", "UDPChatCore", "UDPChatSupport"]),
        .testTarget(name: "UDPChatSimulationTests", dependencies: ["UDPChatSimulation", "UDPChatScript", "UDPChatCore", "UDPChatImpairment", "UDPChatRelay", "UDPChatSupport", "UDPChatWire"]),
        .testTarget(
            name: "UDPChatScenarioTests",
            dependencies: ["UDPChatScenario", "UDPChatScript", "UDPChatDialect", "UDPChatIUT", "UDPChatReports", "UDPChatSimulation", "UDPChatRuntime", "UDPChatImpairment", "UDPChatWire", "UDPChatHost", "UDPChatSupport",
                           .product(name: "NIOConcurrencyHelpers", package: "swift-nio")]
        ),
        .testTarget(name: "UDPChatDialectTests", dependencies: ["UDPChatDialect", "UDPChatImpairment", "UDPChatWire", "UDPChatSupport"]),
        .testTarget(name: "UDPChatWireTests", dependencies: ["UDPChatWire"]),
        .testTarget(name: "UDPChatTerminalTests", dependencies: ["UDPChatTerminal", "UDPChatCore", "UDPChatWire"]),
        .testTarget(name: "UDPChatCoreTests", dependencies: ["UDPChatCore", "UDPChatWire", "UDPChatSupport"]),
        .testTarget(
            name: "UDPChatRuntimeTests",
            dependencies: [
                "UDPChatRuntime", "UDPChatCore", "UDPChatDialect", "UDPChatWire", "UDPChatSupport", "UDPChatIUT",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ] + nio
        ),
        .testTarget(name: "UDPChatImpairmentTests", dependencies: ["UDPChatImpairment", "UDPChatWire", "UDPChatSupport"]),
        .testTarget(name: "UDPChatRelayTests", dependencies: ["UDPChatRelay", "UDPChatImpairment", "UDPChatWire", "UDPChatSupport"]),
        .testTarget(name: "UDPChatProxyTests", dependencies: ["UDPChatProxy", "UDPChatImpairment", "UDPChatWire", "UDPChatSupport"] + nio),
        .testTarget(
            name: "UDPChatProxyControlTests",
            dependencies: ["UDPChatProxyControl", "UDPChatProxy", "UDPChatImpairment", "UDPChatSupport"] + nio
        ),
        .testTarget(
            name: "UDPChatCaptureTests",
            dependencies: [
                "UDPChatCapture", "UDPChatDialect", "UDPChatRuntime", "UDPChatScenario", "UDPChatProxy", "UDPChatWire", "UDPChatSupport",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"),
            ] + nio
        ),
        .testTarget(
            name: "UDPChatTransparentTests",
            dependencies: ["UDPChatTransparent", "UDPChatRelay", "UDPChatImpairment", "UDPChatSupport"]
        ),
        .testTarget(name: "PackageStructureTests"),
        .testTarget(name: "udpchatTests", dependencies: ["udpchat", .product(name: "ArgumentParser", package: "swift-argument-parser")]),
        .testTarget(name: "UDPChatSupportTests", dependencies: ["UDPChatSupport"]),
        .testTarget(name: "UDPChatHostTests", dependencies: ["UDPChatHost"]),
        .testTarget(name: "UDPChatBenchTests", dependencies: ["UDPChatBench"]),
        .testTarget(name: "UDPChatReportsTests", dependencies: ["UDPChatReports"]),
        .testTarget(name: "UDPChatIUTTests", dependencies: ["UDPChatIUT", "UDPChatDialect", "UDPChatSupport"]),
        .testTarget(
            name: "UDPChatGraderTests",
            dependencies: [
                "UDPChatGrader", "UDPChatIUT", "UDPChatReports", "UDPChatDialect", "UDPChatWire", "UDPChatSupport", "UDPChatCapture",
                .product(name: "NIOConcurrencyHelpers", package: "swift-nio"), .product(name: "NIOPosix", package: "swift-nio"),
            ]
        ),
    ],
    swiftLanguageModes: [.v6]
)

// libFuzzer targets, only when Scripts/fuzz builds them (UDPCHAT_FUZZ=1 with -sanitize=fuzzer):
// an ordinary `swift build` never sees them.
if Context.environment["UDPCHAT_FUZZ"] != nil {
    package.products += [
        .executable(name: "udpchat-fuzz-codec", targets: ["UDPChatCodecFuzz"]),
        .executable(name: "udpchat-fuzz-dialect", targets: ["UDPChatDialectFuzz"]),
    ]
    package.targets += [
        .executableTarget(name: "UDPChatCodecFuzz", dependencies: ["UDPChatWire"], path: "Fuzz/CodecFuzz"),
        .executableTarget(name: "UDPChatDialectFuzz", dependencies: ["UDPChatDialect", "UDPChatWire", "UDPChatSupport"], path: "Fuzz/DialectFuzz"),
    ]
}
