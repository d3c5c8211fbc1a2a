import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatIUT
import UDPChatSupport

/// `grade --interop` under a dialect: the colon fixture clients chat through the reference server
/// (`udpchat server --dialect {dialect}`) and a lossy relay that both read the colon dialect.
@Suite(.serialized) struct DialectInteropTests {
    static let iut = DialectGradingTests.iut

    static func server() -> [String]? {
        guard let binary = FixtureGradingTests.udpchatBinary else {
            print("dialect interop test skipped: no .build/debug/udpchat (swift build)")
            return nil
        }
        return Interop.defaultServerCommand(executable: binary)
    }

    @Test func colonClientsChatThroughTheReferenceServerInTheirDialect() async throws {
        guard let server = Self.server() else { return }
        let correct = try Manifest.load(path: "\(Self.iut)/colon-client-correct.yaml")
        // At RTO 1 s: the pair's waits (8 RTO + 2 s for the six texts) outlast a loaded machine's stalls at the pass's start.
        let results = await Interop.run(clients: [correct], serverCommand: server, rto: .seconds(1), artifacts: nil)
        #expect(results.map(\.verdict) == [.pass], "\(results.map(\.detail))")
        // The same pair in its sandbox: the dialect travels inside the manifests, the server reads it from the sandbox's /tmp.
        if let plan = await SandboxTests.plan() {
            let sandboxed = await Interop.run(clients: [correct], serverCommand: server, rto: .seconds(1), artifacts: nil, sandbox: plan)
            #expect(sandboxed.map(\.verdict) == [.pass], "\(sandboxed.map(\.detail))")
        }
    }

    /// The clients start only once the reference server answers: a server that dies at start is the
    /// harness's ERROR at once, and no client was launched into it.
    @Test func aReferenceServerThatDiesAtStartIsAnErrorBeforeAnyClientStarts() async throws {
        let correct = try Manifest.load(path: "\(Self.iut)/colon-client-correct.yaml")
        let (result, events) = await Interop.chat(correct, correct, serverCommand: ["sh", "-c", "exit 7"], requested: .milliseconds(300),
                                                  loss: 0, seed: 1, ports: PortAllocator.shared)
        #expect(result.verdict == .error && result.detail.contains("exited with status 7 during startup"), "\(result.detail)")
        #expect(!events.contains { $0.node == "initiator" || $0.node == "responder" }, "no client was started")
    }

    @Test func aFaultyColonClientIsFoundInItsPair() async throws {
        guard let server = Self.server() else { return }
        let correct = try Manifest.load(path: "\(Self.iut)/colon-client-correct.yaml")
        let noResend = try Manifest.load(path: "\(Self.iut)/colon-client-no-msg-resend.yaml")
        // The faulty client starts the chat: a message of its own the 50 % lossy relay drops is never re-sent.
        let (result, events) = await Interop.chat(noResend, correct, serverCommand: server, requested: .milliseconds(300), loss: 0.5,
                                                  seed: 3, ports: PortAllocator.shared)
        #expect(result.verdict == .fail, "\(result.detail)")
        #expect(result.detail.contains("never shown: 'interop from 1 number"), "the initiator's message is the one missing: \(result.detail)")
        // The relay read the colon dialect: the CHATs it dropped are in the trace as MSGs.
        #expect(events.contains { $0.node == "relay" && $0.kind == .dropped && $0.message?.verb == .msg })
        let matrix = Interop.matrix([result], names: [noResend.name, correct.name])
        #expect(matrix.contains("FAIL"))
    }

    @Test func clientsOfDifferentDialectsCannotBePaired() async throws {
        let colon = try Manifest.load(path: "\(Self.iut)/colon-client-correct.yaml")
        let json = try Manifest.load(path: "\(Self.iut)/json-client-correct.yaml")
        #expect(throws: UDPChatError.self) { try Interop.dialect(of: [colon, json]) }
        let results = await Interop.run(clients: [colon, json], serverCommand: ["false"], rto: .milliseconds(300), artifacts: nil)
        #expect(results.count == 4 && results.allSatisfy { $0.verdict == .error && $0.detail.contains("one wire format") })
        // The command line refuses before grading anything: exit 2, saying who speaks what.
        guard let binary = FixtureGradingTests.udpchatBinary else { return }
        let folder = try SandboxTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        for name in ["colon-client-correct", "json-client-correct"] {
            var text = try String(contentsOfFile: "\(Self.iut)/\(name).yaml", encoding: .utf8)
            text = text.replacingOccurrences(of: "workdir: .", with: "workdir: \(Self.iut)")
                .replacingOccurrences(of: "dialect: ../", with: "dialect: \(Self.iut)/../")
            try text.write(toFile: "\(folder)/\(name).yaml", atomically: true, encoding: .utf8)
        }
        let run = try await IUTProcess.launch([binary, "grade", "--batch", folder, "--interop", "--isolation", "none"], workdir: folder, name: "grade")
        let exit = await run.waitForExit(timeout: .seconds(60))
        await run.stop()
        #expect(exit?.status == 2, "\(run.lines(.stdout))\n\(run.lines(.stderr))")
        let error = run.lines(.stderr).joined(separator: "\n")
        #expect(error.contains("--interop") && error.contains("colon.dialect.yaml") && error.contains("json.dialect.yaml"), "\(error)")
        #expect(run.lines(.stdout).isEmpty, "nothing was graded")
    }
}
