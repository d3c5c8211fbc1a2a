// `udpchat report`: Work with grade reports: join the shards of a sharded batch run.
import ArgumentParser
import Foundation
import UDPChatGrader
import UDPChatReports
import UDPChatSupport

struct ReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Work with grade reports: join the shards of a sharded batch run.",
        subcommands: [ReportMergeCommand.self]
    )
}

struct ReportMergeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "merge",
        abstract: "Join the JSON reports of sharded batch runs (grade --batch DIR --shard I/N --json F) into one report.",
        discussion: """
            The merged report lists the implementations in the order an unsharded run grades them, with \
            the same verdicts; --gradescope, --gradescope-dir and --csv write what grade would have written \
            unsharded. Exit status: 0 nothing failed, 1 some case FAIL/ERROR/FLAKY, 2 a shard could not be \
            read, two shards overlap or a file cannot be written. See docs/GRADER.md for a CI matrix, a Slurm \
            job array and a Kubernetes recipe.

            """ + HelpLayout.examples(
                "udpchat report merge shard-1.json shard-2.json --json all.json \\\n    --html all.html",
                "udpchat report merge shard-*.json --gradescope-dir out --csv grades.csv \\\n    --rubric rubric.yaml")
    )

    @Argument(help: "The shards' JSON reports.")
    var shards: [String]

    @Option(help: "Write the merged results as JSON.")
    var json: String?

    @Option(help: "Write the merged results as JUnit XML.")
    var junit: String?

    @Option(help: "Write the merged self-contained HTML report.")
    var html: String?

    @OptionGroup(title: "Gradebook")
    var gradebook: GradebookOptions

    func run() async throws {
        let merged: ReportMerge.Merged
        let points: Rubric
        do {
            guard !shards.isEmpty else { throw UDPChatError.report("give the shards' JSON reports") }
            try gradebook.check()
            points = try gradebook.loadRubric()
            merged = try ReportMerge.merge(paths: shards)
        } catch let error as UDPChatError {
            FileHandle.standardError.write(Data("report merge: \(error.description)\n".utf8))
            throw ExitCode(2)
        } catch {
            FileHandle.standardError.write(Data("report merge: \(error)\n".utf8))
            throw ExitCode(2)
        }
        print(ReportFormat.batchTable(merged.reports))
        let run = RunInfo.current(seed: merged.shards.first?.seed)
        do {
            if let json {
                try ReportFormat.jsonBatch(merged.reports, interop: merged.interop, run: run, shards: merged.shards)
                    .write(to: URL(fileURLWithPath: json))
            }
            if let junit { try ReportFormat.junit(merged.reports).write(toFile: junit, atomically: true, encoding: .utf8) }
            if let html { try HTMLReport.render(merged.reports, run: run).write(toFile: html, atomically: true, encoding: .utf8) }
            try gradebook.write(merged.reports, rubric: points)
        } catch {
            FileHandle.standardError.write(Data("report merge: cannot write a report: \(error.localizedDescription)\n".utf8))
            throw ExitCode(2)
        }
        if merged.reports.contains(where: \.hasFailures) || merged.interop.contains(where: { $0.verdict.isFailure }) { throw ExitCode(1) }
    }
}
