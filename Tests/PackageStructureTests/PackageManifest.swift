import Foundation

/// Package.swift read as text: every target, its kind and its direct dependencies (local targets
/// and products). Only the shapes Package.swift uses are understood; a target whose dependencies
/// cannot be read makes the test fail rather than pass silently.
struct PackageManifest {
    enum Kind: String { case target, executableTarget, testTarget, systemLibrary }

    struct Target {
        var name: String
        var kind: Kind
        /// Local targets this target depends on.
        var targets: Set<String>
        /// Products (module names) of other packages.
        var products: Set<String>
        var modules: Set<String> { targets.union(products) }
    }

    var text: String
    var targets: [String: Target] = [:]

    static var root: URL {
        // Tests/PackageStructureTests/PackageManifest.swift → the package root.
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    init() throws {
        let whole = try String(contentsOf: Self.root.appendingPathComponent("Package.swift"), encoding: .utf8)
        // Targets added only under an environment switch (the fuzzers of Scripts/fuzz) are tools, not modules.
        text = whole.range(of: "\nif Context.environment").map { String(whole[..<$0.lowerBound]) } ?? whole
        let variables = Self.variables(in: text)
        var index = text.startIndex
        while let open = text.range(of: #"\.(target|executableTarget|testTarget|systemLibrary)\("#, options: .regularExpression,
                                    range: index..<text.endIndex) {
            let kindName = String(text[text.index(after: open.lowerBound)..<text.index(before: open.upperBound)])
            let body = Self.balanced(text, from: text.index(before: open.upperBound))
            index = body.endIndex
            guard let kind = Kind(rawValue: kindName), let name = Self.firstCapture(#"name:\s*"([^"]+)""#, in: String(body)) else { continue }
            var locals: Set<String> = []
            var products: Set<String> = []
            if let deps = body.range(of: "dependencies:") {
                let tail = String(body[deps.upperBound...])
                let list = Self.dependencyExpression(tail)
                for product in Self.allCaptures(#"\.product\(\s*name:\s*"([^"]+)""#, in: list) { products.insert(product) }
                let withoutProducts = list.replacingOccurrences(of: #"\.product\([^)]*\)"#, with: "", options: .regularExpression)
                for local in Self.allCaptures(#""([^"]+)""#, in: withoutProducts) { locals.insert(local) }
                for (variable, modules) in variables where withoutProducts.range(of: #"\b\#(variable)\b"#, options: .regularExpression) != nil {
                    products.formUnion(modules)
                }
            }
            self.targets[name] = Target(name: name, kind: kind, targets: locals, products: products)
        }
    }

    /// `let nio: [Target.Dependency] = [.product(name: "NIOCore", …), …]` → ["nio": ["NIOCore", …]].
    static func variables(in text: String) -> [String: Set<String>] {
        var result: [String: Set<String>] = [:]
        let pattern = #"let\s+(\w+)\s*:\s*(?:\[Target\.Dependency\]|Target\.Dependency)\s*=\s*"#
        var index = text.startIndex
        while let match = text.range(of: pattern, options: .regularExpression, range: index..<text.endIndex) {
            let name = firstCapture(#"let\s+(\w+)"#, in: String(text[match]))!
            let rest = text[match.upperBound...]
            let value: Substring = rest.first == "[" ? balanced(text, from: match.upperBound) : rest.prefix { $0 != "\n" }
            result[name] = Set(allCaptures(#"\.product\(\s*name:\s*"([^"]+)""#, in: String(value)))
            index = match.upperBound
        }
        return result
    }

    /// The text of the bracketed or parenthesised group that opens at `start`.
    static func balanced(_ text: String, from start: String.Index) -> Substring {
        var depth = 0
        var inString = false
        var index = start
        while index < text.endIndex {
            let c = text[index]
            if c == "\"" { inString.toggle() }
            if !inString {
                if c == "(" || c == "[" { depth += 1 }
                if c == ")" || c == "]" {
                    depth -= 1
                    if depth == 0 { return text[start...index] }
                }
            }
            index = text.index(after: index)
        }
        return text[start...]
    }

    /// The dependency expression after `dependencies:`: a list literal, possibly `+ variable`s.
    static func dependencyExpression(_ tail: String) -> String {
        let trimmed = String(tail.drop { $0 == " " || $0 == "\n" })
        guard trimmed.first == "[" else { return String(trimmed.prefix { $0 != "," && $0 != ")" }) }
        let list = balanced(trimmed, from: trimmed.startIndex)
        var rest = trimmed[list.endIndex...].dropFirst()
        var expression = String(list)
        while let plus = rest.range(of: #"^\s*\+\s*\w+"#, options: .regularExpression) {
            expression += " " + rest[plus]
            rest = rest[plus.upperBound...]
        }
        return expression
    }

    static func firstCapture(_ pattern: String, in text: String) -> String? { allCaptures(pattern, in: text).first }

    static func allCaptures(_ pattern: String, in text: String) -> [String] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { match in
            Range(match.range(at: 1), in: text).map { String(text[$0]) }
        }
    }
}
