import UDPChatImpairment
import UDPChatSupport

/// The relay's counters for one direction of one link. The books balance:
/// `received == delivered + dropped.total + flowLimit + held`, and
/// `delivered + duplicated == sent + inFlight + sendErrors + expired`.
public struct DirectionStats: Hashable, Sendable {
    public var received: UInt64 = 0
    /// Datagrams with (at least) their original copy scheduled.
    public var delivered: UInt64 = 0
    /// Extra copies made by duplication.
    public var duplicated: UInt64 = 0
    /// Copies written to a socket.
    public var sent: UInt64 = 0
    /// Copies scheduled for later (delay, rate) and not yet sent.
    public var inFlight: UInt64 = 0
    /// Held back by `reorder` in the engine, waiting to be overtaken.
    public var held: UInt64 = 0
    public var dropped = DropCounters()
    /// Dropped because the link had `maxFlows` flows already (up only).
    public var flowLimit: UInt64 = 0
    /// Copies whose flow was gone when their time came.
    public var expired: UInt64 = 0
    /// Writes the socket refused.
    public var sendErrors: UInt64 = 0
    public var delayed: UInt64 = 0
    public var reordered: UInt64 = 0
    public var corrupted: UInt64 = 0
    public var truncated: UInt64 = 0
    public var bytesReceived: UInt64 = 0
    public var bytesSent: UInt64 = 0
    /// Received datagrams by verb, when the link counts verbs (`RelayConfiguration.countVerbs`).
    public var verbs = VerbCounts()

    public init() {}

    /// True when every datagram is accounted for.
    public var balanced: Bool {
        received == delivered + dropped.total + flowLimit + held
            && delivered + duplicated == sent + inFlight + sendErrors + expired
    }
}

/// Counters of one link (a relay core's counters: the proxy reports these, the simulator reads them).
public struct LinkStats: Hashable, Sendable {
    public var name: String
    public var listen: Endpoint
    public var target: Endpoint
    public var up = DirectionStats()
    public var down = DirectionStats()
    /// Rule text, datagrams matched, datagrams acted on, in rule order.
    public var rules: [RuleStats] = []
    public var activeFlows = 0
    public var flowsOpened: UInt64 = 0
    public var flowsExpired: UInt64 = 0
    /// Datagrams the kernel dropped on this link's sockets because their receive queue was full
    /// (the `drops` column of /proc/net/udp{,6}; nil where unavailable).
    public var kernelDrops: UInt64?

    public init(name: String, listen: Endpoint, target: Endpoint) {
        self.name = name
        self.listen = listen
        self.target = target
    }

    public subscript(direction: Direction) -> DirectionStats {
        get { direction == .up ? up : down }
        set { if direction == .up { up = newValue } else { down = newValue } }
    }
}

/// One rule's counters.
public struct RuleStats: Hashable, Sendable {
    public var rule: String
    public var matched: UInt64
    public var acted: UInt64

    public init(rule: String, matched: UInt64, acted: UInt64) {
        self.rule = rule
        self.matched = matched
        self.acted = acted
    }
}
