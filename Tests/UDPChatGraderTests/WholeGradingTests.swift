import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatIUT
import UDPChatReports

/// Whole submissions (W-*, docs/GRADER.md "Whole submissions"): a submission's own server and
/// clients run together in one case's sandbox, judged from consoles, the captured wire, sockets and
/// processes. The faulty Python fixtures and Fixtures/real/original, each caught by the case naming
/// its fault; the correct pair passes every W case. In the sandbox where there is one (else on the
/// host, which needs the privilege to capture on lo). Serialized like FixtureGradingTests.
@Suite(.serialized) struct WholeGradingTests {
    static let faulty = FixtureGradingTests.faulty
    static let original = FixtureGradingTests.root.appendingPathComponent("Fixtures/real/original").path

    static func whole(_ server: String, _ client: String) throws -> WholeSubmission {
        try WholeSubmission.from([try Manifest.load(path: server), try Manifest.load(path: client)])
    }

    static func grade(_ whole: WholeSubmission, cases: [String] = [], rto: Duration = .milliseconds(400)) async -> GradeReport {
        var options = GradeOptions()
        options.rto = rto
        options.cases = cases
        options.sandbox = await SandboxTests.plan()
        return await Grader.run(whole: whole, options: options)
    }

    static func verdicts(_ report: GradeReport) -> [String: Verdict] {
        Dictionary(uniqueKeysWithValues: report.cases.map { ($0.id, $0.verdict) })
    }

    static func details(_ report: GradeReport) -> String {
        report.cases.map { "\($0.id) \($0.verdict.rawValue): \($0.detail)" }.joined(separator: "\n")
    }

    @Test func theCorrectPairPassesEveryWholeCase() async throws {
        let report = await Self.grade(try Self.whole("\(Self.faulty)/server-correct.yaml", "\(Self.faulty)/client-correct.yaml"))
        #expect(report.role == .whole)
        #expect(report.cases.map(\.id) == WholeCases.all.map(\.id))
        for result in report.cases where !WholeImpairedGradingTests.relayMissing(result) {
            #expect(result.verdict.isConforming, "\(result.id) \(result.verdict.rawValue): \(result.detail)")
        }
        // The reports take a whole report as they are: its rules, its role, its datagrams.
        let html = HTMLReport.render([report])
        #expect(html.contains("whole role") && html.contains("LEAVE-2"))
        let chat = try #require(report.cases.first { $0.id == "W-CHAT" })
        #expect(chat.events.contains { $0.isDatagram && $0.node == "client-1" })
    }

    @Test func aServerThatCrashesOnGarbageFailsGarbage() async throws {
        let report = await Self.grade(try Self.whole("\(Self.faulty)/server-crash-malformed.yaml", "\(Self.faulty)/client-correct.yaml"),
                                      cases: ["W-GARBAGE"])
        let result = try #require(report.cases.first)
        #expect(result.verdict == .fail, "\(result.detail)")
        #expect(result.detail.contains("the server exited"), "\(result.detail)")
    }

    /// W-LEAVE-STRANGER, W-JOIN-REPEAT and W-GARBAGE-CLIENT each catch the faulty fixture made for the rule
    /// they judge (the server that lets any address leave, the one that ignores a repeated join, the
    /// client that dies on garbage); the correct pair passes them (`theCorrectPairPassesEveryWholeCase`).
    @Test(arguments: [("server-leave-any.yaml", "client-correct.yaml", "W-LEAVE-STRANGER", "the stranger's leave removed"),
                      ("server-no-repeat.yaml", "client-correct.yaml", "W-JOIN-REPEAT", "never answered the repeat"),
                      ("server-lookup-unregistered.yaml", "client-correct.yaml", "W-LOOKUP-STRANGER", "which never joined"),
                      ("server-correct.yaml", "client-crash-malformed.yaml", "W-GARBAGE-CLIENT", "exited")])
    func aFaultOfTheTableOrOfGarbageAtAClientFailsItsCase(server: String, client: String, id: String, says: String) async throws {
        let report = await Self.grade(try Self.whole("\(Self.faulty)/\(server)", "\(Self.faulty)/\(client)"), cases: [id])
        let result = try #require(report.cases.first)
        if WholeImpairedGradingTests.relayMissing(result) { return }
        #expect(result.verdict == .fail, "\(result.detail)")
        #expect(result.detail.contains(says), "\(result.detail)")
    }

    /// A port is found as a number of its own or as 16-bit binary either way round; a token only where no
    /// letter or digit touches it.
    @Test func aPortOrAnIdIsFoundInTextAndBinaryButNotInsideAnotherNumber() {
        #expect(WholeCases.carries(Array("PEER 22 127.0.0.1 40220".utf8), port: 40220))
        #expect(!WholeCases.carries(Array("PEER 22 127.0.0.1 140220".utf8), port: 40220))
        #expect(WholeCases.carries([0x52, 0x45, 0x47, 0x00, 0x9d, 0x1c, 0x00], port: 0x9d1c))
        #expect(WholeCases.carries([0x4d, 0x1c, 0x9d, 0x94], port: 0x9d1c), "a pickle's BININT2, little-endian")
        #expect(!WholeCases.carries(Array("[1] Client_2 ==> bob\n".utf8), port: 40220))
        #expect(WholeCases.contains(Array("[1] Client_2 ==> 22\n".utf8), "22"))
        #expect(WholeCases.contains(Array("PEER 22 127.0.0.1 4000".utf8), "22"))
        #expect(!WholeCases.contains(Array("PEER 21 127.0.0.1 4022".utf8), "22"))
        #expect(!WholeCases.contains(Array("user22".utf8), "22"))
    }

    /// A repeated join's answers are compared with numbers, UUIDs, hashes and dates blurred, and nothing else.
    @Test func anAnswersShapeBlursWhatDiffersFromOneAnswerToTheNext() {
        let a = #"{"date":"07-12-2026 19:55:24","port":27001,"id":"70982574-9396-4d7f-99ac-162218324efc","type":"table"}"#
        let b = #"{"date":"07-12-2026 19:55:27","port":27002,"id":"bc7cabab-5f3b-4d4f-b803-7f3ef1b28e6b","type":"table"}"#
        #expect(WholeCases.answerShape(Array(a.utf8)) == WholeCases.answerShape(Array(b.utf8)))
        let taken = #"{"date":"07-12-2026 19:55:27","success":false,"text":"u21 username is taken"}"#
        let registered = #"{"date":"07-12-2026 19:55:24","success":true,"text":"u21 is registered"}"#
        #expect(WholeCases.answerShape(Array(taken.utf8)) != WholeCases.answerShape(Array(registered.utf8)))
        #expect(WholeCases.answerShape(Array("REGISTERED 21 30001".utf8)) == WholeCases.answerShape(Array("REGISTERED 21 30002".utf8)))
        #expect(WholeCases.answerShape(Array("ERROR ID_IN_USE 21".utf8)) != WholeCases.answerShape(Array("REGISTERED 21 30001".utf8)))
    }

    @Test(arguments: ["client-leave-early.yaml", "client-close-early.yaml"])
    func aClientThatClosesBeforeTheAnswerFailsLeave(client: String) async throws {
        let report = await Self.grade(try Self.whole("\(Self.faulty)/server-correct.yaml", "\(Self.faulty)/\(client)"), cases: ["W-LEAVE"])
        let result = try #require(report.cases.first)
        #expect(result.verdict == .fail, "\(result.detail)")
        #expect(result.detail.contains("before any datagram from the server reached it"), "\(result.detail)")
    }

    /// The command line: two manifests are graded each against the reference and then whole; with
    /// `--cases 'W-*'` only the whole table is graded (the roles it leaves empty are skipped).
    @Test(.enabled(if: FixtureGradingTests.udpchatBinary != nil, "needs .build/debug/udpchat (swift build)"))
    func twoManifestsOnTheCommandLineAreGradedWhole() async throws {
        guard await SandboxTests.plan() != nil else { return }
        let (status, output) = try await ShardMergeTests.udpchat(["grade", "\(Self.faulty)/server-correct.yaml", "\(Self.faulty)/client-leave-early.yaml",
                                                            "--rto", "300ms", "--quiet", "--cases", "W-LEAVE,W-CONCURRENT"])
        #expect(status == 1, "W-LEAVE fails: exit 1\n\(output)")
        #expect(output.contains("python-server-correct + python-client-leave-early (whole"), "\(output)")
        #expect(output.split(separator: "\n").contains { $0.contains("W-LEAVE") && $0.contains("FAIL") }, "\(output)")
        #expect(output.split(separator: "\n").contains { $0.contains("W-CONCURRENT") && $0.contains("PASS") }, "\(output)")
        #expect(!output.contains("S-REGISTER") && !output.contains("C-REGISTER"), "\(output)")
    }

    /// Fixtures/real/original (pinned to 7070, chat relayed, menus; FAULTS.md): run whole in the
    /// sandbox at its own 10 s, its faults 1 (the server dies on malformed datagrams), 3 (neither the
    /// lookup nor the connection request is re-sent), 4 (the leave is never acknowledged; the client
    /// closes at once), 5 (no table) and 11 (four clients at most: the fifth at once is refused) are
    /// caught; the chat it does right passes: the callee listens (`0`, the waiting room), the caller
    /// connects (`1`, `1`), and the receiving user accepts the message (`receive`: `1` at `Response> `)
    /// before it is shown, once.
    @Test func theOriginalRunWholeHasItsFaultsCaught() async throws {
        guard await SandboxTests.plan() != nil else { return }
        let report = await Self.grade(try Self.whole("\(Self.original)/server.yaml", "\(Self.original)/client.yaml"))
        let verdicts = Self.verdicts(report)
        #expect(verdicts["W-GARBAGE"] == .fail, "\(Self.details(report))")
        #expect(verdicts["W-LEAVE"] == .fail, "\(Self.details(report))")
        #expect(verdicts["W-TABLE"] == .fail, "\(Self.details(report))")
        // Fault 11: a table of four; the fifth client at once is refused (`connection_denied`).
        #expect(verdicts["W-CONCURRENT"] == .fail, "\(Self.details(report))")
        #expect(report.cases.first { $0.id == "W-CONCURRENT" }?.detail.contains("connection_denied") == true, "\(Self.details(report))")
        #expect(verdicts["W-CHAT"] == .pass, "\(Self.details(report))")
        #expect(verdicts["W-RESEND-LOOKUP"] == .fail, "\(Self.details(report))")
        #expect(verdicts["W-RESEND-CONNECT"] == .fail, "\(Self.details(report))")
        let table = try #require(report.cases.first { $0.id == "W-TABLE" })
        #expect(table.detail.contains("the server printed no table"))
        let lookup = try #require(report.cases.first { $0.id == "W-RESEND-LOOKUP" })
        #expect(lookup.detail.contains("'online_request'") && lookup.detail.contains("never sent again"), "\(lookup.detail)")
        let connect = try #require(report.cases.first { $0.id == "W-RESEND-CONNECT" })
        #expect(connect.detail.contains("'client_ack 21 Client_") && connect.detail.contains("never sent again"), "\(connect.detail)")
        // The text was shown once, after the receiving user typed receive ("1") at its question.
        let chat = try #require(report.cases.first { $0.id == "W-CHAT" })
        let typed = chat.events.filter { $0.kind == .stdin && $0.node == "client-2" }.map(\.text)
        #expect(typed == ["22", "0", "1", "1"], "client-2 typed \(typed): its name, listen, accept, receive")
        #expect(chat.events.filter { $0.kind == .stdout && $0.node == "client-2" && $0.text.contains("whole chat 21 to 22") }.count == 1)
    }
}

/// Every submission of Fixtures/real graded whole (no dialect used): the W cases FAIL exactly where a
/// fault its FAULTS.md lists shows, and nothing else (original's menus driven with listen and receive); the
/// connect cases are UNSUPPORTED only for pushed (no connection set-up), and the impaired cases where the relay cannot run. RTO 1 s where the command takes {rto} (routed and original: their own 10 s).
@Suite(.serialized) struct RealWholeGradingTests {
    static let real = FixtureGradingTests.root.appendingPathComponent("Fixtures/real").path

    /// folder → the W cases its listed faults fail (FAULTS.md fault numbers in the comments).
    static let listed: [String: Set<String>] = [
        // 3: a number that is not a number ends the server; 2: the request is sent once; other deviations: the client takes
        // an id out of range (garbage makes it busy), anyone may leave any id
        // and a stranger may look clients up
        "assigned": ["W-GARBAGE", "W-RESEND-CONNECT", "W-GARBAGE-CLIENT", "W-LEAVE-STRANGER", "W-LOOKUP-STRANGER"],
        "pushed": ["W-DEDUP"],                              // 1: a repeated message is shown again
        // 1: dies on malformed (garbage, a stranger's `_exit`); 5: no table; 4: leave never acknowledged (the client closes at
        // once, its leave sent once); 3: neither the lookup nor the request is re-sent; 13: garbage ends the waiting room's
        // wait; 11: four clients at most; 12: a stranger may list the clients; 6: no port is ever given out; 7: the
        // acknowledgements carry no number
        "original": ["W-GARBAGE", "W-TABLE", "W-LEAVE", "W-RESEND-LEAVE", "W-RESEND-LOOKUP", "W-RESEND-CONNECT", "W-GARBAGE-CLIENT",
                     "W-LEAVE-STRANGER", "W-CONCURRENT", "W-LOOKUP-STRANGER", "W-PORT-GIVEN", "W-ACK-NAMES"],
        // 1: no table, ever; 3: a duplicate is shown again; 2: the request re-sent every 1 s (to the server, and forwarded)
        // and, relayed, it never gives out a port
        "routed": ["W-TABLE", "W-DEDUP", "W-RESEND-LOOKUP", "W-RESEND-CONNECT", "W-PORT-GIVEN"],
        "tagged": ["W-RESEND-MSG", "W-CONNECT-ONCE"],       // 1: a chat message is sent once, never again; 2: a repeated CONN asks again
        // 3: quit exits at once, without waiting for Client Left (its leave sent once); 2: duplicates shown
        "wordy": ["W-LEAVE", "W-DEDUP", "W-RESEND-LEAVE"],
    ]

    @Test(arguments: ["assigned", "original", "pushed", "routed", "tagged", "wordy"])
    func failsExactlyTheWholeCasesNamingItsListedFaults(folder: String) async throws {
        guard await SandboxTests.plan() != nil else { return }
        let whole = try WholeGradingTests.whole("\(Self.real)/\(folder)/server.yaml", "\(Self.real)/\(folder)/client.yaml")
        let report = await WholeGradingTests.grade(whole, rto: .seconds(1))
        let expected = Self.listed[folder] ?? []
        if folder == "pushed" {
            // Its 0.5 s is fixed in its code (the manifest's rto:), and its send names the receiver (no input.connect):
            // graded at 10 s its re-sends FAILed as too early, and the chat cases were UNSUPPORTED.
            #expect(report.rto == .milliseconds(500), "\(report.rtoNote)")
            for id in ["W-CHAT", "W-DEDUP", "W-RESEND-MSG"] {
                #expect(report.cases.first { $0.id == id }?.verdict != .unsupported, "\(id) was not judged")
            }
        }
        for result in report.cases where !WholeImpairedGradingTests.relayMissing(result) {
            if expected.contains(result.id) {
                #expect(result.verdict == .fail, "\(folder) \(result.id): a listed fault, but \(result.verdict.rawValue): \(result.detail)")
            } else if folder == "pushed", ["W-RESEND-LOOKUP", "W-RESEND-CONNECT", "W-CONNECT-ONCE", "W-LOOKUP-STRANGER"].contains(result.id) {
                // No connection set-up (the text names its receiver): nothing to look up or request.
                #expect(result.verdict == .unsupported, "\(result.detail)")
            } else if folder == "routed", result.id == "W-LOOKUP-STRANGER" {
                // Relayed: its request through the server (`TO 22 CONNECT`) is answered only once the other user decides.
                #expect(result.verdict == .unsupported, "\(result.detail)")
            } else if folder == "original", ["W-RESEND-JOIN", "W-RESEND-MSG"].contains(result.id) {
                // Its join is re-sent every 20 s, and a lost message after 20 s (two 10 s receives): 2 RTO, on the
                // lenient bound (FAULTS.md "lenient at best", "What the grader says today").
                #expect(result.verdict == .lenient || result.verdict == .fail, "\(result.detail)")
            } else {
                #expect(result.verdict.isConforming, "\(folder) \(result.id): \(result.verdict.rawValue): \(result.detail)")
            }
        }
    }
}

/// The parts of whole grading that need no program run.
struct WholeSubmissionTests {
    @Test func garbageInTheSubmissionsOwnFormatIsItsDatagramsSpoiled() {
        let spoiled = WholeGarbage.mutations(of: [Array("Port 40942".utf8)]).map { String(decoding: $0.bytes, as: UTF8.self) }
        #expect(spoiled == ["Port", "Port ", "Port x"])
        // Seeded: every run sends the same garbage.
        #expect(WholeGarbage.datagrams(dialect: .default).map(\.bytes) == WholeGarbage.datagrams(dialect: .default).map(\.bytes))
    }

    /// Two threads printing a message at once put both showings on one line (adithyas98's client:
    /// `… 21: doubled chat>>> … 21: doubled chat`): each counts, so a duplicate shown is not missed.
    @Test func twoShowingsOnOneLineAreTwo() {
        #expect(WholeCases.showings(of: "doubled chat 21 to 22", in: ">>> >>> 12:16:12.49 21: doubled chat 21 to 22>>> 12:16:12.49 21: doubled chat 21 to 22") == 2)
        #expect(WholeCases.showings(of: "hi", in: "[21] hi") == 1)
        #expect(WholeCases.showings(of: "hi", in: "no such text") == 0)
    }

    @Test func aServerAssignedIdIsTheNumberTheAnswerAndTheConsoleAgreeOn() {
        #expect(WholeContext.numbers(in: "You are Client 12, port 40942") == ["12", "40942"])
    }

    @Test func aPortIsNamedOnlyAsANumberOfItsOwn() {
        #expect(WholeContext.names("clients: 21=127.0.0.1:23812", port: 23812))
        #expect(WholeContext.names("23812", port: 23812))
        #expect(!WholeContext.names("port 238120", port: 23812))
        #expect(!WholeContext.names("port 123812 up", port: 23812))
        #expect(!WholeContext.names("", port: 7070))
    }

    @Test func aBatchPairsEachFolderWithOneServerAndOneClient() throws {
        let real = FixtureGradingTests.root.appendingPathComponent("Fixtures/real").path
        let pairs = WholeSubmission.pairs(try GradeBatch.entries(in: real))
        #expect(pairs.map(\.name) == ["assigned", "original", "pushed", "routed", "tagged", "wordy"])
        #expect(pairs.allSatisfy { $0.server.role == .server && $0.client.role == .client })
    }

    @Test func twoManifestsAreWholeOnlyAsAServerAndAClient() throws {
        let faulty = FixtureGradingTests.faulty
        let server = try Manifest.load(path: "\(faulty)/server-correct.yaml")
        let client = try Manifest.load(path: "\(faulty)/client-correct.yaml")
        #expect(try WholeSubmission.from([client, server]).server.role == .server)
        #expect(throws: Error.self) { try WholeSubmission.from([server, server]) }
    }

    @Test func everyWholeCaseCitesItsRules() {
        for item in WholeCases.all {
            #expect(!ProtocolRules.rules(forCase: item.id).isEmpty, "\(item.id)")
            #expect(ProtocolRules.behavioural[item.id]?.assignmentItem != nil, "\(item.id)")
            #expect(ProtocolRules.rules(forCase: item.id).allSatisfy { ProtocolRules.rule($0) != nil })
        }
        #expect(Catalogue.cases(for: .whole).map(\.id) == ["W-GARBAGE", "W-GARBAGE-CLIENT", "W-TABLE", "W-CONCURRENT", "W-CHAT", "W-ACK-NAMES", "W-LEAVE",
                                                           "W-RESEND-JOIN", "W-DEDUP", "W-RESEND-MSG", "W-RESEND-LOOKUP", "W-RESEND-CONNECT",
                                                           "W-RESEND-LEAVE", "W-CONNECT-ONCE", "W-JOIN-REPEAT", "W-LEAVE-STRANGER",
                                                           "W-LOOKUP-STRANGER", "W-PORT-GIVEN"])
    }
}
