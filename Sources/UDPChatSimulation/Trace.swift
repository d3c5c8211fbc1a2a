import UDPChatImpairment
import UDPChatSupport
import UDPChatWire

/// One datagram that reached a proxy, and what the proxy did with it (all its copies). The
/// simulator builds these from the impairment engine's decisions; the live runner builds the
/// same records from the proxy's trace events (grouped by link and serial).
public struct TraceRecord: Hashable, Sendable {
    /// When the proxy received it (since the start of the run).
    public var time: Instant
    /// The proxy's name (its link).
    public var proxy: String
    public var direction: LinkDirection
    /// The proxy's flow (one per client source address).
    public var flow: UInt64
    /// The engine's running number of this datagram on this proxy.
    public var serial: UInt64
    /// Logical source and destination (the client and the proxied target), not the proxy's sockets.
    public var source: Endpoint
    public var destination: Endpoint
    /// Party names for source and destination ("?" for an unknown address).
    public var from: String
    public var to: String
    public var size: Int
    /// The decoded message; nil when the payload is not a valid chat datagram.
    public var message: Message?
    /// What became of it (`held` while reorder keeps it back and has not released it yet).
    public var verdict: TraceVerdict
    /// Copies that left the proxy and when (0 when dropped).
    public var deliveries: [Instant]
    /// The engine's notes per copy (`delayed`, `duplicate`, `reordered`, …).
    public var notes: [DeliveryNotes]
    public var dropReason: String?
    public var rule: String?

    public init(time: Instant, proxy: String, direction: LinkDirection, flow: UInt64, serial: UInt64, source: Endpoint,
                destination: Endpoint, from: String, to: String, size: Int, message: Message?) {
        self.time = time
        self.proxy = proxy
        self.direction = direction
        self.flow = flow
        self.serial = serial
        self.source = source
        self.destination = destination
        self.from = from
        self.to = to
        self.size = size
        self.message = message
        self.verdict = .held
        self.deliveries = []
        self.notes = []
    }

    /// Number of copies that left the proxy.
    public var copies: Int { deliveries.count }

    /// Adds one copy that leaves at `at` with the engine's notes.
    public mutating func addDelivery(at: Instant, notes: DeliveryNotes, rule: String?) {
        deliveries.append(at)
        self.notes.append(notes)
        if let rule { self.rule = rule }
        verdict = deliveries.count > 1 ? .duplicated : Self.verdict(notes)
    }

    /// Marks it dropped.
    public mutating func drop(reason: String, rule: String?) {
        verdict = reason == TraceVerdict.queueOverflow.rawValue ? .queueOverflow : .dropped
        dropReason = reason
        self.rule = rule
    }

    static func verdict(_ notes: DeliveryNotes) -> TraceVerdict {
        if notes.contains(.duplicate) { return .duplicated }
        if notes.contains(.reordered) { return .reordered }
        if notes.contains(.corrupted) { return .corrupted }
        if notes.contains(.truncated) { return .truncated }
        if notes.contains(.delayed) { return .delayed }
        return .forwarded
    }

    /// The proxy's trace format: one JSON object per decision (a dropped datagram gives one line,
    /// a duplicated one a line per copy). Keys: t, link, dir, flow, serial, src, dst, size, msg,
    /// verdict, reason | delay_us, notes, rule, plus the party names from and to.
    public var jsonLines: [String] {
        var head = "{\"t\":\(JSON.seconds(time)),\"link\":\(JSON.string(proxy)),\"dir\":\"\(direction.rawValue)\""
        head += ",\"flow\":\(flow),\"serial\":\(serial),\"src\":\"\(source)\",\"dst\":\"\(destination)\",\"size\":\(size)"
        if let message {
            head += ",\"msg\":{\"verb\":\"\(message.verb.rawValue)\""
            if let conn = message.conn { head += ",\"conn\":\(conn)" }
            head += ",\"id\":\(message.id)"
            if let seq = message.seq { head += ",\"seq\":\(seq)" }
            if let port = message.port { head += ",\"port\":\(port)" }
            if case .msg(_, _, _, let text) = message { head += ",\"text\":\(JSON.string(text))" }
            head += "}"
        }
        let tail = ",\"from\":\(JSON.string(from)),\"to\":\(JSON.string(to))" + (rule.map { ",\"rule\":\(JSON.string($0))" } ?? "") + "}"
        if deliveries.isEmpty {
            let reason = dropReason.map { ",\"reason\":\(JSON.string($0))" } ?? ""
            return [head + ",\"verdict\":\"\(verdict)\"" + reason + tail]
        }
        return zip(deliveries, notes).map { at, notes in
            let verdict = Self.verdict(notes)
            var line = head + ",\"verdict\":\"\(verdict)\",\"delay_us\":\((at - time).nanoseconds / 1000)"
            if !notes.isEmpty { line += ",\"notes\":[" + notes.names.map { "\"\($0)\"" }.joined(separator: ",") + "]" }
            return line + tail
        }
    }

    /// A short human line for reports: `12.000500s bob up   alice→bob MSG 1 1 1 hi  dropped (rule: …)`.
    public var summary: String {
        var text = "\(JSON.seconds(time))s \(proxy) \(direction.rawValue.padding(4)) \(from)→\(to) "
        text += message.map { String($0.serialized.prefix(60)) } ?? "(\(size) bytes, not chat)"
        text += "  \(verdict)"
        if let dropReason { text += " (\(dropReason)\(rule.map { ": \($0)" } ?? ""))" } else if let rule { text += " (\(rule))" }
        if deliveries.count > 1 { text += " ×\(deliveries.count)" }
        if let first = deliveries.first, first > time { text += " +\((first - time).compactDescription)" }
        return text
    }
}

/// A line a party showed (a client's console line or the server's table), at a virtual or real time.
public struct DisplayRecord: Hashable, Sendable {
    public var time: Instant
    public var party: String
    public var line: String

    public init(time: Instant, party: String, line: String) {
        self.time = time
        self.party = party
        self.line = line
    }

    public var jsonLine: String {
        "{\"t\":\(JSON.seconds(time)),\"party\":\(JSON.string(party)),\"line\":\(JSON.string(line))}"
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}

/// What became of one datagram at a proxy: the trace's `verdict` (docs/PROXY.md "The trace").
public enum TraceVerdict: String, Sendable, Codable, CaseIterable, CustomStringConvertible {
    case forwarded, dropped, duplicated, delayed, reordered, corrupted, truncated
    case queueOverflow = "queue-overflow"
    /// Kept back by reorder and not released (yet).
    case held

    public var description: String { rawValue }
}
