import Foundation
import UDPChatReports

/// The self-contained HTML report: verdict tallies, a table with the failures first, then one
/// section per case with its verdict, the rules of PROTOCOL.md it checks, the reason (the failing
/// expectation highlighted) and an SVG message sequence diagram; the readiness probe is folded away.
/// The page and the diagram are UDPChatReports' (shared with `scenario run --html`).
public enum HTMLReport {
    static let maxEvents = 160

    public static func render(_ reports: [GradeReport], run: RunInfo? = nil) -> String {
        var body = run.map(HTMLPage.runLine) ?? ""
        if reports.count > 1 {
            body += "<p>\(reports.count) implementations, \(reports.map(\.cases.count).reduce(0, +)) cases.</p>"
            body += tallies(reports.flatMap(\.cases))
        }
        var cited: [String] = []
        for report in reports {
            let cases = failuresFirst(report.cases)
            body += "<h2>\(HTMLPage.escape(report.implementation)) — \(report.role.rawValue) role</h2>"
            body += tallies(report.cases)
            body += "<p>\(HTMLPage.escape(report.rtoNote)); \(report.cases.count) case\(report.cases.count == 1 ? "" : "s") in "
                + "\(String(format: "%.1f", report.duration.seconds)) s; manifest <code>\(HTMLPage.escape(report.manifest))</code></p>"
            body += "<table><tr><th>case</th><th>level</th><th>rules</th><th>verdict</th><th>detail</th></tr>"
            for result in cases {
                let rules = ProtocolRules.rules(forCase: result.id)
                cited += rules
                body += "<tr><td><a href=\"#\(anchor(report, result))\">\(result.id)</a></td><td>\(result.level.rawValue)</td>"
                    + "<td>\(HTMLPage.ruleLinks(rules))</td><td class=\"\(result.verdict.rawValue)\">\(result.verdict.rawValue)</td>"
                    + "<td>\(HTMLPage.escape(String(result.detail.prefix(160))))</td></tr>"
            }
            body += "</table>"
            for result in cases {
                body += "<section id=\"\(anchor(report, result))\"><h3>\(result.id) \(HTMLPage.badge(result.verdict.rawValue)) "
                    + HTMLPage.ruleLinks(ProtocolRules.rules(forCase: result.id)) + "</h3>"
                    + "<p>\(HTMLPage.escape(result.title)) — <i>\(HTMLPage.escape(result.section)), \(result.level.rawValue)</i>"
                    + (result.runs > 1 ? "; \(result.passed)/\(result.runs) runs conforming" : "") + "</p>"
                let bad = !result.verdict.isConforming && result.verdict != .unsupported
                body += "<div class=\"why\(bad ? " bad" : "")\">\(bad ? "✗ " : "")\(HTMLPage.escape(result.detail))</div>"
                let probe = result.events.filter { $0.node == "probe" }
                if !probe.isEmpty {
                    body += HTMLPage.folded("readiness probe: \(probe.filter(\.isDatagram).count) datagrams before the case began",
                                            diagram(probe))
                }
                body += diagram(result.events.filter { $0.node != "probe" })
                body += "</section>"
            }
        }
        body += HTMLPage.ruleList(cited)
        return HTMLPage.document(title: "udpchat grade report", heading: "udpchat conformance report", body: body)
    }

    /// The worst verdicts first (ERROR, FAIL, FLAKY, then UNSUPPORTED, LENIENT and PASS), each in catalogue order.
    static func failuresFirst(_ cases: [CaseResult]) -> [CaseResult] {
        cases.enumerated().sorted { ($1.element.verdict, $0.offset) < ($0.element.verdict, $1.offset) }.map(\.element)
    }

    static func tallies(_ cases: [CaseResult]) -> String {
        HTMLPage.tallies(Verdict.allCases.sorted(by: >).map { verdict in
            HTMLPage.Tally(verdict.rawValue, cases.filter { $0.verdict == verdict }.count)
        })
    }

    static func anchor(_ report: GradeReport, _ result: CaseResult) -> String {
        HTMLPage.anchor("\(report.implementation)-\(result.id)")
    }

    /// The implementation's lane on the left, one lane per grader node, the console on the right.
    static func diagram(_ allEvents: [TraceEvent]) -> String {
        let shown = allEvents.filter { $0.isDatagram || $0.kind == .stdout || $0.kind == .stdin || $0.tag == "verdict" || $0.tag == "lenient" }
        let events = Array(shown.prefix(maxEvents))
        var nodes: [String] = []
        for event in events where event.isDatagram && !nodes.contains(event.node) {
            if nodes.count < 6 { nodes.append(event.node) }
        }
        var lanes = ["implementation"] + nodes
        if nodes.count == 6 { lanes[6] += " (+others)" }
        func lane(_ node: String) -> Int { (nodes.firstIndex(of: node) ?? (nodes.count - 1)) + 1 }
        let rows: [SequenceDiagram.Row] = events.map { event in
            let time = String(format: "%.3f", event.time.seconds)
            switch event.kind {
            case .sent, .received, .dropped:
                let node = lane(event.node)
                let special = event.tag != nil && event.tag != "probe"
                let style: SequenceDiagram.Style = event.kind == .dropped ? .dropped : (special ? .highlighted : .normal)
                let outgoing = event.kind == .sent || event.towardImplementation
                return .message(time: time, from: outgoing ? node : 0, to: outgoing ? 0 : node,
                                label: event.text, style: style, tag: event.kind == .dropped ? "dropped" : (special ? event.tag : nil))
            case .stdout, .stdin:
                return .console(time: time, lane: 0, text: event.text, typed: event.kind == .stdin)
            case .note, .stderr:
                return .note(time: time, text: event.text, bad: event.tag == "verdict")
            }
        }
        return SequenceDiagram(lanes: lanes, rows: rows, consoleTitle: "console (stdin/stdout)", omitted: shown.count - events.count).svg
    }
}
