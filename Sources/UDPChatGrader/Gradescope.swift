import Foundation
import UDPChatReports

/// A report file that cannot be read or written, or a rubric that does not parse.
public struct ReportError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ description: String) { self.description = description }
}

/// Gradescope's autograder `results.json` (the documented "Autograder Specifications" format):
/// one test per case with its points from a `Rubric`, and the total score.
public enum Gradescope {
    struct Test: Codable {
        var name: String
        var number: String
        var score: Double
        var max_score: Double
        var status: String
        var output: String
        var tags: [String]
    }

    struct Results: Codable {
        var score: Double
        var execution_time: Int
        var output: String
        var tests: [Test]
    }

    /// The results of one submission (several reports: each test's name starts with the implementation's).
    public static func results(_ reports: [GradeReport], rubric: Rubric) throws -> Data {
        var tests: [Test] = []
        for (reportIndex, report) in reports.enumerated() {
            for (index, result) in report.cases.enumerated() {
                let rules = ProtocolRules.rules(forCase: result.id)
                var output = "\(result.verdict.rawValue): \(result.detail)"
                if !rules.isEmpty { output += "\nrules (docs/PROTOCOL.md §10): " + rules.joined(separator: ", ") }
                if result.runs > 1 { output += "\n\(result.passed) of \(result.runs) runs conforming" }
                let name = (reports.count > 1 ? "\(report.implementation) " : "") + "\(result.id) (\(result.level.rawValue)): \(result.title)"
                tests.append(Test(name: name, number: reports.count > 1 ? "\(reportIndex + 1).\(index + 1)" : "\(index + 1)", score: rubric.points(result),
                                  max_score: rubric.maxPoints(result), status: result.verdict.isConforming ? "passed" : "failed",
                                  output: output, tags: rules))
            }
        }
        let score = tests.map(\.score).reduce(0, +)
        let most = tests.map(\.max_score).reduce(0, +)
        let failing = reports.flatMap(\.cases).filter { !$0.verdict.isConforming }.count
        let summary = reports.map { "\($0.implementation) (\($0.role.rawValue) role): \($0.rtoNote)" }.joined(separator: "\n")
            + "\n\(format(score)) of \(format(most)) points; \(failing) case\(failing == 1 ? "" : "s") not conforming."
        let results = Results(score: score, execution_time: Int(reports.map(\.duration.seconds).reduce(0, +).rounded()), output: summary, tests: tests)
        return try ReportFormat.encode(results)
    }

    static func format(_ value: Double) -> String {
        value == value.rounded() ? String(Int(value)) : String(value)
    }
}
