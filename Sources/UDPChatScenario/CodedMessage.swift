import UDPChatWire

/// A message by its fields, not its wire text: what a dialect's reader filled in need not be the
/// contract's valid text (a live trace's MSG has no text; a dialect's REGISTERED may have no port).
/// The one fields → `Message` mapping of live runs: the sandboxed worker's reply and the proxy's
/// trace lines (`LiveTrace.message`) both go through it.
struct CodedMessage: Sendable, Codable, Equatable {
    var verb: String
    var id: ClientID
    var conn: ConnToken?
    var seq: SeqNo?
    var port: UInt16?
    var host: String?
    var text: String?
    var code: String?

    init(verb: String, id: ClientID, conn: ConnToken? = nil, seq: SeqNo? = nil, port: UInt16? = nil,
         host: String? = nil, text: String? = nil, code: String? = nil) {
        (self.verb, self.id, self.conn, self.seq, self.port) = (verb, id, conn, seq, port)
        (self.host, self.text, self.code) = (host, text, code)
    }

    init(_ message: Message) {
        verb = message.verb.rawValue
        id = message.id
        conn = message.conn
        seq = message.seq
        port = message.port
        switch message {
        case .peer(_, let host, _): self.host = host
        case .msg(_, _, _, let text): self.text = text
        case .error(let code, _): self.code = code.rawValue
        default: break
        }
    }

    var message: Message? {
        guard let verb = Verb(rawValue: verb) else { return nil }
        let conn = conn ?? 0, seq = seq ?? 0, port = port ?? 0
        switch verb {
        case .register: return .register(id: id, port: port)
        case .registered: return .registered(id: id, port: port)
        case .lookup: return .lookup(id: id)
        case .peer: return .peer(id: id, host: host ?? "", port: port)
        case .inactive: return .inactive(id: id)
        case .leave: return .leave(id: id)
        case .left: return .left(id: id)
        case .error:
            guard let code = code.flatMap(ErrorCode.init(rawValue:)) else { return nil }
            return .error(code: code, id: id)
        case .connect: return .connect(conn: conn, id: id)
        case .accept: return .accept(conn: conn, id: id)
        case .reject: return .reject(conn: conn, id: id)
        case .msg: return .msg(conn: conn, id: id, seq: seq, text: text ?? "")
        case .ack: return .ack(conn: conn, id: id, seq: seq)
        case .terminate: return .terminate(conn: conn, id: id)
        case .terminated: return .terminated(conn: conn, id: id)
        }
    }
}
