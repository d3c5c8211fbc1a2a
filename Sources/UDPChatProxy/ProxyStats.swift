import UDPChatImpairment
import UDPChatRelay

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
            lines += Self.report(link, head: head)
        }
        return lines.joined(separator: "\n")
    }

    /// One link's lines under `head`: a line per direction (with its verbs when counted), one per rule.
    public static func report(_ link: LinkStats, head: String) -> [String] {
        var lines = [head]
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
            let verbs = s.verbs.nonZero
            if !verbs.isEmpty { lines.append("       by verb: " + verbs.map { "\($0.name) \($0.count)" }.joined(separator: "  ")) }
        }
        for (i, rule) in link.rules.enumerated() {
            lines.append("  rule \(i + 1) '\(rule.rule)': matched \(rule.matched), acted \(rule.acted)")
        }
        return lines
    }
}

extension String {
    fileprivate func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
