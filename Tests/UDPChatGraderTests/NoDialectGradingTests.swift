import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatIUT

/// Grading without a dialect (issue 17 item 3): a manifest with `dialect: none` has its format-level cases
/// UNSUPPORTED, naming `udpchat dialect infer`; graded whole, the behavioural cases judge it, and only a
/// submission that nothing judged makes `grade` exit 3 (`GradeReport.unjudged`).
@Suite(.serialized) struct NoDialectGradingTests {
    static let faulty = FixtureGradingTests.faulty

    /// `name`'s manifest text with `dialect: none` and its workdir made absolute, in a temporary folder.
    static func bare(_ name: String) throws -> Manifest {
        let folder = FileManager.default.temporaryDirectory.appendingPathComponent("no-dialect-\(getpid())").path
        try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
        let text = try String(contentsOfFile: "\(faulty)/\(name)", encoding: .utf8)
            .replacingOccurrences(of: "workdir: .", with: "workdir: \(faulty)") + "dialect: none\n"
        try text.write(toFile: "\(folder)/\(name)", atomically: true, encoding: .utf8)
        return try Manifest.load(path: "\(folder)/\(name)")
    }

    @Test func dialectNoneIsLoadedAndKeptForTheWorker() throws {
        let manifest = try Self.bare("client-correct.yaml")
        #expect(manifest.dialectUnknown)
        #expect(manifest.dialectText == nil)
        let copy = try JSONDecoder().decode(Manifest.self, from: JSONEncoder().encode(manifest))
        #expect(copy.dialectUnknown)
        #expect(try !Manifest.load(path: "\(Self.faulty)/client-correct.yaml").dialectUnknown)
    }

    @Test func theFormatCasesAreUnsupportedNamingInfer() async throws {
        let manifest = try Self.bare("client-correct.yaml")
        let report = await FixtureGradingTests.grade(manifest, cases: ["C-REGISTER", "C-LEAVE", "C-MSG-DEDUP"], rto: 0.3)
        #expect(report.cases.count == 3)
        for result in report.cases {
            #expect(result.verdict == .unsupported, "\(result.id) \(result.verdict.rawValue)")
            #expect(result.detail.contains("no dialect") && result.detail.contains("udpchat dialect infer"), "\(result.detail)")
        }
        #expect(!report.judged)
        #expect(GradeReport.unjudged([report]).count == 1)
        let line = try #require(ReportFormat.unjudgedLine(report))
        #expect(line.contains("udpchat dialect infer"), "\(line)")
    }

    @Test func gradedWholeTheBehaviouralCasesJudgeIt() async throws {
        let server = try Self.bare("server-correct.yaml")
        let client = try Self.bare("client-correct.yaml")
        let alone = await FixtureGradingTests.grade(server, cases: ["S-REGISTER"], rto: 0.3)
        #expect(alone.cases.first?.verdict == .unsupported)
        let whole = await WholeGradingTests.grade(try WholeSubmission.from([server, client]), cases: ["W-CHAT", "W-TABLE"])
        #expect(whole.cases.count == 2)
        for result in whole.cases {
            #expect(result.verdict.isConforming, "\(result.id) \(result.verdict.rawValue): \(result.detail)")
        }
        // The server's report judged nothing, but its submission was judged whole: no exit 3 for it.
        #expect(GradeReport.unjudged([alone]).count == 1)
        #expect(GradeReport.unjudged([alone, whole]).isEmpty)
    }
}
