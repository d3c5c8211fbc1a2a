import UDPChatSupport
import UDPChatWire

/// The field values read from one datagram, before absent ones are filled from the context.
struct FieldValues {
    var id: ClientID?
    var port: UInt16?
    var host: String?
    var conn: ConnToken?
    var seq: SeqNo?
    var text: String?
    var code: ErrorCode?
}

extension Dialect {
    /// Reads one datagram. The contract's dialect takes the hand-written codec (`Message.parse`),
    /// exactly as strict; any other is read by its templates. Fields the dialect leaves out are
    /// filled from `context` (see `DialectContext`).
    public func parse(_ bytes: UnsafeRawBufferPointer, context: DialectContext = DialectContext()) throws(WireError) -> Message {
        if isContract { return try Message.parse(bytes) }
        let body = try WireFraming.body(of: bytes, limit: maxDatagram)
        if body.contains(where: { $0 >= 0x80 }), String(validating: body, as: UTF8.self) == nil { throw .notUTF8 }
        let values: FieldValues
        let verb: Verb
        switch format {
        case .text: (verb, values) = try readText(body)
        case .json: (verb, values) = try readJSON(body)
        }
        return message(verb, values, context)
    }

    public func parse(_ bytes: [UInt8], context: DialectContext = DialectContext()) throws(WireError) -> Message {
        let result: Result<Message, WireError> = bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) -> Message in try parse(raw, context: context) }
        }
        return try result.get()
    }

    public func parse(_ text: String, context: DialectContext = DialectContext()) throws(WireError) -> Message {
        try parse(Array(text.utf8), context: context)
    }

    /// The datagram for `message` in this dialect (with the terminator), or nil when the dialect
    /// has no such verb (e.g. ERROR in a dialect without one). `{self}` is `context.localID`, or
    /// the message's id when unknown.
    public func serialize(_ message: Message, context: DialectContext = DialectContext()) -> [UInt8]? {
        if isContract { return message.bytes }
        guard let template = templates[message.verb] else { return nil }
        var out: [UInt8]
        switch format {
        case .text:
            out = []
            for segment in template.segments {
                switch segment {
                case .literal(let bytes): out += bytes
                case .field(let field): out += Array(value(of: field, in: message, context: context).utf8)
                }
            }
        case .json:
            let entries = template.entries.map { entry -> (key: String, value: JSONValue) in
                switch entry.slot {
                case .constant(let constant): return (entry.key, constant)
                case .field(let field):
                    let text = value(of: field, in: message, context: context)
                    return (entry.key, field.isNumeric ? .number(text) : .string(text))
                }
            }
            out = Array(JSONValue.object(entries).rendered.utf8)
        }
        return out + terminator.bytes
    }

    func value(of field: Field, in message: Message, context: DialectContext) -> String {
        switch field {
        case .id: String(message.id)
        case .port: String(message.port ?? 0)
        case .conn: String(message.conn ?? 0)
        case .seq: String(message.seq ?? 0)
        case .selfID: String(context.localID ?? message.id)
        case .host: if case .peer(_, let host, _) = message { host } else { "" }
        case .text: if case .msg(_, _, _, let text) = message { text } else { "" }
        case .code: if case .error(let code, _) = message { word(for: code) } else { "" }
        }
    }

    /// Builds the message, filling absent fields: `{conn}` from the context or the pair of ids,
    /// `{host}` and REGISTER's `{port}` from the datagram's source, other absent numbers as 0.
    func message(_ verb: Verb, _ values: FieldValues, _ context: DialectContext) -> Message {
        let id = values.id ?? 0
        let contextConn = context.connPeer == nil || context.connPeer == id ? context.conn : nil
        let conn = values.conn ?? contextConn ?? Dialect.pairToken(id, context.localID)
        switch verb {
        case .register: return .register(id: id, port: values.port ?? context.source?.port ?? 0)
        case .registered: return .registered(id: id, port: values.port ?? 0)
        case .lookup: return .lookup(id: id)
        case .peer: return .peer(id: id, host: values.host ?? context.source?.host ?? "0.0.0.0", port: values.port ?? 0)
        case .inactive: return .inactive(id: id)
        case .leave: return .leave(id: id)
        case .left: return .left(id: id)
        case .error: return .error(code: values.code ?? .notRegistered, id: id)
        case .connect: return .connect(conn: conn, id: id)
        case .accept: return .accept(conn: conn, id: id)
        case .reject: return .reject(conn: conn, id: id)
        case .msg: return .msg(conn: conn, id: id, seq: values.seq ?? 0, text: values.text ?? "")
        case .ack: return .ack(conn: conn, id: id, seq: values.seq ?? 0)
        case .terminate: return .terminate(conn: conn, id: id)
        case .terminated: return .terminated(conn: conn, id: id)
        }
    }

    /// Stores one field's text into `values`, checking it as the contract does.
    func store(_ field: Field, _ bytes: UnsafeRawBufferPointer, verb: Verb, into values: inout FieldValues) throws(WireError) {
        switch field {
        case .id: values.id = try DialectNumber.parse(bytes, field: field)
        case .selfID: _ = try DialectNumber.parse(bytes, field: field)
        case .conn: values.conn = try DialectNumber.parse(bytes, field: field)
        case .seq: values.seq = try DialectNumber.parse(bytes, field: field)
        case .port: values.port = UInt16(try DialectNumber.parse(bytes, field: field))
        case .host:
            let text = String(decoding: bytes, as: UTF8.self)
            guard IPLiteral.isValid(text) else { throw .badHost(text) }
            values.host = text
        case .text:
            guard (1...WireLimits.maxText).contains(bytes.count) else { throw .textLength(bytes.count) }
            if let bad = bytes.first(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) {
                throw .forbiddenCharacter(field: "text", byte: bad)
            }
            values.text = String(decoding: bytes, as: UTF8.self)
        case .code:
            let word = String(decoding: bytes, as: UTF8.self)
            guard let code = code(for: word) else { throw .unknownErrorCode(word) }
            values.code = code
        }
    }
}

/// The contract's numbers: decimal ASCII, no sign, no leading zeros, 1 … the field's maximum.
enum DialectNumber {
    static func parse(_ bytes: UnsafeRawBufferPointer, field: Field) throws(WireError) -> UInt32 {
        let name = field.rawValue
        let text = { String(decoding: bytes, as: UTF8.self) }
        guard !bytes.isEmpty, bytes.count <= 10, bytes.allSatisfy({ (0x30...0x39).contains($0) }),
              !(bytes.count > 1 && bytes[0] == 0x30) else {
            if bytes.count > 10, bytes.allSatisfy({ (0x30...0x39).contains($0) }), bytes[0] != 0x30 {
                throw .numberOutOfRange(field: name, text: text())
            }
            throw .notANumber(field: name, text: text())
        }
        var value: UInt64 = 0
        for byte in bytes { value = value * 10 + UInt64(byte - 0x30) }
        guard value >= 1, value <= UInt64(field.max) else { throw .numberOutOfRange(field: name, text: text()) }
        return UInt32(value)
    }
}
