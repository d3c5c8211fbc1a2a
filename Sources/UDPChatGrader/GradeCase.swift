import UDPChatDialect
import UDPChatIUT
import UDPChatWire

/// The result class of one case (see docs/GRADER.md).
public enum Verdict: String, Sendable, Codable, CaseIterable, Comparable {
    case pass = "PASS", lenient = "LENIENT", unsupported = "UNSUPPORTED", flaky = "FLAKY", fail = "FAIL", error = "ERROR"
    /// The run was interrupted (SIGINT/SIGTERM) before the case finished or started.
    case interrupted = "INTERRUPTED"

    /// Verdicts that make `udpchat grade` exit 1.
    public var isFailure: Bool { self == .fail || self == .error || self == .flaky }
    /// Conforming results.
    public var isConforming: Bool { self == .pass || self == .lenient }

    var rank: Int { Verdict.allCases.firstIndex(of: self)! }
    public static func < (lhs: Verdict, rhs: Verdict) -> Bool { lhs.rank < rhs.rank }
}

/// How binding the rule a case checks is (RFC 2119 words as PROTOCOL.md uses them).
public enum Level: String, Sendable, Codable {
    case must = "MUST", should = "SHOULD", info = "INFO"
}

/// Thrown by a case script to end it with a verdict other than PASS; the reason explains
/// itself: what was expected, what was observed.
public struct CaseStop: Error, Sendable {
    public var verdict: Verdict
    public var reason: String
    /// True when the failure is that the implementation crashed and not crashing is the rule under test
    /// (otherwise a crash during a case is reported as ERROR).
    public var crashIsTheRule = false
    /// True when the grader could not set the case up (the command cannot be started): the grader's
    /// failure, not the implementation's — `udpchat grade` exits 2.
    public var isSetup = false

    public static func fail(_ reason: String) -> CaseStop { CaseStop(verdict: .fail, reason: reason) }
    public static func crashed(_ reason: String) -> CaseStop { CaseStop(verdict: .fail, reason: reason, crashIsTheRule: true) }
    public static func unsupported(_ reason: String) -> CaseStop { CaseStop(verdict: .unsupported, reason: reason) }
    public static func error(_ reason: String) -> CaseStop { CaseStop(verdict: .error, reason: reason) }
    public static func setup(_ reason: String) -> CaseStop { CaseStop(verdict: .error, reason: reason, isSetup: true) }
    public static let interrupted = CaseStop(verdict: .interrupted, reason: "interrupted while running (SIGINT/SIGTERM)")
    /// Interrupted while running, and why (`GradeControl.why`: a signal, or --exitfirst).
    public static func stopped(_ why: String) -> CaseStop { CaseStop(verdict: .interrupted, reason: "interrupted while running (\(why))") }
}

/// One conformance case: a rule of PROTOCOL.md, the script that checks it, and what it needs.
public struct GradeCase: Sendable {
    public let id: String
    public let role: GradedRole
    /// The PROTOCOL.md section the rule is in.
    public let section: String
    public let level: Level
    /// One line: what a conforming implementation does.
    public let title: String
    /// Input actions the case types (client role); missing ones make it UNSUPPORTED.
    public let needs: [String]
    /// Needs a relay in front of the client ({port} and {advertise_port} in the command).
    public let needsRelay: Bool
    /// Time the case may take beyond the usual timeout of 8 RTO + 20 s (a whole driven session).
    public var slack: Duration = .zero
    /// A whole case (W-*): the roles whose behaviour it judges. With the reference standing in for one
    /// role (`WholeSubmission.standIn`), only the cases that judge the other role run.
    public var judges: Set<IUTRole> = Set(IUTRole.allCases)
    /// Messages the grader's parties must write (`sends`) and the implementation must write for the
    /// case to have evidence (`observes`); a dialect without one of them makes the case UNSUPPORTED
    /// before it starts. A server case always sends REGISTER and a client case always waits for the
    /// client's REGISTER; nothing else is implied: REGISTERED is listed only by the cases it is the
    /// evidence of (S-REGISTER …). Elsewhere a dialect without it has registration inferred (see
    /// `CaseContext.register`), and the fake server's REGISTERED is an automatic answer a client whose
    /// dialect lacks it cannot be waiting for. Verbs a case can do without are not listed.
    public let sends: Set<Verb>
    public let observes: Set<Verb>
    /// Alternative evidence: the case is judged when the dialect has every verb of at least one set
    /// (S-ID-IN-USE: ERROR, or REGISTERED, or LOOKUP and PEER); empty when `observes` says it all.
    public let evidence: [Set<Verb>]
    public let body: @Sendable (CaseContext) async throws -> Void

    public init(_ id: String, _ role: GradedRole, section: String, level: Level, title: String, needs: [String] = [],
                needsRelay: Bool = false, sends: [Verb] = [], observes: [Verb] = [], evidence: [[Verb]] = [],
                body: @Sendable @escaping (CaseContext) async throws -> Void) {
        self.id = id
        self.role = role
        self.section = section
        self.level = level
        self.title = title
        self.needs = needs
        self.needsRelay = needsRelay
        self.sends = Set(sends + (role == .server ? [.register] : []))
        self.observes = Set(observes + (role == .client ? [.register] : []))
        self.evidence = evidence.map(Set.init)
        self.body = body
    }

    /// Why `dialect` cannot run the case ("dialect iaschat has no LEAVE (the grader sends it)"), or nil.
    public func missingVerbs(in dialect: Dialect) -> String? {
        let unsendable = Verb.allCases.filter { sends.contains($0) && dialect.templates[$0] == nil }
        let unseeable = Verb.allCases.filter { observes.contains($0) && !sends.contains($0) && dialect.templates[$0] == nil }
        var parts: [String] = []
        if !unsendable.isEmpty { parts.append("\(unsendable.map(\.rawValue).joined(separator: ", ")) (the grader sends \(unsendable.count == 1 ? "it" : "them"))") }
        if !unseeable.isEmpty { parts.append("\(unseeable.map(\.rawValue).joined(separator: ", ")) (the evidence the case waits for)") }
        var text = parts.isEmpty ? nil : "dialect \(dialect.name) has no \(parts.joined(separator: " and no "))"
        if !evidence.isEmpty, !evidence.contains(where: { $0.allSatisfy { dialect.templates[$0] != nil } }) {
            let sets = evidence.map { set in Verb.allCases.filter(set.contains).map(\.rawValue).joined(separator: "+") }
            let none = "none of \(sets.joined(separator: ", ")) (the evidence the case judges: any one would do)"
            text = text.map { "\($0), and \(none)" } ?? "dialect \(dialect.name) has \(none)"
        }
        return text
    }
}

/// The outcome of one case (possibly over several runs with `--repeat`).
public struct CaseResult: Sendable, Codable {
    public var id: String
    public var section: String
    public var level: Level
    public var title: String
    public var verdict: Verdict
    /// Why: expected vs observed, with the datagrams as evidence.
    public var detail: String
    /// Wall time of the (last) run.
    public var duration: Duration
    /// Runs and how many were conforming (for FLAKY).
    public var runs: Int
    public var passed: Int
    /// The evidence of the last run (or of a failing run).
    public var events: [TraceEvent]
}
