import UDPChatWire

/// What the template engine knows of each placeholder (`Field` itself is UDPChatWire's, shared
/// with the layers that only watch the wire).
extension Field {
    /// Written as a JSON number (the others as JSON strings).
    var isNumeric: Bool {
        switch self {
        case .id, .port, .conn, .seq, .selfID, .bit, .to: true
        case .host, .text, .code, .tag: false
        }
    }

    /// Fields that are on the wire only: reading them never changes the `Message`.
    var isWireOnly: Bool { self == .selfID || self == .tag || self == .bit || self == .to }

    /// Largest value of a numeric field.
    var max: UInt32 {
        switch self {
        case .port: 65535
        case .conn: WireLimits.maxConn
        case .seq: WireLimits.maxSeq
        case .bit: 1
        default: WireLimits.maxID
        }
    }
}

extension Verb {
    /// The seven peer-to-peer messages (the ones that may name the receiver with `{to}`).
    var isPeerMessage: Bool { !isClientServer }

    /// The fields a template of this verb may carry.
    var allowedFields: Set<Field> {
        var fields: Set<Field> = [.id, .selfID, .tag]
        switch self {
        case .register, .registered: fields.insert(.port)
        case .peer: fields.formUnion([.host, .port])
        case .error: fields.insert(.code)
        case .msg: fields.formUnion([.seq, .bit, .text])
        case .ack: fields.formUnion([.seq, .bit])
        default: break
        }
        if isPeerMessage { fields.formUnion([.conn, .to]) }
        return fields
    }

    /// What a template of this verb lacks, as `{field}` words (empty when it is complete). `{id}`
    /// may be left out where a reader can know it (DIALECTS.md "Answers, ids and receivers"):
    /// everywhere but LOOKUP, and in REGISTER and LEAVE only when the server assigns ids, when
    /// REGISTERED must carry it.
    func missingFields(in fields: Set<Field>, ids: Dialect.IDs) -> [String] {
        var missing: [String] = []
        let idRequired = self == .lookup || (ids == .clientChosen && (self == .register || self == .leave))
        if idRequired, !fields.contains(.id) { missing.append("{id}") }
        if self == .registered, ids == .serverAssigned, !fields.contains(.id) { missing.append("{id} (ids: server-assigned: the id the server gives)") }
        if self == .error, !fields.contains(.code) { missing.append("{code}") }
        if self == .msg || self == .ack, fields.isDisjoint(with: [.seq, .bit]) { missing.append("{seq} (or {bit})") }
        if self == .msg, !fields.contains(.text) { missing.append("{text}") }
        return missing
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
        if case .field(let only) = segments[0], segments.count == 1, !only.isNumeric {
            throw TemplateProblem(message: "\(verb.rawValue) template without a literal must be one number ({\(only.rawValue)} would take any datagram)")
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

    /// Structural checks that need no other template: each placeholder at most once, and only
    /// the ones this verb has. Whether the template is complete depends on the dialect's `ids`
    /// (`checkComplete`).
    func checkFields() throws(TemplateProblem) {
        var seen = Set<Field>()
        let all = segments.compactMap { if case .field(let f) = $0 { f } else { nil } }
            + entries.compactMap { if case .field(let f) = $0.slot { f } else { nil } }
        for field in all {
            guard seen.insert(field).inserted else {
                throw TemplateProblem(message: "{\(field.rawValue)} twice in the \(verb.rawValue) template")
            }
            guard verb.allowedFields.contains(field) else {
                throw TemplateProblem(message: "\(verb.rawValue) has no {\(field.rawValue)}")
            }
        }
        if seen.isSuperset(of: [.seq, .bit]) {
            throw TemplateProblem(message: "\(verb.rawValue) template has both {seq} and {bit}: the bit stands for the sequence number")
        }
    }

    /// A verb's later form may leave out fields of its first (written) form, but not carry one the
    /// first lacks: what it read could not be written back.
    func checkAlternate(of first: Template?) throws(TemplateProblem) {
        guard let first else { return }
        var carried = first.fields
        if carried.contains(.seq) { carried.insert(.bit) }
        let extra = fields.filter { !$0.isWireOnly || $0 == .bit }.subtracting(carried).map { "{\($0.rawValue)}" }.sorted()
        if !extra.isEmpty {
            throw TemplateProblem(message: "\(verb.rawValue): a later form carries \(extra.joined(separator: ", ")), which the first form (the one written) lacks")
        }
    }

    /// Whether the template carries everything its verb needs, given who chooses ids.
    func checkComplete(ids: Dialect.IDs) throws(TemplateProblem) {
        let missing = verb.missingFields(in: fields, ids: ids)
        if !missing.isEmpty {
            throw TemplateProblem(message: "\(verb.rawValue) template lacks \(missing.joined(separator: ", "))")
        }
    }
}
