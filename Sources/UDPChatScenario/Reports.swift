import UDPChatCapture
import UDPChatReports
import UDPChatSimulation
import UDPChatSupport

/// Machine-readable reports of a batch of scenario runs.
public enum ScenarioReports {
    /// One JSON document: `{"tool", "version", "timestamp", "seed", "command", "passed": …, "failed": …, "skipped": …,
    /// "runs": [...]}` (the run info when given; each run has its own seed, each check the rules it checks).
    public static func json(_ reports: [ScenarioReport], run: RunInfo? = nil) -> String {
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
                    + ",\"rules\":[" + ScenarioRules.rules(forCheckAt: check.line, in: report.scenario).map(JSON.string).joined(separator: ",") + "]"
                    + (check.passed ? "" : ",\"expected\":\(JSON.string(check.expected)),\"observed\":\(JSON.string(check.observed))"
                        + ",\"trace\":[" + check.excerpt.map(JSON.string).joined(separator: ",") + "]") + "}"
            }
            fields.append("\"checks\":[" + checks.joined(separator: ",") + "]")
            return "{" + fields.joined(separator: ",") + "}"
        }
        let passed = reports.filter(\.passed).count
        let skipped = reports.filter { $0.skipped != nil }.count
        var head = ""
        if let run {
            head = "\"tool\":\(JSON.string(run.tool)),\"version\":\(JSON.string(run.version)),\"timestamp\":\(JSON.string(run.timestamp)),"
                + "\"seed\":\(run.seed.map(String.init) ?? "null"),\"command\":[" + run.command.map(JSON.string).joined(separator: ",") + "],"
                + (run.isolation.map { "\"isolation\":\(JSON.string($0))," } ?? "") + "\n"
        }
        return "{" + head + "\"passed\":\(passed),\"failed\":\(reports.count - passed - skipped),\"skipped\":\(skipped),\"runs\":[\n"
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
            xml += "  <testcase classname=\"\(HTMLPage.escape(report.scenario.path))\" name=\"\(HTMLPage.escape(name))\" time=\"\(report.wallTime.seconds)\""
            if let why = report.skipped {
                xml += ">\n    <skipped message=\"\(HTMLPage.escape(why))\"/>\n  </testcase>\n"
            } else if report.passed {
                xml += "/>\n"
            } else {
                xml += ">\n"
                for failure in report.failures {
                    xml += "    <failure message=\"\(HTMLPage.escape(failure.title))\">\(HTMLPage.escape(failure.description))</failure>\n"
                }
                xml += "  </testcase>\n"
            }
        }
        return xml + "</testsuite>\n"
    }


    /// `DIR/NAME-MODE-seedN` (artifact files add `.trace.jsonl`, `.console.txt`, `.report.txt`, `.pcap`).
    public static func artifactBase(folder: String, path: String, mode: ScenarioMode, seed: UInt64) -> String {
        var base = path.split(separator: "/").last.map(String.init) ?? "scenario"
        for suffix in [".yaml", ".yml"] where base.hasSuffix(suffix) { base.removeLast(suffix.count) }
        return "\(folder)/\(base)-\(mode.rawValue)-seed\(seed)"
    }

    /// A pcap of a simulated run: each datagram as it reached a proxy and each copy as it left,
    /// stamped with virtual time (seconds since the epoch = seconds since the start of the run).
    public static func writePcap(_ observation: Observation, to path: String) throws(UDPChatError) {
        let writer = try PcapWriter(path: path)
        var packets: [(Instant, Int, TraceRecord)] = []
        for (index, record) in observation.trace.enumerated() {
            packets.append((record.time, index, record))
            for at in record.deliveries { packets.append((at, index, record)) }
        }
        packets.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        for (time, _, record) in packets {
            guard let message = record.message else { continue }
            try writer.write(timestamp: Double(time.nanoseconds) / 1e9, source: record.source, destination: record.destination,
                             payload: message.bytes)
        }
        _ = try writer.finish()
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
