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

    public init() {}

    /// True when every datagram is accounted for.
    public var balanced: Bool {
        received == delivered + dropped.total + flowLimit + held
            && delivered + duplicated == sent + inFlight + sendErrors + expired
    }
}

/// Counters of one link.
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
}

/// A snapshot of every link's counters.
public struct ProxyStats: Hashable, Sendable {
    public var links: [LinkStats]
    /// Seconds since the proxy started.
    public var uptime: Double

    /// A few human lines per link, as printed by `udpchat proxy`.
    public var report: String {
        var lines: [String] = []
        for link in links {
            var head = "[\(link.name)] \(link.listen) → \(link.target)  flows \(link.activeFlows) (opened \(link.flowsOpened), expired \(link.flowsExpired))"
            head += "  kernel-drops \(link.kernelDrops.map(String.init) ?? "n/a")"
            lines.append(head)
            for direction in Direction.allCases {
                let s = link[direction]
                var line = "  \(direction.rawValue.padding(4)) received \(s.received)  sent \(s.sent)  delivered \(s.delivered)"
                line += "  dropped \(s.dropped.total + s.flowLimit)"
                var reasons: [String] = []
                for reason in DropReason.allCases where s.dropped[reason] > 0 { reasons.append("\(reason) \(s.dropped[reason])") }
                if s.flowLimit > 0 { reasons.append("flow-limit \(s.flowLimit)") }
                if !reasons.isEmpty { line += " (" + reasons.joined(separator: ", ") + ")" }
                line += "  duplicated \(s.duplicated)  delayed \(s.delayed)  reordered \(s.reordered)"
                line += "  corrupted \(s.corrupted)  truncated \(s.truncated)  in-flight \(s.inFlight)"
                if s.held > 0 { line += "  held \(s.held)" }
                if s.expired > 0 { line += "  expired \(s.expired)" }
                if s.sendErrors > 0 { line += "  send-errors \(s.sendErrors)" }
                line += s.balanced ? "  [books balance]" : "  [BOOKS DO NOT BALANCE]"
                lines.append(line)
            }
            for (i, rule) in link.rules.enumerated() {
                lines.append("  rule \(i + 1) '\(rule.rule)': matched \(rule.matched), acted \(rule.acted)")
            }
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
