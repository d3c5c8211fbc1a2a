import UDPChatWire

/// The rules of docs/PROTOCOL.md §10 (`MSG-4`, `TIME-2`, …) each kind of scenario expectation checks,
/// so reports cite them the way the grader's cases do.
public enum ScenarioRules {
    public static func rules(for kind: ExpectationKind) -> [String] {
        switch kind {
        case .delivered: ["MSG-2", "MSG-5", "MSG-7"]
        case .resent(let filter): resendRules(filter.verb) + (filter.interval != nil ? ["TIME-2", "TIME-3"] : [])
        case .wire(let filter): filter.verb.map(wireRules) ?? []
        case .dedup: ["MSG-4", "MSG-7"]
        case .displayed: ["MSG-7"]
        case .terminated: ["TERM-1", "TERM-2", "TERM-3"]
        case .left: ["LEAVE-1", "LEAVE-2", "SRV-9"]
        case .stuck: ["GIVE-1"]
        }
    }

    /// The rules of a check in a report of `scenario` (matched by the expectation's line; line 0 is
    /// the implicit "every script finished").
    public static func rules(forCheckAt line: Int, in scenario: Scenario) -> [String] {
        guard line > 0, let expectation = scenario.expectations.first(where: { $0.line == line }) else { return [] }
        return rules(for: expectation.kind)
    }

    static func resendRules(_ verb: Verb?) -> [String] {
        switch verb {
        case .register?, .lookup?, .leave?: ["REQ-2"]
        case .connect?: ["CONN-2"]
        case .msg?: ["MSG-2"]
        case .terminate?: ["TERM-1"]
        default: []
        }
    }

    static func wireRules(_ verb: Verb) -> [String] {
        switch verb {
        case .register: ["REQ-1"]
        case .registered: ["SRV-3", "SRV-4"]
        case .lookup: ["REQ-3"]
        case .peer, .inactive: ["SRV-7"]
        case .leave: ["LEAVE-1"]
        case .left: ["SRV-9", "SRV-10"]
        case .error: ["SRV-5", "SRV-6", "SRV-8", "SRV-11"]
        case .connect: ["CONN-1", "CONN-2"]
        case .accept, .reject: ["CONN-3", "CONN-5"]
        case .msg: ["MSG-1", "MSG-2"]
        case .ack: ["MSG-4", "MSG-5"]
        case .terminate: ["TERM-1"]
        case .terminated: ["TERM-2", "TERM-3"]
        }
    }
}
