// Reading a `format: text` dialect's datagrams: the templates tried by their leading literal, longest first.
import UDPChatWire

extension Dialect {
    /// Reads a `format: text` datagram: tries the templates whose leading literal starts the
    /// datagram, longest first, then those that start with a field; the first that fits wins,
    /// else the first one's error is thrown.
    func readText(_ body: UnsafeRawBufferPointer, _ context: DialectContext) throws(WireError) -> DialectReading {
        if let bad = body.first(where: { $0 == 0 || $0 == 0x0A || $0 == 0x0D }) {
            throw .forbiddenCharacter(field: "datagram", byte: bad)
        }
        let candidates = order.filter { starts(body, at: 0, with: $0.leadingLiteral) }
        let fit = try firstFit(candidates, context) { template throws(WireError) -> FieldValues in
            var values = FieldValues()
            try match(template, body, segment: 0, at: 0, into: &values)
            return values
        }
        if let fit { return fit }
        let word = Array(body.prefix { byte in
            (0x30...0x39).contains(byte) || (0x41...0x5A).contains(byte) || (0x61...0x7A).contains(byte) || byte == 0x5F || byte >= 0x80
        })
        throw .unknownVerb(String(decoding: (word.isEmpty ? Array(body) : word).prefix(40), as: UTF8.self))
    }

    func starts(_ body: UnsafeRawBufferPointer, at position: Int, with literal: [UInt8]) -> Bool {
        guard position + literal.count <= body.count else { return false }
        for (offset, expected) in literal.enumerated() {
            let byte = body[position + offset]
            if byte == expected { continue }
            guard caseInsensitive, Dialect.lower(byte) == Dialect.lower(expected) else { return false }
        }
        return true
    }

    static func lower(_ byte: UInt8) -> UInt8 { (0x41...0x5A).contains(byte) ? byte + 0x20 : byte }

    /// The first position at or after `from` where `literal` occurs.
    func find(_ literal: [UInt8], in body: UnsafeRawBufferPointer, from: Int) -> Int? {
        var position = from
        while position + literal.count <= body.count {
            if starts(body, at: position, with: literal) { return position }
            position += 1
        }
        return nil
    }

    /// Matches `template.segments[segment...]` against `body[position...]`. A field ends at the
    /// first occurrence of the literal after it; a `{host}` (an IPv6 literal may contain that
    /// literal) tries each occurrence within 45 bytes until the rest fits.
    func match(_ template: Template, _ body: UnsafeRawBufferPointer, segment: Int, at position: Int,
               into values: inout FieldValues) throws(WireError) {
        var position = position
        var index = segment
        while index < template.segments.count {
            switch template.segments[index] {
            case .literal(let literal):
                guard starts(body, at: position, with: literal) else {
                    let expected = String(decoding: literal, as: UTF8.self)
                    if position >= body.count { throw .templateMismatch(verb: template.verb, detail: "ends before '\(expected)'") }
                    throw .templateMismatch(verb: template.verb, detail: "expected '\(expected)' at byte \(position)")
                }
                position += literal.count
            case .field(let field):
                let next: [UInt8]? = if index + 1 < template.segments.count, case .literal(let l) = template.segments[index + 1] { l } else { nil }
                guard let next, field != .text else {
                    try store(field, UnsafeRawBufferPointer(rebasing: body[position...]), verb: template.verb, into: &values)
                    position = body.count
                    index += 1
                    continue
                }
                if field == .host {
                    var candidate = find(next, in: body, from: position)
                    var firstError: WireError?
                    while let end = candidate, end - position <= 45 {
                        var attempt = values
                        do {
                            try store(.host, UnsafeRawBufferPointer(rebasing: body[position..<end]), verb: template.verb, into: &attempt)
                            try match(template, body, segment: index + 1, at: end, into: &attempt)
                            values = attempt
                            return
                        } catch {
                            if firstError == nil { firstError = error }
                        }
                        candidate = find(next, in: body, from: end + 1)
                    }
                    if let firstError { throw firstError }
                    throw .templateMismatch(verb: template.verb, detail: "no '\(String(decoding: next, as: UTF8.self))' after {host}")
                }
                guard let end = find(next, in: body, from: position) else {
                    throw .templateMismatch(verb: template.verb,
                                            detail: "no '\(String(decoding: next, as: UTF8.self))' after {\(field.rawValue)}")
                }
                try store(field, UnsafeRawBufferPointer(rebasing: body[position..<end]), verb: template.verb, into: &values)
                position = end
            }
            index += 1
        }
        guard position == body.count else {
            throw .templateMismatch(verb: template.verb, detail: "\(body.count - position) unexpected bytes at the end")
        }
    }
}
