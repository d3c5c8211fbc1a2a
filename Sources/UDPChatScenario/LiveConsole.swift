import NIOConcurrencyHelpers
import NIOCore
import UDPChatCore
import UDPChatProxy
import UDPChatScript
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// Watches a live run as it happens: every console line, every action a script takes, every
/// proxy decision, and the proxies' counters at the end. `udpchat demo` narrates with it. Called
/// from event loops and the script task: keep the closures quick.
public struct LiveObserver: Sendable {
    /// The reference server is listening here (not called for a third-party server).
    public var serverStarted: @Sendable (Endpoint) -> Void = { _ in }
    /// The proxies are listening: each link's name, listening address and target.
    public var proxiesStarted: @Sendable ([(name: String, listen: Endpoint, target: Endpoint)]) -> Void = { _ in }
    /// A party showed a line (the reference server's table as `table: …`).
    public var shown: @Sendable (_ party: String, _ line: String) -> Void = { _, _ in }
    /// The reference server's table changed.
    public var tableChanged: @Sendable ([TableRow]) -> Void = { _ in }
    /// A party's script is about to act (type a command, send a raw datagram).
    public var acting: @Sendable (_ party: String, _ action: ScriptInterpreter.Action) -> Void = { _, _ in }
    /// A proxy decided what to do with a datagram (the events its trace records).
    public var proxyDecided: @Sendable (UDPChatProxy.TraceEvent) -> Void = { _ in }
    /// The proxies stopped, with their counters.
    public var proxiesStopped: @Sendable (ProxyStats) -> Void = { _ in }

    public init() {}
}

/// Wakes the script task: rung on every console line; `wait` returns at once if it rang since the
/// last wait (so no line is missed), else at the first ring or after `timeout`.
final class Bell: Sendable {
    private let state = NIOLockedValueBox<(rung: Bool, waiter: CheckedContinuation<Void, Never>?)>((false, nil))

    func ring() {
        let waiter = state.withLockedValue { state -> CheckedContinuation<Void, Never>? in
            guard let waiter = state.waiter else {
                state.rung = true
                return nil
            }
            state.waiter = nil
            return waiter
        }
        waiter?.resume()
    }

    func wait(for timeout: Duration) async {
        let timer = Task { [self] in
            // Ring only when the time is up: a timer cancelled because a line came first must not
            // leave a stale ring behind (the next wait would return at once, and the driver spin).
            guard (try? await Task.sleep(for: timeout)) != nil else { return }
            ring()
        }
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let now = state.withLockedValue { state -> Bool in
                if state.rung {
                    state.rung = false
                    return true
                }
                state.waiter = continuation
                return false
            }
            if now { continuation.resume() }
        }
        timer.cancel()
    }
}

/// Everything a live run shows on its consoles, with times since the run's origin.
final class LiveConsole: Sendable {
    let origin: NIODeadline
    let bell = Bell()
    let observer: LiveObserver?
    private let state = NIOLockedValueBox<(lines: [DisplayRecord], perParty: [String: [String]],
                                           closes: [String: (exit: ClientExit, at: Instant)], lastConn: ConnToken?)>(
        ([], [:], [:], nil))

    init(origin: NIODeadline, observer: LiveObserver?) {
        self.origin = origin
        self.observer = observer
    }

    var now: Instant { Instant(nanoseconds: Int64(NIODeadline.now().uptimeNanoseconds) - Int64(origin.uptimeNanoseconds)) }

    func show(_ line: String, party: String) {
        let time = now
        state.withLockedValue {
            $0.lines.append(DisplayRecord(time: time, party: party, line: line))
            $0.perParty[party, default: []].append(line)
        }
        observer?.shown(party, line)
        bell.ring()
    }

    func closed(_ party: String, exit: ClientExit) {
        let time = now
        state.withLockedValue { $0.closes[party] = (exit, time) }
        show(ScriptLines.closed(exit), party: party)
    }

    /// The party's lines from `start` on.
    func lines(_ party: String, from start: Int) -> ArraySlice<String> {
        state.withLockedValue { state in
            let lines = state.perParty[party] ?? []
            return lines[min(start, lines.count)...]
        }
    }

    func isClosed(_ party: String) -> Bool { state.withLockedValue { $0.closes[party] != nil } }
    var displays: [DisplayRecord] { state.withLockedValue { $0.lines } }
    var closes: [String: (exit: ClientExit, at: Instant)] { state.withLockedValue { $0.closes } }
    var lastConn: ConnToken? { state.withLockedValue { $0.lastConn } }
    func saw(conn: ConnToken) { state.withLockedValue { $0.lastConn = conn } }
}
