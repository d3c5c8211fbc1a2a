// `udpchat grade`: Grade a third-party server or client against the protocol, case by case.
import ArgumentParser
import Foundation
import UDPChatGrader
import UDPChatIUT
import UDPChatReports
import UDPChatSupport

struct GradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade",
        abstract: "Grade a third-party server or client against the protocol, case by case.",
        discussion: """
            MANIFEST.yaml describes the implementation (PROTOCOL.md, "The implementation-under-test manifest"). \
            Exit status: 0 nothing failed, 1 some case FAIL/ERROR/FLAKY (or a batch manifest cannot be loaded), \
            2 the grader could not run, 3 no case could be judged (every case UNSUPPORTED: the last line says why). \
            --batch DIR grades each subfolder of DIR as one submission: its manifests (YAML files with role: or \
            command:) beside its dialect, scenarios and anything else. A server's and a client's manifest given \
            together (or a batch folder holding one of each) are also graded whole: the submission's own server and \
            clients run together in one sandbox, judged from consoles, the wire, sockets and processes (W-* cases). \
            With --stand-in, a server or client graded alone gets the W-* cases of its role too, this udpchat's \
            reference client or server standing in for the other role. See docs/GRADER.md.

            """ + HelpLayout.examples(
                "udpchat grade Fixtures/iut/reference-client.yaml --rto 500ms",
                "udpchat grade Fixtures/iut/reference-server.yaml --html report.html",
                "udpchat grade Fixtures/iut/reference-client.yaml --cases 'C-MSG-*'",
                "udpchat grade server.yaml client.yaml --cases 'W-*' --html whole.html",
                "udpchat grade Fixtures/iut/faulty/server-no-repeat.yaml --stand-in",
                "udpchat grade --list",
                "udpchat grade --batch submissions --shard 1/4 --json shard-1.json",
                "udpchat grade --batch submissions --gradescope-dir out --csv grades.csv \\\n    --rubric rubric.yaml",
                "udpchat grade Fixtures/iut/reference-server.yaml -k LEAVE --exitfirst",
                "udpchat grade --batch submissions --last-failed")
    )

    @Argument(help: "The implementation-under-test manifest (YAML); a server's and a client's manifest together are also graded whole (W-* cases).")
    var manifests: [String] = []

    /// The one manifest given (the first of two).
    var manifest: String? { manifests.first }

    @Option(help: "RTO to grade at when the command takes {rto} (e.g. 10s, 500ms).")
    var rto: DurationArgument = DurationArgument(.seconds(10))

    @Option(help: "Only cases whose id matches one of these globs (repeatable, or comma-separated).")
    var cases: [String] = []

    @Option(help: "Skip cases whose id matches one of these globs.")
    var skip: [String] = []

    @Flag(help: "Print the catalogue (id, section, level) for the manifest's role, or both roles, and exit.")
    var list = false

    @Option(help: "Cases run at once, 0 for all of them (a manifest pinned to port 7070 runs one at a time).")
    var jobs: Int = 0

    @Option(name: .customLong("repeat"), help: "Run each case N times; disagreeing runs are FLAKY.")
    var repeatCount: Int = 1

    @Option(help: "Write the results as JSON.")
    var json: String?

    @Option(help: "Write the results as JUnit XML.")
    var junit: String?

    @Option(help: "Write a self-contained HTML report with a message sequence diagram per case.")
    var html: String?

    @OptionGroup(title: "Gradebook")
    var gradebook: GradebookOptions

    @OptionGroup(title: "Selection, as pytest's")
    var selection: SelectionOptions

    @Option(help: "Write each case's trace into this folder.")
    var artifacts: String?

    @Option(help: "Grade every submission folder in this folder: the manifests (YAML with role:/command:) inside each; other YAML is skipped.")
    var batch: String?

    @Option(help: "With --batch: grade only shard I of N (1-based), e.g. 2/4.")
    var shard: String?

    @Flag(help: "With --batch: also chat every pair of client implementations through the reference server and a lossy relay (N×N matrix).")
    var interop = false

    @Option(help: "With --interop: the reference server command (default: this udpchat's 'server --port {port} --rto {rto} --dialect {dialect}'; {dialect}: a file of the clients' dialect, or the contract's own format).")
    var referenceServer: String?

    @Flag(help: "A server or client graded alone (no manifest of the other role beside it) is also judged by the W-* cases of its role, with this udpchat's reference client or server standing in, speaking its dialect.")
    var standIn = false

    @Flag(help: "Quiet: no progress lines.")
    var quiet = false

    @Option(help: ArgumentHelp("auto / required: each case in its own sandbox (bubblewrap), or exit 2 saying what to install or allow; none: the implementations run on the host, unsandboxed (the reports say so).", valueName: "auto|required|none"))
    var isolation: Isolation = .auto

    @Option(help: ArgumentHelp("The instructor's sandbox policy (YAML: limits, system-paths; docs/GRADER.md, \"Sandbox\"). A manifest's limits: may ask for less, never more.", valueName: "FILE"))
    var policy: String?

    /// Option checks; a failure exits 2 ("the grader could not run") with a one-line reason.
    func checkOptions() throws(UDPChatError) {
        if manifest == nil, batch == nil, !list { throw UDPChatError.usage("give a MANIFEST.yaml or --batch DIR") }
        if manifest != nil, batch != nil { throw UDPChatError.usage("give either a MANIFEST.yaml or --batch DIR, not both") }
        if manifests.count > 2 { throw UDPChatError.usage("give one manifest, or a server's and a client's (graded whole too)") }
        if jobs < 0 { throw UDPChatError.usage("--jobs must be 0 (all) or more") }
        if repeatCount < 1 { throw UDPChatError.usage("--repeat must be at least 1") }
        if rto.duration <= .zero { throw UDPChatError.usage("--rto must be above zero") }
        if shard != nil, batch == nil { throw UDPChatError.usage("--shard needs --batch") }
        if interop, batch == nil { throw UDPChatError.usage("--interop needs --batch DIR (the client implementations to pair)") }
        if let shard, parseShard(shard) == nil { throw UDPChatError.usage("--shard must be I/N with 1 ≤ I ≤ N, e.g. 1/4") }
        try gradebook.check()
    }

    func run() async throws {
        do {
            try checkOptions()
        } catch {
            FileHandle.standardError.write(Data("grade: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        if list {
            printCatalogue()
            return
        }
        var options = GradeOptions()
        options.rto = rto.duration
        options.jobs = jobs
        options.repeatCount = repeatCount
        options.artifacts = artifacts
        let started = Date()
        let (points, entries, wholes) = try prepare()
        options.sandbox = try await Self.sandboxPlan(isolation, policy: policy, worker: "grade-worker", command: "grade")
        let control = options.control
        let stopOnFailure = selection.stopper { control.interrupt(why: "--exitfirst: stopped after the first failure") }
        let progress = ProgressReporter(total: 0, label: "cases", stream: .stderr, live: quiet ? false : nil)
        let outcome = try await GracefulRun.run(onShutdown: { control.interrupt() }) { [self, options] in
            let reports = await gradeAll(entries, wholes: wholes, options: options, progress: progress, stopOnFailure: stopOnFailure)
            progress.finish()
            if reports.count > 1 { print(ReportFormat.batchTable(reports)) }
            let interopResults = interop && !control.interrupted ? await runInterop(entries.compactMap(\.graded), options: options) : []
            return (reports, interopResults)
        }
        let (reports, interopResults) = outcome.value
        if let signal = outcome.signalName {
            FileHandle.standardError.write(Data("grade: interrupted by \(signal): unfinished cases are marked INTERRUPTED\n".utf8))
        } else if let note = selection.stoppedNote(notRun: reports.flatMap(\.cases).filter { $0.verdict == .interrupted }.count, noun: "case") {
            print(note)
        }
        LastFailed.save(reports.flatMap { report in report.cases.filter(\.verdict.isFailure).map { "\(report.implementation)\t\($0.id)" } }, for: .grade)
        try writeReports(reports, interop: interopResults, rubric: points, options: options, started: started)
        if let code = outcome.signalExitCode { throw ExitCode(code) }
        if let setup = reports.lazy.compactMap(\.setupError).first {
            FileHandle.standardError.write(Data("grade: the grader could not run: \(setup)\n".utf8))
            throw ExitCode(2)
        }
        // Nothing silently: an implementation none of whose cases could be judged is named on the last line.
        // A server or client report all UNSUPPORTED (dialect: none) is judged by its submission's whole report.
        let unjudged = GradeReport.unjudged(reports).compactMap {
            ReportFormat.unjudgedLine($0, label: reports.count == 1 ? nil : "\($0.implementation) (\($0.role.rawValue))")
        }
        for line in unjudged { print(line) }
        if reports.contains(where: \.hasFailures) || interopResults.contains(where: { $0.verdict.isFailure }) { throw ExitCode(1) }
        if !unjudged.isEmpty { throw ExitCode(3) }
    }

    /// The rubric, the manifests (or the batch's entries) and the whole submissions, checked before any
    /// case runs: a mistake exits 2 with one line; so does a selection (--cases, -k, --last-failed) of nothing.
    func prepare() throws -> (Rubric, [BatchEntry], [WholeSubmission]) {
        func fail(_ line: String) -> ExitCode {
            FileHandle.standardError.write(Data("grade: \(line)\n".utf8))
            return ExitCode(2)
        }
        let points: Rubric, entries: [BatchEntry], wholes: [WholeSubmission]
        do { points = try gradebook.loadRubric() } catch { throw fail(error.description) }
        do { entries = try loadEntries() } catch { throw fail(error.description) }
        if interop {
            // One interop run has one wire format: clients of different dialects cannot chat (exit 2 before grading anything).
            do {
                _ = try Interop.dialect(of: entries.compactMap(\.graded).filter { $0.role == .client })
            } catch {
                throw fail("--interop: \(error.reason)")
            }
        }
        do { wholes = try wholeSubmissions(entries) } catch { throw fail(error.description) }
        // With whole submissions a role that --cases leaves empty is skipped; nothing selected at all is exit 2.
        // --stand-in: a manifest graded alone has the whole cases of its role too.
        let lone = standIn ? entries.compactMap(\.graded).filter { Self.gradedAlone($0, wholes) }.map(\.role) : []
        let roles = Set(entries.compactMap(\.graded).map { GradedRole($0.role) }).union(wholes.isEmpty && lone.isEmpty ? [] : [.whole])
        let empty = roles.filter { role in
            guard role == .whole else { return Grader.select(role: role, cases: cases, skip: skip).isEmpty }
            return (wholes.isEmpty || Grader.select(role: .whole, cases: cases, skip: skip).isEmpty)
                && lone.allSatisfy { Grader.select(role: .whole, cases: cases, skip: skip, judging: $0).isEmpty }
        }
        if let role = empty.first, (wholes.isEmpty && lone.isEmpty) || empty == roles {
            throw fail("--cases/--skip select no \(role.rawValue) case (see `udpchat grade --list`)")
        }
        if !selection.asked.isEmpty, !entries.contains(where: isChosen), !wholes.contains(where: { !chosen(.whole, label: $0.name).isEmpty }) {
            throw fail("no case is selected (\(selection.asked))")
        }
        return (points, entries, wholes)
    }

    /// What to grade: the one manifest, or the manifests of the batch folder's submissions (this shard's),
    /// broken ones included (each becomes an ERROR row).
    func loadEntries() throws(UDPChatError) -> [BatchEntry] {
        if !manifests.isEmpty {
            var entries: [BatchEntry] = []
            for path in manifests {
                let loaded = try Manifest.load(path: path)
                entries.append(BatchEntry(relativePath: path, label: loaded.name, role: loaded.role, manifest: .success(loaded)))
            }
            return entries
        }
        guard let batch else { return [] }
        var entries = try GradeBatch.entries(in: batch)
        if let shard, let (index, count) = parseShard(shard) {
            entries = entries.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
        }
        if entries.isEmpty {
            throw UDPChatError.usage("--batch \(batch): no manifests (YAML files with role: or command:) in this shard")
        }
        return entries
    }

    /// The ERROR row of a batch manifest that cannot be loaded (the other submissions are still graded).
    func brokenReport(_ entry: BatchEntry, _ error: UDPChatError) -> GradeReport {
        FileHandle.standardError.write(Data("grade: \(error.description): one ERROR row for \(entry.label)\n".utf8))
        return GradeBatch.brokenReport(entry, path: "\(batch ?? ".")/\(entry.relativePath)", reason: error.description)
    }

    static func ownExecutable() -> String {
        let resolved = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath().path
        if FileManager.default.isExecutableFile(atPath: resolved), resolved != "/proc/self/exe" { return resolved }
        return CommandLine.arguments[0]
    }

    func parseShard(_ text: String) -> (Int, Int)? {
        let parts = text.split(separator: "/")
        guard parts.count == 2, let index = Int(parts[0]), let count = Int(parts[1]), count >= 1, index >= 1, index <= count else {
            return nil
        }
        return (index, count)
    }

    func safeName(_ name: String) -> String {
        String(name.map { $0.isLetter || $0.isNumber || $0 == "-" || $0 == "_" ? $0 : "_" })
    }

    func printCatalogue() {
        var roles = GradedRole.allCases
        if manifests.count == 1, let manifest, let loaded = try? Manifest.load(path: manifest) { roles = [GradedRole(loaded.role)] }
        let plays: [GradedRole: String] = [.server: "the grader plays many clients", .client: "the grader plays the server and the peers",
                                           .whole: "a submission's own server and clients together"]
        for role in roles {
            print("\(role.rawValue) role (\(plays[role]!)):")
            for item in Grader.select(role: role, cases: cases, skip: skip) {
                let id = item.id.padding(toLength: 22, withPad: " ", startingAt: 0)
                let level = item.level.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
                let needs = item.needs.isEmpty ? "" : "  [needs: \(item.needs.joined(separator: ", "))]"
                print("  \(id) \(level) \(item.section.padding(toLength: 34, withPad: " ", startingAt: 0)) \(item.title)\(needs)")
            }
        }
    }
}

extension Isolation: ExpressibleByArgument {}

extension GradeCommand {
    /// The sandbox plan for `--isolation` and `--policy`: nil with `none` (a notice says the code runs
    /// unsandboxed); exit 2 when no sandbox can be made, with what to install or allow.
    static func sandboxPlan(_ isolation: Isolation, policy path: String?, worker: String, command: String) async throws -> SandboxPlan? {
        var policy = SandboxPolicy.default
        if let path {
            do {
                policy = try SandboxPolicy.load(path: path)
            } catch {
                FileHandle.standardError.write(Data("\(command): --policy \(error.reason)\n".utf8))
                throw ExitCode(2)
            }
        }
        if isolation == .none {
            FileHandle.standardError.write(Data("\(command): --isolation none: the implementations run on the host, unsandboxed (the reports say so)\n".utf8))
            return nil
        }
        if let reason = await Sandbox.unavailableReason() {
            let message = "\(command): no sandbox: \(reason). Untrusted code runs only in a sandbox; to run it on the host anyway, pass --isolation none\n"
            FileHandle.standardError.write(Data(message.utf8))
            throw ExitCode(2)
        }
        return SandboxPlan(worker: [ownExecutable(), worker], policy: policy)
    }

    /// The reports' `isolation` line for a run with `plan` (nil: on the host).
    static func isolationNote(_ plan: SandboxPlan?) -> String {
        guard plan != nil else { return "none: the implementations ran on the host, unsandboxed (--isolation none)" }
        return "sandbox (bubblewrap: own user, PID and network namespaces, seccomp; limits: "
            + (CaseCgroup.kind ?? "rlimits and a process watch") + ")"
    }
}

extension GradeCommand {
    /// The whole submissions to grade: the two manifests of the command line (one server, one client),
    /// or each batch submission folder holding one server and one client manifest.
    /// Whether `manifest` is graded without the other role's manifest beside it (then `--stand-in` pairs it).
    static func gradedAlone(_ manifest: Manifest, _ wholes: [WholeSubmission]) -> Bool {
        !wholes.contains { [$0.server.path, $0.client.path].contains(manifest.path) }
    }

    func wholeSubmissions(_ entries: [BatchEntry]) throws(UDPChatError) -> [WholeSubmission] {
        if manifests.count == 2 { return [try WholeSubmission.from(entries.compactMap(\.graded))] }
        return batch == nil ? [] : WholeSubmission.pairs(entries)
    }
}
