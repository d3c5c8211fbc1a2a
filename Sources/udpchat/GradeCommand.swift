import ArgumentParser
import Foundation
import UDPChatGrader

struct GradeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "grade",
        abstract: "Grade a third-party server or client against the protocol, case by case.",
        discussion: """
            MANIFEST.yaml describes the implementation (PROTOCOL.md, "The implementation-under-test manifest"). \
            Exit status: 0 nothing failed, 1 some case FAIL/ERROR/FLAKY, 2 the grader could not run. \
            See docs/GRADER.md.

            """ + HelpLayout.examples(
                "udpchat grade Fixtures/iut/reference-client.yaml --rto 500ms",
                "udpchat grade Fixtures/iut/reference-server.yaml --html report.html",
                "udpchat grade Fixtures/iut/reference-client.yaml --cases 'C-MSG-*'",
                "udpchat grade --list",
                "udpchat grade --batch submissions --shard 1/4 --json shard-1.json")
    )

    @Argument(help: "The implementation-under-test manifest (YAML).")
    var manifest: String?

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

    @Option(help: "Write each case's trace into this folder.")
    var artifacts: String?

    @Option(help: "Grade every manifest (*.yaml, *.yml) under this folder.")
    var batch: String?

    @Option(help: "With --batch: grade only shard I of N (1-based), e.g. 2/4.")
    var shard: String?

    @Flag(help: "With --batch: also chat every pair of client implementations through the reference server and a lossy relay (N×N matrix).")
    var interop = false

    @Option(help: "With --interop: the reference server command (default: this udpchat's 'server --port {port} --rto {rto}').")
    var referenceServer: String?

    @Flag(help: "Quiet: no progress lines.")
    var quiet = false

    /// Option checks; a failure exits 2 ("the grader could not run") with a one-line reason.
    func checkOptions() throws(GraderError) {
        if manifest == nil, batch == nil, !list { throw GraderError("give a MANIFEST.yaml or --batch DIR") }
        if manifest != nil, batch != nil { throw GraderError("give either a MANIFEST.yaml or --batch DIR, not both") }
        if jobs < 0 { throw GraderError("--jobs must be 0 (all) or more") }
        if repeatCount < 1 { throw GraderError("--repeat must be at least 1") }
        if rto.duration <= .zero { throw GraderError("--rto must be above zero") }
        if shard != nil, batch == nil { throw GraderError("--shard needs --batch") }
        if interop, batch == nil { throw GraderError("--interop needs --batch DIR (the client implementations to pair)") }
        if let shard, parseShard(shard) == nil { throw GraderError("--shard must be I/N with 1 ≤ I ≤ N, e.g. 1/4") }
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
        options.rto = Double(rto.duration.components.seconds) + Double(rto.duration.components.attoseconds) * 1e-18
        options.cases = cases
        options.skip = skip
        options.jobs = jobs
        options.repeatCount = repeatCount
        options.artifacts = artifacts
        if !quiet { options.progress = { line in FileHandle.standardError.write(Data((line + "\n").utf8)) } }

        let manifests: [Manifest]
        do {
            manifests = try loadManifests()
        } catch let error as ManifestError {
            FileHandle.standardError.write(Data("grade: \(error.description)\n".utf8))
            throw ExitCode(2)
        } catch let error as GraderError {
            FileHandle.standardError.write(Data("grade: \(error.description)\n".utf8))
            throw ExitCode(2)
        }
        var reports: [GradeReport] = []
        for manifest in manifests {
            var perManifest = options
            if let artifacts, batch != nil { perManifest.artifacts = "\(artifacts)/\(safeName(manifest.name))" }
            if !quiet {
                let (_, note) = Grader.effectiveRTO(manifest: manifest, requested: options.rto)
                FileHandle.standardError.write(Data("grading \(manifest.name) (\(manifest.role.rawValue)): \(note)\n".utf8))
            }
            let report = await Grader.run(manifest: manifest, options: perManifest)
            print(ReportFormat.matrix(report))
            reports.append(report)
        }
        if reports.count > 1 { print(ReportFormat.batchTable(reports)) }
        var interopFailed = false
        var interopResults: [InteropResult] = []
        if interop {
            let clients = manifests.filter { $0.role == .client }
            let server = referenceServer.map { $0.split(separator: " ").map(String.init) } ?? [Self.ownExecutable(), "server", "--port", "{port}", "--rto", "{rto}"]
            if !quiet { FileHandle.standardError.write(Data("interop: \(clients.count)×\(clients.count) pairs through \(server[0])\n".utf8)) }
            let results = await Interop.run(clients: clients, serverCommand: server, rto: options.rto, artifacts: artifacts)
            print(Interop.matrix(results, names: clients.map(\.name)))
            interopResults = results
            interopFailed = results.contains { $0.verdict.isFailure }
        }
        do {
            if let json {
                let data = batch == nil ? try ReportFormat.json(reports[0]) : try ReportFormat.jsonBatch(reports, interop: interopResults)
                try data.write(to: URL(fileURLWithPath: json))
            }
            if let junit { try ReportFormat.junit(reports).write(toFile: junit, atomically: true, encoding: .utf8) }
            if let html { try HTMLReport.render(reports).write(toFile: html, atomically: true, encoding: .utf8) }
        } catch {
            FileHandle.standardError.write(Data("grade: cannot write a report: \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
        if reports.contains(where: \.hasFailures) || interopFailed { throw ExitCode(1) }
    }

    func loadManifests() throws -> [Manifest] {
        if let manifest { return [try Manifest.load(path: manifest)] }
        guard let batch else { return [] }
        var paths: [String] = []
        guard let walker = FileManager.default.enumerator(atPath: batch) else {
            throw GraderError("--batch \(batch): not a readable folder")
        }
        for case let path as String in walker where path.hasSuffix(".yaml") || path.hasSuffix(".yml") {
            paths.append("\(batch)/\(path)")
        }
        paths.sort()
        if let shard, let (index, count) = parseShard(shard) {
            paths = paths.enumerated().filter { $0.offset % count == index - 1 }.map(\.element)
        }
        if paths.isEmpty { throw GraderError("--batch \(batch): no manifests (*.yaml) in this shard") }
        return try paths.map { try Manifest.load(path: $0) }
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
        var roles = IUTRole.allCases
        if let manifest, let loaded = try? Manifest.load(path: manifest) { roles = [loaded.role] }
        for role in roles {
            print("\(role.rawValue) role (\(role == .server ? "the grader plays many clients" : "the grader plays the server and the peers")):")
            for item in Grader.select(role: role, cases: cases, skip: skip) {
                let id = item.id.padding(toLength: 22, withPad: " ", startingAt: 0)
                let level = item.level.rawValue.padding(toLength: 6, withPad: " ", startingAt: 0)
                let needs = item.needs.isEmpty ? "" : "  [needs: \(item.needs.joined(separator: ", "))]"
                print("  \(id) \(level) \(item.section.padding(toLength: 34, withPad: " ", startingAt: 0)) \(item.title)\(needs)")
            }
        }
    }
}
