/// The stable rule ids of docs/PROTOCOL.md §10 (`SRV-3`, `MSG-4`, …) and which grader cases check
/// them, so every report can cite the rule behind a verdict.
public enum ProtocolRules {
    public struct Rule: Sendable, Hashable {
        public var id: String
        /// `MUST`, `MUST NOT`, `SHOULD` or `MAY`.
        public var level: String
        public var text: String
        /// The PROTOCOL.md sections as markdown links (`[4.8](#receiving)`).
        public var sections: String
        /// The cases column: case ids, `same as TIME-2`, `all re-send cases`, or `—`.
        public var cases: String
    }

    /// Every rule, in the order of PROTOCOL.md.
    public static var all: [Rule] { table }

    public static func rule(_ id: String) -> Rule? { table.first { $0.id == id } }

    /// The case ids a rule names in its cases column (`same as X` and `all re-send cases` resolved
    /// against `catalogue`, the ids of every case).
    public static func cases(of rule: Rule, catalogue: [String]) -> [String] {
        let column = rule.cases
        if column.hasPrefix("same as "), let other = self.rule(String(column.dropFirst("same as ".count))) {
            return cases(of: other, catalogue: catalogue)
        }
        if column == "all re-send cases" || column == "all timed cases" { return catalogue.filter { $0.contains("RESEND") } }
        return column.split(separator: ",").map { String($0).trimmingSpaces() }.filter { $0.hasPrefix("S-") || $0.hasPrefix("C-") }
    }

    /// The rules that name a grader case, in PROTOCOL.md order. The rules a case is cited by in
    /// a broad way (`all re-send cases`) come after the ones that name it; a behavioural case's
    /// (`behavioural`) are its own list.
    public static func rules(forCase id: String) -> [String] {
        let named = table.filter { cases(of: $0, catalogue: [id]).contains(id) && !$0.cases.hasPrefix("all ") }.map(\.id)
        let broad = table.filter { $0.cases.hasPrefix("all ") && cases(of: $0, catalogue: [id]).contains(id) }.map(\.id)
        return named + broad + (behavioural[id]?.rules ?? [])
    }

    /// The section anchors of a rule (`receiving` for `[4.8](#receiving)`).
    public static func anchors(_ rule: Rule) -> [String] {
        var anchors: [String] = []
        var rest = Substring(rule.sections)
        while let open = rest.range(of: "(#") {
            rest = rest[open.upperBound...]
            guard let close = rest.firstIndex(of: ")") else { break }
            anchors.append(String(rest[..<close]))
            rest = rest[close...]
        }
        return anchors
    }
}

extension String {
    func trimmingSpaces() -> String {
        var text = Substring(self)
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return String(text)
    }
}
