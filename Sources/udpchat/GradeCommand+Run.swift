// `udpchat grade`'s run: the manifests and whole submissions graded one after another with their
// progress lines, the cases -k/--last-failed choose, --exitfirst's stop, interop, and the reports written.
import ArgumentParser
import Foundation
import UDPChatGrader
import UDPChatIUT
import UDPChatReports

extension GradeCommand {
    /// Grades every chosen entry, then every whole submission, until the run is stopped.
    func gradeAll(_ entries: [BatchEntry], wholes: [WholeSubmission], options: GradeOptions, progress: ProgressReporter,
                  stopOnFailure: @escaping @Sendable (Bool) -> Void) async -> [GradeReport] {
        let batched = entries.count > 1
        let control = options.control
        var reports: [GradeReport] = []
        for entry in entries where !control.interrupted && isChosen(entry) {
            if case .failure(let error) = entry.manifest {
                let report = brokenReport(entry, error)
                print(ReportFormat.matrix(report))
                reports.append(report)
                stopOnFailure(true)
                continue
            }
            guard let manifest = entry.graded else { continue }
            var perManifest = options
            if let artifacts, batch != nil { perManifest.artifacts = "\(artifacts)/\(safeName(manifest.name))" }
            let (_, note) = Grader.effectiveRTO(manifest: manifest, requested: options.rto)
            let said = "grading \(manifest.name) (\(manifest.role.rawValue)): \(note)"
            var graded = await gradeOne(GradedRole(manifest.role), label: manifest.name, saying: said, options: perManifest,
                                        progress: progress, batched: batched, stopOnFailure: stopOnFailure,
                                        { await Grader.run(manifest: manifest, options: $0) })
            if standIn, !control.interrupted, Self.gradedAlone(manifest, wholes) {
                graded = await gradeWithStandIn(manifest, adding: graded, options: perManifest, progress: progress, batched: batched, stopOnFailure: stopOnFailure)
            }
            guard var report = graded else { continue }
            if batch != nil { report.submission = entry.submission }
            reports.append(report)
        }
        for whole in wholes where !control.interrupted {
            var perWhole = options
            if let artifacts { perWhole.artifacts = "\(artifacts)/\(safeName(whole.name))-whole" }
            let said = "grading \(whole.name) whole: its server and clients together"
            guard var report = await gradeOne(.whole, label: whole.name, saying: said, options: perWhole, progress: progress,
                                              batched: batched, stopOnFailure: stopOnFailure,
                                              { await Grader.run(whole: whole, options: $0) }) else { continue }
            if batch != nil { report.submission = whole.name }
            reports.append(report)
        }
        return reports
    }

    /// `--stand-in`: the W-* cases that judge `manifest`'s role, with the reference counterpart standing
    /// in, added to its report `own` (a note when nothing can stand in, e.g. `dialect: none`).
    func gradeWithStandIn(_ manifest: Manifest, adding own: GradeReport?, options: GradeOptions, progress: ProgressReporter, batched: Bool,
                          stopOnFailure: @escaping @Sendable (Bool) -> Void) async -> GradeReport? {
        let pair: WholeSubmission
        switch WholeSubmission.standIn(for: manifest, executable: Self.ownExecutable()) {
        case .success(let made): pair = made
        case .failure(let error):
            // Said even with --quiet: the cases the user asked for are not run.
            if quiet { FileHandle.standardError.write(Data("grade: --stand-in: \(error.reason)\n".utf8)) } else { progress.say("--stand-in: \(error.reason)") }
            return own
        }
        var options = options
        if let artifacts = options.artifacts { options.artifacts = artifacts + "/stand-in" }
        let said = "grading \(manifest.name) with the reference \(pair.standIn?.rawValue ?? "counterpart") standing in: the W-* cases that judge its \(manifest.role.rawValue)"
        guard let more = await gradeOne(.whole, label: manifest.name, judging: manifest.role, saying: said, options: options, progress: progress,
                                        batched: batched, stopOnFailure: stopOnFailure, { await Grader.run(whole: pair, options: $0) }) else { return own }
        guard var report = own else {
            var alone = more
            (alone.implementation, alone.role, alone.manifest) = (manifest.name, GradedRole(manifest.role), manifest.path)
            return alone
        }
        report.cases += more.cases
        report.duration += more.duration
        report.setupError = report.setupError ?? more.setupError
        return report
    }

    /// Grades one implementation (or whole submission) on its chosen cases, with progress lines and the
    /// result matrix; nil when --cases, -k and --last-failed choose none of its cases.
    /// `judging`: a stand-in pair's, only the whole cases that judge that role.
    func gradeOne(_ role: GradedRole, label: String, judging: IUTRole? = nil, saying: String, options: GradeOptions, progress: ProgressReporter, batched: Bool,
                  stopOnFailure: @escaping @Sendable (Bool) -> Void, _ run: (GradeOptions) async -> GradeReport) async -> GradeReport? {
        let chosen = chosen(role, label: label, judging: judging)
        guard !chosen.isEmpty else { return nil }
        var options = options
        options.cases = chosen.map(\.id)
        options.skip = []
        let quiet = self.quiet
        if !quiet {
            progress.add(total: chosen.count)
            progress.say(saying)
        }
        options.progress = { result in
            if !quiet {
                progress.finished(ReportFormat.progressLine(result, implementation: batched ? label : nil), failed: result.verdict.isFailure, always: true)
            }
            stopOnFailure(result.verdict.isFailure)
        }
        let report = await run(options)
        progress.clearStatus()
        print(ReportFormat.matrix(report))
        return report
    }

    /// The cases of `role` to grade for the implementation labelled `label`: --cases and --skip, then
    /// -k (a case's id or title, or the label) and --last-failed (the cases it failed last time).
    func chosen(_ role: GradedRole, label: String, judging: IUTRole? = nil) -> [GradeCase] {
        selection.select(Grader.select(role: role, cases: cases, skip: skip, judging: judging), command: .grade,
                         names: { [$0.id, $0.title, label] }, key: { "\(label)\t\($0.id)" })
    }

    /// Whether an entry is graded at all: a loaded manifest with a chosen case; a broken one (its
    /// MANIFEST row) when its role has cases and -k / --last-failed keep it.
    func isChosen(_ entry: BatchEntry) -> Bool {
        guard entry.graded == nil else {
            return !chosen(GradedRole(entry.role), label: entry.label).isEmpty || (standIn && !chosen(.whole, label: entry.label, judging: entry.role).isEmpty)
        }
        guard !Grader.select(role: GradedRole(entry.role), cases: cases, skip: skip).isEmpty else { return false }
        return !selection.select([entry], command: .grade, names: { [$0.label, "MANIFEST"] }, key: { "\($0.label)\tMANIFEST" }).isEmpty
    }

    /// `--interop`: every ordered pair of the batch's clients through the reference server.
    func runInterop(_ manifests: [Manifest], options: GradeOptions) async -> [InteropResult] {
        let clients = manifests.filter { $0.role == .client }
        let server = referenceServer.map { $0.split(separator: " ").map(String.init) } ?? Interop.defaultServerCommand(executable: Self.ownExecutable())
        if let wire = try? Interop.dialect(of: clients), !wire.isDefault, !server.contains(where: { $0.contains("{dialect}") }), !quiet {
            FileHandle.standardError.write(Data("interop: the clients speak dialect \(wire.name) and --reference-server has no {dialect}: it must speak that dialect itself\n".utf8))
        }
        if !quiet { FileHandle.standardError.write(Data("interop: \(clients.count)×\(clients.count) pairs through \(server[0])\n".utf8)) }
        let results = await Interop.run(clients: clients, serverCommand: server, rto: options.rto, artifacts: artifacts, sandbox: options.sandbox)
        print(Interop.matrix(results, names: clients.map(\.name)))
        return results
    }

    /// Every report asked for: JSON, Gradescope (one file, or one per submission), the CSV gradebook,
    /// JUnit, HTML. A file that cannot be written exits 2.
    func writeReports(_ reports: [GradeReport], interop: [InteropResult], rubric: Rubric, options: GradeOptions, started: Date) throws {
        do {
            var run = RunInfo.current(seed: Interop.defaultSeed, started: started)
            run.isolation = Self.isolationNote(options.sandbox)
            if let json {
                let data = batch == nil && reports.count == 1 ? try ReportFormat.json(reports[0], run: run)
                    : try ReportFormat.jsonBatch(reports, interop: interop, run: run)
                try data.write(to: URL(fileURLWithPath: json))
            }
            try gradebook.write(reports, rubric: rubric)
            if let junit { try ReportFormat.junit(reports).write(toFile: junit, atomically: true, encoding: .utf8) }
            if let html { try HTMLReport.render(reports, run: run).write(toFile: html, atomically: true, encoding: .utf8) }
        } catch {
            FileHandle.standardError.write(Data("grade: cannot write a report: \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
    }
}
