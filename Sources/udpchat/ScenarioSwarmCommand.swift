// `udpchat scenario swarm`: Simulation only: random topologies and impairments over the reference chat, checking invariants.
import ArgumentParser
import Foundation
import UDPChatReports
import UDPChatScenario
import UDPChatSimulation
import UDPChatSupport

struct ScenarioSwarmCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "swarm",
        abstract: "Simulation only: random topologies and impairments over the reference chat, checking invariants.",
        discussion: """
            Each seed draws message counts, windows, who talks first, how long bob thinks, an optional busy \
            third client and spoofing stranger, and per-direction loss (random or Gilbert-Elliott), duplication, \
            reordering, delay/jitter and blackholes on every proxy. Invariants: every message displayed exactly \
            once and in order, termination acknowledged and shown on both sides, every client leaves (socket \
            closed only after LEFT), the server's table is empty at the end, re-sends one RTO apart, no script \
            stuck. A failure prints its seed and the command that reproduces it.
            """
    )

    @Option(help: "Number of seeds.")
    var seeds: Int = 1000

    @Option(help: "First seed.")
    var start: UInt64 = 1

    @Option(help: "Parallel workers: one per CPU core unless given.")
    var jobs: Int = System.coreCount

    @Flag(help: "Describe each failing seed's world and print its trace.")
    var verbose = false

    @Option(help: "Print at most this many failing seeds.")
    var maxFailures: Int = 10

    @Option(help: ArgumentHelp("Test hook: report this seed as failing (checks that failures are printed as they happen).", visibility: .hidden))
    var injectFailure: UInt64?

    func validate() throws {
        guard seeds >= 1 else { throw ValidationError("--seeds must be at least 1") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() async throws {
        if verbose, seeds <= 20 {
            for offset in 0..<seeds { describe(seed: start &+ UInt64(offset)) }
        }
        let clock = ContinuousClock()
        let began = clock.now
        // Piped: a progress line every 5 % of the seeds; each failing seed the moment it fails.
        let reporter = ProgressReporter(total: seeds, label: "seeds", every: max(1, seeds / 20))
        let failed = LockedFailures()
        let (injected, maxFailures) = (injectFailure, self.maxFailures)
        let stop = StopSignal()
        let outcome = try await GracefulRun.run(onShutdown: { stop.stop() }) { [start, seeds, jobs] in
            await Swarm.run(start: start, seeds: seeds, jobs: jobs, stop: stop) { outcome in
                var outcome = outcome
                if outcome.seed == injected { outcome.violations.append("injected failure (--inject-failure, a test hook)") }
                guard !outcome.passed else {
                    reporter.finished("seed \(outcome.seed) ok", failed: false)
                    return
                }
                let shown = failed.withLock { list in
                    list.append(outcome)
                    return list.count <= maxFailures
                }
                reporter.finished("FAIL seed \(outcome.seed)", failed: true)
                guard shown else { return }
                for violation in outcome.violations.prefix(8) { reporter.say("  - \(violation)") }
                reporter.say("  reproduce: udpchat scenario swarm --start \(outcome.seed) --seeds 1 --verbose")
            }
        }
        reporter.finish()
        let (_, events, checked) = outcome.value
        let failures = failed.withLock { $0 }.sorted { $0.seed < $1.seed }
        let elapsed = clock.now - began
        let rate = Double(checked) / max(elapsed.seconds, 1e-9)
        if failures.count > maxFailures { print("… and \(counted(failures.count - maxFailures, "more failing seed", "more failing seeds")) not shown") }
        if !failures.isEmpty { print("failing seeds: " + failures.map { String($0.seed) }.joined(separator: ", ")) }
        if let signal = outcome.signalName {
            print("swarm: interrupted by \(signal) after \(checked) of \(counted(seeds, "seed"))")
        }
        let last = start &+ UInt64(max(checked, 1) - 1)
        print("swarm: \(counted(checked, "seed")) \(start)…\(last) in \(String(format3(elapsed.seconds))) s = \(Int(rate)) seeds/s on \(counted(jobs, "job")), \(events) simulated events; \(failures.count) failing")
        if let code = outcome.signalExitCode { throw ExitCode(code) }
        if !failures.isEmpty { throw ExitCode(1) }
    }

    func describe(seed: UInt64) {
        let (outcome, result, world) = Swarm.run(seed: seed)
        print("seed \(seed): \(outcome.passed ? "ok" : "FAIL")")
        for line in world.summary { print("  \(line)") }
        if !outcome.passed {
            for record in result.trace { print("    " + record.summary) }
            for display in result.displays { print("    \(JSON.seconds(display.time))s \(display.party): \(display.line)") }
        }
    }

    func format3(_ value: Double) -> String {
        let scaled = (value * 1000).rounded() / 1000
        return String(scaled)
    }
}

/// The failing outcomes, appended from the swarm's worker tasks.
final class LockedFailures: @unchecked Sendable {
    private let lock = NSLock()
    private var list: [Swarm.Outcome] = []
    func withLock<T>(_ body: (inout [Swarm.Outcome]) -> T) -> T { lock.withLock { body(&list) } }
}
