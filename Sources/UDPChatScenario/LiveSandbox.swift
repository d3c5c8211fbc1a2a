import Foundation
import UDPChatHost
import NIOConcurrencyHelpers
import NIOPosix
import UDPChatCore
import UDPChatImpairment
import UDPChatIUT
import UDPChatSimulation
import UDPChatSupport
import UDPChatWire

/// Live runs that start a third-party manifest go into a sandbox (docs/SCENARIOS.md, "Sandboxes"),
/// the grader's mechanism: this executable re-run as `udpchat scenario-worker` inside bubblewrap
/// runs the scenario with `LiveRunner` there (reference parties, proxy and implementations all in
/// the sandbox's network namespace) and prints a `LiveWorkerResult` as one JSON line; the parent
/// checks its observation as it checks any other.
extension LiveRunner {
    /// The worker's side (inside the sandbox): brings up the private loopback, runs the scenario
    /// (its file's text `yaml`, its manifests by party as the parent loaded them: the sandbox's /tmp
    /// is its own, so the worker reads no file of the parent's) once, with the manifests' limits
    /// enforced, and says which limit was hit.
    public static func runWorker(yaml: String, path: String, manifests: [String: Manifest], seed: UInt64, rto: Duration?,
                                 pcapPath: String?) async -> LiveWorkerResult {
        let scenario: Scenario
        do {
            scenario = try ScenarioLoader.load(yaml: yaml, path: path)
        } catch {
            return LiveWorkerResult(failure: "the worker cannot load \(path): \(error)")
        }
        do {
            try SandboxInside.enter()
            try SandboxInside.prepareWorkdirs(manifests.values.map(\.workdir))
        } catch {
            return LiveWorkerResult(failure: error.reason)
        }
        let launched = LaunchLog()
        let watch = LimitWatch(limits: Limits.together(manifests.values.map(\.limits))) {
            for (process, _) in launched.processes { process.signalGroup(SIGKILL) }
        }
        watch.start()
        var options = LiveOptions()
        options.launched = launched
        var result = LiveWorkerResult()
        do {
            let observation = try await execute(scenario, seed: seed, rto: rto ?? scenario.rto, manifests: manifests, pcapPath: pcapPath,
                                                options: options, group: .singleton)
            result.observation = CodedObservation(observation)
        } catch {
            result.failure = "\(error)"
        }
        watch.stop()
        let hit = watch.hit ?? launched.processes.lazy.compactMap { process, limits in
            process.exited.flatMap { SandboxInside.hit(by: $0, limits: limits) }
        }.first
        result.limit = hit?.description
        return result
    }

    /// The parent's side: one run in a fresh sandbox (a copy of each manifest's workdir), ended at the
    /// wall-clock limit or on `stop` (then reported interrupted; killing bwrap ends everything in it).
    static func runSandboxed(_ scenario: Scenario, seed: UInt64, rto: Duration?, pcapPath: String?, manifests: [String: Manifest],
                             plan: SandboxPlan, stop: StopSignal) async -> ScenarioReport {
        let started = ContinuousClock.now
        func report(_ result: Result<Observation, any Error>, limit: String? = nil) -> ScenarioReport {
            var report = ScenarioRunner.report(scenario, mode: .live, seed: seed, result, wallTime: ContinuousClock.now - started)
            if let limit {
                report.skipped = nil
                report.checks.append(CheckResult(title: "the implementations stayed within their limits", line: 0, passed: false,
                                                 expected: "no limit hit", observed: limit, excerpt: []))
            }
            return report
        }
        let manifests = manifests.mapValues { manifest in
            var capped = manifest
            capped.limits = plan.policy.limits(for: manifest)
            return capped
        }
        let sandbox: Sandbox
        do {
            sandbox = try Sandbox.prepare(for: manifests.sorted { $0.key < $1.key }.map(\.value),
                                          limits: Limits.together(manifests.values.map(\.limits)), policy: plan.policy)
        } catch {
            return report(.failure(UDPChatError.worker(error.reason)))
        }
        defer { sandbox.remove() }
        let output = sandbox.scratch + "/out"
        try? FileManager.default.createDirectory(atPath: output, withIntermediateDirectories: true)
        let encoded: Data
        let yaml: String
        do {
            yaml = try ScenarioFiles.read(scenario.path)
            encoded = try JSONEncoder().encode(manifests)
        } catch {
            return report(.failure(UDPChatError.worker("cannot hand the run to its worker: \(error)")))
        }
        var inner = plan.worker + ["--scenario", scenario.path, "--yaml", yaml, "--manifests-json", String(decoding: encoded, as: UTF8.self),
                                   "--seed", String(seed)]
        if let rto { inner += ["--rto", String(rto.seconds)] }
        if pcapPath != nil { inner += ["--pcap", output + "/run.pcap"] }
        let effective = rto ?? scenario.rto
        let timeout = scenario.timeout?.resolved(rto: effective) ?? effective * 360
        let wall = manifests.values.compactMap(\.limits.wall).max() ?? timeout + effective * 4 + .seconds(30)
        switch await sandbox.runWorker(inner, wall: wall, writable: [output], interrupted: { stop.isStopped }) {
        case .interrupted:
            var interrupted = report(.failure(ScenarioSkip("interrupted (SIGINT/SIGTERM)")))
            interrupted.interrupted = true
            return interrupted
        case .wallLimit(let wall):
            return report(.failure(UDPChatError.worker(Limits.Hit.wall(wall).description)), limit: Limits.Hit.wall(wall).description)
        case .cannotStart(let why), .failed(let why):
            return report(.failure(UDPChatError.worker(why)))
        case .result(let line):
            guard let result = try? JSONDecoder().decode(LiveWorkerResult.self, from: Data(line.utf8)) else {
                return report(.failure(UDPChatError.worker("the sandboxed worker's result does not parse")))
            }
            if let pcapPath {
                try? FileManager.default.removeItem(atPath: pcapPath)
                try? FileManager.default.moveItem(atPath: output + "/run.pcap", toPath: pcapPath)
            }
            if let skipped = result.skipped { return report(.failure(ScenarioSkip(skipped))) }
            if let observation = result.observation?.observation { return report(.success(observation), limit: result.limit) }
            return report(.failure(UDPChatError.worker(result.failure ?? "the sandboxed worker observed nothing")), limit: result.limit)
        }
    }
}

/// The third-party processes a run started, with their manifests' limits (inside a sandbox).
final class LaunchLog: Sendable {
    private let box = NIOLockedValueBox<[(IUTProcess, Limits)]>([])

    func add(_ process: IUTProcess, limits: Limits) { box.withLockedValue { $0.append((process, limits)) } }
    var processes: [(IUTProcess, Limits)] { box.withLockedValue { $0 } }
}

/// What `udpchat scenario-worker` prints: the run's observation, or why it was skipped or failed,
/// and the limit an implementation hit, if one did.
public struct LiveWorkerResult: Sendable, Codable {
    var observation: CodedObservation?
    var skipped: String?
    var failure: String?
    var limit: String?

    init(observation: CodedObservation? = nil, skipped: String? = nil, failure: String? = nil, limit: String? = nil) {
        self.observation = observation
        self.skipped = skipped
        self.failure = failure
        self.limit = limit
    }
}

/// An `Observation` as JSON (times in nanoseconds since the run's start, messages by their fields).
struct CodedObservation: Sendable, Codable {
    struct Record: Sendable, Codable {
        var time: Int64
        var proxy: String
        var direction: String
        var flow: UInt64
        var serial: UInt64
        var source: String
        var destination: String
        var from: String
        var to: String
        var size: Int
        var message: Message?
        var verdict: TraceVerdict
        var deliveries: [Int64]
        var notes: [UInt16]
        var dropReason: String?
        var rule: String?
    }

    struct Display: Sendable, Codable {
        var time: Int64
        var party: String
        var line: String
    }

    struct Close: Sendable, Codable {
        /// `left`, `forced` or `refused:CODE`.
        var exit: String
        var at: Int64
    }

    var trace: [Record]
    var displays: [Display]
    var closes: [String: Close]
    var stuck: [String: String]
    var ids: [String: ClientID]
    var rto: Int64
    var endTime: Int64
    var timingAllowance: Int64
    var outOfPatience: String?

    init(_ observation: Observation) {
        trace = observation.trace.map { record in
            Record(time: record.time.nanoseconds, proxy: record.proxy, direction: record.direction.rawValue, flow: record.flow,
                   serial: record.serial, source: record.source.description, destination: record.destination.description,
                   from: record.from, to: record.to, size: record.size, message: record.message, verdict: record.verdict,
                   deliveries: record.deliveries.map(\.nanoseconds), notes: record.notes.map(\.rawValue), dropReason: record.dropReason,
                   rule: record.rule)
        }
        displays = observation.displays.map { Display(time: $0.time.nanoseconds, party: $0.party, line: $0.line) }
        closes = observation.closes.mapValues { close in
            let exit = switch close.exit {
            case .left: "left"
            case .forced: "forced"
            case .gaveUp: "gave-up"
            case .refused(let code): "refused:" + code.rawValue
            }
            return Close(exit: exit, at: close.at.nanoseconds)
        }
        stuck = observation.stuck
        ids = observation.ids
        rto = observation.rto.nanoseconds
        endTime = observation.endTime.nanoseconds
        timingAllowance = observation.timingAllowance.nanoseconds
        outOfPatience = observation.outOfPatience
    }

    var observation: Observation? {
        var records: [TraceRecord] = []
        for coded in trace {
            guard let direction = LinkDirection(rawValue: coded.direction), let source = Endpoint(parsing: coded.source),
                  let destination = Endpoint(parsing: coded.destination) else { return nil }
            var record = TraceRecord(time: Instant(nanoseconds: coded.time), proxy: coded.proxy, direction: direction, flow: coded.flow,
                                     serial: coded.serial, source: source, destination: destination, from: coded.from, to: coded.to,
                                     size: coded.size, message: coded.message)
            record.verdict = coded.verdict
            record.deliveries = coded.deliveries.map(Instant.init(nanoseconds:))
            record.notes = coded.notes.map(DeliveryNotes.init(rawValue:))
            record.dropReason = coded.dropReason
            record.rule = coded.rule
            records.append(record)
        }
        var ends: [String: (exit: ClientExit, at: Instant)] = [:]
        for (name, close) in closes {
            let exit: ClientExit
            switch close.exit {
            case "left": exit = .left
            case "forced": exit = .forced
            case "gave-up": exit = .gaveUp
            default:
                guard close.exit.hasPrefix("refused:"), let code = ErrorCode(rawValue: String(close.exit.dropFirst(8))) else { return nil }
                exit = .refused(code)
            }
            ends[name] = (exit, Instant(nanoseconds: close.at))
        }
        var observation = Observation(trace: records, displays: displays.map { DisplayRecord(time: Instant(nanoseconds: $0.time), party: $0.party, line: $0.line) },
                                      closes: ends, stuck: stuck, ids: ids, rto: .nanoseconds(rto), endTime: Instant(nanoseconds: endTime))
        observation.timingAllowance = .nanoseconds(timingAllowance)
        observation.outOfPatience = outOfPatience
        return observation
    }
}

/// Without sandboxes, runs whose implementation is pinned to the host's 7070 take turns.
actor PinnedTurns {
    private var busy = false
    private var waiting: [CheckedContinuation<Void, Never>] = []

    func oneAtATime<T: Sendable>(_ body: @Sendable () async -> T) async -> T {
        if busy {
            await withCheckedContinuation { waiting.append($0) }
        } else {
            busy = true
        }
        defer {
            if waiting.isEmpty { busy = false } else { waiting.removeFirst().resume() }
        }
        return await body()
    }
}

extension LiveRunner {
    /// Waits until a third-party server has bound UDP `port` (seen in /proc/net/udp and udp6, which
    /// list the sockets of this network namespace), it exited, or 5 s passed; a slow start (a JVM,
    /// a loaded machine) then costs no re-sent REGISTER. Elsewhere than Linux: 300 ms.
    static func waitUntilBound(port: UInt16, process: IUTProcess, timeout: Duration = .seconds(5)) async {
        #if os(Linux)
        _ = await UDPSocketTable.waitUntilBound([port], timeout: timeout) { process.exited != nil }
        #else
        try? await Task.sleep(for: .milliseconds(300))
        #endif
    }
}
