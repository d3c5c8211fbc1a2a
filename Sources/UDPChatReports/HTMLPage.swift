/// The pieces both HTML reports (grade and scenario run) are built from: one style sheet, the
/// tallies at the top, verdict badges, rule links and the folded parts. Self-contained pages:
/// no scripts, no external files.
public enum HTMLPage {
    static let style = """
        body{font:14px system-ui,sans-serif;margin:24px;color:#222}
        table{border-collapse:collapse}td,th{border:1px solid #ccc;padding:3px 8px;text-align:left;vertical-align:top}
        .PASS{background:#d7f5d7}.LENIENT{background:#fff3c4}.FAIL,.FLAKY{background:#ffd6d6}.ERROR{background:#f5c0f0}
        .UNSUPPORTED,.SKIP{background:#e8e8e8}.badge{padding:2px 8px;border-radius:4px;font-weight:bold}
        .tallies{display:flex;gap:10px;margin:10px 0 16px}.tally{padding:8px 14px;border-radius:6px;min-width:70px;text-align:center}
        .tally b{display:block;font-size:24px}.tally.none{opacity:.45}
        section{border-top:2px solid #ddd;margin-top:18px;padding-top:6px}
        .why{font-family:monospace;white-space:pre-wrap;padding:6px;border-left:4px solid #999;background:#f7f7f7}
        .why.bad{border-color:#d00;background:#fff0f0}
        a.rule{font:12px monospace;background:#eef;border:1px solid #99c;border-radius:3px;padding:0 4px;margin-right:3px;text-decoration:none;white-space:nowrap;display:inline-block}
        .run{color:#555;font-size:12px}details{margin:6px 0}summary{cursor:pointer;color:#555}
        svg text{font:11px monospace}
        """

    /// A whole page.
    public static func document(title: String, heading: String, body: String) -> String {
        "<!DOCTYPE html><html lang=\"en\"><head><meta charset=\"utf-8\"><title>\(escape(title))</title><style>\(style)</style></head>"
            + "<body><h1>\(escape(heading))</h1>\(body)</body></html>\n"
    }

    /// One count at the top of a report; `css` is the verdict class that colours it.
    public struct Tally: Sendable {
        public var label: String
        public var count: Int
        public var css: String
        public init(_ label: String, _ count: Int, css: String? = nil) {
            self.label = label
            self.count = count
            self.css = css ?? label
        }
    }

    /// The tallies row: big numbers, zero counts greyed.
    public static func tallies(_ tallies: [Tally]) -> String {
        "<div class=\"tallies\">" + tallies.map { tally in
            "<div class=\"tally \(tally.css)\(tally.count == 0 ? " none" : "")\"><b>\(tally.count)</b>\(escape(tally.label))</div>"
        }.joined() + "</div>"
    }

    public static func badge(_ text: String, css: String? = nil) -> String {
        "<span class=\"badge \(css ?? text)\">\(escape(text))</span>"
    }

    /// Links to the rules (`SRV-3`), each to its entry in the page's rule list, with the rule as tooltip.
    public static func ruleLinks(_ ids: [String]) -> String {
        ids.map { id in
            let tip = ProtocolRules.rule(id).map { "\($0.level): \($0.text)" } ?? id
            return "<a class=\"rule\" href=\"#rule-\(id)\" title=\"\(escape(tip))\">\(escape(id))</a>"
        }.joined()
    }

    /// The rules cited on the page, folded: id (anchor), level, text, and where PROTOCOL.md has it.
    public static func ruleList(_ ids: some Sequence<String>) -> String {
        let cited = Set(ids)
        let rules = ProtocolRules.all.filter { cited.contains($0.id) }
        guard !rules.isEmpty else { return "" }
        var table = "<table><tr><th>rule</th><th>level</th><th>text</th><th>docs/PROTOCOL.md</th></tr>"
        for rule in rules {
            let where_ = (["\(rule.id)"] + ProtocolRules.anchors(rule)).map { "<code>#\(escape($0))</code>" }.joined(separator: " ")
            table += "<tr id=\"rule-\(rule.id)\"><td><b>\(rule.id)</b></td><td>\(escape(rule.level))</td><td>\(escape(rule.text))</td><td>\(where_)</td></tr>"
        }
        return folded("The \(rules.count) rules of docs/PROTOCOL.md §10 cited in this report", table + "</table>", open: false)
    }

    /// `udpchat 0.1.0, 2026-11-30T11:14:47Z, seed 1: udpchat grade …` under the heading.
    public static func runLine(_ run: RunInfo) -> String {
        "<p class=\"run\">\(escape(run.tool)) \(escape(run.version)), \(escape(run.timestamp))"
            + (run.seed.map { ", seed \($0)" } ?? "") + ": <code>\(escape(run.command.joined(separator: " ")))</code>"
            + (run.isolation.map { "; isolation: \(escape($0))" } ?? "") + "</p>"
    }

    /// `text` cut at a word to at most `limit` characters, with "…" where it was cut.
    public static func cut(_ text: String, to limit: Int) -> String {
        guard text.count > limit else { return text }
        let head = text.prefix(max(1, limit - 1))
        let atWord = head.lastIndex(of: " ").map { head[..<$0] } ?? head
        return String(atWord.count >= limit / 2 ? atWord : head) + "…"
    }

    /// A folded block (`<details>`).
    public static func folded(_ summary: String, _ content: String, open: Bool = false) -> String {
        "<details\(open ? " open" : "")><summary>\(escape(summary))</summary>\(content)</details>"
    }

    /// Escapes text for HTML and XML.
    public static func escape(_ text: String) -> String {
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

    /// A fragment id from free text (letters, digits and `-`).
    public static func anchor(_ text: String) -> String {
        String(text.map { $0.isLetter || $0.isNumber || $0 == "-" ? $0 : "-" })
    }
}
