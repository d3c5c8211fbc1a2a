import Foundation
import Testing

/// `udpchat dialect show|check|lua` and `--dialect` on the reference commands (docs/DIALECTS.md).
@Suite struct DialectCLITests {
    static let fixtures: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/Fixtures/dialects/"
    }()

    @Test func showPrintsTheDefaultDialectFile() async throws {
        guard udpchatBinary != nil else { return }
        let run = try await CLIProcess.run(["dialect", "show", "default"])
        #expect(run.status == 0)
        #expect(run.stdout.contains("dialect: default"))
        #expect(run.stdout.contains("  MSG:        \"MSG {conn} {id} {seq} {text}\""))
        let colon = try await CLIProcess.run(["dialect", "show", Self.fixtures + "colon.dialect.yaml"])
        #expect(colon.stdout == (try String(contentsOfFile: Self.fixtures + "colon.dialect.yaml", encoding: .utf8)))
    }

    @Test func checkRoundTripsEveryMessageOfTheFixtures() async throws {
        guard udpchatBinary != nil else { return }
        let colon = try await CLIProcess.run(["dialect", "check", Self.fixtures + "colon.dialect.yaml"])
        #expect(colon.status == 0, "\(colon.stdout)\(colon.stderr)")
        #expect(colon.stdout.contains("absent verbs: ERROR"))
        #expect(colon.stdout.contains(#"ok   MSG         "CHAT:12:7:hello: how are you?"  ->  MSG 305419896 12 7 hello: how are you?"#))
        #expect(colon.stdout.components(separatedBy: "\nok   ").count == 15)
        let json = try await CLIProcess.run(["dialect", "check", Self.fixtures + "json.dialect.yaml"])
        #expect(json.status == 0, "\(json.stdout)\(json.stderr)")
        #expect(json.stdout.contains(#"ok   ERROR       "{\"type\": \"error\", \"code\": \"id_taken\", \"id\": 12}\n"  ->  ERROR ID_IN_USE 12"#))
    }

    /// The shapes of real submissions: forms after the first, answers read with their request.
    @Test func checkShowsFormsAndWhatAnswersTakeFromTheirRequest() async throws {
        guard udpchatBinary != nil else { return }
        let tagged = try await CLIProcess.run(["dialect", "check", Self.fixtures + "tagged.dialect.yaml"])
        #expect(tagged.status == 0, "\(tagged.stdout)\(tagged.stderr)")
        #expect(tagged.stdout.contains(#"ok   LEFT/2      "ACK 0 OK"  ->  LEFT 12   [answers LEAVE 12, tag 0 repeated; {id} from the context]"#), "\(tagged.stdout)")
        #expect(tagged.stdout.contains(#"ok   MSG         "TO 34 MSG 0 hello: how are you?"  ->  MSG 305419896 12 7 hello: how are you?   [to 34; {id}, {seq} from the context]"#))
        let assigned = try await CLIProcess.run(["dialect", "check", Self.fixtures + "assigned.dialect.yaml"])
        #expect(assigned.status == 0, "\(assigned.stdout)\(assigned.stderr)")
        #expect(assigned.stdout.contains("ids server-assigned"))
        #expect(assigned.stdout.contains(#"ok   REGISTER    "Port 40001\n"  ->  REGISTER 12 40001   [{id} from the context]"#), "\(assigned.stdout)")
        #expect(assigned.stdout.contains(#"ok   REGISTERED/2 "12\n"  ->  REGISTERED 12 0"#))
    }

    @Test func checkReportsFileAndLine() async throws {
        guard udpchatBinary != nil else { return }
        let path = NSTemporaryDirectory() + "bad-\(UUID().uuidString).dialect.yaml"
        try "dialect: bad\nmessages:\n  LEAVE: \"LEAVE:{id}\"\n  ACK: \"ACK:{id}\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let run = try await CLIProcess.run(["dialect", "check", path])
        #expect(run.status == 1)
        #expect(run.stderr.contains("\(path):4: ACK template lacks {seq}"), "\(run.stderr)")
    }

    @Test func checkFailsADialectWhoseMessagesAreAmbiguous() async throws {
        guard udpchatBinary != nil else { return }
        let path = NSTemporaryDirectory() + "ambiguous-\(UUID().uuidString).dialect.yaml"
        try "messages:\n  LEAVE: \"BYE:{id}\"\n  LEFT: \"BYE:{id}\"\n".write(toFile: path, atomically: true, encoding: .utf8)
        let run = try await CLIProcess.run(["dialect", "check", path])
        #expect(run.status == 1)
        #expect(run.stdout.contains("FAIL LEFT"), "\(run.stdout)")
    }

    @Test func luaPrintsADissector() async throws {
        guard udpchatBinary != nil else { return }
        let run = try await CLIProcess.run(["dialect", "lua", Self.fixtures + "colon.dialect.yaml"])
        #expect(run.status == 0)
        #expect(run.stdout.contains(#"{ verb = "MSG", segs = { { lit = "CHAT:" }, { field = "id" }, { lit = ":" }, { field = "seq" }, { lit = ":" }, { field = "text" } } }"#))
        #expect(run.stdout.contains(#"ProtoField.uint32("udpchat.conn""#))
    }

    @Test func aBadDialectOptionIsRefused() async throws {
        guard udpchatBinary != nil else { return }
        let run = try await CLIProcess.run(["server", "--port", "0", "--dialect", "/nonexistent.yaml"])
        #expect(run.status != 0)
        #expect(run.stderr.contains("/nonexistent.yaml"), "\(run.stderr)")
    }
}
