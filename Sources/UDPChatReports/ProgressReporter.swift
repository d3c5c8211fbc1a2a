import Foundation
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Progress of a long run (grade, scenario run, scenario swarm), fed one finished item at a time
/// from any task. Piped (not a terminal) it prints plain lines, flushed one by one, so CI logs fill
/// as the run goes. On a terminal it keeps a live status line at the bottom (done/total, failures,
/// elapsed, ETA), redrawn every second, and prints the item lines above it.
public final class ProgressReporter: @unchecked Sendable {
    public enum Stream: Sendable { case stdout, stderr }

    private let lock = NSLock()
    private let stream: Stream
    private let live: Bool
    private let every: Int
    private let label: String
    private let started = ContinuousClock.now
    private var total: Int
    private var done = 0
    private var failed = 0
    private var statusShown = false
    private var lastDraw = ContinuousClock.now - .seconds(1)
    private var ticker: Task<Void, Never>?
    private let sink: (@Sendable (String) -> Void)?

    /// - Parameters:
    ///   - total: items expected (done/total, ETA).
    ///   - label: what an item is, for the status line (`cases`, `runs`, `seeds`).
    ///   - live: a status line instead of plain lines (default: whether the stream is a terminal).
    ///   - every: piped, print a passing item's line only every `every` items (failures always).
    ///   - sink: where the text goes instead of the stream (tests).
    public init(total: Int, label: String, stream: Stream = .stdout, live: Bool? = nil, every: Int = 1,
                sink: (@Sendable (String) -> Void)? = nil) {
        self.sink = sink
        self.total = total
        self.label = label
        self.stream = stream
        self.live = live ?? (isatty(stream == .stdout ? 1 : 2) == 1)
        self.every = max(1, every)
        if self.live {
            ticker = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    self?.redraw()
                }
            }
        }
    }

    deinit { ticker?.cancel() }

    /// Whether the status line is live (a terminal).
    public var isLive: Bool { live }

    /// One item finished: `line` is printed (piped: every item, or every `every`-th passing item; on
    /// a terminal only failures and lines marked `always`) and the counts move on.
    public func finished(_ line: String, failed isFailure: Bool, always: Bool = false) {
        lock.withLock {
            done += 1
            if isFailure { failed += 1 }
            let show = isFailure || always || (live ? false : (every == 1 || done % every == 0 || done == total))
            let numbered = "[\(done)/\(total)] \(line)"
            if live {
                if show { emitAboveStatus(numbered) }
                // At most ten redraws a second when items finish fast (a swarm runs thousands of seeds a second).
                if show || done == total || ContinuousClock.now - lastDraw >= .milliseconds(100) { drawStatus() }
            } else if show {
                emit(numbered)
            }
        }
    }

    /// A line that is not an item (a failure's details, a note); printed above the status line.
    public func say(_ line: String) {
        lock.withLock { live ? emitAboveStatus(line) : emit(line) }
    }

    /// More items than announced (e.g. the next manifest of a batch).
    public func add(total more: Int) {
        lock.withLock { total += more }
    }

    /// Clears the status line and stops redrawing it; call before printing the final summary.
    public func finish() {
        ticker?.cancel()
        clearStatus()
    }

    /// Clears the status line (it comes back with the next item or tick), e.g. before printing a table.
    public func clearStatus() {
        lock.withLock {
            if live, statusShown { write("\r\u{1B}[K") }
            statusShown = false
        }
    }

    /// `12/40 cases, 1 failing, 0:12 elapsed, ETA 0:30`.
    public var status: String { lock.withLock { statusText() } }

    func redraw() {
        lock.withLock { if live { drawStatus() } }
    }

    private func statusText() -> String {
        let elapsed = ContinuousClock.now - started
        var text = "\(done)/\(total) \(label), \(failed) failing, \(Self.clock(elapsed)) elapsed"
        if done > 0, done < total {
            text += ", ETA " + Self.clock(elapsed / done * (total - done))
        }
        return text
    }

    /// `m:ss` (or `h:mm:ss`).
    public static func clock(_ duration: Duration) -> String {
        let seconds = Int(duration.components.seconds)
        let (h, m, s) = (seconds / 3600, seconds / 60 % 60, seconds % 60)
        let ss = s < 10 ? "0\(s)" : "\(s)"
        if h > 0 { return "\(h):\(m < 10 ? "0" : "")\(m):\(ss)" }
        return "\(m):\(ss)"
    }

    private func drawStatus() {
        lastDraw = ContinuousClock.now
        write("\r\u{1B}[K" + statusText())
        statusShown = true
    }

    private func emitAboveStatus(_ line: String) {
        write((statusShown ? "\r\u{1B}[K" : "") + line + "\n")
        statusShown = false
    }

    private func emit(_ line: String) { write(line + "\n") }

    /// Through the C streams, flushed at once, so lines interleave correctly with `print`.
    private func write(_ text: String) {
        if let sink { return sink(text) }
        switch stream {
        case .stdout: print(text, terminator: "")
        case .stderr: FileHandle.standardError.write(Data(text.utf8))
        }
        fflush(nil)
    }
}
