import Dispatch
import Foundation
import NIOConcurrencyHelpers
import UDPChatCore
import UDPChatWire

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

/// The interactive client on a real terminal: raw mode on standard input, a thread reading keys,
/// and every drawing serialised through one `ChatConsole` under a lock (keys arrive on the reader
/// thread, events on the client's event loop). The terminal is restored at exit, however the
/// process ends (`atexit`).
public final class TerminalSession: Sendable {
    private let console: NIOLockedValueBox<ChatConsole>
    private let onAction: @Sendable (ChatConsole.Action) -> Void

    /// True when both standard input and standard output are terminals (and TERM is not `dumb`).
    public static var isInteractive: Bool {
        isatty(0) == 1 && isatty(1) == 1 && getenv("TERM").map { String(cString: $0) } != "dumb"
    }

    /// Takes over the terminal (raw mode). `onAction` runs on the reader thread for each command,
    /// Ctrl-C and Ctrl-D.
    public init(id: ClientID, onAction: @escaping @Sendable (ChatConsole.Action) -> Void) {
        let size = Self.windowSize()
        let color = getenv("NO_COLOR") == nil
        self.console = NIOLockedValueBox(ChatConsole(id: id, columns: size.columns, rows: size.rows, color: color))
        self.onAction = onAction
    }

    /// Enters raw mode, draws the prompt and starts reading keys.
    public func start() {
        RawMode.enter()
        draw { $0.start() }
        let thread = Thread { [self] in readKeys() }
        thread.name = "udpchat-terminal"
        thread.start()
        signal(SIGWINCH, SIG_IGN)
        let resize = DispatchSource.makeSignalSource(signal: SIGWINCH, queue: .global())
        resize.setEventHandler { [self] in
            let size = Self.windowSize()
            draw { $0.resize(columns: size.columns, rows: size.rows) }
        }
        resize.resume()
        Self.resizeSource = resize
    }

    /// Shows one client event above the input line.
    public func show(_ event: ClientEvent) { draw { $0.show(event) } }

    /// Shows a line of the program's own above the input line.
    public func print(_ line: String) { draw { $0.print(line) } }

    /// A Ctrl-C that came as a signal (e.g. `kill -INT`): handled like the key.
    public func interrupt() {
        let actions = console.withLockedValue { console -> [ChatConsole.Action] in
            let (output, actions) = console.keys([0x03])
            Self.write(output)
            return actions
        }
        actions.forEach(onAction)
    }

    /// The client is done: clears the input line and restores the terminal.
    public func finish() {
        draw { $0.finish() }
        RawMode.leave()
    }

    private func draw(_ body: (inout ChatConsole) -> String) {
        console.withLockedValue { console in Self.write(body(&console)) }
    }

    private func readKeys() {
        var buffer = [UInt8](repeating: 0, count: 1024)
        while true {
            let count = buffer.withUnsafeMutableBytes { read(0, $0.baseAddress, $0.count) }
            if count < 0, errno == EINTR { continue }
            if count <= 0 {
                onAction(.endOfInput)
                return
            }
            let actions = console.withLockedValue { console -> [ChatConsole.Action] in
                let (output, actions) = console.keys(buffer[0..<count])
                Self.write(output)
                return actions
            }
            actions.forEach(onAction)
        }
    }

    /// Kept alive for the life of the process (set once, by `start`).
    nonisolated(unsafe) private static var resizeSource: (any DispatchSourceSignal)?

    static func windowSize() -> (columns: Int, rows: Int) {
        var size = winsize()
        if ioctl(1, UInt(TIOCGWINSZ), &size) == 0, size.ws_col > 0, size.ws_row > 0 {
            return (Int(size.ws_col), Int(size.ws_row))
        }
        return (80, 24)
    }

    static func write(_ text: String) { writeAll(text, to: 1) }
}

/// Writes all of `text` to a file descriptor, at once (no buffering), retrying on EINTR.
private func writeAll(_ text: String, to descriptor: Int32) {
    var bytes = Array(text.utf8)[...]
    while !bytes.isEmpty {
        let written = bytes.withUnsafeBytes { write(descriptor, $0.baseAddress, $0.count) }
        if written < 0 {
            if errno == EINTR { continue }
            return
        }
        bytes = bytes.dropFirst(written)
    }
}

/// The terminal's raw mode: keys arrive one by one, unechoed, with Ctrl-C as a byte (no SIGINT).
/// Output processing stays on, so other writers' "\n" still returns the carriage.
enum RawMode {
    nonisolated(unsafe) private static var saved: termios?
    private static let lock = NIOLock()

    static func enter() {
        lock.withLock {
            guard saved == nil else { return }
            var original = termios()
            guard tcgetattr(0, &original) == 0 else { return }
            saved = original
            var raw = original
            raw.c_lflag &= ~tcflag_t(ECHO | ICANON | ISIG | IEXTEN)
            raw.c_iflag &= ~tcflag_t(IXON | ICRNL | INLCR)
            withUnsafeMutableBytes(of: &raw.c_cc) { cc in
                cc[Int(VMIN)] = 1
                cc[Int(VTIME)] = 0
            }
            tcsetattr(0, TCSAFLUSH, &raw)
            atexit { RawMode.leave() }
        }
    }

    static func leave() {
        lock.withLock {
            guard var original = saved else { return }
            tcsetattr(0, TCSAFLUSH, &original)
            saved = nil
        }
    }
}
