import Foundation
import Testing
import UDPChatIUT
@testable import UDPChatGrader
import UDPChatSupport

/// Reports for a class (issue 19): one Gradescope results.json per submission, cases that were not run,
/// visibility from the rubric, the CSV gradebook, rows labelled by submission folder.
struct ClassReportTests {
    static func result(_ id: String, _ verdict: Verdict, level: Level = .must) -> CaseResult {
        CaseResult(id: id, section: "s", level: level, title: "title of \(id)", verdict: verdict,
                   detail: verdict == .interrupted ? "the grading was stopped (SIGINT/SIGTERM) before it started" : "detail of \(id)",
                   duration: .milliseconds(100), runs: verdict == .interrupted ? 0 : 1, passed: verdict.isConforming ? 1 : 0, events: [])
    }

    static func report(_ label: String, _ role: GradedRole, submission: String?, _ cases: [CaseResult]) -> GradeReport {
        var report = GradeReport(implementation: label, role: role, manifest: "\(label).yaml", rto: .milliseconds(300), rtoNote: "graded at RTO 0.3 s",
                                 duration: .seconds(1), cases: cases)
        report.submission = submission
        return report
    }

    /// alice: a server and a client (both labelled alice, as a batch labels them); bob: a server, stopped mid-run.
    static let reports = [
        report("alice", .server, submission: "alice", [result("S-REGISTER", .pass), result("S-ID-IN-USE", .fail)]),
        report("alice", .client, submission: "alice", [result("C-REGISTER", .lenient), result("C-MSG-RESEND", .pass, level: .should)]),
        report("bob", .server, submission: "bob", [result("S-REGISTER", .pass), result("S-ID-IN-USE", .interrupted)]),
    ]

    static func json(_ data: Data) throws -> [String: Any] {
        try #require(try JSONSerialization.jsonObject(with: data) as? [String: Any])
    }

    @Test func gradescopeDirWritesOneResultsFilePerSubmission() throws {
        let folder = try SandboxTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let written = try Gradescope.writeDirectory(Self.reports, rubric: .default, to: folder + "/out")
        #expect(written == [folder + "/out/alice/results.json", folder + "/out/bob/results.json"])
        let alice = try Self.json(Data(contentsOf: URL(fileURLWithPath: written[0])))
        let tests = try #require(alice["tests"] as? [[String: Any]])
        // One submission's server and client together; the case ids tell the roles apart, no label repeated.
        #expect(tests.map { $0["name"] as? String } == ["S-REGISTER (MUST): title of S-REGISTER", "S-ID-IN-USE (MUST): title of S-ID-IN-USE",
                                                       "C-REGISTER (MUST): title of C-REGISTER", "C-MSG-RESEND (SHOULD): title of C-MSG-RESEND"])
        #expect(alice["score"] as? Double == 8, "4 + 0 + 3 (LENIENT) + 1")
        let bob = try Self.json(Data(contentsOf: URL(fileURLWithPath: written[1])))
        #expect((bob["tests"] as? [[String: Any]])?.count == 2 && bob["score"] as? Double == 4)
        // Several submissions in one file keep the label in front.
        let all = try Self.json(Gradescope.results(Self.reports, rubric: .default))
        #expect((all["tests"] as? [[String: Any]])?.last?["name"] as? String == "bob S-ID-IN-USE (MUST): title of S-ID-IN-USE (not run)")
        #expect(Gradescope.pathComponent("../x/y") == ".._x_y" && Gradescope.pathComponent("..") == "_..")
    }

    @Test func interruptedCasesScoreNothingAndSayNotRun() throws {
        let bob = try Self.json(Gradescope.results([Self.reports[2]], rubric: .default))
        let tests = try #require(bob["tests"] as? [[String: Any]])
        let stopped = tests[1]
        #expect(stopped["status"] == nil, "neither passed nor failed")
        #expect(stopped["score"] as? Double == 0 && stopped["max_score"] as? Double == 4)
        #expect((stopped["output"] as? String)?.hasPrefix("not run: ") == true)
        #expect((stopped["name"] as? String)?.hasSuffix("(not run)") == true)
        #expect(!(String(decoding: try Gradescope.results([Self.reports[2]], rubric: .default), as: UTF8.self)).contains("\"failed\""))
        let summary = try #require(bob["output"] as? String)
        #expect(summary.contains("0 cases not conforming") && summary.contains("1 case was not run"), "\(summary)")
    }

    @Test func theRubricSetsVisibilityPerCaseGlob() throws {
        let rubric = try Rubric.parse("""
            S-ID-*: 6
            visibility:
              S-ID-*: hidden
              C-*: after_due_date
              "*": after_published
            """)
        #expect(rubric.globs.map(\.glob) == ["S-ID-*"] && rubric.visibilities.count == 3)
        let tests = try #require(try Self.json(Gradescope.results(Array(Self.reports[0...1]), rubric: rubric))["tests"] as? [[String: Any]])
        #expect(tests.map { $0["visibility"] as? String } == ["after_published", "hidden", "after_due_date", "after_due_date"])
        #expect(tests[1]["max_score"] as? Double == 6)
        // Without visibility: no field (Gradescope's default, visible).
        let plain = try #require(try Self.json(Gradescope.results([Self.reports[0]], rubric: .default))["tests"] as? [[String: Any]])
        #expect(plain.allSatisfy { $0["visibility"] == nil })
        #expect(throws: UDPChatError.self) { try Rubric.parse("visibility:\n  S-*: secret\n") }
        #expect(throws: UDPChatError.self) { try Rubric.parse("visibility: hidden\n") }
    }

    @Test func theGradebookHasARowPerSubmissionAColumnPerCaseAndTheTotal() throws {
        let csv = Gradebook.csv(Self.reports, rubric: .default)
        let rows = csv.components(separatedBy: "\r\n").filter { !$0.isEmpty }
        #expect(rows == [
            "submission,S-REGISTER,S-ID-IN-USE,C-REGISTER,C-MSG-RESEND,total,max",
            "alice,4,0,3,1,8,13",
            "bob,4,not run,,,4,8",
        ])
        // Text a spreadsheet would misread is quoted or defused.
        #expect(Gradebook.field("a,b") == "\"a,b\"" && Gradebook.field("say \"hi\"") == "\"say \"\"hi\"\"\"")
        #expect(Gradebook.field("=cmd()") == "'=cmd()" && Gradebook.field("-1.5") == "-1.5")
    }

    @Test(.enabled(if: ReportOutputTests.jsonschemaAvailable, "needs python3 with jsonschema (apt-get install python3-jsonschema)"))
    func resultsForEachSubmissionValidateAgainstGradescopesFormat() throws {
        let folder = try SandboxTests.temporaryFolder()
        defer { try? FileManager.default.removeItem(atPath: folder) }
        let rubric = try Rubric.parse("visibility:\n  S-*: hidden\n")
        for file in try Gradescope.writeDirectory(Self.reports, rubric: rubric, to: folder) {
            let (status, output) = try ReportOutputTests.validate(file)
            #expect(status == 0 && output.contains("valid"), "\(file): \(output)")
        }
    }

    @Test func batchEntriesNameTheirSubmissionByFolderOrFile() {
        func entry(_ path: String) -> BatchEntry {
            BatchEntry(relativePath: path, label: "chosen-by-student", role: .server, manifest: .failure(.usage("x")))
        }
        #expect(entry("alice/server.yaml").submission == "alice")
        #expect(entry("alice/deep/er/client.yml").submission == "alice")
        #expect(entry("carol/").submission == "carol")
        #expect(entry("loose.yaml").submission == "loose")
        #expect(GradeBatch.brokenReport(entry("dave/s.yaml"), path: "b/dave/s.yaml", reason: "bad").submission == "dave")
    }
}
