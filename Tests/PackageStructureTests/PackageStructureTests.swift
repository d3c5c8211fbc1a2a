import Foundation
import Testing

/// The docs, Package.swift and the sources tell one story about the modules: every edge drawn in
/// docs/ARCHITECTURE.md is declared in Package.swift and the other way round, every declared
/// dependency is imported and every import is declared, every module has its test target, and
/// Package.swift's header names every module.
@Suite("Package structure")
struct PackageStructureTests {
    /// Modules of the toolchain and the OS: imported without a declared dependency.
    static let system: Set<String> = [
        "Foundation", "FoundationEssentials", "FoundationNetworking", "Dispatch", "Glibc", "Musl", "Darwin", "Android",
        "Testing", "XCTest", "Synchronization", "os", "Observation", "_Concurrency", "Swift", "System",
    ]

    let manifest: PackageManifest
    init() throws { manifest = try PackageManifest() }

    var modules: [PackageManifest.Target] {
        manifest.targets.values.filter { $0.kind != .testTarget }.sorted { $0.name < $1.name }
    }

    @Test func readsPackageSwift() {
        #expect(manifest.targets["UDPChatWire"] != nil)
        #expect(manifest.targets["udpchat"]?.kind == .executableTarget)
        #expect(manifest.targets["udpchat"]?.products.contains("ArgumentParser") == true)
    }

    /// `A[UDPChatA] --> B` lines of the mermaid graph, with short names resolved.
    func documentedEdges() throws -> Set<String> {
        let doc = try String(contentsOf: PackageManifest.root.appendingPathComponent("docs/ARCHITECTURE.md"), encoding: .utf8)
        let block = try #require(doc.range(of: "```mermaid\ngraph BT\n").flatMap { start in
            doc.range(of: "```", range: start.upperBound..<doc.endIndex).map { doc[start.upperBound..<$0.lowerBound] }
        }, "docs/ARCHITECTURE.md has a ```mermaid graph BT block")
        var alias: [String: String] = [:]
        for line in block.split(separator: "\n") {
            for match in PackageManifest.allCapturesPairs(#"(\w+)\[([^\]/ ]+)[^\]]*\]"#, in: String(line)) { alias[match.0] = match.1 }
        }
        var edges: Set<String> = []
        for line in block.split(separator: "\n") where line.contains("-->") {
            let parts = line.components(separatedBy: "-->").map {
                $0.trimmingCharacters(in: .whitespaces).replacingOccurrences(of: #"\[.*\]"#, with: "", options: .regularExpression)
            }
            guard parts.count == 2 else { continue }
            edges.insert("\(alias[parts[0]] ?? parts[0]) -> \(alias[parts[1]] ?? parts[1])")
        }
        return edges
    }

    /// The module graph as Package.swift declares it, without the edges implied by others
    /// (A → C is left out when A → B → … → C exists): what docs/ARCHITECTURE.md draws.
    func declaredGraphWithoutImpliedEdges() -> Set<String> {
        let local = Set(manifest.targets.keys)
        var edges: [String: Set<String>] = [:]
        for module in modules { edges[module.name] = module.targets.intersection(local) }
        func reachable(from start: String, skipping direct: String) -> Set<String> {
            var seen: Set<String> = []
            var stack = Array(edges[start, default: []].subtracting([direct]))
            while let next = stack.popLast() {
                guard seen.insert(next).inserted else { continue }
                stack.append(contentsOf: edges[next, default: []])
            }
            return seen
        }
        var kept: Set<String> = []
        for (module, targets) in edges {
            for target in targets where !reachable(from: module, skipping: target).contains(target) { kept.insert("\(module) -> \(target)") }
        }
        return kept
    }

    @Test func architectureGraphMatchesPackageSwift() throws {
        let declared = declaredGraphWithoutImpliedEdges()
        let documented = try documentedEdges()
        #expect(documented.subtracting(declared).sorted() == [],
                "drawn in docs/ARCHITECTURE.md but not declared in Package.swift (or implied by other edges)")
        #expect(declared.subtracting(documented).sorted() == [], "declared in Package.swift but not drawn in docs/ARCHITECTURE.md")
    }

    /// `import X` lines of every Swift file of a target (conditional `#if canImport` imports included).
    func imports(of target: PackageManifest.Target) throws -> Set<String> {
        let folder = PackageManifest.root.appendingPathComponent(target.kind == .testTarget ? "Tests" : "Sources")
            .appendingPathComponent(target.name)
        var found: Set<String> = []
        let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            let text = try String(contentsOf: file, encoding: .utf8)
            for module in PackageManifest.allCaptures(#"(?m)^\s*(?:@\w+(?:\([^)]*\))?\s+)*(?:public |internal |package )?import\s+(?:struct |enum |class |func |protocol |typealias )?(\w+)"#, in: text) {
                found.insert(module)
            }
        }
        return found
    }

    @Test func everyImportIsDeclaredAndEveryDependencyUsed() throws {
        for target in manifest.targets.values.sorted(by: { $0.name < $1.name }) where target.kind != .systemLibrary {
            let used = try imports(of: target).subtracting(Self.system)
            let undeclared = used.subtracting(target.modules)
            #expect(undeclared.sorted() == [], "\(target.name) imports modules it does not declare in Package.swift: \(undeclared.sorted())")
            let unused = target.modules.subtracting(used)
            #expect(unused.sorted() == [], "\(target.name) declares dependencies it never imports: \(unused.sorted())")
        }
    }

    @Test func everyModuleHasItsOwnTestTarget() {
        for module in modules where module.kind != .systemLibrary {
            let test = manifest.targets["\(module.name)Tests"]
            #expect(test?.kind == .testTarget, "Tests/\(module.name)Tests is missing")
            #expect(test?.targets.contains(module.name) == true, "\(module.name)Tests does not depend on \(module.name)")
        }
    }

    @Test func testFilesAreNotEmpty() throws {
        let tests = PackageManifest.root.appendingPathComponent("Tests")
        let files = FileManager.default.enumerator(at: tests, includingPropertiesForKeys: nil)
        while let file = files?.nextObject() as? URL {
            guard file.pathExtension == "swift" else { continue }
            let code = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
                .filter { !$0.trimmingCharacters(in: .whitespaces).isEmpty && !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }
            #expect(code.count > 2, "\(file.lastPathComponent) holds no test")
        }
    }

    /// The pure modules stay pure: no file, socket or /proc access in their sources (issue 20: Support
    /// does no I/O; what reads this host's tables lives in UDPChatHost).
    @Test func pureModulesDoNoIO() throws {
        let io = ["FileManager", "/proc", "socket(", "fopen(", "contentsOfFile", "open(\"", "Process("]
        for module in ["UDPChatSupport", "UDPChatWire", "UDPChatCore", "UDPChatScript", "UDPChatRelay"] {
            let folder = PackageManifest.root.appendingPathComponent("Sources/\(module)")
            let files = FileManager.default.enumerator(at: folder, includingPropertiesForKeys: nil)
            while let file = files?.nextObject() as? URL {
                guard file.pathExtension == "swift" else { continue }
                let code = try String(contentsOf: file, encoding: .utf8).split(separator: "\n")
                    .filter { !$0.trimmingCharacters(in: .whitespaces).hasPrefix("//") }.joined(separator: "\n")
                for call in io where code.contains(call) {
                    Issue.record("\(module)/\(file.lastPathComponent) uses \(call): \(module) is pure (docs/ARCHITECTURE.md 'I/O?')")
                }
            }
        }
    }

    @Test func packageHeaderListsEveryModule() {
        let header = manifest.text.split(separator: "\n").prefix { !$0.hasPrefix("let ") && !$0.hasPrefix("import") || $0.hasPrefix("import") }
            .filter { $0.hasPrefix("//") }.joined(separator: "\n")
        for module in modules {
            #expect(header.range(of: #"//\s+\#(module.name)\s"#, options: .regularExpression) != nil,
                    "the Package.swift header comment does not list \(module.name)")
        }
    }
}

extension PackageManifest {
    static func allCapturesPairs(_ pattern: String, in text: String) -> [(String, String)] {
        guard let regex = try? NSRegularExpression(pattern: pattern) else { return [] }
        let range = NSRange(text.startIndex..., in: text)
        return regex.matches(in: text, range: range).compactMap { match in
            guard let a = Range(match.range(at: 1), in: text), let b = Range(match.range(at: 2), in: text) else { return nil }
            return (String(text[a]), String(text[b]))
        }
    }
}
