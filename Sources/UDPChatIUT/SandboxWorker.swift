import Foundation
import UDPChatSupport

/// How runs go into sandboxes: this executable, re-run as a hidden worker inside each run's sandbox
/// (`udpchat grade-worker` for grading cases and interop pairs, `udpchat scenario-worker` for live
/// scenario runs). The worker prints its result as one JSON line on its standard output.
public struct SandboxPlan: Sendable {
    /// The worker command before its options, e.g. `[/path/to/udpchat, grade-worker]`.
    public var worker: [String]

    public init(worker: [String]) { self.worker = worker }
}

/// How a worker run in a sandbox ended.
public enum SandboxWorkerOutcome: Sendable {
    /// The worker's last JSON line (a line that starts with `{`).
    case result(String)
    /// `interrupted()` became true: the worker and everything in its sandbox were killed.
    case interrupted
    /// The wall-clock limit passed: the worker and its sandbox were killed.
    case wallLimit(Duration)
    /// bwrap (or the worker) could not be started: a setup error.
    case cannotStart(String)
    /// The worker ended without a result line (why, with its last stderr lines).
    case failed(String)
}

extension Sandbox {
    /// The longest result line a worker may print (a trace with datagrams): 256 MiB.
    public static let workerResultLimit = 256 << 20

    /// Runs `inner` (a worker command) in this sandbox until it exits, `wall` passes or
    /// `interrupted()` turns true (checked every 20 ms); killing bwrap ends its whole PID namespace.
    /// `writable`: host files the worker may write besides the manifests' (e.g. a pcap artifact).
    public func runWorker(_ inner: [String], wall: Duration, writable extra: [String] = [],
                          interrupted: @Sendable () -> Bool) async -> SandboxWorkerOutcome {
        let worker: IUTProcess
        do {
            worker = try await IUTProcess.launch(command(inner, writable: extra), workdir: scratch, name: "sandbox",
                                                 maxLineLength: Self.workerResultLimit)
        } catch {
            return .cannotStart(error.reason)
        }
        let clock = ContinuousClock()
        let deadline = clock.now + wall
        while worker.exited == nil {
            if interrupted() || Task.isCancelled {
                await worker.stop()
                return .interrupted
            }
            if clock.now >= deadline {
                await worker.stop()
                return .wallLimit(wall)
            }
            try? await Task.sleep(for: .milliseconds(20))
        }
        await worker.stop()
        if let line = worker.lines(.stdout).last(where: { $0.hasPrefix("{") }) { return .result(line) }
        let stderr = worker.lines(.stderr).suffix(3).joined(separator: " | ")
        return .failed("the sandboxed worker gave no result (\(worker.exited?.description ?? "running"))\(stderr.isEmpty ? "" : ": \(stderr)")")
    }
}
