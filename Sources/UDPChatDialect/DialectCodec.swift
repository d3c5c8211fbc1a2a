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
    var tag: String?
    var bit: UInt8?
    var to: ClientID?
}

extension Dialect {
    /// Reads one datagram. The contract's dialect takes the hand-written codec (`Message.parse`),
    /// exactly as strict; any other is read by its templates. Fields the dialect leaves out are
    /// filled from `context` (see `DialectContext`).
    public func parse(_ bytes: UnsafeRawBufferPointer, context: DialectContext = DialectContext()) throws(WireError) -> Message {
        if isContract { return try Message.parse(bytes) }
        return try read(bytes, context: context).message
    }

    /// Reads one datagram with what it carries beyond the message: `{tag}`, `{to}`, the request it
    /// answers and the fields taken from the context.
    public func read(_ bytes: UnsafeRawBufferPointer, context: DialectContext = DialectContext()) throws(WireError) -> DialectReading {
        if isContract { return DialectReading(try Message.parse(bytes)) }
        let body = try WireFraming.body(of: bytes, limit: maxDatagram)
        if body.contains(where: { $0 >= 0x80 }), String(validating: body, as: UTF8.self) == nil { throw .notUTF8 }
        switch format {
        case .text: return try readText(body, context)
        case .json: return try readJSON(body, context)
        }
    }

    public func read(_ bytes: [UInt8], context: DialectContext = DialectContext()) throws(WireError) -> DialectReading {
        let result: Result<DialectReading, WireError> = bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) -> DialectReading in try read(raw, context: context) }
        }
        return try result.get()
    }

    public func parse(_ bytes: [UInt8], context: DialectContext = DialectContext()) throws(WireError) -> Message {
        if isContract { return try Message.parse(bytes) }
        return try read(bytes, context: context).message
    }

    public func parse(_ text: String, context: DialectContext = DialectContext()) throws(WireError) -> Message {
        try parse(Array(text.utf8), context: context)
    }

    /// Tries `candidates` in order with `extract` (which matches one template's wire form); the
    /// first that fits and answers a request where it must wins, else the first error is thrown.
    func firstFit(_ candidates: [Template], _ context: DialectContext,
                  _ extract: (Template) throws(WireError) -> FieldValues) throws(WireError) -> DialectReading? {
        var firstError: WireError?
        for template in candidates {
            do {
                return try reading(template, try extract(template), context)
            } catch {
                if firstError == nil { firstError = error }
            }
        }
        if let firstError { throw firstError }
        return nil
    }

    /// The datagram for `message` in this dialect (with the terminator), or nil when the dialect
    /// has no such verb (e.g. ERROR in a dialect without one). `{self}` is `context.localID`, or
    /// the message's id when unknown.
    public func serialize(_ message: Message, context: DialectContext = DialectContext()) -> [UInt8]? {
        serialize(DialectReading(message), context: context)
    }

    /// The datagram for a reading: its `{tag}` and `{to}` are written as read (an answer's tag
    /// otherwise repeats its request's, from `context.requests`). Of a verb's forms the first is
    /// written, unless it needs a field the message lacks (read as 0) and a later one does not.
    public func serialize(_ reading: DialectReading, context: DialectContext = DialectContext()) -> [UInt8]? {
        if isContract { return reading.message.bytes }
        guard let forms = forms[reading.message.verb] else { return nil }
        let template = forms.first { form in form.fields.allSatisfy { isKnown($0, reading, context) } } ?? forms[0]
        return write(template, reading, context: context)
    }

    /// The datagram for a reading in one given template (with the terminator).
    func write(_ template: Template, _ reading: DialectReading, context: DialectContext) -> [UInt8] {
        let out: [UInt8]
        switch format {
        case .text:
            out = template.segments.flatMap { segment -> [UInt8] in
                switch segment {
                case .literal(let bytes): bytes
                case .field(let field): Array(value(of: field, in: reading, context: context).utf8)
                }
            }
        case .json:
            let entries = template.entries.map { entry -> (key: String, value: JSONValue) in
                switch entry.slot {
                case .constant(let constant): return (entry.key, constant)
                case .field(let field):
                    let text = value(of: field, in: reading, context: context)
                    return (entry.key, field.isNumeric ? .number(text) : .string(text))
                }
            }
            out = Array(JSONValue.object(entries).rendered.utf8)
        }
        return out + terminator.bytes
    }

    /// Whether a form's field has a value to write (numbers read as 0 are unknown).
    func isKnown(_ field: Field, _ reading: DialectReading, _ context: DialectContext) -> Bool {
        if field == .bit || field == .tag || field == .selfID { return true }
        let text = value(of: field, in: reading, context: context)
        return !text.isEmpty && text != "0"
    }

    func value(of field: Field, in reading: DialectReading, context: DialectContext) -> String {
        let message = reading.message
        let request = context.requests.last { message.verb.answersTo.contains($0.message.verb) }
        return switch field {
        case .id: String(message.id)
        case .port: String(message.port ?? 0)
        case .conn: String(message.conn ?? 0)
        case .seq: String(message.seq ?? 0)
        case .selfID: String(context.localID ?? message.id)
        case .host: if case .peer(_, let host, _) = message { host } else { "" }
        case .text: if case .msg(_, _, _, let text) = message { text } else { "" }
        case .code: if case .error(let code, _) = message { word(for: code) } else { "" }
        case .tag: reading.tag ?? request?.tag ?? "0"
        case .bit: String(Dialect.bit(of: message.seq ?? 1))
        case .to: String(reading.to ?? (message.verb.isRequest ? context.connPeer : request?.message.id ?? context.connPeer) ?? 0)
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
        case .to: values.to = try DialectNumber.parse(bytes, field: field)
        case .bit:
            guard bytes.count == 1, bytes[0] == 0x30 || bytes[0] == 0x31 else {
                let text = String(decoding: bytes.prefix(40), as: UTF8.self)
                if !bytes.isEmpty, bytes[0] != 0x30, bytes.allSatisfy({ (0x30...0x39).contains($0) }) { throw .numberOutOfRange(field: "bit", text: text) }
                throw .notANumber(field: "bit", text: text)
            }
            values.bit = bytes[0] - 0x30
        case .tag:
            guard (1...64).contains(bytes.count), bytes.allSatisfy({ (0x21...0x7E).contains($0) }) else {
                throw .templateMismatch(verb: verb, detail: "{tag} must be 1 to 64 printable ASCII bytes without spaces")
            }
            values.tag = String(decoding: bytes, as: UTF8.self)
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
