// Whether a grade run judged anything: a run where every case is UNSUPPORTED says so on its last line
// and `udpchat grade` exits 3, so a CI job never takes an ungraded submission for a pass.

extension GradeReport {
    /// Whether any case was judged: PASS, LENIENT, FAIL, FLAKY or ERROR (an implementation that crashed
    /// or timed out was run and judged). Only UNSUPPORTED (and INTERRUPTED) cases: nothing was.
    public var judged: Bool {
        cases.contains { $0.verdict != .unsupported && $0.verdict != .interrupted }
    }
}

extension ReportFormat {
    /// The line for a report that judged nothing, or nil: `no case could be judged: 30 UNSUPPORTED — 12 say
    /// "dialect x has no REGISTERED (…)"; …`, with the most frequent reason as the hint. `label` names the
    /// implementation in a batch.
    public static func unjudgedLine(_ report: GradeReport, label: String? = nil) -> String? {
        guard !report.judged, !report.cases.isEmpty else { return nil }
        let counts = Verdict.allCases.compactMap { verdict in report.summary[verdict.rawValue].map { "\($0) \(verdict.rawValue)" } }
        var reasons: [String: Int] = [:]
        for result in report.cases where result.verdict == .unsupported { reasons[result.detail, default: 0] += 1 }
        let common = reasons.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.first
        let hint = common.map { "\($0.value == report.cases.count ? "all" : "\($0.value)") say \"\($0.key)\"" } ?? "nothing ran"
        let whose = label.map { " for \($0)" } ?? ""
        return "no case could be judged\(whose): \(counts.joined(separator: ", ")) — \(hint); "
            + "see docs/GRADER.md \"Grading under a dialect\" and the manifest's input actions"
    }
}
