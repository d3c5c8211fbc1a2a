import UDPChatSupport

/// A JSON value as a `format: json` dialect reads it: strict RFC 8259, numbers kept as their text.
public indirect enum JSONValue: Sendable, Hashable {
    case object([(key: String, value: JSONValue)])
    case array([JSONValue])
    case string(String)
    case number(String)
    case bool(Bool)
    case null

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.object(let a), .object(let b)): a.count == b.count && zip(a, b).allSatisfy { $0.key == $1.key && $0.value == $1.value }
        case (.array(let a), .array(let b)): a == b
        case (.string(let a), .string(let b)): a == b
        case (.number(let a), .number(let b)): a == b
        case (.bool(let a), .bool(let b)): a == b
        case (.null, .null): true
        default: false
        }
    }

    public func hash(into hasher: inout Hasher) { hasher.combine(rendered) }

    /// Compact JSON text with ", " and ": " separators (as Python's json.dumps writes it).
    public var rendered: String {
        switch self {
        case .object(let entries): "{" + entries.map { "\(JSON.string($0.key)): \($0.value.rendered)" }.joined(separator: ", ") + "}"
        case .array(let values): "[" + values.map(\.rendered).joined(separator: ", ") + "]"
        case .string(let text): JSON.string(text)
        case .number(let text): text
        case .bool(let value): value ? "true" : "false"
        case .null: "null"
        }
    }

    /// Looks a key up in an object.
    subscript(key: String) -> JSONValue? {
        guard case .object(let entries) = self else { return nil }
        return entries.first { $0.key == key }?.value
    }
}

/// Why some bytes are not JSON.
struct JSONProblem: Error {
    var message: String
}

/// A small strict JSON reader over bytes (no Foundation): depth-limited, duplicate keys refused.
struct JSONReader {
    let bytes: UnsafeRawBufferPointer
    var position = 0
    static let maxDepth = 32

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    static func parse(_ bytes: UnsafeRawBufferPointer) throws(JSONProblem) -> JSONValue {
        var reader = JSONReader(bytes)
        let value = try reader.value(depth: 0)
        reader.skipSpace()
        guard reader.position == bytes.count else { throw reader.problem("trailing bytes after the JSON value") }
        return value
    }

    func problem(_ message: String) -> JSONProblem { JSONProblem(message: "\(message) at byte \(position)") }

    mutating func skipSpace() {
        while position < bytes.count, [0x20, 0x09, 0x0A, 0x0D].contains(bytes[position]) { position += 1 }
    }

    mutating func value(depth: Int) throws(JSONProblem) -> JSONValue {
        guard depth < Self.maxDepth else { throw problem("nested too deep") }
        skipSpace()
        guard position < bytes.count else { throw problem("unexpected end") }
        switch bytes[position] {
        case UInt8(ascii: "{"): return try object(depth: depth)
        case UInt8(ascii: "["):
            position += 1
            var values: [JSONValue] = []
            skipSpace()
            if position < bytes.count, bytes[position] == UInt8(ascii: "]") { position += 1; return .array([]) }
            while true {
                values.append(try value(depth: depth + 1))
                skipSpace()
                guard position < bytes.count else { throw problem("unterminated array") }
                let byte = bytes[position]
                position += 1
                if byte == UInt8(ascii: "]") { return .array(values) }
                guard byte == UInt8(ascii: ",") else { throw problem("expected ',' or ']'") }
            }
        case UInt8(ascii: "\""): return .string(try string())
        case UInt8(ascii: "t"): try word("true"); return .bool(true)
        case UInt8(ascii: "f"): try word("false"); return .bool(false)
        case UInt8(ascii: "n"): try word("null"); return .null
        default: return .number(try number())
        }
    }

    mutating func object(depth: Int) throws(JSONProblem) -> JSONValue {
        position += 1
        var entries: [(key: String, value: JSONValue)] = []
        skipSpace()
        if position < bytes.count, bytes[position] == UInt8(ascii: "}") { position += 1; return .object([]) }
        while true {
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: "\"") else { throw problem("expected a key") }
            let key = try string()
            if entries.contains(where: { $0.key == key }) { throw problem("key \"\(key.prefix(40))\" twice") }
            skipSpace()
            guard position < bytes.count, bytes[position] == UInt8(ascii: ":") else { throw problem("expected ':'") }
            position += 1
            entries.append((key, try value(depth: depth + 1)))
            skipSpace()
            guard position < bytes.count else { throw problem("unterminated object") }
            let byte = bytes[position]
            position += 1
            if byte == UInt8(ascii: "}") { return .object(entries) }
            guard byte == UInt8(ascii: ",") else { throw problem("expected ',' or '}'") }
        }
    }

    mutating func word(_ text: StaticString) throws(JSONProblem) {
        let count = text.utf8CodeUnitCount
        guard position + count <= bytes.count else { throw problem("bad literal") }
        for index in 0..<count where bytes[position + index] != text.utf8Start[index] { throw problem("bad literal") }
        position += count
    }

    mutating func number() throws(JSONProblem) -> String {
        let start = position
        func digits(_ reader: inout JSONReader) -> Int {
            let from = reader.position
            while reader.position < reader.bytes.count, (0x30...0x39).contains(reader.bytes[reader.position]) { reader.position += 1 }
            return reader.position - from
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "-") { position += 1 }
        let intStart = position
        let intDigits = digits(&self)
        guard intDigits > 0 else { throw problem("bad value") }
        if intDigits > 1, bytes[intStart] == 0x30 { throw problem("leading zero in a number") }
        if position < bytes.count, bytes[position] == UInt8(ascii: ".") {
            position += 1
            guard digits(&self) > 0 else { throw problem("bad fraction") }
        }
        if position < bytes.count, bytes[position] == UInt8(ascii: "e") || bytes[position] == UInt8(ascii: "E") {
            position += 1
            if position < bytes.count, bytes[position] == UInt8(ascii: "+") || bytes[position] == UInt8(ascii: "-") { position += 1 }
            guard digits(&self) > 0 else { throw problem("bad exponent") }
        }
        return String(decoding: UnsafeRawBufferPointer(rebasing: bytes[start..<position]), as: UTF8.self)
    }

    mutating func string() throws(JSONProblem) -> String {
        position += 1  // opening quote
        var scalars = String.UnicodeScalarView()
        var runStart = position
        func flush(_ reader: JSONReader, _ scalars: inout String.UnicodeScalarView, _ from: Int) {
            let run = String(decoding: UnsafeRawBufferPointer(rebasing: reader.bytes[from..<reader.position]), as: UTF8.self)
            scalars.append(contentsOf: run.unicodeScalars)
        }
        while position < bytes.count {
            let byte = bytes[position]
            if byte == UInt8(ascii: "\"") {
                flush(self, &scalars, runStart)
                position += 1
                return String(scalars)
            }
            if byte < 0x20 { throw problem("control character in a string") }
            if byte != UInt8(ascii: "\\") { position += 1; continue }
            flush(self, &scalars, runStart)
            position += 1
            guard position < bytes.count else { break }
            let escape = bytes[position]
            position += 1
            switch escape {
            case UInt8(ascii: "\""): scalars.append("\"")
            case UInt8(ascii: "\\"): scalars.append("\\")
            case UInt8(ascii: "/"): scalars.append("/")
            case UInt8(ascii: "b"): scalars.append("\u{8}")
            case UInt8(ascii: "f"): scalars.append("\u{C}")
            case UInt8(ascii: "n"): scalars.append("\n")
            case UInt8(ascii: "r"): scalars.append("\r")
            case UInt8(ascii: "t"): scalars.append("\t")
            case UInt8(ascii: "u"):
                var value = try hex4()
                if (0xD800...0xDBFF).contains(value) {
                    guard position + 1 < bytes.count, bytes[position] == UInt8(ascii: "\\"), bytes[position + 1] == UInt8(ascii: "u") else {
                        throw problem("lone surrogate")
                    }
                    position += 2
                    let low = try hex4()
                    guard (0xDC00...0xDFFF).contains(low) else { throw problem("lone surrogate") }
                    value = 0x10000 + ((value - 0xD800) << 10) + (low - 0xDC00)
                } else if (0xDC00...0xDFFF).contains(value) {
                    throw problem("lone surrogate")
                }
                guard let scalar = Unicode.Scalar(value) else { throw problem("bad \\u escape") }
                scalars.append(scalar)
            default: throw problem("bad escape")
            }
            runStart = position
        }
        throw problem("unterminated string")
    }

    mutating func hex4() throws(JSONProblem) -> UInt32 {
        guard position + 4 <= bytes.count else { throw problem("short \\u escape") }
        var value: UInt32 = 0
        for _ in 0..<4 {
            let byte = bytes[position]
            let digit: UInt32
            switch byte {
            case 0x30...0x39: digit = UInt32(byte - 0x30)
            case 0x41...0x46: digit = UInt32(byte - 0x41 + 10)
            case 0x61...0x66: digit = UInt32(byte - 0x61 + 10)
            default: throw problem("bad \\u escape")
            }
            value = value * 16 + digit
            position += 1
        }
        return value
    }
}
