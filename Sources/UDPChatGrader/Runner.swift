import UDPChatIUT
import Foundation
import NIOCore
import NIOPosix
import UDPChatWire
#if canImport(Glibc)
import Glibc
#endif

/// What to grade and how.
public struct GradeOptions: Sendable {
    /// RTO to grade at when the command takes {rto}.
    public var rto: Duration = ProtocolDefaults.rto
    public var cases: [String] = []
    public var skip: [String] = []
    /// Cases at once; 0 = all (cases spend most of their time waiting).
    public var jobs: Int = 0
    public var repeatCount: Int = 1
    public var artifacts: String?
    /// Called with each case's result as it finishes (from the case's task).
    public var progress: (@Sendable (CaseResult) -> Void)?
    /// Interrupts the run from outside (SIGINT/SIGTERM): nothing new starts, running cases end.
    public var control = GradeControl()
    /// Run every case in its own sandbox (nil: on the host, pinned manifests one case at a time).
    public var sandbox: SandboxPlan?

    public init() {}
}

/// The graded catalogue of one implementation.
public struct GradeReport: Sendable, Codable {
    public var implementation: String
    public var role: GradedRole
    public var manifest: String
    /// The RTO graded at (seconds) and why.
    public var rto: Duration
    public var rtoNote: String
    public var duration: Duration
    public var cases: [CaseResult]
    /// Set when the grader could not run a case (the command cannot be started): `udpchat grade` exits 2.
    public var setupError: String?
    /// The submission the report belongs to (a `--batch` submission folder, or a loose manifest's file
    /// name): one Gradescope results.json and one gradebook row each. Nil outside a batch.
    public var submission: String? = nil

    /// The submission, or the implementation outside a batch.
    public var submissionName: String { submission ?? implementation }

    /// Verdict counts.
    public var summary: [String: Int] {
        var counts: [String: Int] = [:]
        for result in cases { counts[result.verdict.rawValue, default: 0] += 1 }
        return counts
    }

    public var hasFailures: Bool { cases.contains { $0.verdict.isFailure } }
}

/// Shell-style glob match (`S-LEAVE*`, `C-?SG-*`), case-insensitive.
public func globMatch(_ pattern: String, _ text: String) -> Bool {
    fnmatch(pattern.uppercased(), text.uppercased(), 0) == 0
}

/// Runs the case catalogue against an implementation.
public enum Grader {
    /// The catalogue for a role, filtered by --cases / --skip globs (comma-separated lists allowed);
    /// `judging`: only the (whole) cases that judge that role (a stand-in pair's, `WholeSubmission.judged`).
    public static func select(role: GradedRole, cases: [String], skip: [String], judging: IUTRole? = nil) -> [GradeCase] {
        let include = cases.flatMap { $0.split(separator: ",").map(String.init) }
        let exclude = skip.flatMap { $0.split(separator: ",").map(String.init) }
        return Catalogue.cases(for: role).filter { item in
            (include.isEmpty || include.contains { globMatch($0, item.id) }) && !exclude.contains { globMatch($0, item.id) }
                && judging.map(item.judges.contains) ?? true
        }
    }

    /// The RTO a manifest is graded at, with the explanation printed to the user.
    public static func effectiveRTO(manifest: Manifest, requested: Duration) -> (Duration, String) {
        if manifest.uses("rto") { return (requested, "graded at RTO \(formatSeconds(requested)) (the command takes {rto})") }
        if let fixed = manifest.fixedRTO { return (fixed, "graded at RTO \(formatSeconds(fixed)): the program's own (the manifest's rto:)") }
        return (ProtocolDefaults.rto, "graded at RTO \(ProtocolDefaults.rto.compactDescription): the command does not take {rto}")
    }

    public static func run(manifest: Manifest, options: GradeOptions) async -> GradeReport {
        await run(GradeSubject(manifest), options: options)
    }

    /// Grades a subject's catalogue: one manifest's (against the reference), or a whole submission's.
    static func run(_ subject: GradeSubject, options: GradeOptions) async -> GradeReport {
        let clock = ContinuousClock()
        let started = clock.now
        let (rto, rtoNote) = effectiveRTO(manifest: subject.timed, requested: options.rto)
        let selected = select(role: subject.role, cases: options.cases, skip: options.skip, judging: subject.judged)
        let jobs = subject.pinned && options.sandbox == nil ? 1 : (options.jobs > 0 ? options.jobs : max(1, selected.count))
        let control = RunControl(options.control, sandbox: options.sandbox)
        func report(_ cases: [CaseResult]) -> GradeReport {
            GradeReport(implementation: subject.name, role: subject.role, manifest: subject.path, rto: rto, rtoNote: rtoNote,
                        duration: clock.now - started, cases: cases)
        }
        if let reason = subject.manifests.lazy.compactMap(cannotStart).first, let first = selected.first {
            // Nothing can run: the first case carries the reason, no case starts, `udpchat grade` exits 2.
            var failed = report([CaseResult(id: first.id, section: first.section, level: first.level, title: first.title,
                                            verdict: .error, detail: "\(reason) (no case was run)", duration: .zero,
                                            runs: 1, passed: 0, events: [])])
            failed.setupError = reason
            return failed
        }
        var results: [Int: CaseResult] = [:]
        await withTaskGroup(of: (Int, CaseResult).self) { tasks in
            var next = 0
            func launchNext() {
                guard next < selected.count, !control.stopStarting else { return }
                let index = next
                let item = selected[index]
                next += 1
                tasks.addTask {
                    let result = await runCase(item, subject: subject, rto: rto, repeatCount: max(1, options.repeatCount),
                                               artifacts: options.artifacts, control: control)
                    options.progress?(result)
                    return (index, result)
                }
            }
            for _ in 0..<jobs { launchNext() }
            for await (index, result) in tasks {
                results[index] = result
                launchNext()
            }
        }
        if options.control.interrupted {
            for (index, item) in selected.enumerated() where results[index] == nil {
                results[index] = CaseResult(id: item.id, section: item.section, level: item.level, title: item.title, verdict: .interrupted,
                                            detail: "not run: the grading was stopped (\(options.control.why)) before it started", duration: .zero, runs: 0, passed: 0, events: [])
            }
        }
        var graded = report((0..<selected.count).compactMap { results[$0] })
        graded.setupError = control.setupError
        return graded
    }

    /// Why the manifest's program cannot be started at all (not on PATH, not executable, no such
    /// workdir), checked once before any case; nil when it can, or when its name has a placeholder.
    static func cannotStart(_ manifest: Manifest) -> String? {
        guard let program = manifest.command.first else { return "cannot start the implementation: the command is empty" }
        if program.contains("{") { return nil }
        do {
            _ = try IUTProcess.resolve(program, workdir: manifest.workdir)
            return nil
        } catch {
            return error.reason
        }
    }

    static func runCase(_ item: GradeCase, manifest: Manifest, rto: Duration, repeatCount: Int, artifacts: String?,
                        group: EventLoopGroup, ports: PortAllocator, control: RunControl = RunControl()) async -> CaseResult {
        await runCase(item, subject: GradeSubject(manifest), rto: rto, repeatCount: repeatCount, artifacts: artifacts, control: control)
    }

    static func runCase(_ item: GradeCase, subject: GradeSubject, rto: Duration, repeatCount: Int, artifacts: String?,
                        control: RunControl) async -> CaseResult {
        typealias Run = (Verdict, String, Duration, [TraceEvent])
        let manifest = subject.manifest
        func once(_ run: Int) async -> Run {
            let outcome: Run
            let folder = artifacts.map { repeatCount > 1 ? "\($0)/\(item.id)/run-\(run)" : "\($0)/\(item.id)" }
            if let unsupported = unrunnable(item, subject: subject) {
                outcome = unsupported
            } else if let plan = control.sandbox {
                outcome = await runSandboxed(item, manifest: manifest, partner: subject.partner, rto: rto, plan: plan, control: control,
                                             keepWorkdir: folder.map { $0 + "/workdir" })
            } else {
                outcome = await runOnce(item, manifest: manifest, partner: subject.partner, rto: rto, group: MultiThreadedEventLoopGroup.singleton,
                                        ports: PortAllocator.shared, control: control)
            }
            if let folder {
                Artifacts.write(folder: folder, caseID: item.id, verdict: outcome.0, reason: outcome.1, duration: outcome.2, events: outcome.3)
            }
            return outcome
        }
        var runs: [Run] = [await once(1)]
        if repeatCount > 1, runs[0].0 != .unsupported, !control.stopStarting {
            if subject.pinned, control.sandbox == nil {
                for run in 2...repeatCount { runs.append(await once(run)) }
            } else {
                // The repeats of a case run at once too (each on its own ports), so --repeat costs little wall time.
                let more = await withTaskGroup(of: (Int, Run).self) { tasks in
                    for run in 2...repeatCount { tasks.addTask { (run, await once(run)) } }
                    var all: [(Int, Run)] = []
                    for await result in tasks { all.append(result) }
                    return all.sorted { $0.0 < $1.0 }.map(\.1)
                }
                runs += more
            }
        }
        let (verdict, detail, chosen) = aggregate(runs.map { ($0.0, $0.1) })
        let evidence = runs[chosen]
        let conforming = runs.filter { $0.0.isConforming }.count
        return CaseResult(id: item.id, section: item.section, level: item.level, title: item.title, verdict: verdict,
                          detail: detail, duration: evidence.2, runs: runs.count, passed: conforming, events: evidence.3)
    }

    /// Combines the runs of one case: all agree → that verdict; all conforming → LENIENT;
    /// otherwise FLAKY with the pass rate. Returns the verdict, the detail and the run to show as evidence.
    static func aggregate(_ runs: [(Verdict, String)]) -> (Verdict, String, Int) {
        let conforming = runs.filter { $0.0.isConforming }.count
        if Set(runs.map(\.0)).count <= 1 { return (runs[0].0, runs[0].1, 0) }
        if conforming == runs.count {
            let index = runs.firstIndex { $0.0 == .lenient } ?? 0
            return (.lenient, runs[index].1, index)
        }
        let index = runs.firstIndex { !$0.0.isConforming } ?? 0
        let rate = Int((Double(conforming) / Double(runs.count) * 100).rounded())
        return (.flaky, "passed \(conforming) of \(runs.count) runs (\(rate)%); a failing run: \(runs[index].0.rawValue): \(runs[index].1)", index)
    }

    /// UNSUPPORTED before anything starts: the dialect lacks a message the case sends or waits for,
    /// or an input action or the relay placeholders are missing.
    static func unrunnable(_ item: GradeCase, manifest: Manifest) -> (Verdict, String, Duration, [TraceEvent])? {
        unrunnable(item, subject: GradeSubject(manifest))
    }

    static func unrunnable(_ item: GradeCase, subject: GradeSubject) -> (Verdict, String, Duration, [TraceEvent])? {
        let manifest = subject.typed
        if let unknown = NoDialect.reason(item, subject.manifest) { return (.unsupported, unknown, .zero, []) }
        if let dialect = try? manifest.dialect(), let missing = item.missingVerbs(in: dialect) {
            return (.unsupported, missing, .zero, [])
        }
        let missing = item.needs.filter { manifest.input[$0] == nil }
        if !missing.isEmpty {
            let whose = subject.partner == nil ? "the manifest" : "the client manifest"
            return (.unsupported, "\(whose) has no input action for: \(missing.joined(separator: ", "))", .zero, [])
        }
        if item.needsRelay, !(manifest.uses("port") && manifest.uses("advertise_port")) {
            return (.unsupported, "needs a relay in front of the client: the command must take {port} and {advertise_port}", .zero, [])
        }
        return nil
    }

    static func runOnce(_ item: GradeCase, manifest: Manifest, partner: Manifest? = nil, rto: Duration, group: EventLoopGroup,
                        ports: PortAllocator, control: RunControl = RunControl()) async -> (Verdict, String, Duration, [TraceEvent]) {
        if let unsupported = unrunnable(item, subject: GradeSubject(manifest, partner: partner)) { return unsupported }
        let context = CaseContext(manifest: manifest, caseID: item.id, rto: rto, group: group, ports: ports, control: control)
        if let partner { context.whole = WholeContext(base: context, server: manifest, client: partner) }
        let timeout = rto * 8 + .seconds(20) + item.slack
        var verdict = Verdict.pass
        var reason = item.title
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask { try await item.body(context) }
                tasks.addTask {
                    try await Task.sleep(for: timeout)
                    throw CaseStop.error("the case did not finish within its timeout of \(formatSeconds(timeout))")
                }
                tasks.addTask {
                    try await control.shared.waitForInterrupt()
                    throw CaseStop.stopped(control.shared.why)
                }
                try await tasks.next()
                tasks.cancelAll()
            }
            let notes = context.lenientNotes
            if !notes.isEmpty {
                verdict = .lenient
                reason = notes.joined(separator: "; ")
            }
        } catch let stop as CaseStop {
            verdict = stop.verdict
            reason = stop.reason
            if stop.isSetup { control.setupFailed(stop.reason) }
            if verdict == .fail, !stop.crashIsTheRule, let exit = context.process?.exited, exit.status != 0 {
                verdict = .error
                reason = "the implementation crashed (exit status \(exit.status) at t=\(seconds(exit.time)))\(context.stderrTail()); then: \(stop.reason)"
            }
            context.trace.note("\(verdict.rawValue): \(reason)", tag: "verdict")
        } catch is CancellationError {
            verdict = .error
            reason = "cancelled"
        } catch {
            verdict = .error
            reason = "grader error: \(error)"
        }
        await context.tearDown()
        return (verdict, reason, context.trace.now(), context.trace.events)
    }
}

/// Interrupts grading runs from outside (the command's SIGINT/SIGTERM handler, or `--exitfirst` after a
/// failure): nothing new starts, and running cases end with the verdict INTERRUPTED after their
/// processes are stopped.
public final class GradeControl: @unchecked Sendable {
    private let lock = NSLockBox()
    private var stopped = false
    private var reason = "SIGINT/SIGTERM"

    public init() {}

    /// Stops the run; `why` is said in the unfinished cases' detail (the first reason given stays).
    public func interrupt(why: String? = nil) {
        lock.withLock {
            if !stopped, let why { reason = why }
            stopped = true
        }
    }
    public var interrupted: Bool { lock.withLock { stopped } }
    /// Why the run was stopped: `SIGINT/SIGTERM` unless `interrupt(why:)` said otherwise.
    public var why: String { lock.withLock { reason } }

    /// Returns once `interrupt()` has been called; throws when the waiting task is cancelled.
    func waitForInterrupt() async throws {
        while !interrupted { try await Task.sleep(for: .milliseconds(20)) }
    }
}

/// What one grading run shares between its cases: an interrupt or a setup error stops it starting more.
final class RunControl: @unchecked Sendable {
    let shared: GradeControl
    /// Set in the sandboxed worker: the implementation runs under these limits.
    let limits: Limits?
    private let lock = NSLockBox()
    private var setup: String?
    private var processes: [IUTProcess] = []

    /// Set in the grader when cases run in sandboxes.
    let sandbox: SandboxPlan?

    init(_ shared: GradeControl = GradeControl(), limits: Limits? = nil, sandbox: SandboxPlan? = nil) {
        self.shared = shared
        self.limits = limits
        self.sandbox = sandbox
    }

    /// The implementation processes started so far.
    var launchedProcesses: [IUTProcess] { lock.withLock { processes } }
    func launched(_ process: IUTProcess) { lock.withLock { processes.append(process) } }

    /// The first setup error (the command cannot be started).
    var setupError: String? { lock.withLock { setup } }
    func setupFailed(_ reason: String) { lock.withLock { if setup == nil { setup = reason } } }
    /// True once nothing new should start.
    var stopStarting: Bool { shared.interrupted || lock.withLock { setup != nil } }
}

/// `10 s`, `0.3 s`.
public func formatSeconds(_ duration: Duration) -> String {
    let value = duration.seconds
    return value == value.rounded() ? "\(Int(value)) s" : String(format: "%g s", (value * 1000).rounded() / 1000)
}
