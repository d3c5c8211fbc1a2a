import Foundation
import UDPChatSupport
import UDPChatWire

/// One thing the grader saw or did during a case: the evidence behind a verdict.
public struct TraceEvent: Sendable, Codable, Hashable {
    public enum Kind: String, Sendable, Codable, Hashable {
        /// A datagram the grader sent to the implementation.
        case sent
        /// A datagram from the implementation that the grader's node accepted.
        case received
        /// A datagram from the implementation that fault injection discarded (a simulated loss).
        case dropped
        /// A line the implementation printed on standard output / standard error.
        case stdout, stderr
        /// A line the grader typed on the implementation's standard input.
        case stdin
        /// Process start/exit, expectations, notes.
        case note
    }

    /// Time since the case started (JSON: seconds as a number).
    public var time: Duration
    public var kind: Kind
    /// The grader's party: `server`, `peer`, `client-2`, `stranger`, or `iut` for the process.
    public var node: String
    /// For datagrams: the implementation's address (source of received, destination of sent).
    public var remote: String?
    /// The grader node's own address for datagrams.
    public var local: String?
    /// Datagram text (non-printable bytes escaped) or the console line.
    public var text: String
    /// Raw datagram bytes (not in JSON).
    public var bytes: [UInt8]?
    /// Marks fault-injected sends (`duplicate`, `spoofed`, `reordered`) and highlighted failures.
    public var tag: String?
    /// The message as the node's dialect read it (not in JSON); only when `readByDialect`.
    var dialectMessage: Message?
    /// True when a grader node read the datagram with the manifest's dialect (`dialectMessage`),
    /// false when `message` reads `bytes` with the contract's codec.
    var readByDialect = false
    /// A `dropped` datagram that `node` sent toward the implementation (a whole case's relay losing a
    /// client's datagram to the server), drawn node → implementation; false: one the implementation
    /// sent the node (the grader's own drop rules, the relay's losses of the server's answers).
    public var towardImplementation = false

    enum CodingKeys: String, CodingKey { case time, kind, node, remote, local, text, tag, towardImplementation = "toward_implementation" }

    public init(time: Duration, kind: Kind, node: String, remote: String? = nil, local: String? = nil, text: String,
                bytes: [UInt8]? = nil, tag: String? = nil) {
        self.time = time
        self.kind = kind
        self.node = node
        self.remote = remote
        self.local = local
        self.text = text
        self.bytes = bytes
        self.tag = tag
    }

    public init(from decoder: any Decoder) throws {
        let container = try decoder.container(keyedBy: CodingKeys.self)
        time = .nanoseconds(Int64((try container.decode(Double.self, forKey: .time) * 1e9).rounded()))
        kind = try container.decode(Kind.self, forKey: .kind)
        node = try container.decode(String.self, forKey: .node)
        remote = try container.decodeIfPresent(String.self, forKey: .remote)
        local = try container.decodeIfPresent(String.self, forKey: .local)
        text = try container.decode(String.self, forKey: .text)
        tag = try container.decodeIfPresent(String.self, forKey: .tag)
        towardImplementation = try container.decodeIfPresent(Bool.self, forKey: .towardImplementation) ?? false
    }

    public func encode(to encoder: any Encoder) throws {
        var container = encoder.container(keyedBy: CodingKeys.self)
        try container.encode(time.seconds, forKey: .time)
        try container.encode(kind, forKey: .kind)
        try container.encode(node, forKey: .node)
        try container.encodeIfPresent(remote, forKey: .remote)
        try container.encodeIfPresent(local, forKey: .local)
        try container.encode(text, forKey: .text)
        try container.encodeIfPresent(tag, forKey: .tag)
        if towardImplementation { try container.encode(true, forKey: .towardImplementation) }
    }

    /// The parsed message, if the datagram is well formed.
    public var message: Message? {
        if readByDialect { return dialectMessage }
        guard let bytes else { return nil }
        return try? Message.parse(bytes)
    }

    public var isDatagram: Bool { kind == .sent || kind == .received || kind == .dropped }
}

/// Escapes a datagram for display: printable ASCII/UTF-8 as is, everything else as \xNN.
public func escapeDatagram(_ bytes: [UInt8]) -> String {
    if let text = String(validating: bytes, as: UTF8.self),
       !text.unicodeScalars.contains(where: { $0.value < 0x20 || $0.value == 0x7f }) {
        return text.count > 160 ? String(text.prefix(150)) + "…(\(bytes.count) bytes)" : text
    }
    var out = ""
    for byte in bytes.prefix(120) {
        if byte >= 0x20, byte < 0x7f, byte != UInt8(ascii: "\\") { out.append(Character(UnicodeScalar(byte))) } else {
            out += "\\x" + (byte < 16 ? "0" : "") + String(byte, radix: 16)
        }
    }
    if bytes.count > 120 { out += "…(\(bytes.count) bytes)" }
    return out
}

/// The shared, thread-safe record of one case run. Fake nodes and the process append to it;
/// the case script polls it.
public final class Trace: @unchecked Sendable {
    private let lock = NSLock()
    private var storage: [TraceEvent] = []
    private let start = ContinuousClock.now

    public init() {}

    /// Time since the case started.
    public func now() -> Duration { ContinuousClock.now - start }

    /// Appends an event at `time` (default: now; a captured datagram gives the time it was on the wire).
    public func append(_ kind: TraceEvent.Kind, node: String, remote: String? = nil, local: String? = nil,
                       text: String, bytes: [UInt8]? = nil, tag: String? = nil, decoded: Message?? = nil, at time: Duration? = nil,
                       towardImplementation: Bool = false) {
        var event = TraceEvent(time: time ?? now(), kind: kind, node: node, remote: remote, local: local, text: text, bytes: bytes, tag: tag)
        event.towardImplementation = towardImplementation
        if let decoded {
            event.readByDialect = true
            event.dialectMessage = decoded
        }
        lock.lock()
        storage.append(event)
        lock.unlock()
    }

    public func note(_ text: String, tag: String? = nil) { append(.note, node: "grader", text: text, tag: tag) }

    public var events: [TraceEvent] {
        lock.lock()
        defer { lock.unlock() }
        return storage
    }

    /// Human-readable trace: one line per event.
    public func render() -> String { Trace.render(events) }

    /// Human-readable lines for a list of events.
    public static func render(_ events: [TraceEvent]) -> String {
        events.map { event in
            let time = String(format: "%8.3f", event.time.seconds)
            let tag = event.tag.map { " [\($0)]" } ?? ""
            switch event.kind {
            case .sent: return "\(time)  \(event.node) -> iut \(event.remote ?? "")  \(event.text)\(tag)"
            case .received: return "\(time)  iut \(event.remote ?? "") -> \(event.node)  \(event.text)\(tag)"
            case .dropped:
                let why = event.tag.map { "[DROPPED: \($0)]" } ?? "[DROPPED by grader]"
                return event.towardImplementation ? "\(time)  \(event.node) -> iut \(event.remote ?? "")  \(event.text)  \(why)"
                    : "\(time)  iut \(event.remote ?? "") -> \(event.node)  \(event.text)  \(why)"
            case .stdout, .stderr, .stdin:
                return "\(time)  \(event.node == "iut" ? "" : event.node + " ")\(event.kind.rawValue): \(event.text)"
            case .note: return "\(time)  # \(event.text)\(tag)"
            }
        }.joined(separator: "\n")
    }
}

/// Formats a duration as `0.300 s`.
func seconds(_ value: Duration) -> String { String(format: "%.3f s", value.seconds) }
