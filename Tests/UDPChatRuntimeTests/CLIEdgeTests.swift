import Foundation
import Testing
import UDPChatIUT

/// Small edges of the command line: cut-off captures, proxy runtime errors, help layout, plurals.
@Suite("The udpchat command line: edges", .enabled(if: udpchatBinary != nil, "needs the built udpchat binary (swift build)"))
struct CLIEdgeTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let cleanChat = root.appendingPathComponent("Fixtures/pcap/clean-chat.pcap").path
    static let malformed = root.appendingPathComponent("Fixtures/pcap/malformed.pcap").path

    static func temporaryPath(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("udpchat-edge-\(UInt32.random(in: 0...UInt32.max))-\(name)").path
    }

    /// clean-chat.pcap without its last 7 bytes: the last frame is cut.
    static func truncatedCapture() throws -> (path: String, cut: Int) {
        let bytes = try Data(contentsOf: URL(fileURLWithPath: cleanChat))
        let path = temporaryPath("cut.pcap")
        try bytes.prefix(bytes.count - 7).write(to: URL(fileURLWithPath: path))
        return (path, 0)
    }

    static func frameLines(_ stdout: String) -> [String] {
        stdout.split(separator: "\n").map(String.init).filter { $0.hasPrefix("#") }
    }

    @Test("decode of a cut-off capture shows every frame before the cut, then the error, exit 1")
    func decodeTruncated() async throws {
        let whole = try await CLIProcess.run(["decode", Self.cleanChat])
        #expect(whole.status == 0)
        let all = Self.frameLines(whole.stdout)
        let (path, _) = try Self.truncatedCapture()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let cut = try await CLIProcess.run(["decode", path])
        #expect(cut.status == 1)
        #expect(Self.frameLines(cut.stdout) == Array(all.dropLast()), "every frame before the cut")
        #expect(cut.stdout.contains("summary: \(all.count - 1) frames"))
        #expect(cut.stderr.hasPrefix("udpchat decode: \(path) is truncated after frame \(all.count - 1): "), "stderr: \(cut.stderr)")
        #expect(cut.stderr.split(separator: "\n").count == 1)
        let json = try await CLIProcess.run(["decode", path, "--json"])
        #expect(json.status == 1)
        let object = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [String: Any]
        #expect((object?["timeline"] as? [Any])?.count == all.count - 1)
        #expect((object?["error"] as? String)?.contains("truncated after frame \(all.count - 1)") == true)
    }

    @Test("decode accepts several files, each under its name")
    func decodeSeveral() async throws {
        let run = try await CLIProcess.run(["decode", Self.cleanChat, Self.malformed])
        #expect(run.status == 0, "stderr: \(run.stderr)")
        let lines = run.stdout.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        #expect(lines.first == "==> \(Self.cleanChat) <==")
        #expect(lines.contains("==> \(Self.malformed) <=="))
        #expect(lines.filter { $0.hasPrefix("summary: ") }.count == 2)
        let json = try await CLIProcess.run(["decode", Self.cleanChat, Self.malformed, "--json"])
        let array = try JSONSerialization.jsonObject(with: Data(json.stdout.utf8)) as? [[String: Any]]
        #expect(array?.compactMap { $0["file"] as? String } == [Self.cleanChat, Self.malformed])
        // A missing file among them: the others are still decoded, the error named, exit 1.
        let missing = try await CLIProcess.run(["decode", "/nonexistent/a.pcap", Self.cleanChat])
        #expect(missing.status == 1)
        #expect(missing.stdout.contains("==> \(Self.cleanChat) <=="))
        #expect(missing.stderr.hasPrefix("udpchat decode: cannot open /nonexistent/a.pcap"))
    }

    @Test("replay of a cut-off capture replays up to the cut, then the error, exit 1")
    func replayTruncated() async throws {
        let target = try await RawSocket.bind()
        defer { Task { try? await target.channel.close() } }
        let (path, _) = try Self.truncatedCapture()
        defer { try? FileManager.default.removeItem(atPath: path) }
        let run = try await CLIProcess.run(["replay", path, "--to", "\(target.endpoint)", "--fast", "--settle", "100ms"])
        #expect(run.status == 1)
        #expect(run.stdout.hasPrefix("replayed "), "stdout: \(run.stdout)")
        #expect(run.stderr.hasPrefix("udpchat replay: \(path) is truncated after frame "))
        #expect(run.stderr.split(separator: "\n").count == 1)
        // Cut inside the first frame's header: nothing to replay, just the error.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.cleanChat))
        let early = Self.temporaryPath("early.pcap")
        try bytes.prefix(24 + 10).write(to: URL(fileURLWithPath: early))
        defer { try? FileManager.default.removeItem(atPath: early) }
        let nothing = try await CLIProcess.run(["replay", early, "--to", "\(target.endpoint)", "--fast"])
        #expect(nothing.status == 1)
        #expect(nothing.stdout.isEmpty)
        #expect(nothing.stderr.hasPrefix("udpchat replay: \(early) is truncated after frame 0"), "stderr: \(nothing.stderr)")
    }

    @Test("proxy runtime errors are one line, exit 1, no usage")
    func proxyRuntimeErrors() async throws {
        let holder = try await RawSocket.bind()
        defer { Task { try? await holder.channel.close() } }
        let freePort = PortAllocator.shared.next()
        let badYAML = Self.temporaryPath("bad.yaml")
        try "links: [\n  - listen: {\n".write(toFile: badYAML, atomically: true, encoding: .utf8)
        defer { try? FileManager.default.removeItem(atPath: badYAML) }
        let cases: [([String], String)] = [
            (["--listen", "\(holder.endpoint)", "--to", "127.0.0.1:9"], ": cannot listen on \(holder.endpoint): address already in use"),
            (["--config", "/nonexistent/proxy.yaml"], "udpchat proxy: --config /nonexistent/proxy.yaml: no such file"),
            (["--config", badYAML], "udpchat proxy: \(badYAML):"),
            (["--listen", "127.0.0.1:\(freePort)", "--to", "127.0.0.1:9", "--trace", "/nonexistent/dir/trace.jsonl"],
             "udpchat proxy: cannot open trace file '/nonexistent/dir/trace.jsonl'"),
            (["--listen", "127.0.0.1:\(freePort)", "--to", "127.0.0.1:9", "--dialect", "/nonexistent/colon.yaml"],
             "udpchat proxy: --dialect /nonexistent/colon.yaml: cannot read the dialect file"),
        ]
        for (arguments, message) in cases {
            let run = try await CLIProcess.run(["proxy"] + arguments)
            #expect(run.status == 1, "\(arguments): \(run.stderr)")
            #expect(run.stderr.hasPrefix("udpchat proxy: "), "\(arguments): \(run.stderr)")
            #expect(run.stderr.contains(message), "\(arguments): \(run.stderr)")
            #expect(run.stderr.split(separator: "\n").count == 1, "one line: \(run.stderr)")
            #expect(!run.stderr.contains("Usage") && !run.stderr.contains("USAGE"))
        }
    }

    static let commandsWithExamples = [["grade"], ["scenario", "run"], ["replay"], ["record"], ["decode"], ["proxy"], ["transparent"], ["dialect", "infer"], ["report", "merge"], ["autograder", "pack"]]

    /// The lines of the "Examples:" block of a help text.
    static func examples(_ help: String) -> [String] {
        let lines = help.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
        guard let start = lines.firstIndex(where: { $0.hasSuffix("Examples:") }) else { return [] }
        return Array(lines[(start + 1)...].prefix { !$0.trimmingCharacters(in: .whitespaces).isEmpty })
    }

    @Test("help examples paste as written: never wrapped, even on a narrow terminal", arguments: commandsWithExamples)
    func helpExamples(command: [String]) async throws {
        let wide = Self.examples(try await CLIProcess.run(command + ["--help"], environment: ["COLUMNS": "300"]).stdout)
        let narrow = Self.examples(try await CLIProcess.run(command + ["--help"], environment: ["COLUMNS": "40"]).stdout)
        #expect(wide.count >= 2, "\(command) has examples")
        #expect(narrow == wide, "the same lines at 40 columns as at 300")
        var continued = false
        for line in wide {
            #expect(line.count <= 78, "at most 78 columns, so that an 80-column layout keeps it whole: \(line)")
            let text = line.trimmingCharacters(in: .whitespaces)
            if continued {
                #expect(text.hasPrefix("--") || text.hasPrefix("Fixtures/"), "a continuation line: \(line)")
            } else {
                #expect(text.hasPrefix("udpchat \(command.joined(separator: " "))") || text.hasPrefix("sudo udpchat "), "a command: \(line)")
            }
            continued = text.hasSuffix("\\")
        }
        #expect(!continued, "the last line ends its command")
    }

    static let allCommands = [
        ["server"], ["client"], ["demo"], ["proxy"], ["transparent"], ["record"], ["decode"], ["replay"], ["grade"],
        ["scenario", "run"], ["scenario", "list"], ["scenario", "validate"], ["scenario", "swarm"], ["bench", "server"], ["bench", "proxy"],
    ]

    @Test("each option shows one default", arguments: allCommands)
    func oneDefault(command: [String]) async throws {
        let help = try await CLIProcess.run(command + ["--help"], environment: ["COLUMNS": "400"]).stdout
        // One entry per option: a line starting "  -" or "  <", with the more indented lines after it.
        var entries: [String] = []
        for line in help.split(separator: "\n").map(String.init) {
            if line.hasPrefix("  -") || line.hasPrefix("  <") { entries.append(line) } else if line.hasPrefix("    "), !entries.isEmpty { entries[entries.count - 1] += line }
        }
        #expect(!entries.isEmpty)
        for entry in entries {
            #expect(entry.lowercased().components(separatedBy: "default").count <= 2, "\(command): \(entry)")
        }
    }

    @Test("counts read right in the singular")
    func plurals() async throws {
        let scenario = Self.root.appendingPathComponent("Scenarios/lost-left.yaml").path
        let list = try await CLIProcess.run(["scenario", "list", scenario])
        #expect(list.stdout.split(separator: "\n").last == "1 scenario", "stdout: \(list.stdout)")
        let validate = try await CLIProcess.run(["scenario", "validate", scenario])
        #expect(validate.stdout.contains("(lost LEFT: 1 client, 1 proxy, "), "stdout: \(validate.stdout)")
        #expect(!validate.stdout.contains("(s)") && !validate.stdout.contains("(ies)"))
    }
}
