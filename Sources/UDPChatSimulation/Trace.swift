import UDPChatSupport
import UDPChatWire

/// One datagram that reached a proxy, and what the proxy did with it. The same record comes from
/// the simulator and from a live proxy, and `jsonLine` is the proxy's trace format.
public struct TraceRecord: Hashable, Sendable {
    /// When the proxy received it (since the start of the run).
    public var time: Instant
    /// The proxy's name (the party it sits in front of).
    public var proxy: String
    public var direction: LinkDirection
    /// Logical source and destination (the client and the proxied target), not the proxy's sockets.
    public var source: Endpoint
    public var destination: Endpoint
    /// Party names for source and destination when known ("?" for a stranger's address).
    public var from: String
    public var to: String
    public var size: Int
    /// The decoded message; nil when the payload is not a valid chat datagram.
    public var message: Message?
    /// `forwarded`, `dropped`, `duplicated`, `delayed`, `reordered`.
    public var verdict: String
    /// Copies that left the proxy and when (0 when dropped).
    public var deliveries: [Instant]
    public var dropReason: String?
    public var rule: String?

    public init(time: Instant, proxy: String, direction: LinkDirection, source: Endpoint, destination: Endpoint,
                from: String, to: String, size: Int, message: Message?, verdict: String, deliveries: [Instant],
                dropReason: String?, rule: String?) {
        self.time = time
        self.proxy = proxy
        self.direction = direction
        self.source = source
        self.destination = destination
        self.from = from
        self.to = to
        self.size = size
        self.message = message
        self.verdict = verdict
        self.deliveries = deliveries
        self.dropReason = dropReason
        self.rule = rule
    }

    /// Number of copies that left the proxy.
    public var copies: Int { deliveries.count }

    /// One JSON object on one line, fields in a fixed order (byte-identical for identical runs).
    public var jsonLine: String {
        var out = "{\"t\":\(JSON.seconds(time)),\"proxy\":\(JSON.string(proxy)),\"dir\":\"\(direction.rawValue)\""
        out += ",\"src\":\"\(source)\",\"dst\":\"\(destination)\",\"from\":\(JSON.string(from)),\"to\":\(JSON.string(to))"
        out += ",\"size\":\(size)"
        if let message {
            out += ",\"verb\":\"\(message.verb.rawValue)\""
            if let conn = message.conn { out += ",\"conn\":\(conn)" }
            out += ",\"id\":\(message.id)"
            if let seq = message.seq { out += ",\"seq\":\(seq)" }
            if case .msg(_, _, _, let text) = message { out += ",\"text\":\(JSON.string(text))" }
        }
        out += ",\"verdict\":\"\(verdict)\""
        if let dropReason { out += ",\"reason\":\(JSON.string(dropReason))" }
        if !deliveries.isEmpty, deliveries.contains(where: { $0 != time }) || deliveries.count > 1 {
            out += ",\"delays\":[" + deliveries.map { JSON.seconds(Instant(nanoseconds: ($0 - time).nanoseconds)) }.joined(separator: ",") + "]"
        }
        if let rule { out += ",\"rule\":\(JSON.string(rule))" }
        return out + "}"
    }

    /// A short human line for reports: `  12.000s bob up   alice→bob MSG 1 seq=1 "hi" dropped (rule …)`.
    public var summary: String {
        var text = "\(JSON.seconds(time))s \(proxy) \(direction.rawValue.padding(4)) \(from)→\(to) "
        text += message.map { String($0.serialized.prefix(60)) } ?? "(\(size) bytes, not chat)"
        text += "  \(verdict)"
        if let dropReason { text += " (\(dropReason)\(rule.map { ": \($0)" } ?? ""))" } else if let rule { text += " (\(rule))" }
        if deliveries.count > 1 { text += " ×\(deliveries.count)" }
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

/// Tiny deterministic JSON helpers (fixed formatting, no Foundation).
public enum JSON {
    /// Seconds with microsecond precision: `12.000500`.
    public static func seconds(_ instant: Instant) -> String {
        let ns = instant.nanoseconds
        let sign = ns < 0 ? "-" : ""
        let magnitude = ns.magnitude
        let micros = (magnitude / 1000) % 1_000_000
        var fraction = String(micros)
        while fraction.count < 6 { fraction = "0" + fraction }
        return "\(sign)\(magnitude / 1_000_000_000).\(fraction)"
    }

    /// A JSON string literal with the required escapes.
    public static func string(_ text: String) -> String {
        var out = "\""
        for scalar in text.unicodeScalars {
            switch scalar {
            case "\"": out += "\\\""
            case "\\": out += "\\\\"
            case "\n": out += "\\n"
            case "\r": out += "\\r"
            case "\t": out += "\\t"
            default:
                if scalar.value < 0x20 {
                    let hex = String(scalar.value, radix: 16)
                    out += "\\u" + String(repeating: "0", count: 4 - hex.count) + hex
                } else {
                    out.unicodeScalars.append(scalar)
                }
            }
        }
        return out + "\""
    }
}

extension String {
    func padding(_ width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
