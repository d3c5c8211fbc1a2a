// A wire format as the layers that only watch datagrams need it (the impairment rules' reader and
// the proxy's "this rule can never match" warning): its name, a reading without context, and
// which fields each message carries. The contract's own format is `ContractFormat`; every dialect
// (UDPChatDialect) conforms too, so those layers need neither dialect files nor their YAML.

/// One placeholder of a dialect's template: a field of the contract's `Message`, plus the
/// wire-only ones (`{self}`, `{tag}`, `{bit}`, `{to}`) that real formats carry and the contract does not.
public enum Field: String, Sendable, CaseIterable, Hashable {
    case id, port, host, conn, seq, text, code
    case selfID = "self"
    /// An opaque token a request carries and its answer repeats (`PKT 0 REG 5` → `ACK 0 OK`).
    case tag
    /// A 0/1 alternating bit in place of `{seq}`: seq 1, 3, 5, … is 0; seq 2, 4, … is 1.
    case bit
    /// The receiver's id, in peer messages (`TO 2 MSG hi`).
    case to
}

/// What a watcher of the wire asks of a format (docs/DIALECTS.md: "the contract is a dialect like any other").
public protocol WireFormat: Sendable {
    /// The name it is shown by (`default` for the contract's own format).
    var name: String { get }
    /// One datagram read with nothing known beyond it; nil when it is malformed in this format.
    func message(from bytes: [UInt8]) -> Message?
    /// The fields `verb`'s datagrams carry on the wire (as written); nil when the format has no such message.
    func wireFields(of verb: Verb) -> Set<Field>?
}

/// The contract's own format (PROTOCOL.md), read by the hand-written codec.
public struct ContractFormat: WireFormat {
    public init() {}

    public var name: String { "default" }

    public func message(from bytes: [UInt8]) -> Message? { try? Message.parse(bytes) }

    public func wireFields(of verb: Verb) -> Set<Field>? {
        switch verb {
        case .register, .registered: [.id, .port]
        case .lookup, .inactive, .leave, .left: [.id]
        case .peer: [.id, .host, .port]
        case .error: [.code, .id]
        case .connect, .accept, .reject, .terminate, .terminated: [.conn, .id]
        case .msg: [.conn, .id, .seq, .text]
        case .ack: [.conn, .id, .seq]
        }
    }
}
