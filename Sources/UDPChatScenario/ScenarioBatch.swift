/// Runs many (scenario, seed) pairs `jobs` at a time; shared by the sim and live runners.
enum ScenarioBatch {
    /// `progress` is called on the caller's task as each run finishes (with the count done so
    /// far); the result keeps the input order.
    static func run(
        _ items: [(Scenario, UInt64)], jobs: Int, progress: (ScenarioReport, Int) -> Void,
        _ body: @escaping @Sendable (Scenario, UInt64) async -> ScenarioReport
    ) async -> [ScenarioReport] {
        await withTaskGroup(of: (Int, ScenarioReport).self) { group in
            var next = 0
            var done = 0
            var reports = [ScenarioReport?](repeating: nil, count: items.count)
            func submit() {
                guard next < items.count else { return }
                let index = next
                let (scenario, seed) = items[index]
                next += 1
                group.addTask { (index, await body(scenario, seed)) }
            }
            for _ in 0..<max(1, jobs) { submit() }
            while let (index, report) = await group.next() {
                reports[index] = report
                done += 1
                progress(report, done)
                submit()
            }
            return reports.compactMap { $0 }
        }
    }
}
