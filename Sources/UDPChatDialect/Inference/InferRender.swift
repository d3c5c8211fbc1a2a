// Dialect inference: a built template written as the dialect file writes it (a quoted text
// template, or a JSON object), with how sure inference is of it.
import UDPChatSupport
import UDPChatWire

extension InferTemplateBuilder {
    /// The verb's template and confidence, or nil when it has no datagrams.
    func message(_ verb: Verb, console: String?) -> InferredMessage? {
        guard let built = build(verb) else { return nil }
        let (tokens, choice, items) = (built.segments, built.choice, built.items)
        var notes = built.note
        var parts: [(key: String, text: String, quoted: Bool)] = []
        for (position, token) in tokens.enumerated() {
            switch token.kind {
            case .number(let n):
                if let field = choice[token.key] {
                    parts.append((token.key, "{\(field.rawValue)}", true))
                } else {
                    let varies = items.contains { $0.shape.tokens[position].kind != token.kind }
                    if varies { notes.append("a number that changes (\(token.key)) matches no known value: written as \(n)") }
                    parts.append((token.key, String(n), false))
                }
            case .host(let host): parts.append((token.key, verb == .peer ? "{host}" : host, true))
            case .text(let text): parts.append((token.key, verb == .msg ? "{text}" : text, true))
            case .literal(let text): parts.append((token.key, text, true))
            case .constant(let json): parts.append((token.key, json, false))
            }
        }
        let template = json
            ? "{" + parts.map { "\(JSON.string($0.key)): \($0.quoted ? JSON.string($0.text) : $0.text)" }.joined(separator: ", ") + "}"
            : JSON.string(parts.map(\.text).joined())
        var confidence: Confidence = items.count >= 2 ? .high : .medium
        if !notes.isEmpty { confidence = .low }
        var reason = "\(items.count) datagram\(items.count == 1 ? "" : "s"), first #\(items[0].index + 1): \(items[0].exchange)"
        if verb == .msg, let console, let text = items[0].shape.text, Self.shownOnBothSides(text, console: console) {
            reason += "; the text is on the console typed and shown"
            if confidence == .medium { confidence = .high }
        }
        if !notes.isEmpty { reason += "; " + notes.joined(separator: "; ") }
        return InferredMessage(verb: verb, template: template, confidence: confidence, reason: reason)
    }

    /// A typed text that appears on two console lines at least (typed on one side, shown on the other).
    static func shownOnBothSides(_ text: String, console: String) -> Bool {
        console.split(whereSeparator: \.isNewline).filter { $0.contains(text) }.count >= 2
    }
}
