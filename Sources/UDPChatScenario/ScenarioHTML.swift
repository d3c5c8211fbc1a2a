import UDPChatReports
import UDPChatSimulation
import UDPChatSupport

/// `scenario run --html`: the grade report's look (UDPChatReports' page and diagram) for a batch of
/// scenario runs: tallies, a table with the failures first, then per run its checks (failed ones
/// open, with the PROTOCOL.md rules they check), and a sequence diagram drawn from the proxies'
/// trace and the parties' consoles.
public enum ScenarioHTML {
    static let maxRows = 200

    public static func render(_ reports: [ScenarioReport], run: RunInfo? = nil) -> String {
        let order = reports.enumerated().sorted { rank($0.element) > rank($1.element) || (rank($0.element) == rank($1.element) && $0.offset < $1.offset) }
        let failedChecks = reports.reduce(0) { $0 + ($1.skipped == nil ? $1.failures.count : 0) }
        var body = HTMLPage.tallies([
            HTMLPage.Tally("FAIL", reports.filter { !$0.passed && $0.skipped == nil }.count),
            HTMLPage.Tally("SKIP", reports.filter { $0.skipped != nil }.count),
            HTMLPage.Tally("PASS", reports.filter(\.passed).count),
            HTMLPage.Tally("failed checks", failedChecks, css: failedChecks > 0 ? "FAIL" : "PASS"),
        ])
        body = (run.map(HTMLPage.runLine) ?? "") + body
        body += "<p>\(reports.count == 1 ? "1 run" : "\(reports.count) runs")</p>"
        body += "<table><tr><th>run</th><th>mode</th><th>seed</th><th>status</th><th>rules of failed checks</th><th>first failure</th><th>wall ms</th></tr>"
        var cited: [String] = []
        for (index, report) in order {
            let failing = report.failures.flatMap { ScenarioRules.rules(forCheckAt: $0.line, in: report.scenario) }
            cited += report.checks.flatMap { ScenarioRules.rules(forCheckAt: $0.line, in: report.scenario) }
            let first = report.skipped ?? report.failures.first.map { "\($0.title): \($0.observed)" } ?? ""
            body += "<tr><td><a href=\"#run-\(index)\">\(HTMLPage.escape(report.scenario.name))</a></td><td>\(report.mode.rawValue)</td>"
                + "<td>\(report.seed)</td><td class=\"\(report.status)\">\(report.status)</td><td>\(HTMLPage.ruleLinks(unique(failing)))</td>"
                + "<td title=\"\(HTMLPage.escape(first))\">\(HTMLPage.escape(HTMLPage.cut(first, to: 140)))</td><td>\(report.wallTime.nanoseconds / 1_000_000)</td></tr>"
        }
        body += "</table>"
        for (index, report) in order { body += section(report, index: index) }
        body += HTMLPage.ruleList(cited)
        return HTMLPage.document(title: "udpchat scenario report", heading: "udpchat scenario report", body: body)
    }

    static func rank(_ report: ScenarioReport) -> Int { report.skipped != nil ? 1 : (report.passed ? 0 : 2) }

    static func unique(_ ids: [String]) -> [String] {
        var seen = Set<String>()
        return ids.filter { seen.insert($0).inserted }
    }

    static func section(_ report: ScenarioReport, index: Int) -> String {
        var html = "<section id=\"run-\(index)\"><h3>\(HTMLPage.escape(report.scenario.name)) \(HTMLPage.badge(report.status))</h3>"
        html += "<p>\(HTMLPage.escape(report.scenario.description)) — <i>\(HTMLPage.escape(report.scenario.path)), "
            + "\(report.mode.rawValue), seed \(report.seed)</i>"
        if let observation = report.observation {
            html += "; \(JSON.seconds(observation.endTime)) s \(report.mode == .sim ? "simulated" : "elapsed, live"), \(observation.trace.count) datagrams"
        }
        html += "</p>"
        if let skipped = report.skipped { return html + "<div class=\"why\">skipped: \(HTMLPage.escape(skipped))</div></section>" }
        for check in report.failures {
            let rules = ScenarioRules.rules(forCheckAt: check.line, in: report.scenario)
            html += "<div class=\"why bad\">✗ \(HTMLPage.escape(check.title))\(check.line > 0 ? " (line \(check.line))" : "") "
                + HTMLPage.ruleLinks(rules) + "\nexpected: \(HTMLPage.escape(check.expected))\nobserved: \(HTMLPage.escape(check.observed))</div>"
        }
        let passed = report.checks.filter(\.passed)
        if !passed.isEmpty {
            let rows = passed.map { check in
                "<tr><td>✓ \(HTMLPage.escape(check.title))</td><td>\(check.line > 0 ? String(check.line) : "")</td>"
                    + "<td>\(HTMLPage.ruleLinks(ScenarioRules.rules(forCheckAt: check.line, in: report.scenario)))</td></tr>"
            }.joined()
            html += HTMLPage.folded("\(passed.count) passed check\(passed.count == 1 ? "" : "s")",
                                    "<table><tr><th>check</th><th>line</th><th>rules</th></tr>\(rows)</table>", open: report.failures.isEmpty)
        }
        if let observation = report.observation { html += diagram(observation, parties: report.scenario.partyNames) }
        return html + "</section>"
    }

    /// The parties' lanes (server first), a row per datagram reaching a proxy (dropped ones crossed
    /// out, impaired ones highlighted with what the proxy did) and per console line.
    public static func diagram(_ observation: Observation, parties: [String]) -> String {
        var lanes = parties
        for record in observation.trace {
            for name in [record.from, record.to] where !lanes.contains(name) { lanes.append(name) }
        }
        func lane(_ name: String) -> Int { lanes.firstIndex(of: name) ?? 0 }
        var timed: [(Instant, Int, SequenceDiagram.Row)] = []
        for record in observation.trace {
            let label = record.message.map(\.serialized) ?? "(\(record.size) bytes, not chat)"
            let dropped = record.deliveries.isEmpty && record.verdict != .held
            let impaired = record.verdict != .forwarded
            var tag: String? = impaired ? record.verdict.rawValue : nil
            if record.deliveries.count > 1 { tag = "\(record.verdict) ×\(record.deliveries.count)" }
            if let first = record.deliveries.first, first > record.time, !dropped, let shown = tag {
                tag = "\(shown) +\((first - record.time).compactDescription)"
            }
            if dropped, let reason = record.dropReason { tag = "dropped: \(reason)" }
            let style: SequenceDiagram.Style = dropped ? .dropped : (impaired ? .highlighted : .normal)
            timed.append((record.time, timed.count, .message(time: time(record.time), from: lane(record.from), to: lane(record.to),
                                                             label: label, style: style, tag: tag)))
        }
        for display in observation.displays {
            timed.append((display.time, timed.count, .console(time: time(display.time), lane: lane(display.party),
                                                              text: "\(display.party): \(display.line)", typed: false)))
        }
        timed.sort { ($0.0, $0.1) < ($1.0, $1.1) }
        let rows = timed.prefix(maxRows).map(\.2)
        return SequenceDiagram(lanes: lanes, rows: Array(rows), consoleTitle: "consoles", omitted: timed.count - rows.count, gap: 190).svg
    }

    static func time(_ instant: Instant) -> String {
        let text = JSON.seconds(instant)
        return String(text.dropLast(3))
    }
}
