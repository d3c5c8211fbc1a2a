import NIOPosix
import UDPChatSimulation
import UDPChatSupport

/// A world a scenario runs in — the simulator or real sockets — behind one interface, so a
/// scenario (or a test body) is written once and runs in both: `ScenarioRunner` prepares, checks
/// and reports the same way, and only how the observation is made differs. Both backends run the
/// scripts with the same `ScriptInterpreter`.
public protocol ScenarioBackend: Sendable {
    var mode: ScenarioMode { get }
    /// Runs the scenario and returns what it observed; throws `ScenarioSkip` when it cannot run here.
    func observe(_ scenario: Scenario, seed: UInt64, rto: Duration) async throws -> Observation
}

/// Why a scenario did not run in a mode (a manifest in sim mode, a missing manifest input, …).
public struct ScenarioSkip: Error, Sendable {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
}

/// The reference server and clients on the deterministic simulator, on a virtual clock.
public struct SimBackend: ScenarioBackend {
    public var mode: ScenarioMode { .sim }
    public init() {}

    public func observe(_ scenario: Scenario, seed: UInt64, rto: Duration) throws(ScenarioSkip) -> Observation {
        guard scenario.supportedModes.contains(.sim) else {
            throw ScenarioSkip(scenario.modes.contains(.sim) ? "names a third-party manifest: live only" : "declared live only")
        }
        let setup = SimRunner.setup(for: scenario, seed: seed, rto: rto)
        return Observation(Simulator.run(setup), rto: setup.rto)
    }
}

/// Real processes and sockets on loopback, the real proxy and the real clock.
public struct LiveBackend: ScenarioBackend {
    public var mode: ScenarioMode { .live }
    /// Also write every datagram the proxies received and sent to this pcap file.
    public var pcapPath: String?
    public var options: LiveOptions
    public var group: MultiThreadedEventLoopGroup

    public init(pcapPath: String? = nil, options: LiveOptions = LiveOptions(), group: MultiThreadedEventLoopGroup = .singleton) {
        self.pcapPath = pcapPath
        self.options = options
        self.group = group
    }

    public func observe(_ scenario: Scenario, seed: UInt64, rto: Duration) async throws -> Observation {
        let manifests = try LiveRunner.manifests(for: scenario)
        do {
            return try await LiveRunner.execute(scenario, seed: seed, rto: rto, manifests: manifests, pcapPath: pcapPath,
                                                options: options, group: group)
        } catch {
            throw LiveStartFailure(underlying: error)
        }
    }
}

struct LiveStartFailure: Error {
    var underlying: any Error
}

extension ScenarioMode {
    /// This mode's backend, with its defaults.
    public var backend: any ScenarioBackend {
        switch self {
        case .sim: SimBackend()
        case .live: LiveBackend()
        }
    }
}

/// Runs a scenario on a backend and checks its expectations: one path for every mode.
public enum ScenarioRunner {
    /// - Parameters:
    ///   - seed: the run's seed (default: the scenario's).
    ///   - rto: the clients' RTO (default: the scenario's); durations in `rto` units scale with it.
    public static func run(_ scenario: Scenario, on backend: some ScenarioBackend, seed: UInt64? = nil,
                           rto: Duration? = nil) async -> ScenarioReport {
        let seed = seed ?? scenario.seed
        let started = ContinuousClock.now
        let result: Result<Observation, any Error>
        do {
            result = .success(try await backend.observe(scenario, seed: seed, rto: rto ?? scenario.rto))
        } catch {
            result = .failure(error)
        }
        return report(scenario, mode: backend.mode, seed: seed, result, wallTime: ContinuousClock.now - started)
    }

    /// Runs a scenario in a mode, on that mode's default backend.
    public static func run(_ scenario: Scenario, mode: ScenarioMode, seed: UInt64? = nil, rto: Duration? = nil) async -> ScenarioReport {
        await run(scenario, on: mode.backend, seed: seed, rto: rto)
    }

    /// The report of a run: the checks of its observation, or why it was skipped or could not start.
    static func report(_ scenario: Scenario, mode: ScenarioMode, seed: UInt64, _ result: Result<Observation, any Error>,
                       wallTime: Duration) -> ScenarioReport {
        switch result {
        case .success(let observation):
            return ScenarioReport(scenario: scenario, mode: mode, seed: seed, skipped: nil, checks: ScenarioChecker.check(scenario, observation),
                                  observation: observation, wallTime: wallTime)
        case .failure(let skip as ScenarioSkip):
            return ScenarioReport(scenario: scenario, mode: mode, seed: seed, skipped: skip.reason, checks: [], observation: nil,
                                  wallTime: mode == .sim ? .zero : wallTime)
        case .failure(let error):
            let underlying = (error as? LiveStartFailure)?.underlying ?? error
            let failure = CheckResult(title: "the \(mode.rawValue) run could start", line: 0, passed: false,
                                      expected: "sockets, proxy and parties up", observed: "\(underlying)", excerpt: [])
            return ScenarioReport(scenario: scenario, mode: mode, seed: seed, skipped: nil, checks: [failure], observation: nil,
                                  wallTime: wallTime)
        }
    }
}
