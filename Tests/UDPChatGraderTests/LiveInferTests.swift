// `udpchat dialect infer MANIFEST…`, live: the project's fixture submissions are driven in the case's
// sandbox (LiveInference), and the dialect inferred from what they sent reads every recorded datagram
// as the fixture's hand-written dialect does, message by message; `dialect check` accepts it.
import Foundation
import Testing
import UDPChatCapture
import UDPChatDialect
@testable import UDPChatGrader
import UDPChatIUT
import UDPChatSupport
import UDPChatWire

@Suite(.serialized) struct LiveInferTests {
    static let root = FixtureGradingTests.root.path
    /// fixture → (server manifest, client manifest), relative to the repository.
    static let fixtures = [
        "wordy": ("Fixtures/real/wordy/server.yaml", "Fixtures/real/wordy/client.yaml"),
        "assigned": ("Fixtures/real/assigned/server.yaml", "Fixtures/real/assigned/client.yaml"),
        "tagged": ("Fixtures/real/tagged/server.yaml", "Fixtures/real/tagged/client.yaml"),
        "colon": ("Fixtures/dialects/iut/colon-server-correct.yaml", "Fixtures/dialects/iut/colon-client-correct.yaml"),
        "json": ("Fixtures/dialects/iut/json-server-correct.yaml", "Fixtures/dialects/iut/json-client-correct.yaml"),
        "routed": ("Fixtures/real/routed/server.yaml", "Fixtures/real/routed/client.yaml"),
    ]

    static func whole(_ fixture: String) throws -> WholeSubmission {
        let (server, client) = try #require(fixtures[fixture])
        return try WholeSubmission.from([try Manifest.load(path: "\(root)/\(server)"), try Manifest.load(path: "\(root)/\(client)")])
    }

    /// A session of `fixture` driven and recorded (in `sandbox`, or on the host), and the dialect inferred
    /// from it; nil (printing why) where the wire cannot be captured.
    static func infer(_ fixture: String, sandbox: SandboxPlan?) async throws -> (LiveRecording, InferredDialect, Dialect)? {
        let recording = await LiveInference.record(try whole(fixture), rto: .seconds(1), sandbox: sandbox)
        if let stopped = recording.stopped, stopped.contains("no capture of the wire") {
            print("live infer test skipped: \(stopped)")
            return nil
        }
        let steps = recording.steps.map { "\($0.time) \($0.text)" }.joined(separator: "\n")
        #expect(recording.cannotRun == nil && recording.stopped == nil, "\(fixture): \(recording.stopped ?? recording.cannotRun ?? "")\n\(steps)")
        let inferred = try DialectInference.infer(recording.datagrams, server: recording.server, values: recording.values,
                                                  console: recording.console, name: "live-\(fixture)")
        return (recording, inferred, try Dialect.parse(yaml: inferred.yaml, file: "live-\(fixture)"))
    }

    /// The recorded datagrams as a capture (through a pcap file, as `--keep` writes it).
    static func capture(_ recording: LiveRecording) throws -> Capture {
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("live-infer-\(UUID().uuidString).pcap").path
        defer { try? FileManager.default.removeItem(atPath: path) }
        let writer = try PcapWriter(path: path)
        for datagram in recording.datagrams {
            try writer.write(timestamp: datagram.time, source: datagram.from, destination: datagram.to, payload: datagram.bytes)
        }
        _ = try writer.finish()
        return try PcapReader.read(path: path)
    }

    /// What `fixture`'s inferred dialect must have: the hand-written one's verbs, less ERROR (a normal
    /// session has none), and its settings; every recorded datagram read as the hand-written one reads it.
    static func expectRecovered(_ fixture: String, sandbox: SandboxPlan?) async throws {
        guard let (recording, inferred, mine) = try await infer(fixture, sandbox: sandbox) else { return }
        let real = try whole(fixture).client.dialect()
        #expect(mine.examples().allSatisfy { $0.problem == nil }, "\(fixture): dialect check refuses\n\(inferred.yaml)")
        #expect(Set(mine.verbs) == Set(real.verbs).subtracting([.error]), "\(fixture): \(inferred.unplaced)\n\(inferred.yaml)")
        #expect(mine.format == real.format && mine.terminator == real.terminator && mine.ids == real.ids && mine.peerSource == real.peerSource,
                "\(fixture)\n\(inferred.yaml)")
        let capture = try capture(recording)
        let expected = ChatDecoder.decode(capture, options: .init(dialect: real)).timeline
        let decoded = ChatDecoder.decode(capture, options: .init(dialect: mine)).timeline
        #expect(expected.count == decoded.count && expected.count >= 20, "\(fixture): \(expected.count) datagrams")
        for (want, got) in zip(expected, decoded) {
            guard case .chat = want.kind else { Issue.record("\(fixture) #\(want.frame) is not chat in the fixture's own dialect"); continue }
            #expect(got.kind == want.kind, "\(fixture) #\(want.frame) \(String(decoding: want.payload, as: UTF8.self).debugDescription)\n\(inferred.yaml)")
        }
    }

    @Test(arguments: ["wordy", "assigned", "colon", "json"])
    func aDrivenSessionRecoversTheFixtureDialect(fixture: String) async throws {
        guard let plan = await SandboxTests.plan() else { return }
        try await Self.expectRecovered(fixture, sandbox: plan)
    }

    /// Fixtures/real/tagged: server pinned to UDP 7070, the client to 127.0.0.1:7070, a menu console,
    /// every answer echoing the request's tag, an alternating bit. Only in a sandbox (its own 7070).
    @Test func aPinnedSubmissionIsInferredInItsSandbox() async throws {
        guard let plan = await SandboxTests.plan() else { return }
        try await Self.expectRecovered("tagged", sandbox: plan)
    }

    /// `--isolation none`: on the host the wire is captured between the parties too (client to client),
    /// which needs the privilege to capture on lo.
    @Test func onTheHostThePeersDatagramsAreRecordedToo() async throws {
        guard getuid() == 0 else {
            print("live infer on the host skipped: capturing on lo needs root or CAP_NET_RAW")
            return
        }
        guard let (recording, inferred, mine) = try await Self.infer("wordy", sandbox: nil) else { return }
        #expect(mine.templates[.msg] != nil && mine.templates[.ack] != nil && mine.templates[.connect] != nil, "\(inferred.yaml)")
        #expect(recording.values.ids.prefix(2) == [WholeContext.firstClientID, WholeContext.firstClientID + 1])
        #expect(recording.steps.contains { $0.text.contains("types \"hello\"") })
    }

    /// Fixtures/real/routed (pinned, its chat relayed by the server): what passes between a client and the
    /// server comes out as its hand-written dialect has it, the relayed forwards are named, not placed.
    @Test func aRelayedSubmissionGivesWhatItsClientsAndServerSay() async throws {
        guard let plan = await SandboxTests.plan() else { return }
        guard let (_, inferred, mine) = try await Self.infer("routed", sandbox: plan) else { return }
        let real = try Self.whole("routed").client.dialect()
        #expect(mine.examples().allSatisfy { $0.problem == nil }, "\(inferred.yaml)")
        for verb in [Verb.register, .registered, .leave, .left] {
            #expect(mine.templates[verb]?.text == real.templates[verb]?.text, "\(verb.rawValue)\n\(inferred.yaml)")
        }
        #expect(inferred.unplaced.contains { $0.contains("relays the chat message") }, "\(inferred.unplaced)")
    }

    /// The command line, with the debug binary: progress on standard error step by step, the file
    /// written, and `dialect check` accepts it.
    @Test(.enabled(if: FixtureGradingTests.udpchatBinary != nil, "needs .build/debug/udpchat (swift build)"))
    func theCommandSaysEachStepAndWritesAFileCheckAccepts() async throws {
        guard await SandboxTests.plan() != nil else { return }
        let output = FileManager.default.temporaryDirectory.appendingPathComponent("live-\(UUID().uuidString).yaml").path
        defer { try? FileManager.default.removeItem(atPath: output) }
        let (server, client) = try #require(Self.fixtures["wordy"])
        let (status, printed) = try await ShardMergeTests.udpchat(["dialect", "infer", server, client, "--output", output, "--name", "wordy"])
        #expect(status == 0, "\(printed)")
        for line in ["dialect infer: driving wordy-server + wordy-client in a sandbox", "client-1 joined (REGISTER, REGISTERED)",
                     "client-2 types \"fine, you?\" (MSG, ACK)", "dialect infer: recorded", "dialect wordy, format text, 14 messages"] {
            #expect(printed.contains(line), "\(line)\n\(printed)")
        }
        let (checked, report) = try await ShardMergeTests.udpchat(["dialect", "check", output])
        #expect(checked == 0, "\(report)")
    }
}
