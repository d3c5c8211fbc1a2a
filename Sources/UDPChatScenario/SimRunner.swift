import UDPChatCore
import UDPChatImpairment
import UDPChatScript
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// The outcome of running one scenario once.
public struct ScenarioReport: Sendable {
    public var scenario: Scenario
    public var mode: ScenarioMode
    public var seed: UInt64
    /// Nil when the scenario ran; otherwise why it was skipped (e.g. a manifest in sim mode).
    public var skipped: String?
    public var checks: [CheckResult]
    public var observation: Observation?
    /// Wall-clock time the run took.
    public var wallTime: Duration

    /// True when a SIGINT/SIGTERM stopped the batch before this run finished (then `skipped` says so too).
    public var interrupted = false

    public var passed: Bool { skipped == nil && checks.allSatisfy(\.passed) }
    public var failures: [CheckResult] { checks.filter { !$0.passed } }
    public var status: String { interrupted ? "INTERRUPTED" : skipped != nil ? "SKIP" : passed ? "PASS" : "FAIL" }
}

/// Runs scenarios on the simulator.
public enum SimRunner {
    /// The simulator setup for a scenario, with an effective RTO and seed.
    public static func setup(for scenario: Scenario, seed: UInt64, rto: Duration? = nil) -> SimSetup {
        let rto = rto ?? scenario.rto
        let proxies = scenario.proxies.map { proxy -> SimProxy in
            // Checked when the file was loaded; a failure here can only come from a different --rto.
            let config = (try? proxy.config(rto: rto)) ?? ImpairmentConfig()
            return SimProxy(name: proxy.name, target: proxy.target, impairment: config, flowIdle: proxy.flowIdle(rto: rto),
                            maxFlows: proxy.flowLimit)
        }
        return SimSetup(
            seed: seed, rto: rto, latency: scenario.latency, timeout: scenario.timeout?.resolved(rto: rto) ?? rto * 360,
            serverName: scenario.serverName,
            clients: scenario.clients.map {
                SimClient(name: $0.name, id: $0.id, window: $0.window, script: $0.script, refreshEvery: $0.refresh?.resolved(rto: rto))
            },
            strangers: scenario.strangers.map { SimStranger(name: $0.name, script: $0.script) },
            proxies: proxies)
    }

    /// Runs one scenario in simulation and checks its expectations (`ScenarioRunner`'s path on a
    /// `SimBackend`, synchronously: the simulator needs no awaiting).
    public static func run(_ scenario: Scenario, seed: UInt64? = nil, rto: Duration? = nil) -> ScenarioReport {
        let seed = seed ?? scenario.seed
        let started = ContinuousClock.now
        let result = Result { () throws(ScenarioSkip) in try SimBackend().observe(scenario, seed: seed, rto: rto ?? scenario.rto) }
        return ScenarioRunner.report(scenario, mode: .sim, seed: seed, result.mapError { $0 }, wallTime: ContinuousClock.now - started)
    }
}

extension SimRunner {
    /// Runs many (scenario, seed) pairs on `jobs` parallel workers. `progress` is called on the
    /// caller's task as each run finishes; the result keeps the input order.
    public static func runAll(_ items: [(Scenario, UInt64)], jobs: Int, rto: Duration? = nil, stop: StopSignal = StopSignal(),
                              progress: (ScenarioReport, Int) -> Void = { _, _ in }) async -> [ScenarioReport] {
        await ScenarioBatch.run(items, mode: .sim, jobs: jobs, stop: stop, progress: progress) { scenario, seed in
            run(scenario, seed: seed, rto: rto)
        }
    }
}
