// A Message as JSON, by its fields: the sandboxed worker's observation and the proxy's trace lines
// carry messages this way. What a dialect's reader filled in need not be the contract's valid text
// (a live trace's MSG has no text, a dialect's REGISTERED may have no port), so a message is coded
// field by field, not as its wire text; a missing number reads as 0.

extension Message: Codable {
    private enum Field: String, CodingKey { case verb, id, conn, seq, port, host, text, code }

    public init(from decoder: any Decoder) throws {
        let fields = try decoder.container(keyedBy: Field.self)
        let verb = try fields.decode(String.self, forKey: .verb)
        guard let message = Message(verb: verb, id: try fields.decode(ClientID.self, forKey: .id),
                                    conn: try fields.decodeIfPresent(ConnToken.self, forKey: .conn),
                                    seq: try fields.decodeIfPresent(SeqNo.self, forKey: .seq),
                                    port: try fields.decodeIfPresent(UInt16.self, forKey: .port),
                                    host: try fields.decodeIfPresent(String.self, forKey: .host),
                                    text: try fields.decodeIfPresent(String.self, forKey: .text),
                                    code: try fields.decodeIfPresent(String.self, forKey: .code)) else {
            throw DecodingError.dataCorruptedError(forKey: .verb, in: fields, debugDescription: "not a message: verb '\(verb)' or its error code")
        }
        self = message
    }

    public func encode(to encoder: any Encoder) throws {
        var fields = encoder.container(keyedBy: Field.self)
        try fields.encode(verb.rawValue, forKey: .verb)
        try fields.encode(id, forKey: .id)
        try fields.encodeIfPresent(conn, forKey: .conn)
        try fields.encodeIfPresent(seq, forKey: .seq)
        try fields.encodeIfPresent(port, forKey: .port)
        switch self {
        case .peer(_, let host, _): try fields.encode(host, forKey: .host)
        case .msg(_, _, _, let text): try fields.encode(text, forKey: .text)
        case .error(let code, _): try fields.encode(code.rawValue, forKey: .code)
        default: break
        }
    }

    /// A message from its fields (what a field does not apply to is ignored; a missing number is 0, a
    /// missing text empty); nil for an unknown verb, or an ERROR without a known code.
    public init?(verb: String, id: ClientID, conn: ConnToken? = nil, seq: SeqNo? = nil, port: UInt16? = nil,
                 host: String? = nil, text: String? = nil, code: String? = nil) {
        guard let verb = Verb(rawValue: verb) else { return nil }
        let conn = conn ?? 0, seq = seq ?? 0, port = port ?? 0
        switch verb {
        case .register: self = .register(id: id, port: port)
        case .registered: self = .registered(id: id, port: port)
        case .lookup: self = .lookup(id: id)
        case .peer: self = .peer(id: id, host: host ?? "", port: port)
        case .inactive: self = .inactive(id: id)
        case .leave: self = .leave(id: id)
        case .left: self = .left(id: id)
        case .error:
            guard let code = code.flatMap(ErrorCode.init(rawValue:)) else { return nil }
            self = .error(code: code, id: id)
        case .connect: self = .connect(conn: conn, id: id)
        case .accept: self = .accept(conn: conn, id: id)
        case .reject: self = .reject(conn: conn, id: id)
        case .msg: self = .msg(conn: conn, id: id, seq: seq, text: text ?? "")
        case .ack: self = .ack(conn: conn, id: id, seq: seq)
        case .terminate: self = .terminate(conn: conn, id: id)
        case .terminated: self = .terminated(conn: conn, id: id)
        }
    }
}
