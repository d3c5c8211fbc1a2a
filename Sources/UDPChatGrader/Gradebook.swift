// `--csv FILE`: the gradebook of a graded batch — one row per submission, one column per case (the
// points the rubric gives it), the total and the most it could earn (docs/GRADER.md "CSV gradebook").
import Foundation

public enum Gradebook {
    /// RFC 4180 CSV. A case a submission was not graded on is an empty cell; a case that was not run
    /// (INTERRUPTED) says `not run` and earns nothing (its points still count in `max`, as in results.json). Columns: `submission`, the case ids in
    /// the order they first appear, `total`, `max`.
    public static func csv(_ reports: [GradeReport], rubric: Rubric) -> String {
        var columns: [String] = []
        for result in reports.flatMap(\.cases) where !columns.contains(result.id) { columns.append(result.id) }
        var lines = [(["submission"] + columns + ["total", "max"]).map(field).joined(separator: ",")]
        for group in Gradescope.bySubmission(reports) {
            var cells: [String: String] = [:]
            var earned: [String: Double] = [:]
            var total = 0.0, most = 0.0
            for result in group.reports.flatMap(\.cases) {
                most += rubric.maxPoints(result)
                if result.verdict == .interrupted {
                    if earned[result.id] == nil { cells[result.id] = "not run" }
                    continue
                }
                // Two manifests of one role in a submission: their points for a case add up, as in its results.json.
                earned[result.id, default: 0] += rubric.points(result)
                cells[result.id] = Gradescope.format(earned[result.id]!)
                total += rubric.points(result)
            }
            let row = [group.submission] + columns.map { cells[$0] ?? "" } + [Gradescope.format(total), Gradescope.format(most)]
            lines.append(row.map(field).joined(separator: ","))
        }
        return lines.joined(separator: "\r\n") + "\r\n"
    }

    /// One CSV field: quoted when it holds a comma, a quote or a line break; a leading `=`, `+`, `-` or
    /// `@` in text (a folder name a spreadsheet would run as a formula) is defused with a `'`.
    static func field(_ text: String) -> String {
        var text = text
        if let first = text.first, "=+-@".contains(first), Double(text) == nil { text = "'" + text }
        guard text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" || $0 == "\r" }) else { return text }
        return "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\""
    }
}
