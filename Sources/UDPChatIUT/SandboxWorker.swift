import Foundation
import UDPChatSupport

/// How runs go into sandboxes: this executable, re-run as a hidden worker inside each run's sandbox
/// (`udpchat grade-worker` for grading cases and interop pairs, `udpchat scenario-worker` for live
/// scenario runs). The worker prints its result as one JSON line on its standard output, behind a tag
/// only the grader and the worker know; the implementations cannot reach that output at all.
public struct SandboxPlan: Sendable {
    /// The worker command before its options, e.g. `[/path/to/udpchat, grade-worker]`.
    public var worker: [String]
    /// The instructor's policy: limits' ceiling, what implementations see.
    public var policy: SandboxPolicy

    public init(worker: [String], policy: SandboxPolicy = .default) {
        self.worker = worker
        self.policy = policy
    }
}

/// The worker's result line: `TAG {json}`, the tag handed to the worker in its environment.
public enum SandboxResult {
    static let tagKey = "UDPCHAT_RESULT_TAG"

    /// The worker's side: prints `json` as its result.
    public static func emit(_ json: Data) {
        let tag = ProcessInfo.processInfo.environment[tagKey] ?? ""
        FileHandle.standardOutput.write(Data((tag.isEmpty ? "" : tag + " ").utf8) + json + Data("\n".utf8))
    }

    /// A fresh tag for one run.
    static func newTag() -> String {
        (0..<4).map { _ in String(UInt32.random(in: 0...UInt32.max), radix: 16) }.joined(separator: "-")
    }

    /// The grader's side: the JSON of the first line that carries `tag`.
    static func find(_ tag: String, in lines: [String]) -> String? {
        lines.first { $0.hasPrefix(tag + " {") }.map { String($0.dropFirst(tag.count + 1)) }
    }
}

/// How a worker run in a sandbox ended.
public enum SandboxWorkerOutcome: Sendable {
    /// The worker's result (the JSON of its tagged line).
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
        let tag = SandboxResult.newTag()
        do {
            worker = try await IUTProcess.launch(command(inner, writable: extra, environment: [SandboxResult.tagKey: tag]), workdir: scratch, name: "sandbox",
                                                 maxLineLength: Self.workerResultLimit, budget: .trusted)
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
        if let line = SandboxResult.find(tag, in: worker.lines(.stdout)) { return .result(line) }
        let stderr = worker.lines(.stderr).suffix(40).joined(separator: " | ")
        return .failed("the sandboxed worker gave no result (\(worker.exited?.description ?? "running"))\(stderr.isEmpty ? "" : ": \(stderr)")")
    }
}
