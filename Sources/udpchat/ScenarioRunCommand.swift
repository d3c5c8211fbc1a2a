// `udpchat scenario run`: Run scenarios and check their expectations.
import ArgumentParser
import Foundation
import UDPChatIUT
import UDPChatReports
import UDPChatScenario
import UDPChatSimulation
import UDPChatSupport

struct ScenarioRunCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "run",
        abstract: "Run scenarios and check their expectations.",
        discussion: """
            Prints a line per run as it finishes, the failures with expected/observed/trace excerpt, and a \
            summary table. Exit status 1 when any run fails. In sim mode a 10 s RTO costs no wall time.

            """ + HelpLayout.examples(
                "udpchat scenario run",
                "udpchat scenario run Scenarios/lost-msg.yaml --seed 7 --verbose",
                "udpchat scenario run --repeat 50 --junit results.xml",
                "udpchat scenario run --mode live --rto 300ms --jobs 4")
    )

    @Argument(help: "Scenario files or folders (default: Scenarios).")
    var paths: [String] = []

    @Option(help: "sim (in-process, virtual clock, deterministic) or live (real sockets, processes and proxy).")
    var mode: ScenarioMode = .sim

    @Option(help: "Seed of the first run (default: the scenario's own seed, else 1).")
    var seed: UInt64?

    @Option(name: .long, help: "Run each scenario this many times, with seeds seed, seed+1, …")
    var `repeat`: Int = 1

    @Option(help: "Runs in parallel: one per CPU core unless given.")
    var jobs: Int = System.coreCount

    @Option(help: "Override every scenario's RTO (durations written in rto units follow).")
    var rto: DurationArgument?

    @Option(help: "Write a JSON report here.")
    var json: String?

    @Option(help: "Write a JUnit XML report here.")
    var junit: String?

    @Option(help: "Write a self-contained HTML report here (the grade report's look, a sequence diagram per run).")
    var html: String?

    @Option(help: "Write each run's trace (JSON lines, the proxy's format), console and report into this folder.")
    var artifacts: String?

    @Flag(help: "Print every check, not only failures.")
    var verbose = false

    @Option(help: ArgumentHelp("Live runs that start a third-party manifest. auto / required: each in its own sandbox (bubblewrap), or exit 2 saying what to install or allow; none: on the host, unsandboxed (the reports say so).", valueName: "auto|required|none"))
    var isolation: Isolation = .auto

    @Option(help: ArgumentHelp("The instructor's sandbox policy for those runs (docs/GRADER.md, \"Sandbox\").", valueName: "FILE"))
    var policy: String?

    @OptionGroup(title: "Selection, as pytest's")
    var selection: SelectionOptions

    func validate() throws {
        guard `repeat` >= 1 else { throw ValidationError("--repeat must be at least 1") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        guard let loaded = loadScenarios(paths) else { throw ExitCode(2) }
        let scenarios = select(loaded)
        if scenarios.isEmpty {
            printError("scenario run: no scenario is selected (\(selection.asked))")
            throw ExitCode(2)
        }
        var items: [(Scenario, UInt64)] = []
        for scenario in scenarios {
            let first = seed ?? scenario.seed
            for offset in 0..<`repeat` { items.append((scenario, first &+ UInt64(offset))) }
        }
        if let artifacts { ScenarioFiles.makeDirectory(artifacts) }
        let sandbox = try await sandboxPlan(for: scenarios)
        let clock = ContinuousClock()
        let started = clock.now
        let startedAt = Date()
        let verbose = self.verbose
        let reporter = ProgressReporter(total: items.count, label: "runs")
        let show: @Sendable (ScenarioReport, Int) -> Void = { report, _ in
            // Live: the wall time is the scenario's own time; sim: both, the simulated time after it.
            let simulated = report.mode == .sim ? report.observation.map { ", \(JSON.seconds($0.endTime))s simulated" } ?? "" : ""
            reporter.finished("\(report.status) \(report.scenario.path) seed \(report.seed) (\(report.wallTime.milliseconds) ms\(simulated))"
                              + (report.skipped.map { ": \($0)" } ?? ""), failed: !report.passed && report.skipped == nil, always: true)
            if !report.passed || verbose, report.skipped == nil {
                for check in report.checks where !check.passed || verbose { reporter.say("  " + check.description) }
            }
        }
        let stop = StopSignal()
        let stopOnFailure = selection.stopper { stop.stop() }
        let progress: @Sendable (ScenarioReport, Int) -> Void = { report, index in
            show(report, index)
            stopOnFailure(!report.passed && report.skipped == nil && !report.interrupted)
        }
        let outcome = try await GracefulRun.run(onShutdown: { stop.stop() }) { [mode, jobs, rto, artifacts, items, sandbox] in
            mode == .sim
                ? await SimRunner.runAll(items, jobs: jobs, rto: rto?.duration, stop: stop, progress: progress)
                : await LiveRunner.runAll(items, jobs: jobs, rto: rto?.duration, artifacts: artifacts, sandbox: sandbox, stop: stop,
                                          progress: progress)
        }
        let reports = outcome.value
        let wall = clock.now - started
        reporter.finish()
        if let signal = outcome.signalName {
            print("interrupted by \(signal): \(counted(reports.filter(\.interrupted).count, "unfinished run")) marked INTERRUPTED")
        }
        LastFailed.save(reports.filter { !$0.passed && $0.skipped == nil && !$0.interrupted }.map(\.scenario.path), for: .scenario)
        if outcome.signalName == nil, let note = selection.stoppedNote(notRun: reports.filter(\.interrupted).count, noun: "run") { print(note) }
        var run = RunInfo.current(seed: seed, started: startedAt)
        if mode == .live { run.isolation = GradeCommand.isolationNote(sandbox) }
        try writeOutputs(reports, run: run)
        printSummary(reports, wall: wall)
        if let code = outcome.signalExitCode { throw ExitCode(code) }
        if reports.contains(where: { !$0.passed && $0.skipped == nil }) { throw ExitCode(1) }
    }

    /// The scenarios `-k` (a name or file) and `--last-failed` (the files that failed) keep.
    func select(_ scenarios: [Scenario]) -> [Scenario] {
        selection.select(scenarios, command: .scenario, names: { [$0.name, $0.path] }, key: \.path)
    }

    /// The sandbox for live runs that start a third-party manifest (`--isolation`, `--policy`), or nil:
    /// no such run, or `--isolation none` (they run on the host). No sandbox otherwise exits 2.
    func sandboxPlan(for scenarios: [Scenario]) async throws -> SandboxPlan? {
        let thirdParty = scenarios.contains { $0.serverManifest != nil || $0.clients.contains { $0.manifest != nil } }
        guard mode == .live, thirdParty else { return nil }
        return try await GradeCommand.sandboxPlan(isolation, policy: policy, worker: "scenario-worker", command: "scenario run")
    }

    func writeOutputs(_ reports: [ScenarioReport], run: RunInfo) throws {
        if let json { try ScenarioFiles.write(ScenarioReports.json(reports, run: run), to: json) }
        if let html { try ScenarioFiles.write(ScenarioHTML.render(reports, run: run), to: html) }
        if let junit { try ScenarioFiles.write(ScenarioReports.junit(reports), to: junit) }
        guard let artifacts else { return }
        ScenarioFiles.makeDirectory(artifacts)
        for report in reports {
            guard let observation = report.observation else { continue }
            let base = ScenarioReports.artifactBase(folder: artifacts, path: report.scenario.path, mode: report.mode, seed: report.seed)
            if report.mode == .sim {
                do {
                    try ScenarioReports.writePcap(observation, to: base + ".pcap")
                } catch {
                    printError("\(base).pcap: \(error)")
                }
            }
            try ScenarioFiles.write(observation.trace.flatMap(\.jsonLines).map { $0 + "\n" }.joined(), to: base + ".trace.jsonl")
            try ScenarioFiles.write(ScenarioReports.console(observation), to: base + ".console.txt")
            try ScenarioFiles.write(ScenarioReports.text(report), to: base + ".report.txt")
        }
        print("artifacts in \(artifacts)/ (per run: .trace.jsonl, .console.txt, .report.txt, .pcap)")
    }

    func printSummary(_ reports: [ScenarioReport], wall: Duration) {
        var rows: [(name: String, runs: Int, passed: Int, failed: Int, skipped: Int, wall: Duration, simulated: Duration)] = []
        for report in reports {
            let simulated: Duration = report.observation.map { $0.endTime - Instant.zero } ?? Duration.zero
            let passed = report.passed ? 1 : 0
            let skipped = report.skipped != nil ? 1 : 0
            if let index = rows.firstIndex(where: { $0.name == report.scenario.name }) {
                rows[index].runs += 1
                rows[index].passed += passed
                rows[index].skipped += skipped
                rows[index].failed += 1 - passed - skipped
                rows[index].wall += report.wallTime
                rows[index].simulated += simulated
            } else {
                rows.append((report.scenario.name, 1, passed, 1 - passed - skipped, skipped, report.wallTime, simulated))
            }
        }
        let width = max(8, min(44, rows.map(\.name.count).max() ?? 8))
        print("")
        // The last column: the scenario's own clock, virtual in sim mode, real in live mode.
        print("\("scenario".padded(width))  runs  pass  fail  skip   wall ms  \(mode == .sim ? "simulated" : "live")")
        for row in rows {
            print("\(row.name.padded(width))  \(String(row.runs).leftPadded(4))  \(String(row.passed).leftPadded(4))  \(String(row.failed).leftPadded(4))  \(String(row.skipped).leftPadded(4))  \(String(row.wall.milliseconds).leftPadded(8))  \(row.simulated.compactDescription)")
        }
        let passed = reports.filter(\.passed).count
        let skipped = reports.filter { $0.skipped != nil }.count
        print("\(counted(reports.count, "run")): \(passed) passed, \(reports.count - passed - skipped) failed, \(skipped) skipped in \(wall.milliseconds) ms (mode \(mode.rawValue), \(counted(jobs, "job")))")
    }
}

extension ScenarioMode: ExpressibleByArgument {}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}

extension Duration {
    var milliseconds: Int64 { nanoseconds / 1_000_000 }
}

enum System {
    /// Online CPU cores.
    static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
