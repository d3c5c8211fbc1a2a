import Foundation

/// What a live run has started so far (processes, sockets, the proxy), to be stopped in reverse
/// order if the run fails before its script starts: a port in use or a program that cannot be
/// launched must not leave the parties already started running in the caller's process.
/// The normal end of a run stops everything in its own order and disarms this.
final class LiveTeardown: @unchecked Sendable {
    private let lock = NSLock()
    private var steps: [@Sendable () async -> Void] = []

    /// Registers how to stop something just started.
    func add(_ step: @escaping @Sendable () async -> Void) { lock.withLock { steps.append(step) } }

    /// The run reached its own teardown: nothing is left to this one.
    func disarm() { lock.withLock { steps.removeAll() } }

    /// Stops everything registered, newest first.
    func run() async {
        let pending = lock.withLock {
            defer { steps.removeAll() }
            return steps
        }
        for step in pending.reversed() { await step() }
    }
}
