import Foundation
import NIOCore
import NIOPosix
import UDPChatCapture
import UDPChatImpairment
import UDPChatProxy
import UDPChatSupport

/// `udpchat bench proxy`: the same load sent directly and through the proxy.
///
/// Throughput: one flow of small datagrams from a sender to a sink, kept flowing by a window
/// (at most `window` datagrams sent and not yet seen at the sink; a stall of 2 ms re-opens the
/// window, so losses never block it). Latency: ping-pong of one datagram through an echo server.
/// The sender has one event loop, the sink and the echo server another (so a direct round trip
/// crosses threads too), the proxy its own.
public struct ProxyBenchOptions: Sendable {
    public var duration: Duration = .seconds(2)
    public var warmup: Duration = .milliseconds(300)
    public var payload = 64
    public var window = 1024
    public var pings = 20_000
    /// The impairments of the third run (default: loss 1 %, delay 1 ms, duplicate 1 %).
    public var impaired: ImpairmentConfig
    public var seed: UInt64 = 1
    /// When set, a fourth run taps the unimpaired proxy into pcap files in this folder (the
    /// proxy's `--pcap`), to measure what recording costs; the files are removed afterwards.
    public var pcapFolder: String?
    /// Also measure the C yardstick relay and socat, for the ratios the proxy is held to.
    public var external = true
    /// The fixed delay (each way) of the delay-accuracy run.
    public var accuracyDelay: Duration = .milliseconds(1)
    /// Add a run of the unimpaired proxy counting datagrams by verb (`--count-verbs`).
    public var countVerbs = false

    public init() {
        var config = ImpairmentConfig()
        config.apply(.loss(.random(probability: 0.01, correlation: 0)))
        config.apply(.delay(.milliseconds(1)))
        config.apply(.duplicate(0.01))
        impaired = config
    }
}

/// One measured configuration.
public struct ProxyBenchRun: Sendable {
    public var name: String
    /// Datagrams that arrived at the sink per second.
    public var deliveredPerSecond: Double
    /// Datagrams the proxy received per second (nil for the direct run).
    public var proxiedPerSecond: Double?
    public var rttP50: Int?
    public var rttP99: Int?
    /// The delay-accuracy run's reference: RTT p50 and p99 through an unimpaired proxy, pinged
    /// alternately with the delayed one in the same run (so both see the same load and the same
    /// idle time before each ping, and only the delay differs).
    public var referenceP50: Int?
    public var referenceP99: Int?
    public var pingsLost: Int
    public var kernelDrops: UInt64?
    /// CPU time of the proxy's event-loop thread per datagram it relayed during the throughput
    /// phase (µs), and the rate that implies for one fully available core.
    public var proxyMicrosPerDatagram: Double?
    public var proxyCapacityPerCore: Double? { proxyMicrosPerDatagram.map { $0 > 0 ? 1e6 / $0 : 0 } }
}

public enum ProxyBench {
    /// What stands between the sender and the sink (and the pinger and the echo server) in a run.
    enum Relay {
        case direct
        /// `reference`: also an unimpaired proxy to the echo server, pinged alternately.
        /// `verbs`: the proxy counts datagrams by verb (`--count-verbs`).
        case proxy(ImpairmentConfig, pcap: String?, reference: Bool = false, verbs: Bool = false)
        case external(ExternalRelayKind)
    }

    /// Runs the direct, yardstick and proxied measurements, one after the other in one process.
    public static func run(_ options: ProxyBenchOptions, log: @Sendable (String) -> Void = { _ in }) async throws -> [ProxyBenchRun] {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 2)
        var runs: [ProxyBenchRun] = []
        do {
            var plan: [(String, Relay)] = [("direct", .direct)]
            if options.external {
                for kind in ExternalRelayKind.allCases {
                    if let why = ExternalRelay.unavailable(kind) { log("skipping \(kind.rawValue): \(why)") } else { plan.append((kind.rawValue, .external(kind))) }
                }
            }
            var delayed = ImpairmentConfig()
            delayed.apply(.delay(options.accuracyDelay))
            plan += [
                ("proxy", .proxy(ImpairmentConfig(), pcap: nil)), ("proxy+impaired", .proxy(options.impaired, pcap: nil)),
                ("proxy+delay", .proxy(delayed, pcap: nil, reference: true)),
            ]
            if let folder = options.pcapFolder { plan.append(("proxy+pcap", .proxy(ImpairmentConfig(), pcap: "\(folder)/udpchat-bench-proxy.pcap"))) }
            if options.countVerbs { plan.append(("proxy+verbs", .proxy(ImpairmentConfig(), pcap: nil, verbs: true))) }
            for (name, relay) in plan {
                log("running \(name) …")
                runs.append(try await measure(name: name, relay: relay, options: options, group: group, log: log))
            }
        } catch {
            try? await group.shutdownGracefully()
            throw error
        }
        try? await group.shutdownGracefully()
        return runs
    }

    static func measure(
        name: String, relay: Relay, options: ProxyBenchOptions, group: MultiThreadedEventLoopGroup, log: @Sendable (String) -> Void
    ) async throws -> ProxyBenchRun {
        let loop = group.next()
        var sinkLoop = group.next()
        if sinkLoop === loop { sinkLoop = group.next() }
        let proxyGroup = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        defer { proxyGroup.shutdownGracefully { _ in } }
        let sink = try await BenchSocket.bind(on: sinkLoop, echo: false)
        let echo = try await BenchSocket.bind(on: sinkLoop, echo: true)
        let relays = try BenchRelays(relay, seed: options.seed, group: proxyGroup)
        defer { relays.killExternals() }  // on every way out, errors included
        let sinkTarget = try await relays.target(sink)
        let echoTarget = try await relays.target(echo)
        let referenceTarget = relays.reference ? try await relays.target(echo, impairments: ImpairmentConfig()) : nil
        let sender = try await BenchSocket.bind(on: loop, echo: false)
        defer {
            for socket in [sink, echo, sender] { socket.channel.close(promise: nil) }
        }

        let (delivered, proxied, micros) = try await throughput(from: sender, to: sink, through: sinkTarget, proxy: relays.proxies.first,
                                                                loop: loop, sinkLoop: sinkLoop, proxyLoop: proxyGroup.next(), options: options)

        // Latency.
        let ping = PingPong(socket: sender, target: echoTarget, reference: referenceTarget, payload: options.payload, count: options.pings, loop: loop)
        let histogram = try await ping.run()
        let kernelDrops = try await relays.finish(log: log)
        return ProxyBenchRun(
            name: name, deliveredPerSecond: delivered, proxiedPerSecond: proxied, rttP50: histogram.histogram.percentile(0.5),
            rttP99: histogram.histogram.percentile(0.99),
            referenceP50: referenceTarget == nil ? nil : histogram.reference.percentile(0.5),
            referenceP99: referenceTarget == nil ? nil : histogram.reference.percentile(0.99),
            pingsLost: histogram.lost, kernelDrops: kernelDrops, proxyMicrosPerDatagram: micros)
    }

    /// Throughput: a flood from `sender` to `sink` through `target` for the options' duration after their
    /// warm-up; with a proxy, its own rate and the CPU its thread spent per datagram.
    static func throughput(from sender: BenchSocket, to sink: BenchSocket, through target: Endpoint, proxy: ProxyServer?, loop: any EventLoop,
                           sinkLoop: any EventLoop, proxyLoop: any EventLoop, options: ProxyBenchOptions) async throws -> (Double, Double?, Double?) {
        let flood = Flood(sender: sender, sink: sink, target: target, payload: options.payload, window: options.window)
        try await sinkLoop.submit { flood.attachSink() }.get()
        try await loop.submit { flood.start() }.get()
        try await Task.sleep(for: options.warmup)
        let (received0, start) = try await sinkLoop.submit { (sink.received, NIODeadline.now()) }.get()
        let proxied0 = await proxy?.stats().links[0].up.received
        let cpu0 = try await proxyLoop.submit { threadCPUSeconds() }.get()
        try await Task.sleep(for: options.duration)
        let (received1, end) = try await sinkLoop.submit { (sink.received, NIODeadline.now()) }.get()
        let proxied1 = await proxy?.stats().links[0].up.received
        let cpu1 = try await proxyLoop.submit { threadCPUSeconds() }.get()
        try await loop.submit { flood.stop() }.get()
        try await sinkLoop.submit { sink.onReadComplete = nil }.get()
        let seconds = Double((end - start).nanoseconds) / 1e9
        let delivered = Double(received1 - received0) / seconds
        let proxied = proxied0.flatMap { p0 in proxied1.map { Double($0 - p0) / seconds } }
        var micros: Double?
        if let proxied, proxied > 0, let cpu0, let cpu1 { micros = (cpu1 - cpu0) * 1e6 / (proxied * seconds) }
        return (delivered, proxied, micros)
    }

    /// The report printed by `udpchat bench proxy`.
    public static func report(_ runs: [ProxyBenchRun], options: ProxyBenchOptions) -> String {
        var lines = ["udpchat bench proxy: \(options.payload)-byte datagrams, one flow, \(options.duration.compactDescription) per run, window \(options.window), \(options.pings) pings"]
        lines.append("run              delivered/s   proxied/s   RTT p50    RTT p99    pings lost  kernel drops  proxy CPU/dgram  = per core")
        for run in runs {
            var line = run.name.padding(toLength: 16, withPad: " ", startingAt: 0)
            line += BenchFormat.grouped(Int(run.deliveredPerSecond)).leftPad(12)
            line += (run.proxiedPerSecond.map { BenchFormat.grouped(Int($0)) } ?? "-").leftPad(12)
            line += BenchFormat.micros(run.rttP50).leftPad(10)
            line += BenchFormat.micros(run.rttP99).leftPad(11)
            line += String(run.pingsLost).leftPad(12)
            line += (run.kernelDrops.map(String.init) ?? "-").leftPad(14)
            line += (run.proxyMicrosPerDatagram.map { String(format: "%.2f µs", $0) } ?? "-").leftPad(17)
            line += (run.proxyCapacityPerCore.map { BenchFormat.grouped(Int($0)) + "/s" } ?? "-").leftPad(12)
            lines.append(line)
        }
        func run(_ name: String) -> ProxyBenchRun? { runs.first { $0.name == name } }
        if let direct = run("direct"), let proxy = run("proxy") {
            let ratio = proxy.deliveredPerSecond / max(direct.deliveredPerSecond, 1)
            lines.append(String(format: "throughput ratio proxy/direct: %.2f", ratio))
            if let a = direct.rttP50, let b = proxy.rttP50 {
                lines.append("RTT p50 added by the proxy: \(b - a) µs (two proxy passes per round trip)")
            }
        }
        if let c = run("c-relay") {
            lines.append("against the C relay (recvmmsg/sendmmsg, same run):")
            for (name, target) in [("proxy", "≥ 0.80"), ("proxy+impaired", "≥ 0.60"), ("socat", "")] {
                guard let other = run(name) else { continue }
                var line = String(format: "  throughput %@/c-relay: %.2f", name, other.deliveredPerSecond / max(c.deliveredPerSecond, 1))
                if !target.isEmpty { line += " (target \(target))" }
                lines.append(line)
            }
            for name in ["proxy", "socat"] {
                guard let other = run(name), let a = other.rttP50, let b = c.rttP50, b > 0 else { continue }
                lines.append(String(format: "  RTT p50 %@/c-relay: %.2f (%d vs %d µs)%@", name, Double(a) / Double(b), a, b,
                                    name == "proxy" ? " (target ≤ 1.20)" : ""))
            }
        }
        if let delayed = run("proxy+delay"), let d50 = delayed.rttP50, let d99 = delayed.rttP99,
           let p50 = delayed.referenceP50, let p99 = delayed.referenceP99 {
            let requested = Int(options.accuracyDelay.nanoseconds / 1000) * 2
            lines.append("delay accuracy (\(options.accuracyDelay.compactDescription) each way = \(requested) µs per round trip, measured against "
                         + "an undelayed proxy pinged alternately in the same run: RTT p50 \(p50) µs, p99 \(p99) µs):")
            lines.append("  p50 error \(signed(d50 - p50 - requested)) µs (target ±50), p99 error \(signed(d99 - p99 - requested)) µs (target ≤ +200)")
        }
        if let proxy = runs.first(where: { $0.name == "proxy" }), let tapped = runs.first(where: { $0.name == "proxy+pcap" }) {
            lines.append(String(format: "throughput ratio proxy+pcap/proxy: %.2f (recording both sides to pcap)",
                                tapped.deliveredPerSecond / max(proxy.deliveredPerSecond, 1)))
        }
        lines.append("proxy CPU/dgram: CPU time of the proxy's event-loop thread (user+system, includes the kernel's")
        lines.append("UDP work for its sockets) per relayed datagram; 'per core' is the rate one free core sustains.")
        return lines.joined(separator: "\n")
    }
}

private func signed(_ value: Int) -> String { value >= 0 ? "+\(value)" : "\(value)" }

/// User + system CPU seconds of the calling thread (from /proc/thread-self/stat; nil elsewhere).
func threadCPUSeconds() -> Double? {
    guard let text = try? String(contentsOfFile: "/proc/thread-self/stat", encoding: .utf8),
          let close = text.lastIndex(of: ")")
    else { return nil }
    // Fields after the command name: state is field 3; utime and stime are fields 14 and 15.
    let fields = text[text.index(after: close)...].split(separator: " ")
    guard fields.count > 13, let user = Double(fields[11]), let system = Double(fields[12]) else { return nil }
    return (user + system) / Double(sysconf(Int32(_SC_CLK_TCK)))
}

extension String {
    fileprivate func leftPad(_ width: Int) -> String {
        count >= width ? " " + self : String(repeating: " ", count: width - count) + self
    }
}

/// The relays one bench run measures through, in front of each target socket: none (direct), this
/// proxy (impaired, tapped to pcap, counting verbs as asked), or an external relay process.
final class BenchRelays {
    private let impairments: ImpairmentConfig?
    private let external: ExternalRelayKind?
    private let verbs: Bool
    private let seed: UInt64
    private let group: MultiThreadedEventLoopGroup
    private let tapFiles: TapFiles?
    /// The proxy also stands, unimpaired, in front of the echo: the reference RTT.
    let reference: Bool
    private(set) var proxies: [ProxyServer] = []
    private var externals: [ExternalRelay] = []

    init(_ relay: ProxyBench.Relay, seed: UInt64, group: MultiThreadedEventLoopGroup) throws {
        var (impairments, pcap, external, reference, verbs): (ImpairmentConfig?, String?, ExternalRelayKind?, Bool, Bool) = (nil, nil, nil, false, false)
        switch relay {
        case .direct: break
        case .proxy(let config, let file, let withReference, let counting): (impairments, pcap, reference, verbs) = (config, file, withReference, counting)
        case .external(let kind): external = kind
        }
        (self.impairments, self.external, self.reference, self.verbs, self.seed, self.group) = (impairments, external, reference, verbs, seed, group)
        tapFiles = try pcap.map { file throws(UDPChatError) in try TapFiles(file: file) }
    }

    /// Where to send for `socket`: the relay in front of it, started now, or the socket itself.
    func target(_ socket: BenchSocket, impairments chosen: ImpairmentConfig? = nil) async throws -> Endpoint {
        if let external {
            let relay = try await ExternalRelay.start(external, target: socket.endpoint)
            externals.append(relay)
            return relay.endpoint
        }
        guard let impairments = chosen ?? impairments else { return socket.endpoint }
        var config = ProxyConfiguration(listen: Endpoint(host: "127.0.0.1", port: 0), target: socket.endpoint, impairments: impairments, seed: seed)
        config.maxFlows = 4
        config.countVerbs = verbs
        if let tapFiles {
            config.tap = { datagram in
                tapFiles.record(sent: datagram.point == .sent, timestamp: datagram.timestamp, source: datagram.source,
                                destination: datagram.destination, payload: datagram.payload)
            }
        }
        let proxy = try await ProxyServer.start(config: config, group: group)
        proxies.append(proxy)
        return proxy.localAddress
    }

    /// Stops the proxies (their kernel drops, summed; nil without one) and ends the pcap tap (its files removed).
    func finish(log: @Sendable (String) -> Void) async throws -> UInt64? {
        var kernelDrops: UInt64?
        for proxy in proxies {
            let stats = await proxy.stop()
            kernelDrops = (kernelDrops ?? 0) + (stats.links[0].kernelDrops ?? 0)
        }
        if let tapFiles {
            let counts = try tapFiles.finish()
            log("pcap tap wrote \(counts.received) received and \(counts.sent) sent datagrams (files removed)")
            for path in [tapFiles.received.path, tapFiles.sent.path] { try? FileManager.default.removeItem(atPath: path) }
        }
        return kernelDrops
    }

    func killExternals() {
        for relay in externals { relay.process.signalGroup(SIGKILL) }
    }
}
