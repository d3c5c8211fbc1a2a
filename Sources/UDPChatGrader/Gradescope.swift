// Gradescope's autograder results.json (the documented "Autograder Specifications" format): one file
// for a run (`--gradescope`), or one per submission folder (`--gradescope-dir`), with the rubric's
// points and visibility; a case that was not run (INTERRUPTED) earns nothing and says "not run".
import Foundation
import UDPChatReports

public enum Gradescope {
    struct Test: Codable {
        var name: String
        var number: String
        var score: Double
        var max_score: Double
        /// `passed` / `failed`; absent for a case that was not run (neither).
        var status: String?
        var output: String
        var tags: [String]
        var visibility: String?
    }

    struct Results: Codable {
        var score: Double
        var execution_time: Int
        var output: String
        var tests: [Test]
    }

    /// The results of one submission (several reports: each test's name starts with the implementation's
    /// when they are not all one submission's, whose case ids already tell the roles apart).
    public static func results(_ reports: [GradeReport], rubric: Rubric) throws -> Data {
        let named = Set(reports.map(\.implementation)).count > 1
        var tests: [Test] = []
        for (reportIndex, report) in reports.enumerated() {
            for (index, result) in report.cases.enumerated() {
                let number = reports.count > 1 ? "\(reportIndex + 1).\(index + 1)" : "\(index + 1)"
                tests.append(test(result, implementation: named ? report.implementation : nil, number: number, rubric: rubric))
            }
        }
        let score = tests.map(\.score).reduce(0, +)
        let most = tests.map(\.max_score).reduce(0, +)
        let cases = reports.flatMap(\.cases)
        let failing = cases.filter { !$0.verdict.isConforming && $0.verdict != .interrupted }.count
        let notRun = cases.filter { $0.verdict == .interrupted }.count
        var summary = reports.map { "\($0.implementation) (\($0.role.rawValue) role): \($0.rtoNote)" }.joined(separator: "\n")
            + "\n\(format(score)) of \(format(most)) points; \(failing) case\(failing == 1 ? "" : "s") not conforming."
        if notRun > 0 {
            summary += " \(notRun) case\(notRun == 1 ? " was" : "s were") not run (the grading was stopped): they earn nothing and are not failures."
        }
        let results = Results(score: score, execution_time: Int(reports.map(\.duration.seconds).reduce(0, +).rounded()), output: summary, tests: tests)
        return try ReportFormat.encode(results)
    }

    /// One case as a Gradescope test.
    static func test(_ result: CaseResult, implementation: String?, number: String, rubric: Rubric) -> Test {
        let rules = ProtocolRules.rules(forCase: result.id)
        let notRun = result.verdict == .interrupted
        var output = notRun ? "not run: \(result.detail); it earns nothing and is not a failure" : "\(result.verdict.rawValue): \(result.detail)"
        if !rules.isEmpty { output += "\nrules (docs/PROTOCOL.md §10): " + rules.joined(separator: ", ") }
        if result.runs > 1 { output += "\n\(result.passed) of \(result.runs) runs conforming" }
        let name = (implementation.map { "\($0) " } ?? "") + "\(result.id) (\(result.level.rawValue)): \(result.title)" + (notRun ? " (not run)" : "")
        return Test(name: name, number: number, score: rubric.points(result), max_score: rubric.maxPoints(result),
                    status: notRun ? nil : result.verdict.isConforming ? "passed" : "failed", output: output, tags: rules,
                    visibility: rubric.visibility(of: result.id)?.rawValue)
    }

    /// The reports grouped by submission (`GradeReport.submissionName`), in the order they come.
    public static func bySubmission(_ reports: [GradeReport]) -> [(submission: String, reports: [GradeReport])] {
        var groups: [(submission: String, reports: [GradeReport])] = []
        for report in reports {
            if let index = groups.firstIndex(where: { $0.submission == report.submissionName }) {
                groups[index].reports.append(report)
            } else {
                groups.append((report.submissionName, [report]))
            }
        }
        return groups
    }

    /// `--gradescope-dir DIR`: DIR/<submission>/results.json for each submission; returns the files written.
    @discardableResult
    public static func writeDirectory(_ reports: [GradeReport], rubric: Rubric, to folder: String) throws -> [String] {
        var written: [String] = []
        for group in bySubmission(reports) {
            let path = "\(folder)/\(pathComponent(group.submission))"
            try FileManager.default.createDirectory(atPath: path, withIntermediateDirectories: true)
            try results(group.reports, rubric: rubric).write(to: URL(fileURLWithPath: path + "/results.json"))
            written.append(path + "/results.json")
        }
        return written
    }

    /// A submission's name as one folder name: no `/`, never `.` or `..` or empty.
    static func pathComponent(_ name: String) -> String {
        let safe = name.replacingOccurrences(of: "/", with: "_")
        return safe.isEmpty || safe == "." || safe == ".." ? "_" + safe : safe
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
