import Foundation
import Testing
import UDPChatDialect
import UDPChatIUT
import UDPChatSupport

/// Typing a client manifest's input lines and the one dialect of implementations that share a run:
/// the mechanisms the grader, live scenarios and `grade --interop` share.
@Suite struct ManifestInputTests {
    static let dialects = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("Fixtures/dialects").path

    func manifest(_ dialect: String?, role: String = "client") throws -> Manifest {
        let yaml = "role: \(role)\ncommand: [\"./impl\"]\n" + (role == "client" ? "input:\n  start: \"{id}\"\n  connect: \"/connect {peer} as {id}\"\n" : "")
            + (dialect.map { "dialect: \($0)\n" } ?? "")
        return try Manifest.parse(yaml: yaml, path: Self.dialects + "/m.yaml", folder: Self.dialects)
    }

    @Test func inputLinesAreFilledAndStartIsTypedOnce() async throws {
        let client = try manifest(nil)
        #expect(client.inputLine("connect", ["peer": "7", "id": "3"]) == "/connect 7 as 3")
        #expect(client.inputLine("send", ["text": "hi"]) == nil)
        var typed: [String] = []
        #expect(await client.typeStartInput(["id": "3"]) { typed.append($0) })
        #expect(typed == ["3"])
        let server = try manifest(nil, role: "server")
        #expect(await !server.typeStartInput(["id": "3"]) { typed.append($0) })
        #expect(typed == ["3"])
    }

    @Test func anActionOfSeveralLinesIsTypedInOrder() throws {
        let yaml = "role: client\ncommand: [\"./impl\"]\ninput:\n  start: [\"{id}\", \"0\"]\n  connect: [\"1\", \"{peer}\"]\n  send: \"{text}\"\n"
        let client = try Manifest.parse(yaml: yaml, path: Self.dialects + "/m.yaml", folder: Self.dialects)
        #expect(client.inputLine("connect", ["peer": "7"]) == "1\n7")
        #expect(client.inputLine("start", ["id": "3"]) == "3\n0")
        #expect(client.inputLine("send", ["text": "hi"]) == "hi")
        for bad in ["connect: []", "connect: [\"1\", {a: b}]", "connect: [\"1\", \"{prot}\"]"] {
            #expect(throws: UDPChatError.self, "\(bad)") {
                try Manifest.parse(yaml: "role: client\ncommand: [\"./impl\"]\ninput:\n  \(bad)\n", path: Self.dialects + "/m.yaml", folder: Self.dialects)
            }
        }
    }

    /// The menu actions of the assignment's original (Fixtures/real/original/client.yaml): the waiting room
    /// before a connect, and the receiving user's "1" to each incoming message; other actions are still refused.
    @Test func aMenuConsoleHasListenAndReceive() throws {
        let yaml = "role: client\ncommand: [\"./impl\"]\ninput:\n  listen: \"0\"\n  connect: [\"1\", \"1\"]\n  receive: \"1\"\n"
        let client = try Manifest.parse(yaml: yaml, path: Self.dialects + "/m.yaml", folder: Self.dialects)
        #expect(client.inputLine("listen", [:]) == "0")
        #expect(client.inputLine("connect", ["peer": "22"]) == "1\n1")
        #expect(client.inputLine("receive", ["text": "hi"]) == "1")
        #expect(throws: UDPChatError.self) {
            try Manifest.parse(yaml: "role: client\ncommand: [\"./impl\"]\ninput:\n  deliver: \"1\"\n", path: Self.dialects + "/m.yaml", folder: Self.dialects)
        }
    }

    @Test func implementationsSharingARunShareTheirDialect() throws {
        let colon = try manifest("colon.dialect.yaml"), json = try manifest("json.dialect.yaml"), contract = try manifest(nil)
        #expect(try Manifest.sharedDialect([("bob", colon), ("carol", try manifest("colon.dialect.yaml"))]).name == "colon-chat")
        #expect(try Manifest.sharedDialect([("server", contract), ("bob", try manifest("default"))]).isDefault)
        #expect(try Manifest.sharedDialect([]).isDefault)
        #expect {
            _ = try Manifest.sharedDialect([("bob", colon), ("server", json)])
        } throws: { error in
            guard let error = error as? UDPChatError, error.code == .mixedDialects else { return false }
            return error.reason.contains("bob speaks \(Self.dialects)/colon.dialect.yaml") && error.reason.contains("server speaks \(Self.dialects)/json.dialect.yaml")
        }
        #expect(throws: UDPChatError.self) { try Manifest.sharedDialect([("server", contract), ("bob", colon)]) }
    }
}
