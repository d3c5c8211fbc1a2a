import Foundation

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

    struct JSONCase: Codable {
        var id: String, verdict: String, section: String, level: String, title: String, detail: String
        var duration: Double, runs: Int, passed: Int
    }

    struct JSONReport: Codable {
        var implementation: String, role: String, manifest: String, rto: Double, rtoNote: String, duration: Double
        var cases: [JSONCase]
        var summary: [String: Int]
    }

    /// `{"implementation": …, "role": …, "cases": [{"id", "verdict", "section", "detail", …}], "summary": {…}}`.
    public static func json(_ report: GradeReport) throws -> Data {
        let body = JSONReport(
            implementation: report.implementation, role: report.role.rawValue, manifest: report.manifest, rto: report.rto.seconds,
            rtoNote: report.rtoNote, duration: report.duration.seconds,
            cases: report.cases.map {
                JSONCase(id: $0.id, verdict: $0.verdict.rawValue, section: $0.section, level: $0.level.rawValue, title: $0.title,
                         detail: $0.detail, duration: $0.duration.seconds, runs: $0.runs, passed: $0.passed)
            },
            summary: report.summary)
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        return try encoder.encode(body)
    }

    /// JUnit XML: one testcase per case; FAIL/FLAKY as failure, ERROR as error, UNSUPPORTED as skipped.
    public static func junit(_ reports: [GradeReport]) -> String {
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<testsuites>\n"
        for report in reports {
            let failures = report.cases.filter { $0.verdict == .fail || $0.verdict == .flaky }.count
            let errors = report.cases.filter { $0.verdict == .error }.count
            let skipped = report.cases.filter { $0.verdict == .unsupported }.count
            xml += "  <testsuite name=\"\(escapeXML(report.implementation))\" tests=\"\(report.cases.count)\" failures=\"\(failures)\" "
                + "errors=\"\(errors)\" skipped=\"\(skipped)\" time=\"\(String(format: "%.3f", report.duration.seconds))\">\n"
            for result in report.cases {
                xml += "    <testcase classname=\"\(escapeXML(report.implementation)).\(report.role.rawValue)\" name=\"\(result.id)\" "
                    + "time=\"\(String(format: "%.3f", result.duration.seconds))\">"
                let message = escapeXML("\(result.verdict.rawValue): \(result.detail)")
                switch result.verdict {
                case .fail, .flaky: xml += "<failure message=\"\(message)\">\(escapeXML(Trace.render(result.events)))</failure>"
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
public func escapeXML(_ text: String) -> String {
    var out = ""
    for scalar in text.unicodeScalars {
        switch scalar {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default:
            if scalar.value < 0x20, scalar != "\n", scalar != "\t" { out += "?" } else { out.unicodeScalars.append(scalar) }
        }
    }
    return out
}

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

    /// `{"implementations": [<one report each>], "interop": [{initiator, responder, verdict, detail, duration}]}` for `--batch`.
    public static func jsonBatch(_ reports: [GradeReport], interop: [InteropResult] = []) throws -> Data {
        let parts = try reports.map { String(decoding: try json($0), as: UTF8.self) }
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys]
        let pairs = String(decoding: try encoder.encode(interop), as: UTF8.self)
        return Data(("{\"implementations\": [\n" + parts.joined(separator: ",\n") + "\n],\n\"interop\": " + pairs + "}\n").utf8)
    }
}
