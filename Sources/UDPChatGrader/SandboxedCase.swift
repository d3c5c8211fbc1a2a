import Foundation
import NIOPosix
import UDPChatIUT
import UDPChatSupport

/// One case run's outcome as the sandboxed worker prints it (one JSON line on its standard output).
public struct WorkerResult: Sendable, Codable {
    public var verdict: Verdict
    public var reason: String
    public var duration: Duration
    public var setup: Bool
    public var events: [TraceEvent]
    /// The datagram bytes of `events` (base64), which the report JSON leaves out.
    public var bytes: [String?]

    init(verdict: Verdict, reason: String, duration: Duration, setup: Bool, events: [TraceEvent]) {
        self.verdict = verdict
        self.reason = reason
        self.duration = duration
        self.setup = setup
        self.events = events
        self.bytes = events.map { $0.bytes.map { Data($0).base64EncodedString() } }
    }

    var eventsWithBytes: [TraceEvent] {
        zip(events, bytes + Array(repeating: nil, count: max(0, events.count - bytes.count))).map { event, encoded in
            var event = event
            event.bytes = encoded.flatMap { Data(base64Encoded: $0) }.map { [UInt8]($0) }
            return event
        }
    }
}

extension Grader {
    /// The worker's side (inside the sandbox): brings up the private loopback, runs one case with the
    /// manifest's limits enforced, and names the limit that was hit, if any.
    /// `partner`: a whole submission's client manifest (`manifest` is then its server).
    public static func runWorker(caseID: String, manifest: Manifest, partner: Manifest? = nil, rto: Duration) async -> WorkerResult {
        let subject = GradeSubject(manifest, partner: partner)
        guard let item = Catalogue.workerCase(caseID, for: subject.role) else {
            return WorkerResult(verdict: .error, reason: "the worker knows no case \(caseID)", duration: .zero, setup: true, events: [])
        }
        do {
            try SandboxInside.enter()
            try SandboxInside.prepareWorkdirs(Array(Set(subject.manifests.map(\.workdir))))
        } catch {
            return WorkerResult(verdict: .error, reason: error.reason, duration: .zero, setup: true, events: [])
        }
        let control = RunControl(limits: Limits.together(subject.manifests.map(\.limits)))
        let watch = LimitWatch(limits: control.limits ?? manifest.limits) { for process in control.launchedProcesses { process.signalGroup(SIGKILL) } }
        watch.start()
        var (verdict, reason, duration, events) = await runOnce(item, manifest: manifest, partner: partner, rto: rto, group: MultiThreadedEventLoopGroup.singleton,
                                                                 ports: PortAllocator.shared, control: control)
        watch.stop()
        for workdir in Set(subject.manifests.map(\.workdir)) { SandboxInside.keepWorkdir(workdir) }
        let hit = watch.hit ?? control.launchedProcesses.lazy.compactMap { $0.exited.flatMap { SandboxInside.hit(by: $0, limits: manifest.limits) } }.first
        if let hit {
            verdict = .error
            reason = "\(hit.description) (then: \(reason))"
        }
        return WorkerResult(verdict: verdict, reason: reason, duration: duration, setup: control.setupError != nil, events: events)
    }

    /// The grader's side: one case run in a fresh sandbox, ended at the wall-clock limit or on an interrupt.
    /// `keepWorkdir`: where to keep the case's copy of the workdir (what the implementation wrote) as an artifact.
    static func runSandboxed(_ item: GradeCase, manifest: Manifest, partner: Manifest? = nil, rto: Duration, plan: SandboxPlan,
                             control: RunControl, keepWorkdir: String? = nil) async -> (Verdict, String, Duration, [TraceEvent]) {
        let clock = ContinuousClock()
        let started = clock.now
        func elapsed() -> Duration { clock.now - started }
        var manifest = manifest, partner = partner
        manifest.limits = plan.policy.limits(for: manifest)
        if let given = partner { partner?.limits = plan.policy.limits(for: given) }
        let all = [manifest] + (partner.map { [$0] } ?? [])
        let sandbox: Sandbox
        do {
            sandbox = try Sandbox.prepare(for: all, limits: Limits.together(all.map(\.limits)), policy: plan.policy, keep: keepWorkdir != nil)
        } catch {
            return (.error, error.reason, .zero, [])
        }
        defer {
            if let keepWorkdir { sandbox.keep(at: keepWorkdir) }
            sandbox.remove()
        }
        var inner = plan.worker + ["--case", item.id, "--rto", String(rto.seconds)]
        do {
            inner += ["--manifest-json", String(decoding: try JSONEncoder().encode(manifest), as: UTF8.self)]
            if let partner { inner += ["--client-json", String(decoding: try JSONEncoder().encode(partner), as: UTF8.self)] }
        } catch {
            return (.error, "cannot encode the manifest for the worker: \(error)", .zero, [])
        }
        let wall = manifest.limits.wall ?? rto * 8 + .seconds(20) + item.slack + .seconds(30)
        let line: String
        switch await sandbox.runWorker(inner, wall: wall - elapsed(), interrupted: { control.shared.interrupted }) {
        case .result(let printed):
            line = printed
        case .interrupted:
            return (.interrupted, CaseStop.stopped(control.shared.why).reason, elapsed(), [])
        case .wallLimit:
            return (.error, Limits.Hit.wall(wall).description, elapsed(), [])
        case .cannotStart(let why):
            control.setupFailed(why)
            return (.error, why, .zero, [])
        case .failed(let why):
            return (.error, why, elapsed(), [])
        }
        guard let result = try? JSONDecoder().decode(WorkerResult.self, from: Data(line.utf8)) else {
            return (.error, "the sandboxed worker's result does not parse", elapsed(), [])
        }
        if result.setup { control.setupFailed(result.reason) }
        return (result.verdict, result.reason, result.duration, result.eventsWithBytes)
    }
}

/// One interop pair's outcome as the sandboxed worker prints it.
public struct InteropWorkerResult: Sendable, Codable {
    public var result: InteropResult
    public var trace: WorkerResult
}

extension Interop {
    /// The worker's side: the pair's chat inside its sandbox (loopback brought up first).
    public static func runWorker(_ a: Manifest, _ b: Manifest, serverCommand: [String], rto: Duration, loss: Double,
                                 seed: UInt64) async -> InteropWorkerResult {
        do {
            try SandboxInside.enter()
            try SandboxInside.prepareWorkdirs([a.workdir, b.workdir])
        } catch {
            let result = InteropResult(initiator: a.name, responder: b.name, verdict: .error, detail: error.reason, duration: 0)
            return InteropWorkerResult(result: result, trace: WorkerResult(verdict: .error, reason: error.reason, duration: .zero,
                                                                             setup: true, events: []))
        }
        let (result, events) = await chat(a, b, serverCommand: serverCommand, requested: rto, loss: loss, seed: seed,
                                          ports: PortAllocator.shared)
        return InteropWorkerResult(result: result, trace: WorkerResult(verdict: result.verdict, reason: result.detail,
                                                                         duration: .zero, setup: false, events: events))
    }

    /// The grader's side: one pair in a fresh sandbox holding both clients' workdirs.
    static func chatSandboxed(_ a: Manifest, _ b: Manifest, serverCommand: [String], requested: Duration, loss: Double, seed: UInt64,
                              plan: SandboxPlan) async -> (InteropResult, [TraceEvent]) {
        func failed(_ reason: String) -> (InteropResult, [TraceEvent]) {
            (InteropResult(initiator: a.name, responder: b.name, verdict: .error, detail: reason, duration: 0), [])
        }
        var a = a, b = b
        a.limits = plan.policy.limits(for: a)
        b.limits = plan.policy.limits(for: b)
        let sandbox: Sandbox
        do {
            sandbox = try Sandbox.prepare(for: [a, b], limits: Limits.together([a.limits, b.limits]), policy: plan.policy)
        } catch {
            return failed(error.reason)
        }
        defer { sandbox.remove() }
        let encoder = JSONEncoder()
        guard let aJSON = try? encoder.encode(a), let bJSON = try? encoder.encode(b), let serverJSON = try? encoder.encode(serverCommand) else {
            return failed("cannot encode the pair for the worker")
        }
        let inner = plan.worker + [
            "--rto", String(requested.seconds), "--manifest-json", String(decoding: aJSON, as: UTF8.self),
            "--responder-json", String(decoding: bJSON, as: UTF8.self), "--server-json", String(decoding: serverJSON, as: UTF8.self),
            "--seed", String(seed), "--loss", String(loss),
        ]
        let wall = requested * 30 + .seconds(60)
        let line: String
        switch await sandbox.runWorker(inner, wall: wall, interrupted: { false }) {
        case .result(let printed): line = printed
        case .interrupted: return failed(CaseStop.interrupted.reason)
        case .wallLimit: return failed("the sandboxed worker gave no result (still running after \(wall))")
        case .cannotStart(let why), .failed(let why): return failed(why)
        }
        guard let outcome = try? JSONDecoder().decode(InteropWorkerResult.self, from: Data(line.utf8)) else {
            return failed("the sandboxed worker's result does not parse")
        }
        return (outcome.result, outcome.trace.eventsWithBytes)
    }
}
