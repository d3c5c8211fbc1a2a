// The rules the whole-submission cases (W-*, docs/GRADER.md "Whole submissions") judge, and the
// item of the original assignment (PROTOCOL.md "The original assignment") each one is about.
// PROTOCOL.md §10's cases column names only the S-/C- cases, so these are listed here.
extension ProtocolRules {
    /// A behavioural case's rule ids, the original assignment's item (1 … 6) it judges, and the
    /// format-level cases that judge the same rule on the same fault (`formatCases`): graded on one
    /// fixture, the two agree (both pass, or both fail).
    public struct Behavioural: Sendable, Hashable {
        public var rules: [String]
        public var assignmentItem: Int?
        public var formatCases: [String] = []
    }

    /// W-* case id → what it judges.
    public static let behavioural: [String: Behavioural] = [
        "W-GARBAGE": Behavioural(rules: ["WIRE-7", "WIRE-8", "SRV-1"], assignmentItem: 1),
        "W-TABLE": Behavioural(rules: ["SRV-13"], assignmentItem: 2),
        "W-CONCURRENT": Behavioural(rules: ["SRV-1"], assignmentItem: 1),
        "W-CHAT": Behavioural(rules: ["MSG-7"], assignmentItem: 4),
        "W-ACK-NAMES": Behavioural(rules: ["MSG-5", "MSG-1"], assignmentItem: 4),
        "W-LEAVE": Behavioural(rules: ["SRV-9", "LEAVE-2"], assignmentItem: 6, formatCases: ["C-LEAVE"]),
        "W-RESEND-JOIN": Behavioural(rules: ["REQ-2", "TIME-2", "TIME-3"], assignmentItem: 2, formatCases: ["C-REGISTER-RESEND"]),
        "W-DEDUP": Behavioural(rules: ["MSG-4", "MSG-7"], assignmentItem: 4, formatCases: ["C-MSG-DEDUP"]),
        "W-RESEND-MSG": Behavioural(rules: ["MSG-2", "TIME-2", "TIME-3", "MSG-7"], assignmentItem: 4, formatCases: ["C-MSG-RESEND"]),
        "W-RESEND-LOOKUP": Behavioural(rules: ["REQ-2", "TIME-2", "TIME-3"], assignmentItem: 3),
        "W-RESEND-CONNECT": Behavioural(rules: ["CONN-2", "TIME-2", "TIME-3"], assignmentItem: 3, formatCases: ["C-CONNECT-RESEND"]),
        "W-RESEND-LEAVE": Behavioural(rules: ["REQ-2", "LEAVE-1", "TIME-2", "TIME-3"], assignmentItem: 6, formatCases: ["C-LEAVE-RESEND"]),
        "W-GARBAGE-CLIENT": Behavioural(rules: ["WIRE-7", "WIRE-8"], assignmentItem: 4),
        "W-JOIN-REPEAT": Behavioural(rules: ["SRV-4", "SRV-12", "REQ-2"], assignmentItem: 2),
        "W-PORT-GIVEN": Behavioural(rules: ["SRV-7", "SRV-2"], assignmentItem: 3),
        "W-LEAVE-STRANGER": Behavioural(rules: ["SRV-11"], assignmentItem: 6),
        "W-LOOKUP-STRANGER": Behavioural(rules: ["SRV-8"], assignmentItem: 3, formatCases: ["S-LOOKUP-UNREGISTERED"]),
        "W-CONNECT-ONCE": Behavioural(rules: ["CONN-4"], assignmentItem: 3, formatCases: ["C-INCOMING-REPEAT"]),
    ]
}
