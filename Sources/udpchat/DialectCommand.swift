// `udpchat dialect`: Show, check, dissect and infer dialects: other implementations' wire formats (docs/DIALECTS.md).
import ArgumentParser
import UDPChatDialect
import UDPChatWire

struct DialectCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "dialect",
        abstract: "Show, check, dissect and infer dialects: other implementations' wire formats (docs/DIALECTS.md).",
        subcommands: [DialectShowCommand.self, DialectCheckCommand.self, DialectLuaCommand.self, DialectInferCommand.self]
    )
}

struct DialectShowCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "show",
        abstract: "Print a dialect file: `default` (the contract's own format) or FILE."
    )

    @Argument(help: "default, or a dialect file.")
    var dialect: String = "default"

    func run() throws {
        let loaded = try loadDialect(dialect)
        print(loaded.source, terminator: loaded.source.hasSuffix("\n") ? "" : "\n")
    }
}

struct DialectCheckCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check",
        abstract: "Validate a dialect file, then print and round-trip one example of every message it has.",
        discussion: "Problems are printed as FILE:LINE: MESSAGE; the exit status is 1 when the file has one or an example does not round-trip. A verb's later forms are shown as VERB/2, …; what a reader takes from the request it answered is shown in square brackets."
    )

    @Argument(help: "The dialect file (or default).")
    var file: String

    func run() throws {
        let dialect = try loadDialect(file)
        print("\(file): dialect \(dialect.name), format \(dialect.format.rawValue), terminator \(dialect.terminator.rawValue), peer-source \(dialect.peerSource.rawValue)\(dialect.caseInsensitive ? ", case-insensitive" : "")\(dialect.ids == .serverAssigned ? ", ids server-assigned" : "")")
        let missing = Verb.allCases.filter { dialect.templates[$0] == nil }.map(\.rawValue)
        if !missing.isEmpty { print("absent verbs: \(missing.joined(separator: ", "))") }
        var bad = 0
        for example in dialect.examples() {
            let status = example.problem == nil ? "ok  " : "FAIL"
            let verb = example.message.verb.rawValue + (example.form > 0 ? "/\(example.form + 1)" : "")
            let note = example.note.map { "   [\($0)]" } ?? ""
            let column = verb + String(repeating: " ", count: max(0, 11 - verb.count))
            print("\(status) \(column) \(example.text.debugDescription)  ->  \(example.message)\(note)")
            if let problem = example.problem {
                bad += 1
                print("     \(problem)")
            }
        }
        if bad > 0 { throw ExitCode(1) }
    }
}

struct DialectLuaCommand: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "lua",
        abstract: "Print a Wireshark Lua dissector for a dialect (the same udpchat.* fields as contrib/wireshark/udpchat.lua).",
        discussion: "tshark -X lua_script:colon.lua -r capture.pcap -Y 'udpchat.verb == \"MSG\"'"
    )

    @Argument(help: "The dialect file (or default).")
    var file: String

    @Option(help: "The server's UDP port to register the dissector on (the heuristic finds the rest).")
    var port: UInt16 = ProtocolDefaults.port

    func run() throws {
        print(LuaDissector(dialect: try loadDialect(file), serverPort: port).script, terminator: "")
    }
}

/// Loads `default` or a dialect file; file problems are printed as FILE:LINE: MESSAGE and exit 1.
/// The dialect a command's `--dialect` names; none given is the contract's own format.
func loadDialect(_ nameOrPath: String?) throws -> Dialect {
    guard let nameOrPath else { return .default }
    do {
        return try Dialect.load(nameOrPath)
    } catch let error as DialectFileError {
        printError(error.description)
        throw ExitCode(1)
    } catch {
        printError("\(error)")
        throw ExitCode(1)
    }
}
