import UDPChatCore
import UDPChatImpairment
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

    public var passed: Bool { skipped == nil && checks.allSatisfy(\.passed) }
    public var failures: [CheckResult] { checks.filter { !$0.passed } }
    public var status: String { skipped != nil ? "SKIP" : passed ? "PASS" : "FAIL" }
}

/// Runs scenarios on the simulator.
public enum SimRunner {
    /// The simulator setup for a scenario, with an effective RTO and seed.
    public static func setup(for scenario: Scenario, seed: UInt64, rto: Duration? = nil) -> SimSetup {
        let rto = rto ?? scenario.rto
        let ids = Dictionary(uniqueKeysWithValues: scenario.clients.map { ($0.name, $0.id) })
        func script(_ steps: [ScenarioStep]) -> [ScriptStep] {
            steps.map { step in
                switch step {
                case .waitFor(let text): .waitFor(text)
                case .waitForParty(let party, let text): .waitForParty(party: party, text: text)
                case .sleep(let duration): .sleep(duration.resolved(rto: rto))
                case .raw(let to, let text): .sendRaw(text: text, to: to)
                case .command(let command):
                    switch command {
                    case .connect(let target): .command(.connect(ids[target] ?? ClientID(target) ?? 0))
                    case .accept: .command(.accept)
                    case .reject: .command(.reject)
                    case .end: .command(.end)
                    case .quit: .command(.quit)
                    case .cancel: .command(.cancel)
                    case .send(let text): .command(.say(text))
                    }
                }
            }
        }
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
                SimClient(name: $0.name, id: $0.id, window: $0.window, script: script($0.script), refreshEvery: $0.refresh?.resolved(rto: rto))
            },
            strangers: scenario.strangers.map { SimStranger(name: $0.name, script: script($0.script)) },
            proxies: proxies)
    }

    /// Runs one scenario in simulation and checks its expectations.
    public static func run(_ scenario: Scenario, seed: UInt64? = nil, rto: Duration? = nil) -> ScenarioReport {
        let seed = seed ?? scenario.seed
        guard scenario.supportedModes.contains(.sim) else {
            let why = scenario.modes.contains(.sim) ? "names a third-party manifest: live only" : "declared live only"
            return ScenarioReport(scenario: scenario, mode: .sim, seed: seed, skipped: why, checks: [], observation: nil, wallTime: .zero)
        }
        let clock = ContinuousClock()
        let start = clock.now
        let setup = setup(for: scenario, seed: seed, rto: rto)
        let result = Simulator.run(setup)
        let observation = Observation(result, rto: setup.rto)
        let checks = ScenarioChecker.check(scenario, observation)
        return ScenarioReport(scenario: scenario, mode: .sim, seed: seed, skipped: nil, checks: checks, observation: observation,
                              wallTime: clock.now - start)
    }
}

extension SimRunner {
    /// Runs many (scenario, seed) pairs on `jobs` parallel workers. `progress` is called on the
    /// caller's task as each run finishes; the result keeps the input order.
    public static func runAll(_ items: [(Scenario, UInt64)], jobs: Int, rto: Duration? = nil,
                              progress: (ScenarioReport, Int) -> Void = { _, _ in }) async -> [ScenarioReport] {
        await ScenarioBatch.run(items, jobs: jobs, progress: progress) { scenario, seed in
            run(scenario, seed: seed, rto: rto)
        }
    }
}
