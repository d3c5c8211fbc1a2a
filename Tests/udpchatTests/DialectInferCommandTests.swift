// `udpchat dialect infer`, run in-process: a dialect from the project's recorded pcap that
// `dialect check` accepts, its help, and the exit statuses of unusable inputs.
import ArgumentParser
import Foundation
import Testing
@testable import udpchat

@Suite("udpchat dialect infer")
struct DialectInferCommandTests {
    static let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static let pcap = root.appendingPathComponent("Fixtures/pcap/clean-chat.pcap").path
    /// The values of the demo session in clean-chat.pcap (Fixtures/pcap/README.md).
    static let values = ["--id", "1", "--id", "2", "--id", "3", "--text", "Hi Bob, it's Alice.", "--text", "Hello Alice! Loud and clear.",
                         "--text", "Are you receiving me?", "--text", "Bye for now."]

    static func temporary(_ name: String) -> String {
        FileManager.default.temporaryDirectory.appendingPathComponent("infer-\(UUID().uuidString)-\(name)").path
    }

    /// Runs `udpchat ARGS` in-process; the exit status it ends with (a usage mistake 2, as `main` maps it).
    static func run(_ arguments: [String]) async -> Int32 {
        do {
            var command = try UDPChat.parseAsRoot(arguments)
            if var asyncCommand = command as? AsyncParsableCommand { try await asyncCommand.run() } else { try command.run() }
            return 0
        } catch let exit as ExitCode {
            return exit.rawValue
        } catch {
            let code = UDPChat.exitCode(for: error)
            return code == .validationFailure ? 2 : code.rawValue
        }
    }

    @Test func aRecordedSessionGivesTheContractsOwnFormatAndCheckAcceptsIt() async throws {
        let output = Self.temporary("clean.dialect.yaml")
        defer { try? FileManager.default.removeItem(atPath: output) }
        #expect(await Self.run(["dialect", "infer", "--pcap", Self.pcap, "--output", output] + Self.values) == 0)
        let text = try String(contentsOfFile: output, encoding: .utf8)
        for line in ["REGISTER:   \"REGISTER {id} {port}\"", "LOOKUP:     \"LOOKUP {id}\"", "PEER:       \"PEER {id} {host} {port}\"",
                     "MSG:        \"MSG {conn} {id} {seq} {text}\"", "ACK:        \"ACK {conn} {id} {seq}\"", "#   REJECT: not seen in this session",
                     "# MSG: high confidence; 4 datagrams, first #11: client 1 says"] {
            #expect(text.contains(line), "\(line)\n\(text)")
        }
        #expect(await Self.run(["dialect", "check", output]) == 0)
    }

    @Test func theValuesMayComeFromAFile() async throws {
        let values = Self.temporary("values.yaml"), output = Self.temporary("v.dialect.yaml")
        defer { for path in [values, output] { try? FileManager.default.removeItem(atPath: path) } }
        try "ids: [1, 2, 3]\ntexts: [\"Hi Bob, it's Alice.\", Bye for now.]\n".write(toFile: values, atomically: true, encoding: .utf8)
        #expect(await Self.run(["dialect", "infer", "--pcap", Self.pcap, "--values", values, "--server", "127.0.0.1:59597", "--output", output]) == 0)
        #expect(await Self.run(["dialect", "check", output]) == 0)
        // Two of the four texts named: the other two are still chat (named as such), so the
        // sequence numbers still count right.
        let text = try String(contentsOfFile: output, encoding: .utf8)
        #expect(text.contains("  MSG:        \"MSG {conn} {id} {seq} {text}\""), "\(text)")
        #expect(text.contains("#   #13 127.0.0.1:57872 → 127.0.0.1:35381: a chat message like #11 with a text not named (add it with --text)"))
    }

    @Test func unusableInputsExit2AndValuesNeverSeenExit1() async throws {
        let notPcap = Self.temporary("not.pcap"), output = Self.temporary("x.yaml")
        defer { for path in [notPcap, output] { try? FileManager.default.removeItem(atPath: path) } }
        try "hello".write(toFile: notPcap, atomically: true, encoding: .utf8)
        #expect(await Self.run(["dialect", "infer", "--pcap", notPcap, "--id", "1", "--output", output]) == 2)
        // A capture with no frames at all: the classic pcap header alone (Ethernet).
        let header: [UInt8] = [0xD4, 0xC3, 0xB2, 0xA1, 2, 0, 4, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xFF, 0xFF, 0, 0, 1, 0, 0, 0]
        try Data(header).write(to: URL(fileURLWithPath: notPcap))
        #expect(await Self.run(["dialect", "infer", "--pcap", notPcap, "--id", "1", "--output", output]) == 2)
        #expect(await Self.run(["dialect", "infer", "--pcap", Self.pcap, "--output", output]) == 2)  // no values
        #expect(await Self.run(["dialect", "infer", "--pcap", Self.pcap, "--id", "77", "--text", "never typed", "--output", output]) == 1)
        #expect(!FileManager.default.fileExists(atPath: output))
        #expect(await Self.run(["dialect", "infer", "--pcap", Self.pcap, "--id", "1", "--server", "nowhere", "--output", output]) != 0)
    }

    @Test func helpTeachesTheSessionToRecordAndTheExitStatuses() async throws {
        let dialect = try #require(UDPChat.configuration.subcommands.first { $0.configuration.commandName == "dialect" })
        let infer = try #require(dialect.configuration.subcommands.first { $0.configuration.commandName == "infer" })
        let help = UDPChat.helpMessage(for: infer, columns: 120)
        for phrase in ["USAGE: udpchat dialect infer", "--pcap <file>", "--values <file>", "udpchat record", "--text hello", "Offline: record", "Live: give the submission's server and client manifests", "input.connect and input.send",
                       "dialect check", "Exit status: 0 written; 1 nothing could be inferred"] {
            #expect(help.contains(phrase), "\(phrase)")
        }
    }

    static let real = root.appendingPathComponent("Fixtures/real").path

    /// Live mode's usage mistakes exit 2 before anything runs: a server or a client alone, a client
    /// manifest without the actions that drive the session, the two modes mixed, neither given.
    @Test func liveModeNeedsBothManifestsAndTheActionsThatDriveTheSession() async throws {
        let output = Self.temporary("live.yaml")
        defer { try? FileManager.default.removeItem(atPath: output) }
        let (server, client) = ("\(Self.real)/wordy/server.yaml", "\(Self.real)/wordy/client.yaml")
        #expect(await Self.run(["dialect", "infer", server, "--output", output]) == 2)
        #expect(await Self.run(["dialect", "infer", client, "--output", output]) == 2)
        #expect(await Self.run(["dialect", "infer", server, server, "--output", output]) == 2)
        // A client manifest without input.connect cannot be driven through a session.
        let noConnect = Self.temporary("no-connect.yaml")
        defer { try? FileManager.default.removeItem(atPath: noConnect) }
        try """
            name: wordy-client-no-connect
            role: client
            command: ["python3", "client.py", "--id", "{id}", "--server", "{server_host}:{server_port}", "--port", "{port}"]
            workdir: \(Self.real)/wordy
            input:
              send: "{text}"
              quit: "quit"
            """.write(toFile: noConnect, atomically: true, encoding: .utf8)
        #expect(await Self.run(["dialect", "infer", server, noConnect, "--output", output]) == 2)
        #expect(await Self.run(["dialect", "infer", server, client, "--pcap", Self.pcap, "--output", output]) == 2)
        #expect(await Self.run(["dialect", "infer", server, client, "--id", "3", "--output", output]) == 2)
        #expect(await Self.run(["dialect", "infer", "--output", output]) == 2)
        #expect(await Self.run(["dialect", "infer", "--pcap", Self.pcap, "--keep", "/tmp/x", "--output", output]) == 2)
        #expect(await Self.run(["dialect", "infer", "\(Self.real)/nope.yaml", client, "--output", output]) == 2)
        #expect(!FileManager.default.fileExists(atPath: output))
    }
}
