import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatIUT
import UDPChatSupport

/// `grade --stand-in`: a server or a client graded alone is judged by the W cases of its role, with the
/// reference counterpart (this build's `udpchat client` or `server`, speaking the submission's dialect)
/// standing in for the role it lacks (docs/GRADER.md "A server or a client alone, with a stand-in").
@Suite(.serialized) struct StandInGradingTests {
    static let faulty = FixtureGradingTests.faulty
    static let dialects = DialectGradingTests.iut

    static func pair(_ path: String) throws -> WholeSubmission {
        guard let binary = FixtureGradingTests.udpchatBinary else { throw SkipStandIn() }
        return try WholeSubmission.standIn(for: try Manifest.load(path: path), executable: binary).get()
    }

    struct SkipStandIn: Error {}

    static func grade(_ path: String, cases: [String] = []) async throws -> GradeReport? {
        guard let pair = try? pair(path) else {
            print("stand-in test skipped: no .build/debug/udpchat (swift build)")
            return nil
        }
        var options = GradeOptions()
        options.rto = .milliseconds(400)
        options.cases = cases
        options.sandbox = await SandboxTests.plan()
        return await Grader.run(whole: pair, options: options)
    }

    @Test func aLoneServerIsPairedWithTheReferenceClientSpeakingItsDialect() throws {
        let server = try Manifest.load(path: "\(Self.dialects)/colon-server-correct.yaml")
        let pair = try WholeSubmission.standIn(for: server, executable: "/opt/udpchat").get()
        #expect(pair.server.path == server.path && pair.client.standsIn && !pair.server.standsIn)
        #expect(pair.standIn == .client && pair.judged == .server)
        #expect(pair.client.command.starts(with: ["/opt/udpchat", "client"]) && pair.client.uses("dialect"))
        #expect(pair.client.dialectText == server.dialectText && pair.client.dialectText != nil)
        // Only the cases that judge a server run; those needing chat say why they cannot under a dialect.
        let ids = Grader.select(role: .whole, cases: [], skip: [], judging: .server).map(\.id)
        #expect(Set(ids) == ["W-GARBAGE", "W-TABLE", "W-CONCURRENT", "W-CHAT", "W-JOIN-REPEAT", "W-LEAVE-STRANGER", "W-LOOKUP-STRANGER",
                             "W-PORT-GIVEN"])
        #expect(StandIn.chatBlocked(server: pair.server, client: pair.client)?.contains("dialect colon") == true)
        // The contract's format: chat is the reference's way, so it is judged.
        let contract = try WholeSubmission.standIn(for: try Manifest.load(path: "\(Self.faulty)/client-correct.yaml"), executable: "/opt/udpchat").get()
        #expect(contract.standIn == .server && contract.judged == .client && contract.server.command.contains("server"))
        #expect(StandIn.chatBlocked(server: contract.server, client: contract.client) == nil)
        #expect(Set(Grader.select(role: .whole, cases: [], skip: [], judging: .client).map(\.id)).isDisjoint(with: ["W-TABLE", "W-LEAVE-STRANGER", "W-CONCURRENT"]))
    }

    /// The stand-in runs unconfined (it is the reference, trusted like the worker): a submission cannot
    /// say it is one. A manifest naming the flag is refused; only `standIn(for:)` sets it.
    @Test func aSubmissionCannotCallItselfAStandIn() throws {
        for key in ["standsIn", "stands-in", "stand-in"] {
            #expect(throws: UDPChatError.self) { try Manifest.parse(yaml: "role: server\ncommand: [x]\n\(key): true\n", path: "m.yaml", folder: "/") }
        }
        #expect(try !Manifest.parse(yaml: "role: server\ncommand: [x]\n", path: "m.yaml", folder: "/").standsIn)
    }

    @Test func nothingStandsInForAnUnknownFormat() throws {
        var unknown = try Manifest.load(path: "\(Self.faulty)/server-correct.yaml")
        unknown.dialectUnknown = true
        guard case .failure(let error) = WholeSubmission.standIn(for: unknown, executable: "/opt/udpchat") else {
            Issue.record("a server with dialect: none got a stand-in")
            return
        }
        #expect(error.reason.contains("dialect: none"))
    }

    @Test func theReferenceServerAlonePassesTheCasesOfItsRole() async throws {
        guard let report = try await Self.grade(FixtureGradingTests.root.appendingPathComponent("Fixtures/iut/reference-server.yaml").path) else { return }
        #expect(Set(report.cases.map(\.id)) == Set(Grader.select(role: .whole, cases: [], skip: [], judging: .server).map(\.id)))
        for result in report.cases where !WholeImpairedGradingTests.relayMissing(result) {
            #expect(result.verdict.isConforming, "\(result.id) \(result.verdict.rawValue): \(result.detail)")
        }
    }

    /// A fault of each role alone, caught with the reference standing in: a server that lets any address
    /// leave, a server that ignores a repeated join (the contract's and the colon dialect's), a client
    /// that dies on garbage, a client that never re-sends a message.
    @Test(arguments: [("server-leave-any.yaml", "W-LEAVE-STRANGER", "the stranger's leave removed"),
                      ("server-no-repeat.yaml", "W-JOIN-REPEAT", "never answered the repeat"),
                      ("dialect:colon-server-no-repeat.yaml", "W-JOIN-REPEAT", "never answered the repeat"),
                      ("client-crash-malformed.yaml", "W-GARBAGE-CLIENT", "exited"),
                      ("client-no-msg-resend.yaml", "W-RESEND-MSG", "never sent again")])
    func aFaultOfALonePartIsCaughtWithAStandIn(file: String, id: String, says: String) async throws {
        let path = file.hasPrefix("dialect:") ? "\(Self.dialects)/\(file.dropFirst("dialect:".count))" : "\(Self.faulty)/\(file)"
        guard let report = try await Self.grade(path, cases: [id]) else { return }
        let result = try #require(report.cases.first)
        if WholeImpairedGradingTests.relayMissing(result) { return }
        #expect(result.verdict == .fail, "\(result.detail)")
        #expect(result.detail.contains(says), "\(result.detail)")
    }

    /// A client pinned to 127.0.0.1:7070 (no `{server_port}`) finds the reference server there: graded
    /// alone with the stand-in, its correct join, re-send and leave pass (on a free port they all FAILed
    /// "got no answer from the server": Fixtures/real/routed's and tagged's clients).
    @Test func aPinnedClientFindsTheStandInServerOn7070() async throws {
        let pinned = FixtureGradingTests.root.appendingPathComponent("Fixtures/iut/pinned/client-pinned.yaml").path
        guard let report = try await Self.grade(pinned, cases: ["W-RESEND-JOIN", "W-LEAVE", "W-CHAT"]) else { return }
        #expect(report.cases.count == 3)
        for result in report.cases where !WholeImpairedGradingTests.relayMissing(result) {
            #expect(result.verdict.isConforming, "\(result.id) \(result.verdict.rawValue): \(result.detail)")
        }
    }

    /// Under a dialect, a case that needs chat between the submission's part and the reference is
    /// UNSUPPORTED, saying why, and a server case judged on the joins alone still runs.
    @Test func chatWithAStandInIsNotJudgedUnderADialect() async throws {
        guard let report = try await Self.grade("\(Self.dialects)/colon-server-correct.yaml", cases: ["W-LEAVE-STRANGER", "W-CHAT", "W-GARBAGE"]) else { return }
        let verdicts = Dictionary(uniqueKeysWithValues: report.cases.map { ($0.id, $0) })
        for id in ["W-LEAVE-STRANGER", "W-CHAT"] {
            #expect(verdicts[id]?.verdict == .unsupported && verdicts[id]?.detail.contains("no chat is judged with a stand-in") == true, "\(id): \(verdicts[id]?.detail ?? "")")
        }
        if let garbage = verdicts["W-GARBAGE"], !WholeImpairedGradingTests.relayMissing(garbage) {
            #expect(garbage.verdict.isConforming, "\(garbage.detail)")
        }
    }

    /// The command line: a lone server's report holds its S-* cases and then the W-* cases of its role
    /// (one report, one JSON document); `--cases 'W-*'` alone grades those; `dialect: none` is a note.
    @Test func theCommandLineAddsTheStandInCasesToTheLoneReport() async throws {
        guard await SandboxTests.plan() != nil, FixtureGradingTests.udpchatBinary != nil else { return }
        let folder = try SandboxTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let udpchat = { (arguments: [String]) async throws in try await ShardMergeTests.udpchat(arguments) }
        let (status, output) = try await udpchat(["grade", "\(Self.faulty)/server-no-repeat.yaml", "--stand-in", "--rto", "400ms", "--quiet",
                                                  "--cases", "S-REGISTER,W-JOIN-REPEAT,W-RESEND-JOIN", "--json", "\(folder)/report.json"])
        #expect(status == 1, "W-JOIN-REPEAT fails: exit 1\n\(output)")
        let json = try #require(try JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: "\(folder)/report.json"))) as? [String: Any])
        let cases = (json["cases"] as? [[String: Any]] ?? []).compactMap { $0["id"] as? String }
        #expect(json["role"] as? String == "server" && cases == ["S-REGISTER", "W-JOIN-REPEAT"], "W-RESEND-JOIN judges a client: not run; \(cases)")
        // Nothing stands in for a format the reference cannot speak: said, and the format cases alone run.
        var unknown = try String(contentsOfFile: "\(Self.faulty)/server-correct.yaml", encoding: .utf8)
        unknown = unknown.replacingOccurrences(of: "workdir: .", with: "workdir: \(Self.faulty)") + "\ndialect: none\n"
        try unknown.write(toFile: "\(folder)/server.yaml", atomically: true, encoding: .utf8)
        let (noneStatus, noneOutput) = try await udpchat(["grade", "\(folder)/server.yaml", "--stand-in", "--rto", "400ms", "--cases", "S-REGISTER,W-TABLE"])
        #expect(noneStatus == 3 && noneOutput.contains("no stand-in") && noneOutput.contains("dialect: none"), "\(noneOutput)")
        // A case of the other role only is no selection at all: said, exit 2 (W-TABLE judges a server, not this client).
        let (otherStatus, otherOutput) = try await udpchat(["grade", "\(Self.faulty)/client-correct.yaml", "--stand-in", "--cases", "W-TABLE"])
        #expect(otherStatus == 2 && otherOutput.contains("select no"), "\(otherOutput)")
    }
}
