import NIOCore
import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport

// The proxy side of the live control API: `ProxyControlling` on `ProxyServer`, each call run
// on the links' event loop, and the change made by the link's relay core (`RelayCore.control`).

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
            return link.core.ruleCount
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

    public func restore(link name: String) async throws(ControlError) -> LinkState {
        try await onLink(name) { link in
            _ = link.control(.restore)
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
    /// Makes one change through the relay core (the same engine path as timeline entries) and
    /// traces it. False when a rule to remove does not exist.
    func control(_ change: ControlChange) -> Bool {
        var effects: [RelayEffect<ClientAddress>] = []
        let done = core.control(change, now: Instant(nanoseconds: now()), into: &effects)
        self.effects = effects
        run(nil)
        flushWrites()
        return done
    }

    func controlState() -> LinkState {
        let snapshot = snapshot()
        let settings = core.settings
        var state = LinkState(
            name: configuration.name, listen: listenEndpoint, target: configuration.target,
            up: settings.up, down: settings.down, rules: snapshot.rules, stats: snapshot, addedDelay: core.addedDelay)
        state.dialect = configuration.impairments.reader.name
        state.countsVerbs = core.configuration.countVerbs
        return state
    }
}
