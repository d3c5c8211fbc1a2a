import UDPChatCore
import UDPChatWire

/// The interactive client's console, pure: key bytes and client events in, terminal bytes and
/// user commands out. Incoming lines are printed above the input line, which is then drawn
/// again (prompt, buffer, cursor), so they never break what is being typed. The user's own
/// messages show their state — sent, re-sending (n), delivered ✓ — updated in place.
public struct ChatConsole: Sendable {
    /// What the user asked for at the keyboard.
    public enum Action: Hashable, Sendable {
        case command(UserCommand)
        /// Ctrl-C: the first one leaves like /quit, the next forces the exit (as a second /quit does).
        case interrupt
        /// Ctrl-D on an empty line: the end of input, which means /quit.
        case endOfInput
    }

    public let id: ClientID
    public private(set) var editor = LineEditor()
    public private(set) var screen: Screen
    private var decoder = KeyDecoder()
    private let style: Style
    private var peer: ClientID?
    private var asking: ClientID?
    /// The screen line of each own message of the current connection, by sequence number.
    private var ownLines: [SeqNo: Screen.LineID] = [:]
    private var interrupts = 0
    /// True once the client is done: nothing more is drawn.
    public private(set) var finished = false

    public init(id: ClientID, columns: Int, rows: Int, color: Bool) {
        self.id = id
        self.screen = Screen(columns: columns, rows: rows)
        self.style = Style(enabled: color)
    }

    public var prompt: String {
        if let asking { return "\(id) (client \(asking) asks: /accept or /reject)> " }
        if let peer { return "\(id) to \(peer)> " }
        return "\(id)> "
    }

    /// The first drawing of the input line.
    public mutating func start() -> String { screen.inputLine(prompt: prompt, editor: editor) }

    /// Bytes typed at the terminal.
    public mutating func keys(_ bytes: some Sequence<UInt8>) -> (output: String, actions: [Action]) {
        var output = ""
        var actions: [Action] = []
        for key in decoder.feed(bytes) {
            switch editor.handle(key) {
            case .edited: break
            case .clearScreen: output += screen.clear()
            case .endOfInput: actions.append(.endOfInput)
            case .interrupt:
                interrupts += 1
                if interrupts == 1 { output += screen.print(style.dim("^C leaving the server (Ctrl-C again to force quit)")) }
                actions.append(.interrupt)
            case .submitted(let line):
                switch UserCommand.parse(line: line) {
                case nil: break
                case .failure(let usage)?:
                    output += screen.print(style.dim(prompt + line)) + screen.print(usage.message)
                case .success(let command)?:
                    // A chat line is shown by the client's `.sent` event ("[you] …" with its state);
                    // a command stays on screen as typed.
                    if case .say = command {} else { output += screen.print(style.dim(prompt + line)) }
                    if command == .accept || command == .reject { asking = nil }
                    actions.append(.command(command))
                }
            }
        }
        if !finished { output += screen.inputLine(prompt: prompt, editor: editor) }
        return (output, actions)
    }

    /// A line of the program's own (not a client event), printed above the input line.
    public mutating func print(_ text: String) -> String {
        screen.print(text) + (finished ? "" : screen.inputLine(prompt: prompt, editor: editor))
    }

    /// The terminal's new size.
    public mutating func resize(columns: Int, rows: Int) -> String {
        let clear = screen.resize(columns: columns, rows: rows)
        return finished ? "" : clear + screen.inputLine(prompt: prompt, editor: editor)
    }

    /// The client is done: clear the input line for the shell's prompt.
    public mutating func finish() -> String {
        guard !finished else { return "" }
        finished = true
        return screen.clearInputLine()
    }

    /// One event from the client.
    public mutating func show(_ event: ClientEvent) -> String {
        var output = ""
        switch event {
        case .sent(let seq, let text):
            let printed = screen.print("\(style.bold("[you]")) \(text)", state: style.dim("· sent"))
            ownLines[seq] = printed.id
            output = printed.output
        case .acknowledged(let seq, let text):
            output = update(seq, state: style.green("✓ delivered")) ?? screen.print(style.green("✓") + " delivered: \(text)")
        case .resending(_, let attempt) where event.resentSeq != nil:
            let seq = event.resentSeq!
            output = update(seq, state: style.yellow("↻ re-sending (\(attempt - 1 > 99 ? "99+" : "\(attempt - 1)"))"))
                ?? screen.print(style.dim(event.description))
        case .notDelivered(let seq, _):
            output = update(seq, state: style.red("✗ not delivered")) ?? screen.print(style.red(event.description))
        case .delivered(let from, _, let text):
            output = screen.print("\(style.bold("[\(from)]")) \(text)")
        case .connected(let to):
            peer = to
            asking = nil
            ownLines.removeAll()
            output = screen.print(style.green(event.description))
        case .prompt(let from, _):
            asking = from
            output = screen.print(style.yellow(event.description))
        case .terminated, .rejected, .cancelled, .inactive, .lookupRefused:
            peer = nil
            output = screen.print(event.description)
        case .notAnswering:
            output = screen.print(style.yellow(event.description))
        case .registrationRefused, .forcedQuit, .gaveUp:
            output = screen.print(style.red(event.description))
        case .resending, .duplicateDiscarded, .notice:
            output = screen.print(style.dim(event.description))
        case .registered, .lookingUp, .connecting, .busyRejected, .left:
            output = screen.print(event.description)
        }
        return output + (finished ? "" : screen.inputLine(prompt: prompt, editor: editor))
    }

    private mutating func update(_ seq: SeqNo, state: String) -> String? {
        guard let line = ownLines[seq] else { return nil }
        return screen.update(line, state: state)
    }
}

/// ANSI colours, or plain text when off (NO_COLOR, TERM=dumb).
struct Style: Sendable {
    var enabled: Bool
    func sgr(_ code: String, _ text: String) -> String { enabled ? "\u{1B}[\(code)m\(text)\u{1B}[0m" : text }
    func dim(_ text: String) -> String { sgr("2", text) }
    func bold(_ text: String) -> String { sgr("1", text) }
    func green(_ text: String) -> String { sgr("32", text) }
    func yellow(_ text: String) -> String { sgr("33", text) }
    func red(_ text: String) -> String { sgr("31", text) }
}
