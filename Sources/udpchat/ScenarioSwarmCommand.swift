import ArgumentParser
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
        let (failures, events) = await Swarm.run(start: start, seeds: seeds, jobs: jobs)
        let elapsed = clock.now - began
        let rate = Double(seeds) / max(elapsed.seconds, 1e-9)
        for failure in failures.prefix(maxFailures) {
            print("FAIL seed \(failure.seed):")
            for violation in failure.violations.prefix(8) { print("  - \(violation)") }
            print("  reproduce: udpchat scenario swarm --start \(failure.seed) --seeds 1 --verbose")
        }
        if failures.count > maxFailures { print("… and \(failures.count - maxFailures) more failing seed(s)") }
        let last = start &+ UInt64(seeds - 1)
        print("swarm: \(seeds) seed(s) \(start)…\(last) in \(String(format3(elapsed.seconds))) s = \(Int(rate)) seeds/s on \(jobs) job(s), \(events) simulated events; \(failures.count) failing")
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
