import Foundation

/// Help examples are meant to be pasted as written. swift-argument-parser wraps help text at the
/// terminal's width (COLUMNS, else the window, else 80), which could cut a command in two, and it
/// has no way to mark lines as preformatted. So examples are written at most `exampleWidth`
/// columns wide (a longer command continues on the next line after a backslash, as a shell reads
/// it), and help is laid out at least `minimumWidth` wide: no example line is ever wrapped. On a
/// narrower terminal the terminal folds long lines for display only, and they copy back whole.
enum HelpLayout {
    static let minimumWidth = 80
    /// Longest example line: the wrapping keeps a line whole when it and its newline fit the width.
    static let exampleWidth = minimumWidth - 2

    /// An "Examples:" block for a command's discussion, each line indented by two spaces (each at
    /// most `exampleWidth` columns with its indent: CLIEdgeTests checks).
    static func examples(_ lines: String...) -> String {
        "Examples:\n" + lines.map { "  " + $0 }.joined(separator: "\n")
    }

    /// Before parsing: when help is asked for on a terminal narrower than `minimumWidth`, lays the
    /// help out at `minimumWidth` (ArgumentParser reads COLUMNS).
    static func prepare(arguments: [String] = CommandLine.arguments) {
        let asksForHelp = arguments.dropFirst().contains { $0 == "--help" || $0 == "-h" } || arguments.dropFirst().first == "help"
        guard asksForHelp, currentWidth() < minimumWidth else { return }
        setenv("COLUMNS", String(minimumWidth), 1)
    }

    private static func currentWidth() -> Int {
        if let text = ProcessInfo.processInfo.environment["COLUMNS"], let columns = Int(text), columns > 0 { return columns }
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0 { return Int(size.ws_col) }
        return minimumWidth
    }
}
