// The rules the whole-submission cases (W-*, docs/GRADER.md "Whole submissions") judge, and the
// item of the original assignment (PROTOCOL.md "The original assignment") each one is about.
// PROTOCOL.md §10's cases column names only the S-/C- cases, so these are listed here.
extension ProtocolRules {
    /// A behavioural case's rule ids and the original assignment's item (1 … 6) it judges.
    public struct Behavioural: Sendable, Hashable {
        public var rules: [String]
        public var assignmentItem: Int?
    }

    /// W-* case id → what it judges.
    public static let behavioural: [String: Behavioural] = [
        "W-GARBAGE": Behavioural(rules: ["WIRE-7", "WIRE-8", "SRV-1"], assignmentItem: 1),
        "W-TABLE": Behavioural(rules: ["SRV-13"], assignmentItem: 2),
        "W-CONCURRENT": Behavioural(rules: ["SRV-1"], assignmentItem: 1),
        "W-CHAT": Behavioural(rules: ["MSG-7"], assignmentItem: 4),
        "W-LEAVE": Behavioural(rules: ["SRV-9", "LEAVE-2"], assignmentItem: 6),
        "W-RESEND-JOIN": Behavioural(rules: ["REQ-2", "TIME-2", "TIME-3"], assignmentItem: 2),
        "W-DEDUP": Behavioural(rules: ["MSG-4", "MSG-7"], assignmentItem: 4),
        "W-RESEND-MSG": Behavioural(rules: ["MSG-2", "TIME-2", "TIME-3", "MSG-7"], assignmentItem: 4),
    ]
}
