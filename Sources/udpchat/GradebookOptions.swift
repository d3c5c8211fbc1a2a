// The instructor's outputs of graded reports, shared by `grade` and `report merge`: Gradescope's
// results.json (one for the run, or one per submission folder), the CSV gradebook, the rubric.
import ArgumentParser
import Foundation
import UDPChatGrader
import UDPChatSupport

struct GradebookOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Write one Gradescope results.json for the whole run here (points from --rubric).", valueName: "FILE"))
    var gradescope: String?

    @Option(help: ArgumentHelp("Write one Gradescope results.json per submission: DIR/<submission folder>/results.json.", valueName: "DIR"))
    var gradescopeDir: String?

    @Option(help: ArgumentHelp("Write a CSV gradebook: one row per submission, a column per case (its points), the total and the maximum.", valueName: "FILE"))
    var csv: String?

    @Option(help: ArgumentHelp("With --gradescope, --gradescope-dir or --csv: a YAML file of case glob → points, and visibility: case glob → visible|hidden|after_due_date|after_published (default: MUST 4, SHOULD 1, INFO 0; LENIENT loses 1).", valueName: "FILE"))
    var rubric: String?

    /// A usage mistake (exit 2): a rubric for no output.
    func check() throws(UDPChatError) {
        if rubric != nil, gradescope == nil, gradescopeDir == nil, csv == nil {
            throw UDPChatError.usage("--rubric needs --gradescope FILE, --gradescope-dir DIR or --csv FILE")
        }
    }

    /// The rubric to score with: --rubric's, or the default.
    func loadRubric() throws(UDPChatError) -> Rubric {
        guard let rubric else { return .default }
        return try Rubric.load(path: rubric)
    }

    /// Writes the outputs asked for.
    func write(_ reports: [GradeReport], rubric points: Rubric) throws {
        if let gradescope { try Gradescope.results(reports, rubric: points).write(to: URL(fileURLWithPath: gradescope)) }
        if let gradescopeDir { try Gradescope.writeDirectory(reports, rubric: points, to: gradescopeDir) }
        if let csv { try Gradebook.csv(reports, rubric: points).write(toFile: csv, atomically: true, encoding: .utf8) }
    }
}
