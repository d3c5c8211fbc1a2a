// The manifest's fields, each read from its YAML node by a function of its own (`Manifest.parse` calls
// them in order); every error names the field and says what it must be (PROTOCOL.md, "The
// implementation-under-test manifest").
import Foundation
import UDPChatDialect
import UDPChatSupport
import Yams

extension Manifest {
    typealias Fail = (String, String) -> UDPChatError

    /// `command:`: a non-empty list of strings, its placeholders the role's.
    static func parseCommand(_ node: Node?, role: IUTRole, fail: Fail) throws(UDPChatError) -> [String] {
        guard let node else { throw fail("command", "missing; a list like [\"python3\", \"server.py\"]") }
        guard let sequence = node.sequence, !sequence.isEmpty else {
            throw fail("command", "must be a non-empty list of strings")
        }
        var command: [String] = []
        for (index, item) in sequence.enumerated() {
            guard let word = item.scalar?.string else { throw fail("command[\(index)]", "must be a string") }
            try checkPlaceholders(word, allowed: commandPlaceholders[role]!, field: "command[\(index)]", fail: fail)
            command.append(word)
        }
        if command[0].isEmpty { throw fail("command[0]", "the program name is empty") }
        return command
    }

    /// `workdir:`: a folder that exists, relative to the manifest's folder unless absolute.
    static func parseWorkdir(_ node: Node, folder: String, fail: Fail) throws(UDPChatError) -> String {
        guard let dir = node.string, !dir.isEmpty else { throw fail("workdir", "must be a folder path") }
        let workdir = dir.hasPrefix("/") ? dir : URL(fileURLWithPath: folder).appendingPathComponent(dir).standardized.path
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: workdir, isDirectory: &isDir), isDir.boolValue else {
            throw fail("workdir", "'\(dir)' is not a folder (resolved to \(workdir))")
        }
        return workdir
    }

    /// `env:`: NAME: value, the values with the role's placeholders; empty when absent or empty.
    static func parseEnv(_ node: Node?, role: IUTRole, fail: Fail) throws(UDPChatError) -> [String: String] {
        guard let node, !(node.scalar?.string.isEmpty ?? false) else { return [:] }
        guard let envMap = node.mapping else { throw fail("env", "must be a mapping of NAME: value") }
        var env: [String: String] = [:]
        for (key, value) in envMap {
            guard let k = key.string, let v = value.scalar?.string else { throw fail("env", "every entry must be NAME: string") }
            try checkPlaceholders(v, allowed: commandPlaceholders[role]!, field: "env.\(k)", fail: fail)
            env[k] = v
        }
        return env
    }

    /// `input:` (a client's): action → one line, or a list of lines typed one after another (a numbered
    /// menu: "1", then the entry), kept joined by "\n".
    static func parseInput(_ node: Node?, role: IUTRole, fail: Fail) throws(UDPChatError) -> [String: String] {
        guard let node else { return [:] }
        guard role == .client else { throw fail("input", "only a client manifest maps input actions") }
        guard let inputMap = node.mapping else { throw fail("input", "must be a mapping of action: line") }
        var input: [String: String] = [:]
        for (key, value) in inputMap {
            guard let action = key.string, inputActions.contains(action) else {
                throw fail("input.\(key.string ?? "?")", "unknown action (known: \(inputActions.joined(separator: ", ")))")
            }
            let lines: [String]
            if let line = value.scalar?.string {
                lines = [line]
            } else if let items = value.sequence, !items.isEmpty, items.allSatisfy({ $0.scalar?.string != nil }) {
                lines = items.compactMap { $0.scalar?.string }
            } else {
                throw fail("input.\(action)", "must be a line, or a list of lines typed one after another")
            }
            for line in lines {
                if line.contains("\n") { throw fail("input.\(action)", "must be single lines (give several as a list)") }
                try checkPlaceholders(line, allowed: inputPlaceholders, field: "input.\(action)", fail: fail)
            }
            input[action] = lines.joined(separator: "\n")
        }
        return input
    }

    /// `writable:`: paths inside the workdir (the whole copy of the workdir is writable in a sandbox;
    /// nothing outside it ever is).
    static func parseWritable(_ node: Node, folder: String, workdir: String, fail: Fail) throws(UDPChatError) -> [String] {
        guard let items = node.sequence else { throw fail("writable", "must be a list of paths inside the workdir") }
        var writable: [String] = []
        for (index, item) in items.enumerated() {
            guard let text = item.string, !text.isEmpty else { throw fail("writable[\(index)]", "must be a path") }
            let path = text.hasPrefix("/") ? text : URL(fileURLWithPath: folder).appendingPathComponent(text).standardized.path
            guard path == workdir || path.hasPrefix(workdir + "/") else {
                throw fail("writable[\(index)]", "'\(text)' is outside the workdir \(workdir): an implementation writes only its own copy of its workdir")
            }
            writable.append(path)
        }
        return writable
    }

    /// `dialect:`: a dialect file (loaded and checked now, its text kept for the sandboxed worker),
    /// `default` (the contract's format) or `none` (not known yet: `dialectUnknown`).
    mutating func readDialect(_ node: Node, path: String, folder: String, fail: Fail) throws(UDPChatError) {
        guard let value = node.string, !value.isEmpty else { throw fail("dialect", "must be a dialect file path (or 'default', or 'none')") }
        if value == "none" {
            dialectUnknown = true
            return
        }
        guard value != "default" else { return }
        let resolved = value.hasPrefix("/") ? value : URL(fileURLWithPath: folder).appendingPathComponent(value).standardized.path
        do {
            _ = try Dialect.load(value, relativeTo: folder)
        } catch let error as DialectFileError {
            throw UDPChatError(.invalidManifest, "\(path): field 'dialect': \(value) is not a valid dialect file:\n\(error.description)")
        } catch {
            throw fail("dialect", "cannot read '\(value)' (resolved to \(resolved))")
        }
        dialectPath = resolved
        dialectText = try? String(contentsOfFile: resolved, encoding: .utf8)
    }
}
