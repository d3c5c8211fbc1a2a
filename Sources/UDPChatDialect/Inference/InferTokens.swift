// Dialect inference: a datagram cut into the parts a template is made of (literals, numbers, a
// dotted-quad host, the typed text), for text and JSON datagrams alike.
import UDPChatSupport

/// One part of a datagram. `key` says where it sits: the JSON key, or its place in the text.
struct InferToken: Hashable, Sendable {
    enum Kind: Hashable, Sendable {
        case literal(String)
        case number(UInt64)
        case host(String)
        case text(String)
        /// A JSON constant (any value that is not a number, the host or the text), as JSON.
        case constant(String)
    }
    var key: String
    var kind: Kind
}

/// A datagram's payload without its terminator, cut into tokens.
struct InferShape: Sendable {
    var tokens: [InferToken]
    /// The tokens with numbers blanked: datagrams of one verb with the same skeleton line up.
    var skeleton: String
    var numbers: [UInt64] { tokens.compactMap { token -> UInt64? in if case .number(let n) = token.kind { return n }; return nil } }
    var text: String? { tokens.compactMap { token -> String? in if case .text(let t) = token.kind { return t }; return nil }.first }
}

enum InferTokenizer {
    /// Cuts a payload (terminator already stripped). `json`: the payload must be one object.
    static func shape(_ payload: [UInt8], json: Bool, texts: [String]) -> InferShape? {
        let tokens = json ? jsonTokens(payload, texts: texts) : textTokens(String(decoding: payload, as: UTF8.self), texts: texts)
        guard let tokens else { return nil }
        let skeleton = tokens.map { token -> String in
            switch token.kind {
            case .literal(let s): "\(token.key)=L\(s)"
            case .number: "\(token.key)=#"
            case .host: "\(token.key)=H"
            case .text: "\(token.key)=T"
            case .constant(let c): "\(token.key)=C\(c)"
            }
        }.joined(separator: "\u{1}")
        return InferShape(tokens: tokens, skeleton: skeleton)
    }

    /// Whether `shape` is a chat message like `chat` (which carries a named text) whose text was
    /// not named: the same parts up to the text (JSON: the same keys and constants but the text's).
    static func sameChat(_ shape: InferShape, as chat: InferShape, json: Bool) -> Bool {
        guard let textAt = chat.tokens.firstIndex(where: { if case .text = $0.kind { true } else { false } }) else { return false }
        let parts = shape.skeleton.split(separator: "\u{1}", omittingEmptySubsequences: false)
        let model = chat.skeleton.split(separator: "\u{1}", omittingEmptySubsequences: false)
        if json {
            // JSON: every key but the text's the same, the text's a string constant.
            guard parts.count == model.count, shape.tokens.map(\.key) == chat.tokens.map(\.key) else { return false }
            return zip(parts, model).enumerated().allSatisfy { $0.offset == textAt ? $0.element.0.hasPrefix("\(chat.tokens[textAt].key)=C\"") : $0.element.0 == $0.element.1 }
        }
        guard textAt > 0, parts.count > textAt - 1, case .literal(let separator) = chat.tokens[textAt - 1].kind,
              case .literal(let there)? = shape.tokens.indices.contains(textAt - 1) ? shape.tokens[textAt - 1].kind : nil else { return false }
        return parts.prefix(textAt - 1) == model.prefix(textAt - 1) && there.hasPrefix(separator) && there.count > separator.count
    }

    /// Text: the longest typed text the datagram ends with, then hosts and digit runs.
    static func textTokens(_ string: String, texts: [String]) -> [InferToken]? {
        var head = Substring(string)
        var tail: String?
        if let typed = texts.filter({ !$0.isEmpty && string.hasSuffix($0) }).max(by: { $0.count < $1.count }) {
            head = string.dropLast(typed.count)
            tail = typed
        }
        var kinds: [InferToken.Kind] = []
        var literal = ""
        var rest = head[...]
        while let first = rest.first {
            if first.isASCII, first.isNumber {
                if let host = dottedQuad(at: rest) {
                    if !literal.isEmpty { kinds.append(.literal(literal)); literal = "" }
                    kinds.append(.host(String(host)))
                    rest = rest.dropFirst(host.count)
                    continue
                }
                let digits = rest.prefix { $0.isASCII && $0.isNumber }
                if !literal.isEmpty { kinds.append(.literal(literal)); literal = "" }
                if digits.count <= 18, let value = UInt64(digits) { kinds.append(.number(value)) } else { kinds.append(.literal(String(digits))) }
                rest = rest.dropFirst(digits.count)
            } else {
                literal.append(first)
                rest = rest.dropFirst()
            }
        }
        if !literal.isEmpty { kinds.append(.literal(literal)) }
        if let tail { kinds.append(.text(tail)) }
        return kinds.enumerated().map { InferToken(key: String($0.offset), kind: $0.element) }
    }

    /// A dotted quad `a.b.c.d` at the start of `text`, if there is one.
    static func dottedQuad(at text: Substring) -> Substring? {
        var end = text.startIndex
        for part in 0..<4 {
            let digits = text[end...].prefix { $0.isASCII && $0.isNumber }
            guard (1...3).contains(digits.count) else { return nil }
            end = digits.endIndex
            if part < 3 {
                guard end < text.endIndex, text[end] == "." else { return nil }
                end = text.index(after: end)
            }
        }
        if end < text.endIndex, text[end].isNumber || text[end] == "." { return nil }
        return text[text.startIndex..<end]
    }

    /// JSON: one token per key, in the datagram's order.
    static func jsonTokens(_ payload: [UInt8], texts: [String]) -> [InferToken]? {
        let parsed = payload.withUnsafeBytes { raw in try? JSONReader.parse(raw) }
        guard case .object(let entries)? = parsed else { return nil }
        return entries.map { entry in
            switch entry.value {
            case .number(let digits) where UInt64(digits) != nil: InferToken(key: entry.key, kind: .number(UInt64(digits)!))
            case .string(let s) where texts.contains(s): InferToken(key: entry.key, kind: .text(s))
            case .string(let s) where dottedQuad(at: s[...]) == s[...]: InferToken(key: entry.key, kind: .host(s))
            default: InferToken(key: entry.key, kind: .constant(entry.value.rendered))
            }
        }
    }
}
