import NIOCore
import UDPChatImpairment
import UDPChatSupport

// The proxy side of the live control API: `ProxyControlling` on `ProxyServer`, each call run
// on the links' event loop, and the few things a `Link` does for it. The relay itself only
// calls `writeControlRecords()` after the engine has processed a datagram (timeline entries).

extension ProxyServer: ProxyControlling {
    public func linkStates() async -> [LinkState] {
        let links = self.links
        return (try? await eventLoop.submit { links.map { $0.controlState() } }.get()) ?? []
    }

    public func apply(_ settings: [(Setting, [Direction])], link name: String) async throws(ControlError) -> LinkState {
        let changes = settings.map { ControlChange.set($0.0, directions: $0.1) }
        return try await onLink(name) { link in
            for change in changes { _ = link.control(change) }
            return link.controlState()
        }
    }

    public func addRule(_ rule: Rule, link name: String) async throws(ControlError) -> Int {
        try await onLink(name) { link in
            _ = link.control(.addRule(rule))
            return link.engine.config.rules.count
        }
    }

    public func removeRule(_ number: Int, link name: String) async throws(ControlError) {
        let found = try await onLink(name) { link in link.control(.removeRule(number - 1)) }
        if !found { throw .unknownRule(link: name, number: number) }
    }

    public func resetCounters(link name: String) async throws(ControlError) -> LinkState {
        try await onLink(name) { link in
            _ = link.control(.resetCounters)
            return link.controlState()
        }
    }

    /// Runs `body` on the event loop with the link named `name`.
    private func onLink<T: Sendable>(_ name: String, _ body: @escaping @Sendable (Link) -> T) async throws(ControlError) -> T {
        guard let link = links.first(where: { $0.configuration.name == name }) else { throw .unknownLink(name) }
        do { return try await eventLoop.submit { body(link) }.get() } catch { throw .unknownLink(name) }
    }
}

extension Link {
    /// Makes one change through the engine (the same path as timeline entries) and traces it.
    /// False when a rule to remove does not exist.
    func control(_ change: ControlChange) -> Bool {
        let done = engine.apply(change, now: Instant(nanoseconds: now()))
        guard done else { return false }
        // A link that never consulted the engine must from now on.
        passthrough = false
        switch change {
        case .addRule, .removeRule: ruleTexts = engine.ruleTexts
        case .resetCounters: resetStats()
        case .set: break
        }
        writeControlRecords()
        return true
    }

    /// Writes the engine's pending control records to the trace.
    func writeControlRecords() {
        for record in engine.takeControlRecords() { trace?.write(record.jsonLine(link: configuration.name)) }
    }

    /// Zeroes the relay's counters. Copies still in flight and datagrams still held carry over
    /// as delivered and received, so the books keep balancing.
    private func resetStats() {
        var fresh = LinkStats(name: stats.name, listen: stats.listen, target: stats.target)
        for direction in Direction.allCases {
            fresh[direction].inFlight = stats[direction].inFlight
            fresh[direction].held = stats[direction].held
            fresh[direction].received = stats[direction].held
            fresh[direction].delivered = stats[direction].inFlight
        }
        stats = fresh
    }

    func controlState() -> LinkState {
        let snapshot = snapshot()
        return LinkState(
            name: configuration.name, listen: listenEndpoint, target: configuration.target,
            up: engine.config.up, down: engine.config.down, rules: snapshot.rules, stats: snapshot,
            addedDelay: [.up: engine.counters.up.addedDelay, .down: engine.counters.down.addedDelay])
    }
}
