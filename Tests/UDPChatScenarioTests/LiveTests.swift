import Testing
import UDPChatScenario

/// A representative subset of the catalogue over real loopback sockets, the real proxy and the
/// real clock, with a short RTO (durations written in rto units scale with it).
@Suite(.serialized) struct LiveTests {
    static let subset = [
        "clean-chat.yaml", "lost-msg.yaml", "lost-ack.yaml", "duplicated-msgs.yaml", "reordered-msgs.yaml",
        "lost-terminated.yaml", "lost-left.yaml", "spoofed-stranger.yaml", "busy-peer-rejects.yaml",
    ]
    static let rto = Duration.milliseconds(400)
    /// The whole suite runs in parallel on two cores: a timer here can fire a few hundred ms late,
    /// far more than the 50 ms a user's live run allows. The checks are judged again with this
    /// allowance (every other part of every check unchanged), so a loaded test machine cannot fail them.
    static let testAllowance = Duration.milliseconds(250)

    /// The report's checks judged with the test machine's allowance.
    static func checks(_ report: ScenarioReport) -> [CheckResult] {
        guard var observation = report.observation else { return report.checks }
        observation.timingAllowance = max(observation.timingAllowance, testAllowance)
        return ScenarioChecker.check(report.scenario, observation)
    }

    @Test func representativeSubsetPassesLive() async throws {
        let scenarios = try Self.subset.map { try ScenarioFiles.load(scenariosFolder + "/" + $0) }
        let reports = await LiveRunner.runAll(scenarios.map { ($0, $0.seed) }, jobs: 3, rto: Self.rto)
        #expect(reports.count == Self.subset.count)
        for report in reports {
            #expect(report.skipped == nil && report.observation != nil, Comment(rawValue: "\(report.scenario.path): \(report.checks)"))
            let failures = Self.checks(report).filter { !$0.passed }.map(\.description)
            #expect(failures.isEmpty, Comment(rawValue: "\(report.scenario.path) live:\n" + failures.joined(separator: "\n")))
        }
    }

    /// The same scenario gives the same verdicts (check by check) in sim and live, including a
    /// deliberately broken one.
    @Test func simAndLiveGiveTheSameVerdicts() async throws {
        let text = try ScenarioFiles.read(scenariosFolder + "/lost-msg.yaml")
        let broken = try ScenarioLoader.load(
            yaml: text.replacingOccurrences("count: 1, interval: [0.95, 1.1]", "count: 2, interval: [0.95, 1.1]"), path: "broken.yaml")
        for scenario in [try ScenarioFiles.load(scenariosFolder + "/lost-msg.yaml"),
                         try ScenarioFiles.load(scenariosFolder + "/lost-ack.yaml"), broken] {
            let sim = SimRunner.run(scenario, rto: Self.rto)
            let live = await LiveRunner.run(scenario, rto: Self.rto)
            #expect(sim.checks.map(\.passed) == Self.checks(live).map(\.passed),
                    Comment(rawValue: "sim:\n\(ScenarioReports.text(sim))live:\n\(ScenarioReports.text(live))"))
            #expect(sim.checks.map(\.title) == live.checks.map(\.title))
        }
    }
}

/// A third-party client given by a manifest (the Python fixture with the `no-reack` fault) runs
/// as a real process and is caught by the same checks.
@Suite struct ManifestLiveTests {
    @Test func faultyClientIsCaught() async throws {
        let scenario = try ScenarioFiles.load(scenariosFolder + "/third-party/faulty-no-reack.yaml")
        #expect(SimRunner.run(scenario).skipped != nil)
        let report = await LiveRunner.run(scenario, rto: .milliseconds(250))
        #expect(report.skipped == nil, Comment(rawValue: report.skipped ?? ""))
        #expect(!report.passed)
        let failed = Set(report.failures.map(\.title))
        #expect(failed.contains("dedup: MSG 1 from alice at bob"), Comment(rawValue: "\(failed)"))
        // bob (the Python client) did display alice's message: the delivery check itself passes.
        #expect(report.checks.contains { $0.title.hasPrefix("delivered alice→bob") && $0.passed })
    }
}
