// Reading a `format: json` dialect's datagrams: the template whose constants an object carries.
import UDPChatWire

extension Dialect {
    /// Reads a `format: json` datagram: one JSON object; the template whose constants (e.g.
    /// `"type": "chat"`) it all carries is used, the one with most constants first (then in the
    /// reader's order). Unknown keys are ignored; keys may come in any order.
    func readJSON(_ body: UnsafeRawBufferPointer, _ context: DialectContext) throws(WireError) -> DialectReading {
        let object: JSONValue
        do {
            object = try JSONReader.parse(body)
        } catch {
            throw .notJSON(error.message)
        }
        guard case .object = object else { throw .notJSON("not an object") }
        let candidates = order.enumerated().filter { _, template in
            template.constants.allSatisfy { constant in object[constant.key].map { equal($0, constant.value) } ?? false }
        }.sorted { ($0.element.constants.count, -$0.offset) > ($1.element.constants.count, -$1.offset) }.map(\.element)
        if let fit = try firstFit(candidates, context, { template throws(WireError) -> FieldValues in try extract(template, from: object) }) {
            return fit
        }
        for template in order {
            for constant in template.constants {
                if let value = object[constant.key] { throw .unknownVerb("\(constant.key)=\(value.rendered.prefix(40))") }
            }
        }
        throw .unknownVerb(object.rendered.prefix(40).description)
    }

    func equal(_ value: JSONValue, _ constant: JSONValue) -> Bool {
        if value == constant { return true }
        guard caseInsensitive, case .string(let a) = value, case .string(let b) = constant else { return false }
        return a.lowercased() == b.lowercased()
    }

    func extract(_ template: Template, from object: JSONValue) throws(WireError) -> FieldValues {
        var values = FieldValues()
        for entry in template.entries {
            guard case .field(let field) = entry.slot else { continue }
            guard let value = object[entry.key] else {
                throw .templateMismatch(verb: template.verb, detail: "no key \"\(entry.key)\"")
            }
            let text: String
            switch (value, field.isNumeric) {
            case (.number(let raw), true): text = raw
            case (.string(let raw), false): text = raw
            case (_, true): throw .notANumber(field: field.rawValue, text: value.rendered)
            case (_, false): throw .templateMismatch(verb: template.verb, detail: "\"\(entry.key)\" is not a string")
            }
            let bytes = Array(text.utf8)
            let result: Result<Void, WireError> = bytes.withUnsafeBytes { raw in
                Result { () throws(WireError) in try store(field, raw, verb: template.verb, into: &values) }
            }
            try result.get()
        }
        return values
    }
}
