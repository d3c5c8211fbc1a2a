import NIOConcurrencyHelpers
import UDPChatImpairment
import UDPChatProxy
import UDPChatRuntime
import UDPChatScript
import UDPChatSupport
import UDPChatWire

/// Tells the demo's story as the live run happens: each party's console (prefixed with its name),
/// what each user types, the proxy's drops and duplicates as it decides them, and its counters at
/// the end, checked against the decisions shown.
final class DemoNarrator: Sendable {
    private let output: @Sendable (String) -> Void
    private let names: [String: String]
    private let ids: [String: ClientID]
    private let impairments: ImpairmentConfig?
    private let seed: UInt64?
    private struct State {
        var shownDrops: [Direction: Int] = [:]
        var shownDuplicates: [Direction: Int] = [:]
        var lines: [String: Set<String>] = [:]
        var stats: ProxyStats?
    }
    private let state = NIOLockedValueBox(State())

    init(demo: Demo, output: @escaping @Sendable (String) -> Void) {
        self.output = output
        names = ["alice": demo.aliceName, "bob": demo.bobName, "server": "server"]
        ids = ["alice": demo.alice, "bob": demo.bob]
        impairments = try? demo.proxy?.impairments
        seed = demo.proxy?.seed
    }

    private func say(_ who: String, _ line: String) {
        output(who.padding(8) + " | " + line)
    }

    var observer: LiveObserver {
        var observer = LiveObserver()
        observer.serverStarted = { [self] address in say("demo", "server listening on UDP \(address)") }
        observer.tableChanged = { [self] rows in
            for line in TableFormat.render(rows).split(separator: "\n") { say("server", String(line)) }
        }
        observer.shown = { [self] party, line in shown(party, line) }
        observer.acting = { [self] party, action in
            guard case .command(let command) = action else { return }
            let typed = switch command {
            case .connect(let target): "/connect \(ids[target].map(String.init) ?? target)"
            case .accept: "/accept"
            case .reject: "/reject"
            case .end: "/end"
            case .quit: "/quit"
            case .cancel: "/cancel"
            case .send(let text): text
            }
            say("demo", "\(names[party] ?? party) types: \(typed)")
        }
        observer.proxiesStarted = { [self] links in proxiesStarted(links) }
        observer.proxyDecided = { [self] event in decided(event) }
        observer.proxiesStopped = { [self] stats in
            state.withLockedValue { $0.stats = stats }
            say("proxy", "counters:")
            for line in stats.report.split(separator: "\n") { say("proxy", String(line)) }
        }
        return observer
    }

    private func shown(_ party: String, _ line: String) {
        guard party != "server", !line.hasPrefix("(socket closed") else { return }
        let name = names[party] ?? party
        for part in line.split(separator: "\n", omittingEmptySubsequences: false) { say(name, String(part)) }
        let peer = party == "alice" ? "bob" : "alice"
        let seen = state.withLockedValue { state in
            state.lines[party, default: []].insert(line)
            return state.lines[peer] ?? []
        }
        // Reported "not delivered" although the peer showed it: its ACK was lost and the peer ended
        // the connection before a re-send was acknowledged. Correct, but worth a word.
        let prefix = "not delivered (message "
        if line.hasPrefix(prefix), let colon = line.firstIndex(of: ":"), let id = ids[party] {
            let text = line[line.index(colon, offsetBy: 2)...]
            if seen.contains("[\(id)] \(text)") {
                let peerName = names[peer] ?? peer
                say("demo", "note: \(peerName) did show it, but its ACK was lost and \(peerName) ended the connection first, so \(name) cannot know")
            }
        }
    }

    private func proxiesStarted(_ links: [(name: String, listen: Endpoint, target: Endpoint)]) {
        guard let link = links.first, let impairments, let seed else { return }
        let (up, down) = (names["alice"]!, names["bob"]!)
        say("proxy", "seed \(seed); relaying \(link.listen) → \(down) at \(link.target); \(down) advertises port \(link.listen.port)")
        for direction in Direction.allCases {
            let s = impairments[direction]
            say("proxy", "\(direction) (from \(direction == .up ? up : down)): loss \(s.loss?.description ?? "0%"), duplicate \(percent(s.duplicate))")
        }
        for (i, rule) in impairments.rules.enumerated() { say("proxy", "rule \(i + 1): \(rule.text)") }
    }

    /// Runs on the proxy's event loop for every decision, in order.
    private func decided(_ event: UDPChatProxy.TraceEvent) {
        guard let impairments else { return }
        let from = { (direction: Direction) in direction == .up ? self.names["alice"]! : self.names["bob"]! }
        let what = (try? Message.parse(event.payload)).map { message in
            message.seq.map { "\(message.verb.rawValue) \($0)" } ?? message.verb.rawValue
        } ?? "a datagram of \(event.size) bytes"
        let line: String? = state.withLockedValue { state in
            switch event.decision {
            case .drop(let drop):
                state.shownDrops[drop.direction, default: 0] += 1
                let random = drop.reason == .loss ? "random loss \(impairments[drop.direction].loss?.description ?? "")" : "\(drop.reason)"
                return "dropped \(what) from \(from(drop.direction)) (\(event.rule.map { "rule: \($0)" } ?? random))"
            case .deliver(let delivery) where delivery.notes.contains(.duplicate):
                state.shownDuplicates[delivery.direction, default: 0] += 1
                let random = "random duplicate \(percent(impairments[delivery.direction].duplicate))"
                return "duplicated \(what) from \(from(delivery.direction)) (\(event.rule.map { "rule: \($0)" } ?? random))"
            case .deliver:
                return nil
            }
        }
        if let line { say("proxy", line) }
    }

    /// The proxy's counters balance and match the decisions shown.
    func checkCounters() throws {
        let (stats, drops, duplicates) = state.withLockedValue { ($0.stats, $0.shownDrops, $0.shownDuplicates) }
        guard impairments != nil else { return }
        guard let link = stats?.links.first else { throw DemoFailure(step: "the proxy's counters", reason: "no link") }
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
}

private func percent(_ value: Double) -> String {
    var text = String((value * 100 * 1000).rounded() / 1000)
    if text.hasSuffix(".0") { text.removeLast(2) }
    return text + "%"
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
