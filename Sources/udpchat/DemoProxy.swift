import Foundation
import UDPChatImpairment
import UDPChatProxy
import UDPChatRuntime
import UDPChatSupport
import UDPChatWire

/// `udpchat demo`'s bad network: an in-process `ProxyServer` link in front of Bob (Bob advertises
/// the proxy's port, like a client behind a relay), with seeded random loss and duplication plus
/// two protocol-aware rules that make every run show a re-send and a discarded duplicate.
///
/// The proxy's decisions are printed as they happen, from the proxy's `observer` (the same events
/// its trace records). At the end the printed decisions are checked against the proxy's counters.
final class DemoProxy: @unchecked Sendable {
    /// Alice's first MSG 1 is lost: she re-sends it after one RTO.
    static let dropRule = "drop dir=up verb=MSG seq=1 nth=1"
    /// Bob's first MSG 1 arrives twice: Alice discards the copy and acknowledges it again.
    static let duplicateRule = "duplicate dir=down verb=MSG seq=1 nth=1"

    let seed: UInt64
    let impairments: ImpairmentConfig
    private let names: (up: String, down: String)
    private let output: @Sendable (String) -> Void
    private let lock = NSLock()
    /// Drops and duplicates shown so far, per direction.
    private var shownDrops: [Direction: Int] = [:]
    private var shownDuplicates: [Direction: Int] = [:]
    private var target: Endpoint?
    private var proxy: ProxyServer?
    private var finalStats: ProxyStats?

    /// - Parameters:
    ///   - impairments: random impairments (`--loss`, `--duplicate`); the two rules are added first.
    ///   - names: who sends up (to Bob, through the proxy) and down.
    init(seed: UInt64, impairments: ImpairmentConfig, names: (up: String, down: String), output: @escaping @Sendable (String) -> Void) throws {
        var config = impairments
        config.rules = [try Rule.parse(Self.dropRule), try Rule.parse(Self.duplicateRule)] + impairments.rules
        self.seed = seed
        self.impairments = config
        self.names = names
        self.output = output
    }

    /// What the demo's re-send and duplicate rules guarantee to show.
    static let expectations: [DemoExpectation] = [
        .resend("MSG 1", by: .alice),
        .duplicateDiscarded(seq: 1, by: .alice),
    ]

    private func say(_ line: String) { output("proxy    | \(line)") }

    /// `DemoConversation.bobRoute`: starts the proxy in front of Bob and returns its port.
    func route(bobBound: Endpoint) async throws -> UInt16 {
        var config = ProxyConfiguration(listen: Endpoint(host: bobBound.host, port: 0), target: bobBound, impairments: impairments, seed: seed)
        config.observer = { [self] event in observe(event) }
        lock.withLock { target = bobBound }
        let proxy = try await ProxyServer.start(config: config)
        lock.withLock { self.proxy = proxy }
        say("seed \(seed); relaying \(proxy.localAddress) → \(names.down) at \(bobBound); \(names.down) advertises port \(proxy.localAddress.port)")
        for direction in Direction.allCases {
            let s = impairments[direction]
            let from = direction == .up ? names.up : names.down
            say("\(direction) (from \(from)): loss \(s.loss?.description ?? "0%"), duplicate \(pctText(s.duplicate))")
        }
        for (i, rule) in impairments.rules.enumerated() { say("rule \(i + 1): \(rule.text)") }
        return proxy.localAddress.port
    }

    /// Runs on the proxy's event loop for every decision, in order.
    private func observe(_ event: TraceEvent) {
        let from = { (direction: Direction) in direction == .up ? self.names.up : self.names.down }
        let what = (try? Message.parse(event.payload)).map { message in
            message.seq.map { "\(message.verb.rawValue) \($0)" } ?? message.verb.rawValue
        } ?? "a datagram of \(event.size) bytes"
        let line: String? = lock.withLock {
            switch event.decision {
            case .drop(let drop):
                shownDrops[drop.direction, default: 0] += 1
                let random = drop.reason == .loss ? "random loss \(impairments[drop.direction].loss?.description ?? "")" : "\(drop.reason)"
                return "dropped \(what) from \(from(drop.direction)) (\(cause(rule: drop.rule, otherwise: random)))"
            case .deliver(let delivery) where delivery.notes.contains(.duplicate):
                shownDuplicates[delivery.direction, default: 0] += 1
                let random = "random duplicate \(pctText(impairments[delivery.direction].duplicate))"
                return "duplicated \(what) from \(from(delivery.direction)) (\(cause(rule: delivery.rule, otherwise: random)))"
            case .deliver:
                return nil
            }
        }
        if let line { say(line) }
    }

    private func cause(rule: Int?, otherwise: String) -> String {
        rule.map { "rule: \(impairments.rules[$0].text)" } ?? otherwise
    }

    /// Stops the proxy (once), prints its counters and checks them against the decisions shown.
    func finish() async throws {
        let proxy: ProxyServer? = lock.withLock {
            defer { self.proxy = nil }
            return self.proxy
        }
        guard let proxy else { return }
        let stats = await proxy.stop()
        say("counters:")
        for line in stats.report.split(separator: "\n") { say(String(line)) }
        let (drops, duplicates) = lock.withLock { (shownDrops, shownDuplicates) }
        guard let link = stats.links.first else { throw DemoFailure(step: "the proxy's counters", reason: "no link") }
        for direction in Direction.allCases {
            let real = link[direction]
            let (dropped, duplicated) = (drops[direction, default: 0], duplicates[direction, default: 0])
            guard real.balanced else { throw DemoFailure(step: "the proxy's books to balance", reason: "\(direction) does not") }
            guard real.dropped.total == dropped, real.duplicated == duplicated else {
                throw DemoFailure(
                    step: "the proxy's decisions shown to match its counters",
                    reason: "\(direction): counted \(real.dropped.total) dropped, \(real.duplicated) duplicated; shown \(dropped), \(duplicated)")
            }
        }
    }

    /// Stops the proxy without reporting (the demo failed).
    func abort() async {
        let proxy: ProxyServer? = lock.withLock {
            defer { self.proxy = nil }
            return self.proxy
        }
        await proxy?.stop()
    }
}

private func pctText(_ value: Double) -> String {
    var text = String((value * 100 * 1000).rounded() / 1000)
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text + "%"
}
