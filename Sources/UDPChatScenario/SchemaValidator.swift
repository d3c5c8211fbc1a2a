import UDPChatSupport
import Yams

/// One problem in a scenario file, with its position.
public struct ScenarioIssue: Error, Hashable, Sendable, CustomStringConvertible {
    public var file: String
    public var line: Int
    public var column: Int
    public var message: String

    public init(file: String, line: Int, column: Int, message: String) {
        self.file = file
        self.line = line
        self.column = column
        self.message = message
    }

    /// `Scenarios/lost-msg.yaml:12:7: error: …` (the compiler's format, clickable in editors).
    public var description: String { "\(file):\(line):\(column): error: \(message)" }
}

/// Validates a YAML node tree against the subset of JSON Schema used by `scenario.schema.json`:
/// type, properties, required, additionalProperties, enum, items, minItems, maxItems, minimum,
/// maximum, minProperties, maxProperties, pattern, oneOf and local `$ref`s.
struct SchemaValidator {
    let root: [String: Any]
    let file: String

    init(schemaJSON: String, file: String) {
        root = ((try? Yams.load(yaml: schemaJSON)) as? [String: Any]) ?? [:]
        self.file = file
    }

    func validate(_ node: Node) -> [ScenarioIssue] {
        var issues: [ScenarioIssue] = []
        check(node, against: root, path: "", into: &issues)
        return issues
    }

    private func resolve(_ schema: [String: Any]) -> [String: Any] {
        guard let ref = schema["$ref"] as? String, ref.hasPrefix("#/") else { return schema }
        var current: Any = root
        for part in ref.dropFirst(2).split(separator: "/") {
            guard let dict = current as? [String: Any], let next = dict[String(part)] else { return schema }
            current = next
        }
        var merged = current as? [String: Any] ?? [:]
        for (key, value) in schema where key != "$ref" { merged[key] = value }
        return resolve(merged)
    }

    private func issue(_ node: Node, _ path: String, _ message: String) -> ScenarioIssue {
        let mark = node.mark
        let where_ = path.isEmpty ? "" : "\(path): "
        return ScenarioIssue(file: file, line: mark?.line ?? 1, column: mark?.column ?? 1, message: where_ + message)
    }

    private static func kinds(of node: Node) -> Set<String> {
        switch node {
        case .mapping: return ["object"]
        case .sequence: return ["array"]
        case .alias: return []
        case .scalar(let scalar):
            var kinds: Set<String> = []
            if scalar.style == .plain {
                if node.int != nil { kinds.formUnion(["integer", "number"]) }
                if node.float != nil, node.int == nil, scalar.string.contains(where: \.isNumber) { kinds.insert("number") }
                if node.bool != nil, ["true", "false", "yes", "no", "True", "False"].contains(scalar.string) { kinds.insert("boolean") }
                if ["~", "null", "Null", "NULL"].contains(scalar.string) { kinds.insert("null") }
            }
            if !kinds.contains("null") { kinds.insert("string") }
            return kinds
        }
    }

    private func typeMatches(_ node: Node, _ schema: [String: Any]) -> Bool {
        let wanted: [String]
        if let one = schema["type"] as? String { wanted = [one] } else if let many = schema["type"] as? [String] { wanted = many } else { return true }
        return !Self.kinds(of: node).isDisjoint(with: wanted)
    }

    private func check(_ node: Node, against rawSchema: [String: Any], path: String, into issues: inout [ScenarioIssue]) {
        let schema = resolve(rawSchema)
        if let branches = schema["oneOf"] as? [[String: Any]] {
            checkOneOf(node, branches, path: path, into: &issues)
            return
        }
        if !typeMatches(node, schema) {
            let wanted = (schema["type"] as? [String])?.joined(separator: " or ") ?? (schema["type"] as? String) ?? "?"
            issues.append(issue(node, path, "expected \(wanted), found \(Self.describe(node))"))
            return
        }
        if let values = schema["enum"] as? [Any] {
            let allowed = values.map { "\($0)" }
            if let text = node.string, !allowed.contains(text) {
                issues.append(issue(node, path, "'\(text)' is not one of: \(allowed.joined(separator: ", "))"))
                return
            }
        }
        switch node {
        case .scalar(let scalar): checkScalar(node, scalar.string, schema, path: path, into: &issues)
        case .sequence(let sequence): checkSequence(node, sequence.map { $0 }, schema, path: path, into: &issues)
        case .mapping(let mapping): checkMapping(node, mapping.map { ($0.key, $0.value) }, schema, path: path, into: &issues)
        case .alias: break
        }
    }

    /// `oneOf`: the first branch whose type fits and that finds nothing wins; else the first fitting
    /// branch's issues, or "expected one of" when none fits.
    private func checkOneOf(_ node: Node, _ branches: [[String: Any]], path: String, into issues: inout [ScenarioIssue]) {
        let candidates = branches.map(resolve).filter { typeMatches(node, $0) }
        guard !candidates.isEmpty else {
            let allowed = branches.map(resolve).compactMap { branch -> String? in
                if let values = branch["enum"] as? [Any] { return values.map { "\($0)" }.joined(separator: ", ") }
                if let type = branch["type"] { return "\(type)".replacing("\"", with: "") }
                return nil
            }
            issues.append(issue(node, path, "expected one of: \(allowed.joined(separator: " | "))"))
            return
        }
        var firstIssues: [ScenarioIssue]?
        for candidate in candidates {
            var branchIssues: [ScenarioIssue] = []
            check(node, against: candidate, path: path, into: &branchIssues)
            if branchIssues.isEmpty { return }
            if firstIssues == nil { firstIssues = branchIssues }
        }
        issues += firstIssues ?? []
    }

    /// A scalar's `pattern` (strings only), `minimum` and `maximum`.
    private func checkScalar(_ node: Node, _ text: String, _ schema: [String: Any], path: String, into issues: inout [ScenarioIssue]) {
        if let pattern = schema["pattern"] as? String, Self.kinds(of: node).contains("string"), !Self.kinds(of: node).contains("number") {
            if let regex = try? Regex(pattern), (try? regex.wholeMatch(in: text)) == nil {
                issues.append(issue(node, path, "'\(text)' does not have the expected form (\(schema["description"] as? String ?? pattern))"))
            }
        }
        if let value = node.float {
            if let minimum = schema["minimum"] as? Int, value < Double(minimum) {
                issues.append(issue(node, path, "\(text) is below the minimum \(minimum)"))
            }
            if let maximum = schema["maximum"] as? Int, value > Double(maximum) {
                issues.append(issue(node, path, "\(text) is above the maximum \(maximum)"))
            }
        }
    }

    /// A list's `minItems`, `maxItems` and each of its `items`.
    private func checkSequence(_ node: Node, _ items: [Node], _ schema: [String: Any], path: String, into issues: inout [ScenarioIssue]) {
        if let minimum = schema["minItems"] as? Int, items.count < minimum {
            issues.append(issue(node, path, "needs at least \(counted(minimum, "item")), found \(items.count)"))
        }
        if let maximum = schema["maxItems"] as? Int, items.count > maximum {
            issues.append(issue(node, path, "allows at most \(counted(maximum, "item")), found \(items.count)"))
        }
        if let itemSchema = schema["items"] as? [String: Any] {
            for (index, item) in items.enumerated() {
                check(item, against: itemSchema, path: "\(path)[\(index)]", into: &issues)
            }
        }
    }

    /// A mapping's `properties` (each checked; unknown keys refused unless `additionalProperties`),
    /// `required`, `minProperties` and `maxProperties`.
    private func checkMapping(_ node: Node, _ pairs: [(Node, Node)], _ schema: [String: Any], path: String, into issues: inout [ScenarioIssue]) {
        let properties = schema["properties"] as? [String: Any] ?? [:]
        var seen: Set<String> = []
        for (key, value) in pairs {
            let name = key.string ?? "?"
            seen.insert(name)
            let childPath = path.isEmpty ? name : "\(path).\(name)"
            if let child = properties[name] as? [String: Any] {
                check(value, against: child, path: childPath, into: &issues)
            } else if (schema["additionalProperties"] as? Bool) == false {
                let known = properties.keys.sorted().joined(separator: ", ")
                issues.append(issue(key, path, "unknown key '\(name)' (expected one of: \(known))"))
            }
        }
        for required in schema["required"] as? [String] ?? [] where !seen.contains(required) {
            issues.append(issue(node, path, "missing required key '\(required)'"))
        }
        if let minimum = schema["minProperties"] as? Int, pairs.count < minimum {
            issues.append(issue(node, path, "needs at least \(counted(minimum, "key"))"))
        }
        if let maximum = schema["maxProperties"] as? Int, pairs.count > maximum {
            let keys = pairs.compactMap { $0.0.string }.joined(separator: ", ")
            issues.append(issue(node, path, "exactly one key expected here, found \(pairs.count) (\(keys)); start a new list item with '-'"))
        }
    }

    static func describe(_ node: Node) -> String {
        switch node {
        case .mapping: "a mapping"
        case .sequence: "a list"
        case .alias: "an alias"
        case .scalar(let scalar): "'\(scalar.string)'"
        }
    }
}
