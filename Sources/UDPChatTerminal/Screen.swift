/// The terminal as the interactive client uses it: lines scroll up above one input line at the
/// bottom. Pure: every method returns the bytes to write (ANSI/VT100 sequences).
///
/// Lines can be printed with a state cell at their end (a chat message's "sent", "re-sending",
/// "delivered"); while such a line is still on screen its state is rewritten in place. The state
/// cell has a fixed width, so the rewrite never changes how the line wraps.
public struct Screen: Sendable {
    public struct LineID: Hashable, Sendable { let value: Int }

    struct Tracked: Sendable {
        /// Rows printed below the line since.
        var rowsBelow = 0
        var rows: Int
        /// Where the state cell starts, relative to the line's first row.
        var stateRow: Int
        var stateColumn: Int
    }

    /// Columns of the state cell.
    public static let stateWidth = 18
    public private(set) var columns: Int
    public private(set) var rows: Int
    private var tracked: [LineID: Tracked] = [:]
    private var nextID = 0
    /// The cursor's column on the input line as last drawn.
    private var inputColumn = 0

    public init(columns: Int, rows: Int) {
        self.columns = max(columns, 10)
        self.rows = max(rows, 2)
    }

    /// Prints `text` (each of its lines) above the input line. Clears the input line first; the
    /// caller draws it again after.
    public mutating func print(_ text: String) -> String {
        var out = "\r\u{1B}[K"
        for line in text.split(separator: "\n", omittingEmptySubsequences: false) {
            age(by: height(of: DisplayWidth.of(line)))
            out += line + "\r\n"
        }
        return out
    }

    /// Prints `body` followed by a state cell that `update(_:state:)` can rewrite later.
    public mutating func print(_ body: String, state: String) -> (output: String, id: LineID) {
        let bodyWidth = DisplayWidth.of(body) + 2
        let output = print(body + "  " + Self.pad(state))
        let id = LineID(value: nextID)
        nextID += 1
        tracked[id] = Tracked(rows: height(of: bodyWidth + Self.stateWidth), stateRow: bodyWidth / columns, stateColumn: bodyWidth % columns)
        return (output, id)
    }

    /// Rewrites the state cell of a line printed with `print(_:state:)`; nil when the line has
    /// scrolled out of sight (or the screen was cleared or resized since).
    public mutating func update(_ id: LineID, state: String) -> String? {
        guard let line = tracked[id] else { return nil }
        let up = line.rowsBelow + line.rows - line.stateRow
        guard up < rows else { tracked[id] = nil; return nil }
        let right = line.stateColumn > 0 ? "\u{1B}[\(line.stateColumn)C" : ""
        return "\u{1B}7\u{1B}[\(up)A\r" + right + Self.pad(state) + "\u{1B}8"
    }

    /// A new size: lines already printed may have been re-wrapped, so none is rewritten any more.
    /// Returns what clears the old input line: a terminal that re-wraps its lines on a resize (tmux,
    /// VTE, iTerm2, kitty) has spread it over several rows, the cursor on the last of them.
    public mutating func resize(columns: Int, rows: Int) -> String {
        let newColumns = max(columns, 10)
        let up = inputColumn / newColumns
        self.columns = newColumns
        self.rows = max(rows, 2)
        tracked.removeAll()
        return (up > 0 ? "\u{1B}[\(up)A" : "") + "\r\u{1B}[J"
    }

    /// Clears the screen (Ctrl-L).
    public mutating func clear() -> String {
        tracked.removeAll()
        return "\u{1B}[H\u{1B}[2J"
    }

    /// The input line: `prompt` then the editor's buffer, scrolled sideways so that the cursor is
    /// always visible on this one row, and the cursor placed. A prompt that would leave fewer than
    /// 24 columns (or half a narrow row) for typing is shown by its end. (The prompt is plain text,
    /// no escape sequences.)
    public mutating func inputLine(prompt fullPrompt: String, editor: LineEditor) -> String {
        var prompt = Substring(fullPrompt)
        var promptWidth = DisplayWidth.of(prompt)
        let widest = max(columns / 2, columns - 24)
        while promptWidth > widest, let first = prompt.first {
            prompt.removeFirst()
            promptWidth -= DisplayWidth.of(first)
        }
        let room = max(1, columns - promptWidth - 1)
        let widths = editor.buffer.map(DisplayWidth.of)
        var start = 0
        var before = widths[0..<editor.cursor].reduce(0, +)
        while before >= room, start < editor.cursor {
            before -= widths[start]
            start += 1
        }
        var end = start
        var used = 0
        while end < widths.count, used + widths[end] <= room {
            used += widths[end]
            end += 1
        }
        let column = promptWidth + before
        inputColumn = column
        return "\r" + String(prompt) + String(editor.buffer[start..<end]) + "\u{1B}[K\r" + (column > 0 ? "\u{1B}[\(column)C" : "")
    }

    /// Clears the input line (before the program exits).
    public func clearInputLine() -> String { "\r\u{1B}[K" }

    static func pad(_ state: String) -> String {
        state + String(repeating: " ", count: max(0, stateWidth - DisplayWidth.of(state)))
    }

    private func height(of width: Int) -> Int { max(1, (width + columns - 1) / columns) }

    private mutating func age(by rowCount: Int) {
        guard !tracked.isEmpty else { return }
        for (id, var line) in tracked {
            line.rowsBelow += rowCount
            tracked[id] = line.rowsBelow + line.rows > rows ? nil : line
        }
    }
}
