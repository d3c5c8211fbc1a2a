// Dialect inference: the inferred dialect as a dialect file, a comment per message saying how
// sure it is and where it came from, and the check that the file loads and round-trips.
import UDPChatSupport
import UDPChatWire

enum InferYAML {
    static func render(_ dialect: InferredDialect) -> String {
        var lines = [
            "# Inferred by `udpchat dialect infer` from a recorded session (docs/DIALECTS.md \"Inferring a dialect\").",
            "# Server: \(dialect.server).",
            "# Separator between fields: \(dialect.separator.debugDescription). Check it: udpchat dialect check FILE",
            "dialect: \(dialect.name)",
            "format: \(dialect.format.rawValue)",
            "terminator: \(dialect.terminator.rawValue)",
            "peer-source: \(dialect.peerSource.rawValue)",
        ]
        if dialect.ids == .serverAssigned { lines.append("ids: server-assigned") }
        lines.append("messages:")
        for message in dialect.messages {
            lines.append("  # \(message.verb.rawValue): \(message.confidence.rawValue) confidence; \(oneLine(message.reason))")
            let padding = String(repeating: " ", count: max(1, 11 - message.verb.rawValue.count))
            lines.append("  \(message.verb.rawValue):\(padding)\(message.template)")
        }
        if !dialect.unplaced.isEmpty {
            lines.append("# Not placed:")
            lines += dialect.unplaced.map { "#   \(oneLine($0))" }
        }
        return lines.joined(separator: "\n") + "\n"
    }

    /// A comment's text on one line, control characters escaped (YAML refuses them).
    static func oneLine(_ text: String) -> String {
        var line = ""
        for scalar in text.unicodeScalars {
            let v = scalar.value
            if v < 0x20 || (0x7F..<0xA0).contains(v) || v == 0x2028 || v == 0x2029 || v == 0xFEFF {
                line += "\\u{" + String(v, radix: 16) + "}"
            } else {
                line.unicodeScalars.append(scalar)
            }
        }
        return line
    }

    /// The first verb whose template keeps the file from loading or whose example does not read
    /// back as itself, with why; nil when `udpchat dialect check` accepts the file.
    static func firstProblem(_ yaml: String) -> (Verb, String)? {
        let lines = yaml.split(separator: "\n", omittingEmptySubsequences: false)
        do {
            let dialect = try Dialect.parse(yaml: yaml, file: "inferred")
            for example in dialect.examples() {
                if let problem = example.problem { return (example.message.verb, problem) }
            }
            return nil
        } catch {
            for issue in error.issues where issue.line >= 1 && issue.line <= lines.count {
                let line = lines[issue.line - 1].drop { $0 == " " }
                if let verb = Verb.allCases.first(where: { line.hasPrefix($0.rawValue + ":") }) { return (verb, issue.message) }
            }
            // A problem not on a message's line (e.g. ids: server-assigned needs REGISTERED's {id}):
            // the verb it names, else the first.
            let present = Verb.allCases.filter { yaml.contains("\n  \($0.rawValue):") }
            let named = present.first { verb in error.issues.contains { $0.message.hasPrefix(verb.rawValue + " ") || $0.message.hasPrefix(verb.rawValue + ":") } }
            let verb = named ?? present.first
            return verb.map { ($0, error.issues.map(\.message).joined(separator: "; ")) }
        }
    }
}
