import Foundation
import UDPChatReports

/// Text, JSON and JUnit renderings of a grade report.
public enum ReportFormat {
    /// The result matrix printed at the end of a run.
    public static func matrix(_ report: GradeReport) -> String {
        var lines = ["\(report.implementation) (\(report.role.rawValue), \(report.rtoNote)) in \(String(format: "%.1f", report.duration.seconds)) s"]
        let width = max(10, report.cases.map(\.id.count).max() ?? 10)
        for result in report.cases {
            let id = result.id.padding(toLength: width, withPad: " ", startingAt: 0)
            let verdict = result.verdict.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
            let level = result.level.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
            let runs = result.runs > 1 ? " [\(result.passed)/\(result.runs)]" : ""
            let detail = result.verdict == .pass ? "" : "  \(result.detail)"
            lines.append("  \(id)  \(level) \(verdict)\(runs)\(detail)")
        }
        let summary = Verdict.allCases.compactMap { verdict in report.summary[verdict.rawValue].map { "\(verdict.rawValue) \($0)" } }
        lines.append("summary: " + summary.joined(separator: ", "))
        return lines.joined(separator: "\n")
    }

    /// The progress line of a finished case: `S-REGISTER            PASS         0.3 s`, the reason when not PASS.
    public static func progressLine(_ result: CaseResult, implementation: String? = nil) -> String {
        let id = result.id.padding(toLength: 22, withPad: " ", startingAt: 0)
        let verdict = result.verdict.rawValue.padding(toLength: 11, withPad: " ", startingAt: 0)
        let detail = result.verdict == .pass ? "" : "  " + String(result.detail.prefix(120))
        return (implementation.map { "\($0) " } ?? "") + id + verdict + String(format: "%6.1f s", result.duration.seconds) + detail
    }

    struct JSONCase: Codable {
        var id: String, verdict: String, section: String, level: String, title: String, detail: String
        var duration: Double, runs: Int, passed: Int
        /// The rules of PROTOCOL.md §10 the case checks.
        var rules: [String]?
        /// The evidence (trace events), so `report merge` can draw the HTML report from shards.
        var events: [TraceEvent]?
    }

    struct JSONReport: Codable {
        var implementation: String, role: String, manifest: String, rto: Double, rtoNote: String, duration: Double
        var cases: [JSONCase]
        var summary: [String: Int]
        /// Tool, version, timestamp, seed and command line (absent in a report inside a batch: the batch has it).
        var tool: String?, version: String?, timestamp: String?, seed: UInt64?, command: [String]?
        /// How the implementation was isolated (`--isolation none` says so here).
        var isolation: String?
        /// The batch submission (folder) it belongs to.
        var submission: String?

        mutating func stamp(_ run: RunInfo?) {
            guard let run else { return }
            (tool, version, timestamp, seed, command, isolation) = (run.tool, run.version, run.timestamp, run.seed, run.command, run.isolation)
        }
    }

    static func jsonReport(_ report: GradeReport) -> JSONReport {
        var json = JSONReport(
            implementation: report.implementation, role: report.role.rawValue, manifest: report.manifest, rto: report.rto.seconds,
            rtoNote: report.rtoNote, duration: report.duration.seconds,
            cases: report.cases.map {
                JSONCase(id: $0.id, verdict: $0.verdict.rawValue, section: $0.section, level: $0.level.rawValue, title: $0.title,
                         detail: $0.detail, duration: $0.duration.seconds, runs: $0.runs, passed: $0.passed,
                         rules: ProtocolRules.rules(forCase: $0.id), events: $0.events)
            },
            summary: report.summary)
        json.submission = report.submission
        return json
    }

    static func encode(_ value: some Encodable) throws -> Data {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(value)
    }

    /// `{"implementation": …, "role": …, "cases": [{"id", "verdict", "section", "detail", "rules", "events", …}], "summary": {…},
    /// "tool", "version", "timestamp", "seed", "command"}`.
    public static func json(_ report: GradeReport, run: RunInfo? = nil) throws -> Data {
        var body = jsonReport(report)
        body.stamp(run)
        return try encode(body)
    }

    /// JUnit XML: one testcase per case; FAIL/FLAKY as failure, ERROR as error, UNSUPPORTED as skipped.
    public static func junit(_ reports: [GradeReport]) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
        for report in reports {
            let failures = report.cases.filter { $0.verdict == .fail || $0.verdict == .flaky }.count
            let errors = report.cases.filter { $0.verdict == .error }.count
            let skipped = report.cases.filter { $0.verdict == .unsupported }.count
            xml += "  <testsuite name=\"\(HTMLPage.escape(report.implementation))\" tests=\"\(report.cases.count)\" failures=\"\(failures)\" "
                + "errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(String(format: "%.3f", report.duration.seconds))\">\n"
            for result in report.cases {
                xml += "    <testcase classname=\"\(HTMLPage.escape(report.implementation)).\(report.role.rawValue)\" name=\"\(result.id)\" "
                    + "time=\"\(String(format: "%.3f", result.duration.seconds))\">"
                let message = HTMLPage.escape("\(result.verdict.rawValue): \(result.detail)")
                switch result.verdict {
                case .fail, .flaky: xml += "<failure message=\"\(message)\">\(HTMLPage.escape(Trace.render(result.events)))</failure>"
                case .error: xml += "<error message=\"\(message)\"/>"
                case .unsupported, .interrupted: xml += "<skipped message=\"\(message)\"/>"
                case .lenient: xml += "<system-out>\(message)</system-out>"
                case .pass: break
                }
                xml += "</testcase>\n"
            }
            xml += "  </testsuite>\n"
        }
        return xml + "</testsuites>\n"
    }
}

/// Escapes text for XML and HTML.

extension ReportFormat {
    /// A table across implementations for `--batch`: one row per implementation, verdict counts.
    public static func batchTable(_ reports: [GradeReport]) -> String {
        let width = max(14, reports.map(\.implementation.count).max() ?? 14)
        var lines = ["\("implementation".padding(toLength: width, withPad: " ", startingAt: 0))  role    PASS LENIENT FAIL ERROR FLAKY UNSUP"]
        for report in reports {
            let s = report.summary
            lines.append(report.implementation.padding(toLength: width, withPad: " ", startingAt: 0) + "  "
                + report.role.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
                + String(format: " %4d %7d %4d %5d %5d %5d", s["PASS"] ?? 0, s["LENIENT"] ?? 0, s["FAIL"] ?? 0, s["ERROR"] ?? 0,
                         s["FLAKY"] ?? 0, s["UNSUPPORTED"] ?? 0))
        }
        return lines.joined(separator: "\n")
    }

    struct JSONBatch: Codable {
        var implementations: [JSONReport]
        var interop: [InteropResult]
        var tool: String?, version: String?, timestamp: String?, seed: UInt64?, command: [String]?
        var isolation: String?
        /// For a merged report: the run info of each shard.
        var shards: [RunInfo]?
    }

    /// `{"implementations": [<one report each>], "interop": [{initiator, responder, verdict, detail, duration}],
    /// "tool", "version", "timestamp", "seed", "command"}` for `--batch`.
    public static func jsonBatch(_ reports: [GradeReport], interop: [InteropResult] = [], run: RunInfo? = nil,
                                 shards: [RunInfo]? = nil) throws -> Data {
        var batch = JSONBatch(implementations: reports.map(jsonReport), interop: interop, shards: shards)
        if let run {
            (batch.tool, batch.version, batch.timestamp, batch.seed, batch.command) = (run.tool, run.version, run.timestamp, run.seed, run.command)
            batch.isolation = run.isolation
        }
        return try encode(batch)
    }
}
