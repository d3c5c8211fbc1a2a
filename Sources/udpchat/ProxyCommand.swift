// `udpchat proxy`: Relay UDP through an impaired network: loss, delay, duplication, reordering, rules.
import ArgumentParser
import Dispatch
import Foundation
import NIOCore
import UDPChatCapture
import UDPChatDialect
import UDPChatImpairment
import UDPChatProxy
import UDPChatProxyControl
import UDPChatReports
import UDPChatSupport

struct ProxyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "proxy",
        abstract: "Relay UDP through an impaired network: loss, delay, duplication, reordering, rules.",
        discussion: """
            Every impairment value may start with a direction: up: (client → target) or down: (replies); \
            without one it applies to both. Repeat the option for different values per direction, e.g. \
            --loss up:10% --loss down:1%. Order of evaluation: rules (first match decides alone), then \
            blackhole, loss, corrupt/truncate, duplicate, limit/queue, delay/jitter/reorder, rate, slot. \
            Values also take netem's spelling ('5% 25%', 'state P13 P31 P32 P23 P14', '10ms 20ms packets 4'). \
            --control serves a live HTTP/JSON API and /metrics. See docs/PROXY.md.

            """ + HelpLayout.examples(
                "udpchat proxy --listen 127.0.0.1:9000 --to 127.0.0.1:7070 --loss 10% \\",
                "    --duplicate 5% --seed 1",
                "udpchat proxy --listen 127.0.0.1:9000 --to 127.0.0.1:7070 \\",
                "    --loss ge:p=1%,r=25% --delay up:50ms --jitter 10ms",
                "udpchat proxy --listen 127.0.0.1:9000 --to 127.0.0.1:7070 \\",
                "    --rule 'drop dir=up verb=MSG seq=1 nth=1'",
                "udpchat proxy --config Fixtures/proxy/two-clients.yaml --trace trace.jsonl",
                "udpchat proxy --listen 127.0.0.1:9000 --to 127.0.0.1:7070 \\",
                "    --control 127.0.0.1:9090")
    )

    @Option(help: "Where clients send (HOST:PORT).") var listen: EndpointArgument?
    @Option(help: "Where datagrams go (HOST:PORT).") var to: EndpointArgument?
    @Option(help: "YAML file with several listen → target links, per-link impairments, rules and a timeline.") var config: String?

    @OptionGroup var impairment: ImpairmentOptions

    @Option(help: "Seed of every random decision (default: random, printed).") var seed: UInt64?
    @Option(help: "Write one JSON line per datagram event to this file.") var trace: String?
    @Option(help: "Write what the proxy receives (before impairment) to FILE.received.pcap and what it sends (after) to FILE.sent.pcap.") var pcap: String?
    @Option(help: "Print counters this often (0 = only on exit).") var statsInterval: DurationArgument = DurationArgument(.seconds(10))
    @Option(help: "Close a flow after this long without traffic (default 60s).") var flowIdle: DurationArgument?
    @Option(help: "Most flows (client addresses) per link (default 1024).") var maxFlows: Int?
    @Option(help: "Serve the live control API (HTTP/JSON, Prometheus /metrics) on HOST:PORT, e.g. 127.0.0.1:9090.") var control: EndpointArgument?
    @Flag(help: "Allow --control on an address other than loopback (anyone who reaches it can change the impairments).") var controlAllowRemote = false
    @OptionGroup var logging: LoggingOptions

    func validate() throws {
        if config != nil {
            if listen != nil || to != nil { throw ValidationError("--config describes the links; leave out --listen and --to") }
            if impairment.given {
                throw ValidationError("--config describes the impairments; put them in the file, not on the command line")
            }
        } else {
            if listen == nil { throw ValidationError("missing --listen HOST:PORT (or --config FILE)") }
            if to == nil { throw ValidationError("missing --to HOST:PORT (or --config FILE)") }
        }
        if let maxFlows, maxFlows < 1 { throw ValidationError("--max-flows must be at least 1, not \(maxFlows)") }
        if let control, !controlAllowRemote, !ControlServer.isLoopback(control.endpoint.host) {
            throw ValidationError("--control \(control.endpoint): \(ControlServerError.notLoopback(control.endpoint))")
        }
        _ = try impairment.impairments()
    }

    /// The proxy configuration these options describe (without the tap).
    func makeConfiguration() throws -> ProxyConfiguration {
        var links: [LinkConfiguration]
        var fileSeed: UInt64?
        var fileIdle: Duration?
        var fileMaxFlows: Int?
        var fileCountVerbs: Bool?
        if let config {
            let text: String
            do { text = try String(contentsOfFile: config, encoding: .utf8) } catch {
                let reason = FileManager.default.fileExists(atPath: config) ? "cannot read it" : "no such file"
                throw UDPChatError.proxyConfig("--config \(config): \(reason)")
            }
            let file = try ProxyConfigFile.parse(text, path: config)
            links = file.links
            fileSeed = file.seed
            fileIdle = file.flowIdle
            fileMaxFlows = file.maxFlows
            fileCountVerbs = file.countVerbs
        } else {
            links = [LinkConfiguration(listen: listen!.endpoint, target: to!.endpoint, impairments: try impairment.impairments())]
        }
        let wire = try impairment.wire(command: "proxy")
        for index in links.indices {
            if impairment.dialect != nil { links[index].impairments.reader = MessageReader(wire) }
            impairment.warnAboutRules(links[index].impairments.rules, in: wire, command: "proxy", link: links.count > 1 ? links[index].name : nil)
        }
        var configuration = ProxyConfiguration(links: links, seed: seed ?? fileSeed ?? UInt64.random(in: 1...UInt64(UInt32.max)))
        configuration.tracePath = trace
        if let idle = flowIdle?.duration ?? fileIdle { configuration.flowIdle = idle }
        if let max = maxFlows ?? fileMaxFlows { configuration.maxFlows = max }
        configuration.countVerbs = impairment.countVerbs || fileCountVerbs == true
        return configuration
    }

    func run() async throws {
        logging.bootstrap()
        // From here on an error is not a mistake in the command line: one line, exit 1, no usage.
        var configuration: ProxyConfiguration
        do { configuration = try makeConfiguration() } catch let error as ValidationError {
            throw Self.fail(error.message)
        } catch {
            throw Self.fail("\(error)")
        }
        let tapFiles: TapFiles?
        do { tapFiles = try pcap.map { file throws(UDPChatError) in try TapFiles(file: file) } } catch {
            throw Self.fail(error.description)
        }
        if let tapFiles {
            configuration.tap = { datagram in
                tapFiles.record(
                    sent: datagram.point == .sent, timestamp: datagram.timestamp, source: datagram.source,
                    destination: datagram.destination, payload: datagram.payload)
            }
        }
        let proxy: ProxyServer
        do { proxy = try await ProxyServer.start(config: configuration) } catch {
            throw Self.fail(Self.describeStartFailure(error, links: configuration.links))
        }
        var banner = ["udpchat proxy: seed \(configuration.seed) (repeat with --seed \(configuration.seed))"]
        for (link, address) in zip(configuration.links, proxy.localAddresses) {
            banner.append("[\(link.name)] listening on \(address), relaying to \(link.target)\(Self.summary(link.impairments))")
        }
        if let trace { banner.append("tracing to \(trace)") }
        var controlServer: ControlServer?
        if let control {
            do {
                controlServer = try await ControlServer.start(at: control.endpoint, allowRemote: controlAllowRemote, proxy: proxy,
                                                              version: RunInfo.version, onChange: { say($0) })
            } catch {
                // A runtime failure, not a usage error: one line and exit 1 (docs/PROXY.md).
                await proxy.stop()
                throw Self.fail(error.description)
            }
            banner.append("control API on http://\(controlServer!.localAddress) (GET /links, PATCH /links/NAME, GET /links/NAME/rules, POST /links, POST /links/NAME/reset, GET /metrics, GET /version; docs/PROXY.md)")
        }
        let interval = statsInterval.duration
        let printer = Task {
            guard interval > .zero else { return }
            while !Task.isCancelled {
                try await Task.sleep(for: interval)
                say(await proxy.stats().report)
                    }
        }
        // The banner goes out once SIGINT/SIGTERM are handled: a signal right after it stops the proxy cleanly.
        let signal = try await GracefulRun.waitForSignal(ready: { [banner] in banner.forEach(say) })
        printer.cancel()
        await controlServer?.stop()
        let final = await proxy.stop()
        say("udpchat proxy: stopped by \(signal); final counters:")
        say(final.report)
        if let tapFiles {
            let counts = try tapFiles.finish()
            say("pcap: \(counts.received) received → \(tapFiles.received.path), \(counts.sent) sent → \(tapFiles.sent.path)")
        }
    }

    /// Prints a runtime error as one line on standard error; returns exit status 1 to throw.
    static func fail(_ message: String) -> ExitCode {
        Console.error("udpchat proxy: \(message)")
        return ExitCode.failure
    }

    /// Why the proxy could not start, in one line, with the system's reason for a socket error
    /// (NIO's text, "bind(descriptor:ptr:bytes:): Address already in use) (errno: 98)", becomes
    /// "address already in use").
    static func describeStartFailure(_ error: any Error, links: [LinkConfiguration]) -> String {
        if let io = error as? IOError {
            let listening = links.map(\.listen.description).joined(separator: ", ")
            return "cannot listen on \(listening): \(systemReason(io.errnoCode))"
        }
        let text = "\(error)"
        guard let match = text.firstMatch(of: /[a-z_]+\([a-z:]*\): .*\(errno: (\d+)\)$/), let code = Int32(match.1) else { return text }
        return text.replacingCharacters(in: match.range, with: systemReason(code))
    }

    private static func systemReason(_ code: Int32) -> String {
        let reason = String(cString: strerror(code))
        return reason.prefix(1).lowercased() + reason.dropFirst()
    }

    static func summary(_ config: ImpairmentConfig) -> String {
        if config.isPassthrough { return " (no impairment)" }
        var parts: [String] = []
        for direction in Direction.allCases {
            let s = config[direction]
            var items: [String] = []
            if let loss = s.loss { items.append("loss \(loss)") }
            if s.delay > .zero { items.append("delay \(s.delay.compactDescription)") }
            if s.jitter > .zero { items.append("jitter \(s.jitter.compactDescription) \(s.distribution.rawValue)") }
            if s.duplicate > 0 { items.append("duplicate \(Int((s.duplicate * 100).rounded()))%") }
            if let r = s.reorder { items.append("reorder \(Int((r.probability * 100).rounded()))%") }
            if s.corrupt > 0 { items.append("corrupt \(Int((s.corrupt * 100).rounded()))%") }
            if let mtu = s.mtu { items.append("mtu \(mtu)") }
            if let rate = s.rate { items.append("rate \(Int(rate)) bit/s queue \(s.queue)") }
            if let limit = s.limit { items.append("limit \(limit)") }
            if let slot = s.slot { items.append("slot \(slot)") }
            if !s.blackholes.isEmpty { items.append("blackhole " + s.blackholes.map(\.description).joined(separator: ",")) }
            if !items.isEmpty { parts.append("\(direction): " + items.joined(separator: ", ")) }
        }
        if !config.rules.isEmpty { parts.append(counted(config.rules.count, "rule")) }
        if !config.timeline.isEmpty { parts.append(counted(config.timeline.count, "timeline change")) }
        return " (" + parts.joined(separator: "; ") + ")"
    }
}

/// Writes a line to standard output at once (no buffering when piped).
fileprivate func say(_ line: String) {
    FileHandle.standardOutput.write(Data((line + "\n").utf8))
}
