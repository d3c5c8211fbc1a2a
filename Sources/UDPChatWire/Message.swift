/// Client identifier, 1 … 2147483647.
public typealias ClientID = UInt32
/// Connection token, 1 … 4294967295, chosen at random by the requester.
public typealias ConnToken = UInt32
/// Message sequence number, 1 … 2147483647.
public typealias SeqNo = UInt32

/// The verbs of protocol version 1, as they appear on the wire.
public enum Verb: String, CaseIterable, Hashable, Sendable {
    // client ↔ server
    case register = "REGISTER", registered = "REGISTERED"
    case lookup = "LOOKUP", peer = "PEER", inactive = "INACTIVE"
    case leave = "LEAVE", left = "LEFT"
    case error = "ERROR"
    // client ↔ client
    case connect = "CONNECT", accept = "ACCEPT", reject = "REJECT"
    case msg = "MSG", ack = "ACK"
    case terminate = "TERMINATE", terminated = "TERMINATED"

    /// Number of space-separated fields including the verb (MSG's text counts as one field).
    public var fieldCount: Int {
        switch self {
        case .lookup, .inactive, .leave, .left: 2
        case .register, .registered, .error, .connect, .accept, .reject, .terminate, .terminated: 3
        case .peer, .ack: 4
        case .msg: 5
        }
    }

    /// True for the verbs a client sends to the server or the server answers with.
    public var isClientServer: Bool {
        switch self {
        case .register, .registered, .lookup, .peer, .inactive, .leave, .left, .error: true
        default: false
        }
    }
}

/// The refusal codes a server may send in `ERROR <code> <id>`.
public enum ErrorCode: String, CaseIterable, Hashable, Sendable {
    case idInUse = "ID_IN_USE"
    case addressInUse = "ADDRESS_IN_USE"
    case notOwner = "NOT_OWNER"
    case notRegistered = "NOT_REGISTERED"
}

/// One datagram of the udpchat protocol, version 1.
public enum Message: Hashable, Sendable {
    case register(id: ClientID, port: UInt16)
    case registered(id: ClientID, port: UInt16)
    case lookup(id: ClientID)
    case peer(id: ClientID, host: String, port: UInt16)
    case inactive(id: ClientID)
    case leave(id: ClientID)
    case left(id: ClientID)
    case error(code: ErrorCode, id: ClientID)
    case connect(conn: ConnToken, id: ClientID)
    case accept(conn: ConnToken, id: ClientID)
    case reject(conn: ConnToken, id: ClientID)
    case msg(conn: ConnToken, id: ClientID, seq: SeqNo, text: String)
    case ack(conn: ConnToken, id: ClientID, seq: SeqNo)
    case terminate(conn: ConnToken, id: ClientID)
    case terminated(conn: ConnToken, id: ClientID)

    public var verb: Verb {
        switch self {
        case .register: .register
        case .registered: .registered
        case .lookup: .lookup
        case .peer: .peer
        case .inactive: .inactive
        case .leave: .leave
        case .left: .left
        case .error: .error
        case .connect: .connect
        case .accept: .accept
        case .reject: .reject
        case .msg: .msg
        case .ack: .ack
        case .terminate: .terminate
        case .terminated: .terminated
        }
    }

    /// The `<id>` field: for server answers the id they are about, for peer messages the sender.
    public var id: ClientID {
        switch self {
        case .register(let id, _), .registered(let id, _), .lookup(let id), .peer(let id, _, _),
             .inactive(let id), .leave(let id), .left(let id), .error(_, let id),
             .connect(_, let id), .accept(_, let id), .reject(_, let id), .msg(_, let id, _, _),
             .ack(_, let id, _), .terminate(_, let id), .terminated(_, let id):
            id
        }
    }

    /// The `<conn>` field of peer-to-peer messages; nil for client ↔ server messages.
    public var conn: ConnToken? {
        switch self {
        case .connect(let conn, _), .accept(let conn, _), .reject(let conn, _), .msg(let conn, _, _, _),
             .ack(let conn, _, _), .terminate(let conn, _), .terminated(let conn, _):
            conn
        default: nil
        }
    }

    /// The `<seq>` field of MSG and ACK; nil otherwise.
    public var seq: SeqNo? {
        switch self {
        case .msg(_, _, let seq, _), .ack(_, _, let seq): seq
        default: nil
        }
    }

    /// The `<port>` field of REGISTER, REGISTERED and PEER; nil otherwise.
    public var port: UInt16? {
        switch self {
        case .register(_, let port), .registered(_, let port), .peer(_, _, let port): port
        default: nil
        }
    }
}

/// Limits from "Datagrams" in PROTOCOL.md.
public enum WireLimits {
    public static let maxDatagram = 1200
    public static let maxText = 1000
    public static let maxID: UInt32 = 2_147_483_647
    public static let maxSeq: UInt32 = 2_147_483_647
    public static let maxConn: UInt32 = 4_294_967_295
}
