import UDPChatSupport
import UDPChatWire

/// Which way a datagram crosses a proxy: `up` = client → target, `down` = the target's replies.
public enum LinkDirection: String, Hashable, Sendable, CaseIterable {
    case up, down
}

/// What an impairment decided for one datagram.
public struct ImpairmentOutcome: Sendable {
    /// When each copy leaves the proxy (empty: dropped). Two or more: duplicated.
    public var deliveries: [Instant]
    /// Why the datagram was dropped (`loss`, `blackhole`, `rule`, …); nil when at least one copy left.
    public var dropReason: String?
    /// The rule that decided, in the proxy's vocabulary, if a targeted rule matched.
    public var rule: String?
    /// Extra verdict words beyond drop / duplicate / delay (e.g. `reordered`).
    public var notes: [String]

    public init(deliveries: [Instant], dropReason: String? = nil, rule: String? = nil, notes: [String] = []) {
        self.deliveries = deliveries
        self.dropReason = dropReason
        self.rule = rule
        self.notes = notes
    }

    /// The one-word verdict the trace shows.
    public func verdict(now: Instant) -> String {
        if deliveries.isEmpty { return "dropped" }
        if deliveries.count > 1 { return "duplicated" }
        if notes.contains("reordered") { return "reordered" }
        return deliveries[0] > now ? "delayed" : "forwarded"
    }
}

/// The impairment logic of one proxy (both directions). The simulator asks it about every datagram
/// the proxy receives; the same logic runs inside the live proxy.
public protocol LinkImpairment {
    /// Decides the fate of one datagram that reached the proxy at `now`.
    /// `message` is the decoded chat message, nil when the payload is not the chat protocol.
    mutating func process(_ datagram: [UInt8], message: Message?, direction: LinkDirection, now: Instant) -> ImpairmentOutcome
}

/// No impairment: every datagram is forwarded at once.
public struct NoImpairment: LinkImpairment, Sendable {
    public init() {}
    public mutating func process(_ datagram: [UInt8], message: Message?, direction: LinkDirection, now: Instant) -> ImpairmentOutcome {
        ImpairmentOutcome(deliveries: [now])
    }
}
