/// A message sequence diagram drawn as SVG: one vertical lane per party (the first, the subject,
/// drawn solid), one row per event from top to bottom, and an optional console column on the right.
/// The grader draws its trace events with it, the scenario report its proxies' trace and displays.
public struct SequenceDiagram: Sendable {
    public enum Style: Sendable { case normal, highlighted, dropped }

    public enum Row: Sendable {
        /// A datagram from lane to lane; `tag` is shown after the label (`[duplicated]`).
        case message(time: String, from: Int, to: Int, label: String, style: Style, tag: String?)
        /// A console line of a lane's party (typed input or output).
        case console(time: String, lane: Int, text: String, typed: Bool)
        /// A note across the diagram (`bad` ones red, for failed expectations).
        case note(time: String, text: String, bad: Bool)
    }

    public var lanes: [String]
    public var rows: [Row]
    /// Title of the console column, nil for none (console rows then go at the right edge anyway).
    public var consoleTitle: String?
    /// Events not drawn (the diagram is capped); mentioned under it.
    public var omitted: Int
    /// Horizontal distance between lanes.
    public var gap: Double

    public init(lanes: [String], rows: [Row], consoleTitle: String? = nil, omitted: Int = 0, gap: Double = 250) {
        self.lanes = lanes
        self.rows = rows
        self.consoleTitle = consoleTitle
        self.omitted = omitted
        self.gap = gap
    }

    public var svg: String {
        guard !rows.isEmpty else { return "<p><i>no traffic recorded</i></p>" }
        let firstX = 110.0, row = 20.0, top = 40.0
        func x(_ lane: Int) -> Double { firstX + gap * Double(min(max(lane, 0), max(lanes.count - 1, 0))) }
        let consoleX = x(lanes.count - 1) + 40
        // Wide enough for the longest console line (11 px monospace ≈ 6.7 px a character).
        let longest = rows.map { row -> Int in
            if case .console(_, _, let text, _) = row { return min(text.count, 64) + 10 }
            return 0
        }.max() ?? 0
        let width = consoleX + max(330, Double(longest) * 6.8)
        let height = top + row * Double(rows.count) + 30
        let esc = HTMLPage.escape
        var svg = "<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(Int(width))\" height=\"\(Int(height))\" "
            + "viewBox=\"0 0 \(Int(width)) \(Int(height))\"><rect width=\"100%\" height=\"100%\" fill=\"#fff\"/>"
        if let consoleTitle { svg += "<text x=\"\(consoleX)\" y=\"20\" font-weight=\"bold\">\(esc(consoleTitle))</text>" }
        for (index, name) in lanes.enumerated() {
            let laneX = x(index)
            svg += "<text x=\"\(laneX - 40)\" y=\"20\" font-weight=\"bold\">\(esc(name))</text>"
            svg += index == 0
                ? "<line x1=\"\(laneX)\" y1=\"28\" x2=\"\(laneX)\" y2=\"\(height - 10)\" stroke=\"#444\" stroke-width=\"2\"/>"
                : "<line x1=\"\(laneX)\" y1=\"28\" x2=\"\(laneX)\" y2=\"\(height - 10)\" stroke=\"#999\" stroke-dasharray=\"4 3\"/>"
        }
        for (index, item) in rows.enumerated() {
            let y = top + row * Double(index)
            switch item {
            case .message(let time, let from, let to, let label, let style, let tag):
                svg += timeLabel(time, y)
                let fromX = x(from), toX = x(to)
                let text = esc(String(label.prefix(48)))
                let color = style == .dropped ? "#d00" : (style == .highlighted ? "#c60" : "#333")
                if style == .dropped {
                    let mid = (fromX + toX) / 2
                    svg += "<line x1=\"\(fromX)\" y1=\"\(y)\" x2=\"\(mid)\" y2=\"\(y)\" stroke=\"\(color)\" stroke-dasharray=\"5 3\"/>"
                    svg += "<text x=\"\(mid - 5)\" y=\"\(y + 5)\" fill=\"#d00\" font-size=\"16\" font-weight=\"bold\">✕</text>"
                    svg += "<text x=\"\(min(fromX, toX) + 8)\" y=\"\(y - 3)\" fill=\"#d00\">\(text) [\(esc(tag ?? "dropped"))]</text>"
                } else {
                    svg += "<line x1=\"\(fromX)\" y1=\"\(y)\" x2=\"\(toX)\" y2=\"\(y)\" stroke=\"\(color)\"/>" + arrowhead(at: toX, y, from: fromX, color)
                    let suffix = tag.map { " [\(esc($0))]" } ?? ""
                    svg += "<text x=\"\(min(fromX, toX) + 8)\" y=\"\(y - 3)\" fill=\"\(color)\">\(text)\(suffix)</text>"
                }
            case .console(let time, let lane, let text, let typed):
                svg += timeLabel(time, y)
                let color = typed ? "#06c" : "#555"
                let prefix = typed ? "⌨ typed: " : "▸ "
                svg += "<line x1=\"\(x(lane) - 4)\" y1=\"\(y)\" x2=\"\(x(lane) + 4)\" y2=\"\(y)\" stroke=\"\(color)\" stroke-width=\"2\"/>"
                svg += "<text x=\"\(consoleX)\" y=\"\(y + 4)\" fill=\"\(color)\">\(prefix)\(esc(String(text.prefix(64))))</text>"
            case .note(let time, let text, let bad):
                svg += timeLabel(time, y)
                // Cut to the box's width (≈ 6.7 px a character), at a word; the whole note is its tooltip.
                let fits = max(20, Int((width - firstX - 24) / 6.7))
                svg += "<g><title>\(esc(text))</title><rect x=\"\(firstX + 4)\" y=\"\(y - 12)\" width=\"\(width - firstX - 10)\" height=\"16\" "
                    + "fill=\"\(bad ? "#ffe0e0" : "#fff8d0")\" stroke=\"\(bad ? "#d00" : "#cb0")\"/><text x=\"\(firstX + 10)\" y=\"\(y)\" "
                    + "fill=\"\(bad ? "#b00" : "#860")\">\(esc(HTMLPage.cut(text, to: fits)))</text></g>"
            }
        }
        if omitted > 0 {
            svg += "<text x=\"4\" y=\"\(height - 8)\" fill=\"#888\">… \(omitted) more events in the artifacts trace</text>"
        }
        return svg + "</svg>"
    }

    /// The arrowhead as a path of its own, not an SVG `<marker>`: markers are found by id across the
    /// whole page, and a browser draws none where the first definition sits in a folded section.
    func arrowhead(at tipX: Double, _ y: Double, from fromX: Double, _ color: String) -> String {
        let back = tipX >= fromX ? tipX - 8 : tipX + 8
        return "<path d=\"M\(tipX),\(y) L\(back),\(y - 4) L\(back),\(y + 4) z\" fill=\"\(color)\"/>"
    }

    func timeLabel(_ time: String, _ y: Double) -> String {
        "<text x=\"4\" y=\"\(y + 4)\" fill=\"#888\">\(HTMLPage.escape(time))</text>"
    }
}
