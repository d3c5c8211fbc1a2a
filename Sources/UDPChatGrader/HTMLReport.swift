import Foundation

/// The self-contained HTML report: a summary table, then one section per case with its verdict,
/// the reason (the failing expectation highlighted) and an SVG message sequence diagram.
public enum HTMLReport {
    static let maxEvents = 160

    public static func render(_ reports: [GradeReport]) -> String {
        var html = """
            <!DOCTYPE html><html lang="en"><head><meta charset="utf-8"><title>udpchat grade report</title><style>
            body{font:14px system-ui,sans-serif;margin:24px;color:#222}
            table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left}
            .PASS{background:#d7f5d7}.LENIENT{background:#fff3c4}.FAIL,.FLAKY{background:#ffd6d6}.ERROR{background:#f5c0f0}
            .UNSUPPORTED{background:#e8e8e8}.badge{padding:2px 8px;border-radius:4px;font-weight:bold}
            section{border-top:2px solid #ddd;margin-top:18px;padding-top:6px}
            .why{font-family:monospace;white-space:pre-wrap;padding:6px;border-left:4px solid #999;background:#f7f7f7}
            .why.bad{border-color:#d00;background:#fff0f0}
            svg text{font:11px monospace}
            </style></head><body><h1>udpchat conformance report</h1>
            """
        for report in reports {
            html += "<h2>\(escapeXML(report.implementation)) — \(report.role.rawValue) role</h2>"
            html += "<p>\(escapeXML(report.rtoNote)); \(report.cases.count) cases in \(String(format: "%.1f", report.duration.seconds)) s; manifest <code>\(escapeXML(report.manifest))</code></p>"
            html += "<table><tr><th>case</th><th>level</th><th>section</th><th>verdict</th><th>detail</th></tr>"
            for result in report.cases {
                html += "<tr><td><a href=\"#\(anchor(report, result))\">\(result.id)</a></td><td>\(result.level.rawValue)</td>"
                    + "<td>\(escapeXML(result.section))</td><td class=\"\(result.verdict.rawValue)\">\(result.verdict.rawValue)</td>"
                    + "<td>\(escapeXML(String(result.detail.prefix(160))))</td></tr>"
            }
            html += "</table>"
            for result in report.cases {
                html += "<section id=\"\(anchor(report, result))\"><h3>\(result.id) <span class=\"badge \(result.verdict.rawValue)\">"
                    + "\(result.verdict.rawValue)</span></h3><p>\(escapeXML(result.title)) — <i>\(escapeXML(result.section)), \(result.level.rawValue)</i>"
                    + (result.runs > 1 ? "; \(result.passed)/\(result.runs) runs conforming" : "") + "</p>"
                let bad = !result.verdict.isConforming && result.verdict != .unsupported
                html += "<div class=\"why\(bad ? " bad" : "")\">\(bad ? "✗ " : "")\(escapeXML(result.detail))</div>"
                html += diagram(result.events)
                html += "</section>"
            }
        }
        return html + "</body></html>\n"
    }

    static func anchor(_ report: GradeReport, _ result: CaseResult) -> String {
        String("\(report.implementation)-\(result.id)".map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
    }

    /// A message sequence diagram: the implementation's lane on the left, one lane per grader node.
    static func diagram(_ allEvents: [TraceEvent]) -> String {
        let shown = allEvents.filter { $0.isDatagram || $0.kind == .stdout || $0.kind == .stdin || $0.tag == "verdict" || $0.tag == "lenient" }
        let events = Array(shown.prefix(maxEvents))
        guard !events.isEmpty else { return "<p><i>no traffic recorded</i></p>" }
        var lanes: [String] = []
        for event in events where event.isDatagram && !lanes.contains(event.node) {
            if lanes.count < 6 { lanes.append(event.node) }
        }
        func lane(_ node: String) -> Int { lanes.firstIndex(of: node) ?? (lanes.count - 1) }
        let iutX = 110.0, gap = 250.0, row = 20.0, top = 40.0
        let consoleX = iutX + gap * Double(max(lanes.count, 1)) + 40
        let width = consoleX + 330
        let height = top + row * Double(events.count) + 30
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\"><defs>"
            + "<marker id=\"a\" markerWidth=\"8\" markerHeight=\"8\" refX=\"8\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#333\"/></marker>"
            + "<marker id=\"r\" markerWidth=\"8\" markerHeight=\"8\" refX=\"8\" refY=\"4\" orient=\"auto\"><path d=\"M0,0 L8,4 L0,8 z\" fill=\"#c60\"/></marker>"
            + "</defs><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        svg += "<text x=\"\(iutX - 40)\" y=\"20\" font-weight=\"bold\">implementation</text>"
        svg += "<text x=\"\(consoleX)\" y=\"20\" font-weight=\"bold\">console (stdin/stdout)</text>"
        svg += "<line x1=\"\(iutX)\" y1=\"28\" x2=\"\(iutX)\" y2=\"\(height - 10)\" stroke=\"#444\" stroke-width=\"2\"/>"
        for (index, name) in lanes.enumerated() {
            let x = iutX + gap * Double(index + 1)
            let label = index == 5 && lanes.count == 6 ? "\(name) (+others)" : name
            svg += "<text x=\"\(x - 30)\" y=\"20\" font-weight=\"bold\">\(escapeXML(label))</text>"
            svg += "<line x1=\"\(x)\" y1=\"28\" x2=\"\(x)\" y2=\"\(height - 10)\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
        }
        for (index, event) in events.enumerated() {
            let y = top + row * Double(index)
            svg += "<text x=\"4\" y=\"\(y + 4)\" fill=\"#888\">\(String(format: "%.3f", event.time.seconds))</text>"
            let text = escapeXML(String(event.text.prefix(48)))
            switch event.kind {
            case .sent, .received, .dropped:
                let x = iutX + gap * Double(lane(event.node) + 1)
                let fromX = event.kind == .sent ? x : iutX, toX = event.kind == .sent ? iutX : x
                let special = event.tag != nil && event.tag != "probe"
                let color = event.kind == .dropped ? "#d00" : (special ? "#c60" : "#333")
                if event.kind == .dropped {
                    let mid = (fromX + toX) / 2
                    svg += "<line x1=\"\(fromX)\" y1=\"\(y)\" x2=\"\(mid)\" y2=\"\(y)\" stroke=\"\(color)\" stroke-dasharray=\"5 3\"/>"
                    svg += "<text x=\"\(mid - 5)\" y=\"\(y + 5)\" fill=\"#d00\" font-size=\"16\" font-weight=\"bold\">✕</text>"
                    svg += "<text x=\"\(mid + 14)\" y=\"\(y - 3)\" fill=\"#d00\">\(text) [dropped]</text>"
                } else {
                    svg += "<line x1=\"\(fromX)\" y1=\"\(y)\" x2=\"\(toX)\" y2=\"\(y)\" stroke=\"\(color)\" marker-end=\"url(#\(special ? "r" : "a"))\"/>"
                    let tag = special ? " [\(escapeXML(event.tag ?? ""))]" : ""
                    svg += "<text x=\"\(min(fromX, toX) + 8)\" y=\"\(y - 3)\" fill=\"\(color)\">\(text)\(tag)</text>"
                }
            case .stdout, .stdin:
                let color = event.kind == .stdin ? "#06c" : "#555"
                let prefix = event.kind == .stdin ? "⌨ typed: " : "▸ "
                svg += "<line x1=\"\(iutX - 4)\" y1=\"\(y)\" x2=\"\(iutX + 4)\" y2=\"\(y)\" stroke=\"\(color)\"/>"
                svg += "<text x=\"\(consoleX)\" y=\"\(y + 4)\" fill=\"\(color)\">\(prefix)\(text)</text>"
            case .note, .stderr:
                let bad = event.tag == "verdict"
                svg += "<rect x=\"\(iutX + 4)\" y=\"\(y - 12)\" width=\"\(width - iutX - 10)\" height=\"16\" fill=\"\(bad ? "#ffe0e0" : "#fff8d0")\" "
                    + "stroke=\"\(bad ? "#d00" : "#cb0")\"/><text x=\"\(iutX + 10)\" y=\"\(y)\" fill=\"\(bad ? "#b00" : "#860")\">"
                    + "\(escapeXML(String(event.text.prefix(140))))</text>"
            }
        }
        if shown.count > events.count {
            svg += "<text x=\"4\" y=\"\(height - 8)\" fill=\"#888\">… \(shown.count - events.count) more events in the artifacts trace</text>"
        }
        return svg + "</svg>"
    }
}
