import NIOConcurrencyHelpers

/// Stops a batch from outside (the command's SIGINT/SIGTERM handler): nothing new starts, running
/// runs are cancelled (their processes stopped), and every unfinished run is reported as interrupted.
public final class StopSignal: Sendable {
    private let stopped = NIOLockedValueBox(false)

    public init() {}

    public func stop() { stopped.withLockedValue { $0 = true } }
    public var isStopped: Bool { stopped.withLockedValue { $0 } }

    /// Returns once `stop()` has been called; throws when the waiting task is cancelled.
    func wait() async throws {
        while !isStopped { try await Task.sleep(for: .milliseconds(20)) }
    }
}

/// Runs many (scenario, seed) pairs `jobs` at a time; shared by the sim and live runners.
enum ScenarioBatch {
    /// `progress` is called on the caller's task as each run finishes (with the count done so
    /// far); the result keeps the input order. After `stop`, the result still has every item:
    /// the unfinished ones marked interrupted.
    static func run(
        _ items: [(Scenario, UInt64)], mode: ScenarioMode, jobs: Int, stop: StopSignal = StopSignal(), progress: (ScenarioReport, Int) -> Void,
        _ body: @escaping @Sendable (Scenario, UInt64) async -> ScenarioReport
    ) async -> [ScenarioReport] {
        var reports = [ScenarioReport?](repeating: nil, count: items.count)
        await withTaskGroup(of: (Int, ScenarioReport)?.self) { group in
            var next = 0
            var done = 0
            func submit() {
                guard next < items.count, !stop.isStopped else { return }
                let index = next
                let (scenario, seed) = items[index]
                next += 1
                group.addTask { (index, await body(scenario, seed)) }
            }
            // Watches for the stop: then the running runs are cancelled.
            group.addTask {
                try? await stop.wait()
                return nil
            }
            for _ in 0..<max(1, jobs) { submit() }
            var running = next
            while running > 0, let finished = await group.next() {
                guard let (index, report) = finished else {
                    group.cancelAll()
                    continue
                }
                running -= 1
                if stop.isStopped { continue }  // cut short by the stop: reported as interrupted below
                reports[index] = report
                done += 1
                progress(report, done)
                let before = next
                submit()
                running += next - before
            }
            group.cancelAll()
        }
        return items.enumerated().map { index, item in
            reports[index] ?? ScenarioReport(scenario: item.0, mode: mode, seed: item.1, skipped: "interrupted (SIGINT/SIGTERM)",
                                             checks: [], observation: nil, wallTime: .zero, interrupted: true)
        }
    }
}
