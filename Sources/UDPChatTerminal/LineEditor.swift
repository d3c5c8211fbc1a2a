/// The line being typed: buffer, cursor and history, changed by `Key`s. Pure; `InputLine` draws it.
public struct LineEditor: Sendable {
    public enum Outcome: Hashable, Sendable {
        /// Nothing to tell the caller (the buffer or cursor may have changed: redraw).
        case edited
        /// Enter: the line, now in the history; the buffer is empty again.
        case submitted(String)
        case interrupt
        /// Ctrl-D on an empty line.
        case endOfInput
        case clearScreen
    }

    public private(set) var buffer: [Character] = []
    /// Index in `buffer` before which the cursor stands.
    public private(set) var cursor = 0
    public private(set) var history: [String] = []
    /// Where Up/Down is in `history` (nil: on the line being typed, kept in `draft`).
    private var browsing: Int?
    private var draft: [Character] = []
    public let historyLimit: Int

    public init(historyLimit: Int = 500) {
        self.historyLimit = historyLimit
    }

    public var line: String { String(buffer) }

    public mutating func handle(_ key: Key) -> Outcome {
        switch key {
        case .text(let text):
            let characters = text.filter { !$0.isNewline && $0.asciiValue.map { $0 >= 0x20 } ?? true }
            buffer.insert(contentsOf: characters, at: cursor)
            cursor += characters.count
        case .enter:
            let line = String(buffer)
            if !line.isEmpty, history.last != line {
                history.append(line)
                if history.count > historyLimit { history.removeFirst(history.count - historyLimit) }
            }
            buffer = []
            cursor = 0
            browsing = nil
            return .submitted(line)
        case .backspace:
            if cursor > 0 { cursor -= 1; buffer.remove(at: cursor) }
        case .delete:
            if cursor < buffer.count { buffer.remove(at: cursor) }
        case .endOfFile:
            if buffer.isEmpty { return .endOfInput }
            if cursor < buffer.count { buffer.remove(at: cursor) }
        case .left: cursor = max(0, cursor - 1)
        case .right: cursor = min(buffer.count, cursor + 1)
        case .home: cursor = 0
        case .end: cursor = buffer.count
        case .wordLeft: cursor = wordStart(before: cursor)
        case .wordRight:
            while cursor < buffer.count, buffer[cursor] == " " { cursor += 1 }
            while cursor < buffer.count, buffer[cursor] != " " { cursor += 1 }
        case .killToStart:
            buffer.removeFirst(cursor)
            cursor = 0
        case .killToEnd:
            buffer.removeLast(buffer.count - cursor)
        case .deleteWordBack:
            let start = wordStart(before: cursor)
            buffer.removeSubrange(start..<cursor)
            cursor = start
        case .up:
            guard !history.isEmpty else { break }
            let index = browsing.map { max(0, $0 - 1) } ?? history.count - 1
            if browsing == nil { draft = buffer }
            browsing = index
            buffer = Array(history[index])
            cursor = buffer.count
        case .down:
            guard let index = browsing else { break }
            if index + 1 < history.count {
                browsing = index + 1
                buffer = Array(history[index + 1])
            } else {
                browsing = nil
                buffer = draft
            }
            cursor = buffer.count
        case .interrupt: return .interrupt
        case .clearScreen: return .clearScreen
        case .tab: break
        }
        return .edited
    }

    private func wordStart(before position: Int) -> Int {
        var index = position
        while index > 0, buffer[index - 1] == " " { index -= 1 }
        while index > 0, buffer[index - 1] != " " { index -= 1 }
        return index
    }
}
