import UDPChatImpairment
import UDPChatSupport
import UDPChatWire

/// One decision of a relay core about one datagram (copy or drop): the one trace record of the
/// relay. The live proxy writes it as a JSON line (`jsonLine`); the simulator folds the records of
/// one datagram into a `TraceRecord`, as the scenario runner does with the proxy's lines.
public struct RelayTraceEvent: Sendable {
    /// Time since the proxy started.
    public var time: Instant
    public var link: String
    public var decision: Decision
    /// Up: the client and the link's target; down: the target and the client.
    public var source: Endpoint
    public var destination: Endpoint
    /// Size as it arrived.
    public var size: Int
    /// The arrived bytes (decoded when they are chat).
    public var payload: [UInt8]
    /// The text of the rule that decided, if one did.
    public var rule: String?
    /// How the payload is read for the trace's `msg`: the link's dialect (the contract by default).
    public var reader: MessageReader

    public init(time: Instant, link: String, decision: Decision, source: Endpoint, destination: Endpoint, size: Int, payload: [UInt8], rule: String?,
                reader: MessageReader = .contract) {
        self.time = time
        self.link = link
        self.decision = decision
        self.source = source
        self.destination = destination
        self.size = size
        self.payload = payload
        self.rule = rule
        self.reader = reader
    }

    /// The verdict word: forwarded, dropped (with `reason`), duplicated, delayed, reordered,
    /// corrupted, truncated, queue-overflow.
    public var verdict: String {
        switch decision {
        case .drop(let drop): drop.reason == .queueOverflow ? "queue-overflow" : "dropped"
        case .deliver(let d):
            if d.notes.contains(.duplicate) { "duplicated" }
            else if d.notes.contains(.reordered) { "reordered" }
            else if d.notes.contains(.corrupted) { "corrupted" }
            else if d.notes.contains(.truncated) { "truncated" }
            else if d.notes.contains(.delayed) { "delayed" }
            else { "forwarded" }
        }
    }

    /// One JSON object, no newline. Keys: t (seconds), link, dir, flow, serial, src, dst, size,
    /// msg (verb and fields, when the payload is valid chat) or malformed, verdict, reason
    /// (drops), delay_us, notes, out_size (when changed), rule.
    public var jsonLine: String {
        var s = "{\"t\":"
        s += JSON.seconds(time)
        s += ",\"link\":" + JSON.string(link)
        let (direction, flow, serial): (Direction, UInt64, UInt64) = switch decision {
        case .deliver(let d): (d.direction, d.flow, d.serial)
        case .drop(let d): (d.direction, d.flow, d.serial)
        }
        s += ",\"dir\":\"\(direction.rawValue)\",\"flow\":\(flow),\"serial\":\(serial)"
        s += ",\"src\":" + JSON.string(source.description) + ",\"dst\":" + JSON.string(destination.description) + ",\"size\":\(size)"
        if let message = reader(payload) {
            s += ",\"msg\":{\"verb\":\"\(message.verb.rawValue)\""
            if let conn = message.conn { s += ",\"conn\":\(conn)" }
            s += ",\"id\":\(message.id)"
            if let seq = message.seq { s += ",\"seq\":\(seq)" }
            if let port = message.port { s += ",\"port\":\(port)" }
            s += "}"
        }
        s += ",\"verdict\":\"\(verdict)\""
        switch decision {
        case .drop(let drop):
            s += ",\"reason\":\"\(drop.reason.rawValue)\""
        case .deliver(let d):
            s += ",\"delay_us\":\(d.delay.nanoseconds / 1000)"
            if !d.notes.isEmpty { s += ",\"notes\":[" + d.notes.names.map { "\"\($0)\"" }.joined(separator: ",") + "]" }
            if d.bytes.count != size { s += ",\"out_size\":\(d.bytes.count)" }
        }
        if let rule { s += ",\"rule\":" + JSON.string(rule) }
        s += "}"
        return s
    }

    /// A proxy-level drop (no engine decision): flow limit.
    public static func flowLimitLine(time: Instant, link: String, source: Endpoint, destination: Endpoint, size: Int) -> String {
        "{\"t\":\(JSON.seconds(time)),\"link\":\(JSON.string(link)),\"dir\":\"up\",\"flow\":0,\"src\":\(JSON.string(source.description)),"
            + "\"dst\":\(JSON.string(destination.description)),\"size\":\(size),\"verdict\":\"dropped\",\"reason\":\"flow-limit\"}"
    }
}
