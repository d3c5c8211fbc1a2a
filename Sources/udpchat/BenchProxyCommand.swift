// `udpchat bench proxy`: Measure throughput and RTT directly and through the impairment proxy.
import ArgumentParser
import UDPChatBench
import UDPChatImpairment

struct BenchProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Measure throughput and RTT directly and through the impairment proxy.",
        discussion: """
            Runs, one after the other in one process: direct; through a small C relay that moves datagrams in \
            batches with recvmmsg/sendmmsg (the yardstick: compiled on first use with the system's cc) and \
            through socat, when they are available; through the proxy with no impairment; with \
            loss+delay+duplicate; and with a fixed delay each way, to measure how closely the proxy keeps it \
            (tracing off; its pings alternate with pings through an unimpaired proxy, the reference). Prints the proxy's throughput and RTT as ratios against the C relay, and the delay \
            error at p50 and p99. Build with -c release for meaningful numbers.
            """
    )

    @Option(help: "Measuring time per run.") var duration: DurationArgument = DurationArgument(.seconds(2))
    @Option(help: "Datagram payload size in bytes.") var size: Int = 64
    @Option(help: "Most datagrams in flight between sender and sink.") var window: Int = 1024
    @Option(help: "Ping-pong round trips per run.") var pings: Int = 20_000
    @Option(help: "Loss of the impaired run.") var loss: String = "1%"
    @Option(help: "Delay of the impaired run.") var delay: String = "1ms"
    @Option(help: "Duplication of the impaired run.") var duplicate: String = "1%"
    @Option(help: "Add a run with the proxy's pcap tap writing into this folder (files removed afterwards).")
    var pcapDir: String?
    @Option(help: "The fixed delay each way of the delay-accuracy run.") var accuracyDelay: DurationArgument = DurationArgument(.milliseconds(1))
    @Flag(help: "Skip the C relay and socat runs.") var noExternal = false
    @Flag(help: "Add a run of the unimpaired proxy with --count-verbs (the flood's datagrams are MSGs, so each one is read), to measure what counting costs.") var countVerbs = false

    func validate() throws {
        guard (1...65_507).contains(size) else { throw ValidationError("--size must be 1 … 65507, not \(size)") }
        guard window >= 1 else { throw ValidationError("--window must be at least 1") }
        guard pings >= 1 else { throw ValidationError("--pings must be at least 1") }
        _ = try options()
    }

    func options() throws -> ProxyBenchOptions {
        var options = ProxyBenchOptions()
        options.duration = duration.duration
        options.payload = size
        options.window = window
        options.pings = pings
        var impaired = ImpairmentConfig()
        for (key, value) in [("loss", loss), ("delay", delay), ("duplicate", duplicate)] {
            do { try impaired.apply(key: key, directionalValue: value) } catch { throw ValidationError("--\(key) \(value): \(error)") }
        }
        options.impaired = impaired
        options.pcapFolder = pcapDir
        options.accuracyDelay = accuracyDelay.duration
        options.external = !noExternal
        options.countVerbs = countVerbs
        return options
    }

    func run() async throws {
        let options = try options()
        let outcome = try await GracefulRun.runCancelling { try await ProxyBench.run(options) { print($0) } }
        guard let runs = outcome.value else {
            Console.error("bench proxy: interrupted by \(outcome.signalName ?? "a signal"): stopped (its proxy and relays too); no report")
            throw ExitCode(outcome.signalExitCode ?? 130)
        }
        print(ProxyBench.report(runs, options: options))
    }
}
