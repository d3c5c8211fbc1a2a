#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// One datagram's framing, the same in every dialect: a size limit, and one trailing `\n` or
/// `\r\n` that a receiver accepts and strips (PROTOCOL.md "Datagrams").
public enum WireFraming {
    /// The datagram without its terminator; throws `.tooLong` past `limit` bytes, `.empty` when nothing is left.
    @inlinable
    public static func body(of bytes: UnsafeRawBufferPointer, limit: Int) throws(WireError) -> UnsafeRawBufferPointer {
        if bytes.count > limit { throw .tooLong(size: bytes.count) }
        var end = bytes.count
        if end > 0, bytes[end - 1] == 0x0A {
            end -= 1
            if end > 0, bytes[end - 1] == 0x0D { end -= 1 }
        }
        if end == 0 { throw .empty }
        return UnsafeRawBufferPointer(rebasing: bytes[0..<end])
    }
}

extension Message {
    /// Strictly parses one datagram. Accepts and strips one trailing `\n` or `\r\n`; rejects
    /// everything PROTOCOL.md calls malformed with the matching `WireError`.
    public static func parse(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> Message {
        let body = try WireFraming.body(of: bytes, limit: WireLimits.maxDatagram)
        var ascii = true
        for byte in body where byte >= 0x80 {
            ascii = false
            break
        }
        if !ascii, String(validating: body, as: UTF8.self) == nil { throw .notUTF8 }
        var fields = FieldReader(body)
        let verbBytes = fields.next()
        guard let verb = Verb(bytes: verbBytes) else {
            if let bad = verbBytes.firstIndex(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) {
                throw .forbiddenCharacter(field: "verb", byte: verbBytes[bad])
            }
            throw .unknownVerb(String(decoding: verbBytes, as: UTF8.self))
        }
        return try fields.message(verb: verb)
    }

    /// Parses a datagram held in an array of bytes.
    public static func parse(_ bytes: [UInt8]) throws(WireError) -> Message {
        let result: Result<Message, WireError> = bytes.withUnsafeBytes { raw in
            Result { () throws(WireError) -> Message in try parse(raw) }
        }
        return try result.get()
    }

    /// Parses a datagram given as text (its UTF-8 bytes).
    public static func parse(_ text: String) throws(WireError) -> Message {
        try parse(Array(text.utf8))
    }
}

extension Verb {
    init?(bytes: UnsafeRawBufferPointer) {
        // Fast byte comparison against every verb; verbs are short ASCII.
        for verb in Verb.allCases {
            let raw = verb.rawValue.utf8
            if raw.count == bytes.count, raw.elementsEqual(bytes) {
                self = verb
                return
            }
        }
        return nil
    }
}

/// Walks the space-separated fields of a datagram body.
struct FieldReader {
    let body: UnsafeRawBufferPointer
    var position = 0

    init(_ body: UnsafeRawBufferPointer) { self.body = body }

    /// The next field up to (not including) the next space; empty at the end.
    mutating func next() -> UnsafeRawBufferPointer {
        let start = position
        while position < body.count, body[position] != 0x20 { position += 1 }
        let field = UnsafeRawBufferPointer(rebasing: body[start..<position])
        if position < body.count { position += 1 }  // skip the single separator
        return field
    }

    /// Everything that is left (MSG's text).
    mutating func rest() -> UnsafeRawBufferPointer {
        let field = UnsafeRawBufferPointer(rebasing: body[position..<body.count])
        position = body.count
        return field
    }

    /// Total fields of a non-MSG datagram: spaces + 1.
    var totalFields: Int { body.reduce(1) { $1 == 0x20 ? $0 + 1 : $0 } }

    /// Fields of a MSG datagram: the first four separators define five fields.
    var msgFields: Int { min(5, totalFields) }

    mutating func message(verb: Verb) throws(WireError) -> Message {
        if verb == .msg {
            let count = msgFields
            guard count == 5 else { throw .fieldCount(verb: verb, expected: 5, got: count) }
            let conn = try number(next(), field: "conn", max: WireLimits.maxConn)
            let id = try number(next(), field: "id", max: WireLimits.maxID)
            let seq = try number(next(), field: "seq", max: WireLimits.maxSeq)
            let textBytes = rest()
            guard (1...WireLimits.maxText).contains(textBytes.count) else { throw .textLength(textBytes.count) }
            if let bad = textBytes.first(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) {
                throw .forbiddenCharacter(field: "text", byte: bad)
            }
            return .msg(conn: conn, id: id, seq: seq, text: String(decoding: textBytes, as: UTF8.self))
        }
        let count = totalFields
        guard count == verb.fieldCount else { throw .fieldCount(verb: verb, expected: verb.fieldCount, got: count) }
        switch verb {
        case .register:
            return .register(id: try id(), port: try port())
        case .registered:
            return .registered(id: try id(), port: try port())
        case .lookup: return .lookup(id: try id())
        case .inactive: return .inactive(id: try id())
        case .leave: return .leave(id: try id())
        case .left: return .left(id: try id())
        case .peer:
            let id = try id()
            let host = try host(next())
            return .peer(id: id, host: host, port: try port())
        case .error:
            let codeBytes = next()
            let codeText = String(decoding: codeBytes, as: UTF8.self)
            guard let code = ErrorCode(rawValue: codeText) else {
                if let bad = codeBytes.first(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) {
                    throw .forbiddenCharacter(field: "code", byte: bad)
                }
                throw .unknownErrorCode(codeText)
            }
            return .error(code: code, id: try id())
        case .connect: return .connect(conn: try conn(), id: try id())
        case .accept: return .accept(conn: try conn(), id: try id())
        case .reject: return .reject(conn: try conn(), id: try id())
        case .terminate: return .terminate(conn: try conn(), id: try id())
        case .terminated: return .terminated(conn: try conn(), id: try id())
        case .ack:
            let conn = try conn()
            let id = try id()
            return .ack(conn: conn, id: id, seq: try number(next(), field: "seq", max: WireLimits.maxSeq))
        case .msg:
            preconditionFailure("handled above")
        }
    }

    mutating func id() throws(WireError) -> ClientID { try number(next(), field: "id", max: WireLimits.maxID) }
    mutating func conn() throws(WireError) -> ConnToken { try number(next(), field: "conn", max: WireLimits.maxConn) }
    mutating func port() throws(WireError) -> UInt16 { UInt16(try number(next(), field: "port", max: 65535)) }

    /// Decimal ASCII, no sign, no leading zeros, 1 … max.
    func number(_ bytes: UnsafeRawBufferPointer, field: String, max: UInt32) throws(WireError) -> UInt32 {
        var value: UInt64 = 0
        for byte in bytes {
            guard byte >= 0x30, byte <= 0x39 else {
                if byte == 0 || byte == 0x0A || byte == 0x0D { throw .forbiddenCharacter(field: field, byte: byte) }
                throw .notANumber(field: field, text: String(decoding: bytes, as: UTF8.self))
            }
            if value <= UInt64(UInt32.max) { value = value * 10 + UInt64(byte - 0x30) }
        }
        let text = { String(decoding: bytes, as: UTF8.self) }
        if bytes.isEmpty { throw .notANumber(field: field, text: "") }
        if bytes.count > 1, bytes[0] == 0x30 { throw .notANumber(field: field, text: text()) }
        guard value >= 1, value <= UInt64(max) else { throw .numberOutOfRange(field: field, text: text()) }
        return UInt32(value)
    }

    func host(_ bytes: UnsafeRawBufferPointer) throws(WireError) -> String {
        let text = String(decoding: bytes, as: UTF8.self)
        guard IPLiteral.isValid(text) else { throw .badHost(text) }
        return text
    }
}

/// Validation of the `<host>` field.
public enum IPLiteral {
    /// An IPv4 dotted quad (no leading zeros) or an IPv6 literal without brackets.
    public static func isValid(_ text: String) -> Bool {
        if text.contains(":") { return isIPv6(text) }
        return isIPv4(text)
    }

    public static func isIPv4(_ text: String) -> Bool {
        let parts = text.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 4 else { return false }
        for part in parts {
            guard !part.isEmpty, part.count <= 3, part.allSatisfy({ $0.isASCII && $0.isNumber }),
                  !(part.count > 1 && part.first == "0"), let value = Int(part), value <= 255
            else { return false }
        }
        return true
    }

    public static func isIPv6(_ text: String) -> Bool {
        // Only hex digits, ':' and '.' (an embedded IPv4): inet_pton reads a C string, so a NUL
        // would otherwise end the literal early and let trailing junk through.
        guard text.utf8.count <= 45, text.utf8.allSatisfy({ byte in
            (0x30...0x39).contains(byte) || (0x41...0x46).contains(byte) || (0x61...0x66).contains(byte) || byte == 0x3A || byte == 0x2E
        }) else { return false }
        var storage = in6_addr()
        return text.withCString { inet_pton(AF_INET6, $0, &storage) } == 1
    }
}
