import UDPChatWire

/// One placeholder of a template: a field of the contract's `Message`, plus `{self}`.
public enum Field: String, Sendable, CaseIterable, Hashable {
    case id, port, host, conn, seq, text, code
    case selfID = "self"

    /// Written as a JSON number (the others as JSON strings).
    var isNumeric: Bool {
        switch self {
        case .id, .port, .conn, .seq, .selfID: true
        case .host, .text, .code: false
        }
    }

    /// Largest value of a numeric field.
    var max: UInt32 {
        switch self {
        case .port: 65535
        case .conn: WireLimits.maxConn
        case .seq: WireLimits.maxSeq
        default: WireLimits.maxID
        }
    }
}

extension Verb {
    /// The fields a template of this verb must have.
    var requiredFields: Set<Field> {
        switch self {
        case .msg: [.id, .seq, .text]
        case .ack: [.id, .seq]
        case .error: [.code, .id]
        default: [.id]
        }
    }

    /// The fields a template of this verb may leave out (absent in that dialect).
    var optionalFields: Set<Field> {
        switch self {
        case .register, .registered: [.port, .selfID]
        case .peer: [.host, .port, .selfID]
        case .connect, .accept, .reject, .msg, .ack, .terminate, .terminated: [.conn, .selfID]
        default: [.selfID]
        }
    }
}

/// A verb's template, compiled: text segments (`format: text`) or JSON entries (`format: json`).
public struct Template: Sendable {
    public enum Segment: Sendable, Hashable {
        case literal([UInt8])
        case field(Field)
    }
    /// One key of a JSON template: a placeholder or a constant the datagram must carry.
    public enum Slot: Sendable, Hashable {
        case field(Field)
        case constant(JSONValue)
    }

    public let verb: Verb
    /// The template as written in the dialect file (JSON templates: as a one-line JSON object).
    public let text: String
    public let segments: [Segment]
    public let entries: [(key: String, slot: Slot)]

    /// The literal bytes a text datagram of this verb starts with (empty for JSON).
    var leadingLiteral: [UInt8] {
        if case .literal(let bytes) = segments.first { return bytes }
        return []
    }

    public var fields: Set<Field> {
        var result = Set<Field>()
        for segment in segments { if case .field(let field) = segment { result.insert(field) } }
        for entry in entries { if case .field(let field) = entry.slot { result.insert(field) } }
        return result
    }

    /// The constants of a JSON template (its discriminators, e.g. `"type": "chat"`).
    var constants: [(key: String, value: JSONValue)] {
        entries.compactMap { if case .constant(let value) = $0.slot { ($0.key, value) } else { nil } }
    }
}

/// Why a template is not usable; the loader adds the file and line.
struct TemplateProblem: Error {
    var message: String
}

extension Template {
    /// Compiles a text template: literal bytes and `{placeholder}`s.
    static func text(_ verb: Verb, _ text: String) throws(TemplateProblem) -> Template {
        var segments: [Segment] = []
        var literal: [UInt8] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            literal += Array(rest[rest.startIndex..<open].utf8)
            guard let close = rest[open...].firstIndex(of: "}") else {
                throw TemplateProblem(message: "unclosed '{' in \(verb.rawValue) template")
            }
            let name = String(rest[rest.index(after: open)..<close])
            guard let field = Field(rawValue: name) else {
                throw TemplateProblem(message: "unknown placeholder {\(name)} in \(verb.rawValue) template")
            }
            if !literal.isEmpty { segments.append(.literal(literal)) }
            literal = []
            if case .field(let previous) = segments.last {
                throw TemplateProblem(message: "{\(previous.rawValue)}{\(field.rawValue)} in \(verb.rawValue): two placeholders need a literal between them")
            }
            segments.append(.field(field))
            rest = rest[rest.index(after: close)...]
        }
        literal += Array(rest.utf8)
        if !literal.isEmpty { segments.append(.literal(literal)) }
        if literal.contains(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) || segments.contains(where: {
            if case .literal(let bytes) = $0 { bytes.contains { $0 == 0 || $0 == 0x0A || $0 == 0x0D } } else { false }
        }) {
            throw TemplateProblem(message: "\(verb.rawValue) template contains NUL, CR or LF")
        }
        let template = Template(verb: verb, text: text, segments: segments, entries: [])
        if let index = segments.firstIndex(of: .field(.text)), index != segments.count - 1 {
            throw TemplateProblem(message: "{text} must come last in the \(verb.rawValue) template")
        }
        if segments.isEmpty { throw TemplateProblem(message: "\(verb.rawValue) template is empty") }
        if case .field = segments[0], segments.count == 1 {
            throw TemplateProblem(message: "\(verb.rawValue) template needs a literal (its verb word)")
        }
        try template.checkFields()
        return template
    }

    /// Compiles a JSON template from its ordered keys.
    static func json(_ verb: Verb, _ entries: [(key: String, slot: Slot)]) throws(TemplateProblem) -> Template {
        var seen = Set<String>()
        for entry in entries where !seen.insert(entry.key).inserted {
            throw TemplateProblem(message: "key \"\(entry.key)\" twice in the \(verb.rawValue) template")
        }
        let rendered = "{" + entries.map { entry in
            let value = switch entry.slot {
            case .field(let field): "\"{\(field.rawValue)}\""
            case .constant(let constant): constant.rendered
            }
            return "\(JSONValue.string(entry.key).rendered): \(value)"
        }.joined(separator: ", ") + "}"
        let template = Template(verb: verb, text: rendered, segments: [], entries: entries)
        if template.constants.isEmpty {
            throw TemplateProblem(message: "\(verb.rawValue) template needs a constant key (e.g. \"type\": \"\(verb.rawValue.lowercased())\")")
        }
        try template.checkFields()
        return template
    }

    func checkFields() throws(TemplateProblem) {
        var seen = Set<Field>()
        let all = segments.compactMap { if case .field(let f) = $0 { f } else { nil } }
            + entries.compactMap { if case .field(let f) = $0.slot { f } else { nil } }
        for field in all {
            guard seen.insert(field).inserted else {
                throw TemplateProblem(message: "{\(field.rawValue)} twice in the \(verb.rawValue) template")
            }
            guard verb.requiredFields.contains(field) || verb.optionalFields.contains(field) else {
                throw TemplateProblem(message: "\(verb.rawValue) has no {\(field.rawValue)}")
            }
        }
        let missing = verb.requiredFields.subtracting(seen).map { "{\($0.rawValue)}" }.sorted()
        if !missing.isEmpty {
            throw TemplateProblem(message: "\(verb.rawValue) template lacks \(missing.joined(separator: ", "))")
        }
    }
}
