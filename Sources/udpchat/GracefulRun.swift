import Logging
import ServiceLifecycle
import UnixSignals
#if canImport(Glibc)
import Glibc
#endif

/// The one way a command reacts to SIGINT/SIGTERM: its work runs as the single service of a
/// swift-service-lifecycle `ServiceGroup` whose graceful-shutdown signals are SIGINT and SIGTERM.
/// On a signal, `onShutdown` runs (stop starting work, end what runs) and the work is left to finish
/// (write its reports, print its summary). The result says which signal, if any, stopped it:
/// the command then exits 128 + that number (130 for SIGINT, 143 for SIGTERM).
enum GracefulRun {
    struct Outcome<T: Sendable>: Sendable {
        var value: T
        /// SIGINT or SIGTERM if one arrived.
        var signal: Int32?
        /// The exit status a signal calls for: 128 + the signal number.
        var signalExitCode: Int32? { signal.map { 128 + $0 } }
        var signalName: String? { signal.map { $0 == SIGINT ? "SIGINT" : $0 == SIGTERM ? "SIGTERM" : "signal \($0)" } }
    }

    static func run<T: Sendable>(onShutdown: @escaping @Sendable () -> Void = {},
                                 _ body: @escaping @Sendable () async throws -> T) async throws -> Outcome<T> {
        let box = Box<T>()
        // Which signal came (the group only says that one did): a second listener on the same signals.
        let signals = await UnixSignalsSequence(trapping: .sigint, .sigterm)
        let recorder = Task {
            for await signal in signals {
                box.record(signal.rawValue)
                return
            }
        }
        let service = BodyService(body: body, onShutdown: onShutdown, box: box)
        var logger = Logger(label: "udpchat", factory: { _ in SwiftLogNoOpLogHandler() })
        logger.logLevel = .critical
        // The work returning is the normal end: the group then shuts down gracefully, without error.
        let group = ServiceGroup(configuration: ServiceGroupConfiguration(
            services: [.init(service: service, successTerminationBehavior: .gracefullyShutdownGroup,
                             failureTerminationBehavior: .gracefullyShutdownGroup)],
            gracefulShutdownSignals: [.sigint, .sigterm], logger: logger))
        try await group.run()
        if box.shutdown, box.signal == nil {
            // The group saw the signal a moment before the recorder: give it that moment.
            for _ in 0..<100 where box.signal == nil { try? await Task.sleep(for: .milliseconds(5)) }
        }
        recorder.cancel()
        let value = try box.take()
        return Outcome(value: value, signal: box.shutdown ? (box.signal ?? SIGINT) : nil)
    }

    /// Runs `body`, cancelling it on SIGINT or SIGTERM: work that only measures (the benches) has
    /// nothing to finish, and its clean-up (child processes, sockets) runs as the cancellation
    /// unwinds it. The value is nil when a signal cancelled it.
    static func runCancelling<T: Sendable>(_ body: @escaping @Sendable () async throws -> T) async throws -> Outcome<T?> {
        try await run { () async throws -> T? in
            do {
                return try await cancelWhenGracefulShutdown { try await body() }
            } catch is CancellationError {
                return nil
            }
        }
    }

    /// Runs `ready` once SIGINT and SIGTERM are handled, then waits for one of them; returns its name.
    static func waitForSignal(ready: @escaping @Sendable () -> Void = {}) async throws -> String {
        try await run {
            ready()
            try await gracefulShutdown()
        }.signalName ?? "end"
    }

    private struct BodyService<T: Sendable>: Service {
        let body: @Sendable () async throws -> T
        let onShutdown: @Sendable () -> Void
        let box: Box<T>

        func run() async throws {
            do {
                let value = try await withGracefulShutdownHandler {
                    try await body()
                } onGracefulShutdown: {
                    box.shutdownStarted()
                    onShutdown()
                }
                box.set(.success(value))
            } catch {
                box.set(.failure(error))
            }
        }
    }

    private final class Box<T: Sendable>: @unchecked Sendable {
        private let lock = PosixLock()
        private var result: Result<T, any Error>?
        private var caught: Int32?
        private var shuttingDown = false

        func set(_ value: Result<T, any Error>) { lock.with { result = value } }
        func record(_ signal: Int32) { lock.with { if caught == nil { caught = signal } } }
        func shutdownStarted() { lock.with { shuttingDown = true } }
        var signal: Int32? { lock.with { caught } }
        var shutdown: Bool { lock.with { shuttingDown } }
        func take() throws -> T {
            guard let result = lock.with({ result }) else { throw CancellationError() }
            return try result.get()
        }
    }
}

/// A pthread mutex with a closure API.
final class PosixLock: @unchecked Sendable {
    private var mutex = pthread_mutex_t()
    init() { pthread_mutex_init(&mutex, nil) }
    deinit { pthread_mutex_destroy(&mutex) }
    func with<R>(_ body: () throws -> R) rethrows -> R {
        pthread_mutex_lock(&mutex)
        defer { pthread_mutex_unlock(&mutex) }
        return try body()
    }
}
