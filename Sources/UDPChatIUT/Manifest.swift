import Foundation
import UDPChatDialect
import UDPChatWire
import UDPChatSupport
import Yams

/// Which side of the protocol an implementation under test plays.
public enum IUTRole: String, Sendable, Codable, CaseIterable {
    case server, client
}

extension UDPChatError.Code {
    /// A manifest the grader cannot accept; the reason names the file and the field.
    public static let invalidManifest = Self(IUTCodes.invalidManifest)
}

extension UDPChatError {
    /// `PATH: field 'FIELD': REASON` — the grader exits 2 with it.
    public static func invalidManifest(_ path: String, field: String, _ reason: String) -> Self {
        Self(.invalidManifest, "\(path): field '\(field)': \(reason)")
    }
}

/// The implementation-under-test manifest from PROTOCOL.md ("The implementation-under-test manifest").
public struct Manifest: Sendable, Codable {
    /// Input actions a client manifest may map to standard-input lines.
    /// `start` is typed once right after the implementation starts (e.g. an id it asks for on standard input).
    /// `listen` and `receive` are for menu consoles (whole cases only): the callee's line before a connect
    /// (a waiting room), and the receiving user's answer to each incoming message it is asked about.
    public static let inputActions = ["start", "connect", "accept", "reject", "send", "terminate", "quit", "cancel", "listen", "receive"]
    static let commandPlaceholders: [IUTRole: Set<String>] = [
        .server: ["port", "rto"],
        .client: ["id", "server_host", "server_port", "port", "advertise_port", "rto"],
    ]
    static let inputPlaceholders: Set<String> = ["id", "peer", "text"]

    public var name: String
    public var role: IUTRole
    public var command: [String]
    /// Absolute working directory (the manifest's `workdir` resolved against its folder).
    public var workdir: String
    public var env: [String: String]
    /// Each input action's text: one line, or several joined by "\n" (typed one after another).
    public var input: [String: String]
    /// Where the manifest was read from.
    public var path: String
    /// What it asks to use per case in a sandbox (`limits:`); the instructor's policy caps it
    /// (`SandboxPolicy.limits(for:)`).
    public var limits: Limits = .defaults
    /// The `limits:` keys the manifest set (the others come from the policy).
    public var limitKeys: [String] = []
    /// Paths inside its workdir it means to write (`writable:`). In a sandbox the whole copy of the
    /// workdir is writable and thrown away after the case (kept with `--artifacts`); nothing outside is.
    public var writable: [String] = []
    /// The `dialect:` value resolved: an absolute path, or nil for the contract's own format.
    public var dialectPath: String?
    /// The dialect file's text as loaded (sent to the sandboxed worker with the manifest, which
    /// parses it again: the file itself may not be visible inside the sandbox).
    public var dialectText: String?
    /// `dialect: none`: the submission says its wire format is not known (neither the contract's nor a
    /// dialect file's yet). Only the behavioural cases (W-*) grade it; the format-level ones are
    /// UNSUPPORTED, pointing at `udpchat dialect infer`.
    public var dialectUnknown = false
    /// True for the reference server or client the harness stands in with for the role a submission
    /// graded alone lacks (`grade --stand-in`): not the submission's, and never judged. Its command
    /// takes `{dialect}`: a file of the submission's dialect (written in the case), or `default`.
    public var standsIn = false
    /// The program's own RTO (`rto:`), for a command without `{rto}` whose waits are fixed in its
    /// code (`usleep(500000)`): the grader grades at it instead of the contract's 10 s.
    public var fixedRTO: Duration?

    /// The implementation's wire format: the manifest's `dialect:`, or the contract's (`Dialect.default`).
    public func dialect() throws -> Dialect {
        guard let dialectText else { return .default }
        return try Dialect.parse(yaml: dialectText, file: dialectPath ?? "<dialect>")
    }

    public init(name: String, role: IUTRole, command: [String], workdir: String, env: [String: String] = [:],
                input: [String: String] = [:], path: String = "<memory>") {
        self.name = name
        self.role = role
        self.command = command
        self.workdir = workdir
        self.env = env
        self.input = input
        self.path = path
    }

    /// True when the command or environment takes `{name}`.
    public func uses(_ placeholder: String) -> Bool {
        (command + Array(env.values)).contains { $0.contains("{\(placeholder)}") }
    }

    /// A server without `{port}` can only listen on 7070, and a client without `{server_port}` can
    /// only talk to a server on 7070 (the grader's fake server then binds 7070): cases run one at a time.
    public var pinnedPort: UInt16? {
        switch role {
        case .server: uses("port") ? nil : ProtocolDefaults.port
        case .client: uses("server_port") ? nil : ProtocolDefaults.port
        }
    }

    /// Reads and validates a manifest file.
    public static func load(path: String) throws(UDPChatError) -> Manifest {
        let text: String
        guard FileManager.default.fileExists(atPath: path) else {
            throw UDPChatError(.invalidManifest, "\(path): no such file")
        }
        do {
            text = try String(contentsOfFile: path, encoding: .utf8)
        } catch {
            throw UDPChatError(.invalidManifest, "\(path): cannot read it: \(error.localizedDescription)")
        }
        let folder = URL(fileURLWithPath: path).deletingLastPathComponent().path
        return try parse(yaml: text, path: path, folder: folder)
    }

    /// Parses manifest YAML; `folder` is what a relative `workdir` is resolved against. Each field is read
    /// by its own function (ManifestFields.swift), each error naming the field and what it must be.
    public static func parse(yaml: String, path: String, folder: String) throws(UDPChatError) -> Manifest {
        func fail(_ field: String, _ reason: String) -> UDPChatError { .invalidManifest(path, field: field, reason) }
        let mapping = try mapping(yaml, what: "the manifest", fail: fail)
        let known = ["name", "role", "command", "workdir", "env", "input", "limits", "writable", "dialect", "rto"]
        for key in mapping.keys {
            guard let name = key.string, known.contains(name) else {
                throw fail(key.string ?? "?", "unknown field (known: \(known.joined(separator: ", ")))")
            }
        }
        guard let roleText = mapping["role"]?.string else { throw fail("role", "missing; must be 'client' or 'server'") }
        guard let role = IUTRole(rawValue: roleText) else { throw fail("role", "'\(roleText)' is not 'client' or 'server'") }
        let command = try parseCommand(mapping["command"], role: role, fail: fail)
        let name = mapping["name"]?.string ?? URL(fileURLWithPath: path).deletingPathExtension().lastPathComponent
        let workdir = try mapping["workdir"].map { node throws(UDPChatError) in try parseWorkdir(node, folder: folder, fail: fail) } ?? folder
        let env = try parseEnv(mapping["env"], role: role, fail: fail)
        let input = try parseInput(mapping["input"], role: role, fail: fail)
        var manifest = Manifest(name: name, role: role, command: command, workdir: workdir, env: env, input: input, path: path)
        if let node = mapping["rto"] { manifest.fixedRTO = try parseFixedRTO(node, takesRTO: manifest.uses("rto"), fail: fail) }
        if let node = mapping["limits"] {
            manifest.limits = try parseLimits(node, fail: fail)
            manifest.limitKeys = node.mapping?.keys.compactMap(\.string) ?? []
        }
        if let node = mapping["writable"] { manifest.writable = try parseWritable(node, folder: folder, workdir: workdir, fail: fail) }
        if let node = mapping["dialect"] { try manifest.readDialect(node, path: path, folder: folder, fail: fail) }
        return manifest
    }

    /// The YAML document `yaml` as a mapping, or `fail` naming what is wrong (one error style for
    /// the manifest and the instructor's policy).
    static func mapping(_ yaml: String, what: String, fail: (String, String) -> UDPChatError) throws(UDPChatError) -> Node.Mapping {
        let root: Node?
        do {
            root = try Yams.compose(yaml: yaml)
        } catch {
            throw fail("(yaml)", "not valid YAML: \(String(describing: error).split(separator: "\n").first ?? "")")
        }
        guard let mapping = root?.mapping else { throw fail("(root)", "\(what) must be a YAML mapping") }
        return mapping
    }

    /// `rto: 500ms`: the RTO fixed in a program that takes no `{rto}` (with `{rto}` the grader chooses it).
    static func parseFixedRTO(_ node: Node, takesRTO: Bool, fail: (String, String) -> UDPChatError) throws(UDPChatError) -> Duration {
        let text = node.scalar?.string ?? ""
        guard let rto = try? DurationParser.parse(text), rto > .zero else {
            throw fail("rto", "'\(text)' is not a duration above zero (e.g. 500ms, 10s): the RTO fixed in the program's code")
        }
        if takesRTO {
            throw fail("rto", "the command takes {rto}, so the grader chooses the RTO (--rto); rto: is for a program whose RTO is fixed in its code")
        }
        return rto
    }

    static func parseLimits(_ node: Node, fail: (String, String) -> UDPChatError) throws(UDPChatError) -> Limits {
        guard let mapping = node.mapping else { throw fail("limits", "must be a mapping (keys: \(Limits.keys.joined(separator: ", ")))") }
        var limits = Limits.defaults
        for (key, value) in mapping {
            let name = key.string ?? "?"
            let text = value.scalar?.string ?? ""
            func positive() throws(UDPChatError) -> Int {
                guard let number = Int(text), number > 0 else { throw fail("limits.\(name)", "'\(text)' must be a whole number above 0") }
                return number
            }
            func bytes() throws(UDPChatError) -> Int {
                guard let number = Limits.parseBytes(text) else { throw fail("limits.\(name)", "'\(text)' is not a size (e.g. 512MiB, 1GiB)") }
                return number
            }
            func duration() throws(UDPChatError) -> Duration {
                guard let parsed = try? DurationParser.parse(text), parsed > .zero else {
                    throw fail("limits.\(name)", "'\(text)' is not a duration above zero (e.g. 30s, 2m)")
                }
                return parsed
            }
            switch name {
            case "cpu": limits.cpuSeconds = max(1, Int((try duration() / .seconds(1)).rounded(.up)))
            case "memory": limits.memoryBytes = try bytes()
            case "processes": limits.processes = try positive()
            case "file-size": limits.fileSizeBytes = try bytes()
            case "wall": limits.wall = try duration()
            case "cpu-share":
                guard let share = Double(text), share > 0, share <= 64 else { throw fail("limits.\(name)", "'\(text)' must be a share of one core, e.g. 0.5 or 1") }
                limits.cpuShare = share
            case "open-files": limits.openFiles = try max(16, positive())
            case "disk": limits.diskBytes = try bytes()
            default: throw fail("limits.\(name)", "unknown limit (known: \(Limits.keys.joined(separator: ", ")))")
            }
        }
        return limits
    }

    static func checkPlaceholders(_ text: String, allowed: Set<String>, field: String,
                                  fail: (String, String) -> UDPChatError) throws(UDPChatError) {
        for name in placeholderNames(in: text) where !allowed.contains(name) {
            throw fail(field, "unknown placeholder {\(name)} (allowed here: \(allowed.sorted().map { "{\($0)}" }.joined(separator: ", ")))")
        }
    }

    static func placeholderNames(in text: String) -> [String] {
        var names: [String] = []
        var rest = Substring(text)
        while let open = rest.firstIndex(of: "{") {
            let after = rest[rest.index(after: open)...]
            guard let close = after.firstIndex(of: "}") else { break }
            let name = after[..<close]
            if !name.isEmpty, name.allSatisfy({ $0.isLetter || $0 == "_" }) { names.append(String(name)) }
            rest = after[after.index(after: close)...]
        }
        return names
    }
}

/// Replaces every `{name}` in `template` with `values[name]`; unknown names are left as they are.
public func fillPlaceholders(_ template: String, _ values: [String: String]) -> String {
    var result = template
    for (name, value) in values { result = result.replacingOccurrences(of: "{\(name)}", with: value) }
    return result
}
