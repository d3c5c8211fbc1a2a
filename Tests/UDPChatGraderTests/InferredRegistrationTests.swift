import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatDialect
import UDPChatIUT

/// Each case asks only for the evidence it judges (issue 16): a server whose dialect has no
/// REGISTERED (Fixtures/dialects/quiet.dialect.yaml, the colon fixture started with
/// --silent-register) is judged on LOOKUP, PEER and LEAVE, with registration inferred after a
/// settle time; a client in that dialect is judged on the REGISTER it sends and re-sends.
/// Serialized like the other grading suites.
@Suite(.serialized) struct InferredRegistrationTests {
    static func quiet(_ fixture: String) throws -> Manifest {
        try Manifest.load(path: "\(DialectGradingTests.iut)/quiet-\(fixture).yaml")
    }

    @Test func onlyTheCasesJudgingRegisteredNeedIt() throws {
        let dialect = try Self.quiet("server-correct").dialect()
        let server = Dictionary(uniqueKeysWithValues: Catalogue.cases(for: .server).map { ($0.id, $0.missingVerbs(in: dialect)) })
        #expect(server["S-REGISTER"] == .some("dialect quiet-chat has no REGISTERED (the evidence the case waits for)"))
        for id in ["S-LOOKUP-ACTIVE", "S-LOOKUP-INACTIVE", "S-LOOKUP-UNREGISTERED", "S-ID-IN-USE", "S-ADDRESS-IN-USE",
                   "S-MALFORMED", "S-LEAVE", "S-REGISTER-REPEAT", "S-NEWLINE", "S-CONCURRENT"] {
            #expect(server[id] == .some(nil), "\(id): \(server[id] ?? nil ?? "")")
        }
        let client = Dictionary(uniqueKeysWithValues: Catalogue.cases(for: .client).map { ($0.id, $0.missingVerbs(in: dialect)) })
        for id in ["C-REGISTER", "C-REGISTER-RESEND", "C-LOOKUP"] { #expect(client[id] == .some(nil), "\(id)") }
        // Alternative evidence: without any of it the case says which would do.
        let bare = try Dialect.parse(yaml: """
            dialect: bare
            format: text
            messages:
              REGISTER: "REG:{id}"
            """)
        let idInUse = Catalogue.cases(for: .server).first { $0.id == "S-ID-IN-USE" }!
        #expect(idInUse.missingVerbs(in: bare) == "dialect bare has none of ERROR, REGISTERED, LOOKUP+PEER (the evidence the case judges: any one would do)")
    }

    @Test func aServerWithoutRegisteredIsJudgedOnWhatItAnswers() async throws {
        var options = GradeOptions()
        // RTO 1 s, 4 at once: at 0.6 s and 6 at once a loaded 2-core machine answered a LOOKUP after the 2 s wait.
        options.rto = .seconds(1)
        options.jobs = 4
        let report = await Grader.run(manifest: try Self.quiet("server-correct"), options: options)
        let verdicts = Dictionary(uniqueKeysWithValues: report.cases.map { ($0.id, $0) })
        #expect(verdicts["S-REGISTER"]?.verdict == .unsupported)
        for id in ["S-LOOKUP-ACTIVE", "S-LOOKUP-INACTIVE", "S-ID-IN-USE", "S-ADDRESS-IN-USE", "S-MALFORMED", "S-LEAVE",
                   "S-LEAVE-NOT-OWNER", "S-REGISTER-REPEAT", "S-NEWLINE", "S-CONCURRENT", "S-ADVERTISED-PORT"] {
            #expect(verdicts[id]?.verdict == .pass, "\(id): \(verdicts[id]?.verdict.rawValue ?? "-"): \(verdicts[id]?.detail ?? "")")
        }
        #expect(verdicts["S-LOOKUP-ACTIVE"]?.events.contains { $0.text.contains("has no REGISTERED: 11 taken as registered") } == true)
        #expect(!report.hasFailures)
    }

    @Test func aHijackableServerWithoutRegisteredStillFails() async throws {
        let report = await FixtureGradingTests.grade(try Self.quiet("server-hijackable"), cases: ["S-ID-IN-USE"], rto: 0.3)
        #expect(report.cases.first?.verdict == .fail, "\(report.cases.first?.detail ?? "")")
        // The owner's LOOKUP no longer finds it at its own address (the thief's REGISTER was taken).
        #expect(report.cases.first?.detail.hasPrefix("expected 'PORT:11:") == true, "\(report.cases.first?.detail ?? "")")
    }

    @Test func aClientWithoutRegisteredIsJudgedOnItsRegister() async throws {
        let report = await FixtureGradingTests.grade(try Self.quiet("client-correct"), cases: ["C-REGISTER", "C-REGISTER-RESEND"], rto: 0.5)
        for result in report.cases {
            #expect(result.verdict.isConforming, "\(result.id): \(result.verdict.rawValue): \(result.detail)")
        }
        #expect(report.cases.count == 2)
    }
}
