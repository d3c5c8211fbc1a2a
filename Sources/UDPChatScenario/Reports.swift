import UDPChatSimulation
import UDPChatSupport

/// Machine-readable reports of a batch of scenario runs.
public enum ScenarioReports {
    /// One JSON document: `{"passed": …, "failed": …, "skipped": …, "runs": [...]}`.
    public static func json(_ reports: [ScenarioReport]) -> String {
        let runs = reports.map { report -> String in
            var fields = [
                "\"name\":\(JSON.string(report.scenario.name))",
                "\"path\":\(JSON.string(report.scenario.path))",
                "\"mode\":\"\(report.mode.rawValue)\"",
                "\"seed\":\(report.seed)",
                "\"status\":\"\(report.status)\"",
                "\"wall_ms\":\(report.wallTime.nanoseconds / 1_000_000)",
            ]
            if let skipped = report.skipped { fields.append("\"skipped\":\(JSON.string(skipped))") }
            if let observation = report.observation {
                fields.append("\"end_s\":\(JSON.seconds(observation.endTime))")
                fields.append("\"datagrams\":\(observation.trace.count)")
            }
            let checks = report.checks.map { check in
                "{\"title\":\(JSON.string(check.title)),\"line\":\(check.line),\"passed\":\(check.passed)"
                    + (check.passed ? "" : ",\"expected\":\(JSON.string(check.expected)),\"observed\":\(JSON.string(check.observed))"
                        + ",\"trace\":[" + check.excerpt.map(JSON.string).joined(separator: ",") + "]") + "}"
            }
            fields.append("\"checks\":[" + checks.joined(separator: ",") + "]")
            return "{" + fields.joined(separator: ",") + "}"
        }
        let passed = reports.filter(\.passed).count
        let skipped = reports.filter { $0.skipped != nil }.count
        return "{\"passed\":\(passed),\"failed\":\(reports.count - passed - skipped),\"skipped\":\(skipped),\"runs\":[\n"
            + runs.joined(separator: ",\n") + "\n]}\n"
    }

    /// JUnit XML: one test case per scenario run, failures with expected/observed and the trace excerpt.
    public static func junit(_ reports: [ScenarioReport]) -> String {
        let failures = reports.filter { !$0.passed && $0.skipped == nil }.count
        let skipped = reports.filter { $0.skipped != nil }.count
        let total = reports.reduce(Duration.zero) { $0 + $1.wallTime }
        var xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n"
        xml += "<testsuite name=\"udpchat scenarios\" tests=\"\(reports.count)\" failures=\"\(failures)\" skipped=\"\(skipped)\" time=\"\(total.seconds)\">\n"
        for report in reports {
            let name = "\(report.scenario.name) [\(report.mode.rawValue), seed \(report.seed)]"
            xml += "  <testcase classname=\"\(escape(report.scenario.path))\" name=\"\(escape(name))\" time=\"\(report.wallTime.seconds)\""
            if let why = report.skipped {
                xml += ">\n    <skipped message=\"\(escape(why))\"/>\n  </testcase>\n"
            } else if report.passed {
                xml += "/>\n"
            } else {
                xml += ">\n"
                for failure in report.failures {
                    xml += "    <failure message=\"\(escape(failure.title))\">\(escape(failure.description))</failure>\n"
                }
                xml += "  </testcase>\n"
            }
        }
        return xml + "</testsuite>\n"
    }

    static func escape(_ text: String) -> String {
        var out = ""
        for character in text {
            switch character {
            case "&": out += "&amp;"
            case "<": out += "&lt;"
            case ">": out += "&gt;"
            case "\"": out += "&quot;"
            default: out.append(character)
            }
        }
        return out
    }

    /// The console of every party as text: `12.000500s bob: [1] hello`.
    public static func console(_ observation: Observation) -> String {
        observation.displays.map { "\(JSON.seconds($0.time))s \($0.party): \($0.line)\n" }.joined()
    }

    /// The human report of one run (what `run` prints for a failure).
    public static func text(_ report: ScenarioReport) -> String {
        var out = "\(report.status) \(report.scenario.path) [\(report.mode.rawValue), seed \(report.seed)]"
        if let skipped = report.skipped { return out + ": skipped (\(skipped))\n" }
        out += "\n"
        for check in report.checks { out += "  " + check.description + "\n" }
        return out
    }
}
