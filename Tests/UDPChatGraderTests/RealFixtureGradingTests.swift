import Foundation
import Testing
@testable import UDPChatGrader
import UDPChatDialect
import UDPChatIUT

/// Grades the fixtures in the shapes of real submissions (Fixtures/real), each with its dialect file:
/// every one FAILs exactly the cases that name the faults its FAULTS.md lists (and the other
/// deviations it lists), and nothing else. A listed fault no case catches yet is in `notCaught`, and
/// a FAIL on what a fixture does right that a dialect cannot avoid yet in `misjudged`, each with the
/// reason; the test checks the reason still holds (the verdict is as recorded) and prints it.
/// (original/ has no dialect file: its FAULTS.md says what cannot be written.) Serialized like
/// FixtureGradingTests.
@Suite(.serialized) struct RealFixtureGradingTests {
    static let real = FixtureGradingTests.root.appendingPathComponent("Fixtures/real").path

    /// manifest → the cases its listed faults fail (Fixtures/real/<folder>/FAULTS.md, "Faults" and
    /// "Other deviations").
    static let listed: [String: Set<String>] = [
        "wordy/server.yaml": ["S-ID-IN-USE"],                                 // fault 1: id taken over
        "wordy/client.yaml": ["C-MSG-DEDUP", "C-LEAVE", "C-LEAVE-RESEND"],    // faults 2 and 3
        // fault 1: a new id for every repeated join; fault 3: dies on a non-number; deviations: LOOKUP
        // answered for strangers, anyone may leave any id.
        "assigned/server.yaml": ["S-REGISTER-REPEAT", "S-ADDRESS-IN-USE", "S-MALFORMED", "S-LOOKUP-UNREGISTERED", "S-LEAVE-NOT-OWNER"],
        // fault 2: the Connection Request is never re-sent (so neither after a spoofed accept);
        // deviation: an id out of range is taken (`Connection Request 2147483648` is answered).
        "assigned/client.yaml": ["C-CONNECT-RESEND", "C-CONNECT-SPOOF", "C-MALFORMED"],
        "tagged/server.yaml": ["S-LEAVE-REPEAT"],                             // fault 3: BYE for an unknown name
        // fault 1: MSG never re-sent, and forgotten once sent (END does not wait for its ACK);
        // deviation: a MSG with another name from the peer's address is taken.
        "tagged/client.yaml": ["C-MSG-RESEND", "C-TERM-AFTER-ACKS", "C-STRANGER"],
        // deviations: BYE 0 / BYE 011 answered; a trailing newline is not stripped.
        "routed/server.yaml": ["S-MALFORMED", "S-NEWLINE"],
        "routed/client.yaml": [],
    ]

    /// Listed faults no case catches yet: manifest → (case, the verdict it gets instead, why).
    static let notCaught: [String: [(id: String, verdict: Verdict, why: String)]] = [
        "tagged/client.yaml": [
            ("C-INCOMING-REPEAT", .pass, "fault 2 (a repeated CONN prompts again) — the prompt ends without a newline, and the grader "
                + "sees whole console lines only: the first prompt's line is completed by the second, so no line is printed twice"),
        ],
        "routed/server.yaml": [
            ("S-TABLE", .lenient, "fault 1 (no table) — S-TABLE only looks for a line naming the id ('client 11 joined' does) "
                + "and is informational (never FAIL); its LENIENT here is for a line printed on a repeated join"),
        ],
        "routed/client.yaml": [
            ("C-CONNECT-RESEND", .unsupported, "fault 2 (CONNECT re-sent every 1 s) — set up through the server's relay, which no "
                + "case plays and routed.dialect.yaml cannot write (issue 16 item 4)"),
            ("C-MSG-DEDUP", .unsupported, "fault 3 (duplicate shown again) — chat is relayed by the server, which no case plays "
                + "(issue 16 item 4)"),
        ],
    ]

    /// FAILs on what a fixture does right, which a dialect cannot avoid yet: manifest → (case, why).
    static let misjudged: [String: [(id: String, why: String)]] = [
        "tagged/server.yaml": [("S-MALFORMED", "names are words in tagged/ ('PKT 0 REG x1' is a name, refused as taken); "
            + "a dialect's {id} is a number, so its malformed variants include it (docs/DIALECTS.md, names that are not numbers)")],
        "tagged/client.yaml": [("C-MALFORMED", "names are words in tagged/ ('PKT 0 END x1' is answered); a dialect's {id} is a "
            + "number (docs/DIALECTS.md, names that are not numbers)")],
    ]

    static let manifests = ["wordy/server.yaml", "wordy/client.yaml", "assigned/server.yaml", "assigned/client.yaml",
                            "tagged/server.yaml", "tagged/client.yaml", "routed/server.yaml", "routed/client.yaml"]

    /// What `udpchat dialect check` checks: every example datagram of each fixture's dialect reads back as itself.
    @Test(arguments: ["wordy", "assigned", "tagged", "routed"])
    func dialectFileChecks(folder: String) throws {
        let dialect = try Dialect.load("\(Self.real)/\(folder)/\(folder).dialect.yaml")
        let examples = dialect.examples()
        #expect(!examples.isEmpty)
        for example in examples { #expect(example.problem == nil, "\(folder): \(example.text): \(example.problem ?? "")") }
    }

    @Test(arguments: manifests)
    func failsExactlyTheCasesNamingItsListedFaults(path: String) async throws {
        let manifest = try Manifest.load(path: "\(Self.real)/\(path)")
        #expect(manifest.dialectPath != nil, "\(path) names its dialect file")
        var options = GradeOptions()
        options.rto = .milliseconds(600)
        options.jobs = 6   // timing is graded, and the machine is a shared 2-core one
        // Pinned to 7070 (tagged/, routed/): each case in a sandbox of its own, as `grade` does by
        // default; the host's 7070 may be anyone's.
        if manifest.pinnedPort != nil {
            guard let plan = await SandboxTests.plan() else { return }   // prints why
            options.sandbox = plan
        }
        let report = await Grader.run(manifest: manifest, options: options)
        #expect(report.cases.count == Catalogue.cases(for: GradedRole(manifest.role)).count)
        let expected = Self.listed[path] ?? []
        let uncaught = Dictionary(uniqueKeysWithValues: (Self.notCaught[path] ?? []).map { ($0.id, $0) })
        let wrong = Dictionary(uniqueKeysWithValues: (Self.misjudged[path] ?? []).map { ($0.id, $0.why) })
        for result in report.cases {
            if expected.contains(result.id) {
                #expect(result.verdict == .fail, "\(path) \(result.id): a listed fault, but \(result.verdict.rawValue): \(result.detail)")
            } else if let known = uncaught[result.id] {
                #expect(result.verdict == known.verdict, "\(path) \(result.id): expected \(known.verdict.rawValue) (\(known.why)), got \(result.verdict.rawValue): \(result.detail)")
                print("RealFixtureGradingTests: \(path) \(result.id) \(result.verdict.rawValue): listed fault not caught: \(known.why)")
            } else if let why = wrong[result.id] {
                #expect(result.verdict == .fail, "\(path) \(result.id): misjudged as FAIL until \(why); now \(result.verdict.rawValue): update the table")
                print("RealFixtureGradingTests: \(path) \(result.id) \(result.verdict.rawValue) on what it does right: \(why)")
            } else {
                #expect([.pass, .lenient, .unsupported].contains(result.verdict), "\(path) \(result.id): \(result.verdict.rawValue): \(result.detail)")
            }
        }
    }
}
