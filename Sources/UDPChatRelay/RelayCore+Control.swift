import UDPChatImpairment
import UDPChatSupport

/// Changes at run time (the proxy's control API; timeline entries take the same path inside the
/// engine): one change through `ImpairmentEngine.apply(_:now:)`, traced as a `.control` effect.
extension RelayCore {
    /// Makes one change from the next datagram on. False when a rule to remove does not exist.
    public mutating func control(_ change: ControlChange, now: Instant, into effects: inout [RelayEffect<Client>]) -> Bool {
        guard engine.apply(change, now: now) else { return false }
        // A link that never consulted the engine must from now on.
        passthrough = false
        switch change {
        case .addRule, .removeRule, .restore: ruleTexts = engine.ruleTexts
        case .resetCounters: resetCounters()
        case .set: break
        }
        takeControlRecords(into: &effects)
        return true
    }

    /// The engine's pending change records, as `.control` effects.
    @usableFromInline
    mutating func takeControlRecords(into effects: inout [RelayEffect<Client>]) {
        for record in engine.takeControlRecords() { effects.append(.control(record)) }
    }

    /// The settings in force, per direction.
    public var settings: (up: ImpairmentSettings, down: ImpairmentSettings) { (engine.config.up, engine.config.down) }

    /// The number of rules in force.
    public var ruleCount: Int { engine.config.rules.count }

    /// The delay added to every delivered copy, per direction.
    public var addedDelay: [Direction: DelayHistogram] {
        [.up: engine.counters.up.addedDelay, .down: engine.counters.down.addedDelay]
    }

    /// Zeroes the counters. Copies still in flight carry over as received and delivered, and
    /// datagrams still held as received, so the books keep balancing.
    mutating func resetCounters() {
        var fresh = LinkStats(name: counters.name, listen: counters.listen, target: counters.target)
        for direction in Direction.allCases {
            fresh[direction].inFlight = counters[direction].inFlight
            fresh[direction].held = counters[direction].held
            fresh[direction].received = counters[direction].held + counters[direction].inFlight
            fresh[direction].delivered = counters[direction].inFlight
        }
        counters = fresh
    }
}
