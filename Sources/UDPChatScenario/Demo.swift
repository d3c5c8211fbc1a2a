import NIOPosix
import UDPChatCore
import UDPChatImpairment
import UDPChatRuntime
import UDPChatScript
import UDPChatSupport
import UDPChatWire

/// `udpchat demo`: a scenario run live with a narrating observer. Alice looks up an inactive id,
/// connects to Bob, Bob accepts, they exchange messages, Alice ends the connection, both leave —
/// written as two scripts for the one `ScriptInterpreter`, run by the live backend (the reference
/// server and clients on loopback), optionally with Bob behind the impairment proxy (he
/// advertises the proxy's port, like a client behind a relay). Every party's console, every action
/// and every proxy decision is narrated to `output`, each line prefixed with who it is about.
///
/// Each step may wait `stepTimeout` for its event (not a budget shared by the steps): a slow
/// machine only makes the demo slower; a step that really does not happen fails the demo with a
/// `WaitTimeout` naming it. Once the parties have left, the scenario's checks (each side showed the
/// other's messages exactly once and in order, both left cleanly, every `expectations` entry was
/// shown) and the proxy's counters decide; a failure is a `DemoFailure` naming the step.
public struct Demo: Sendable {
    public var rto: Duration = .milliseconds(300)
    /// How long each step may take (one wait for one event).
    public var stepTimeout: Duration = .seconds(10)
    public var alice: ClientID = 1
    public var bob: ClientID = 2
    /// An id nobody registers: Alice's lookup of it shows "inactive".
    public var inactive: ClientID = 3
    public var aliceLines = ["Hi Bob, it's Alice.", "Are you receiving me?"]
    public var bobLines = ["Hello Alice! Loud and clear.", "Bye for now."]
    /// The impairment proxy in front of Bob (nil: Alice and Bob talk directly).
    public var proxy: DemoProxy?
    /// Lines that must have been shown by the end (e.g. a re-send forced by a proxy rule).
    public var expectations: [DemoExpectation] = []

    public init() {}

    /// The console prefix of each party: `alice(1)`, `bob(2)`.
    public var aliceName: String { "alice(\(alice))" }
    public var bobName: String { "bob(\(bob))" }

    /// The demo as a scenario, and the narrated name of each step a party can wait on
    /// (party → "step N: …" as the interpreter reports it → "bob(2) to be asked").
    func scenario() -> (Scenario, waits: [String: [String: String]], checks: [String]) {
        var waits: [String: [String: String]] = ["alice": [:], "bob": [:]]
        var scripts: [String: [ScriptStep]] = ["alice": [], "bob": []]
        func add(_ party: String, _ step: ScriptStep, _ what: String? = nil) {
            scripts[party, default: []].append(step)
            if let what { waits[party]!["step \(scripts[party]!.count): \(step)"] = what }
        }
        let pairs = Array(zip(aliceLines, bobLines))
        add("alice", .waitFor("registered"), "\(aliceName) to register")
        add("alice", .waitForParty(party: "bob", text: "registered"), "\(bobName) to register")
        add("alice", .command(.connect(String(inactive))))
        add("alice", .waitFor("client \(inactive) is inactive"), "client \(inactive) shown inactive")
        add("alice", .command(.connect("bob")))
        add("alice", .waitFor("connection established"), "\(aliceName) connected")
        add("alice", .waitForParty(party: "bob", text: "connection established"), "\(bobName) connected")
        for (fromAlice, fromBob) in pairs {
            add("alice", .command(.send(fromAlice)))
            add("alice", .waitFor("[\(bob)] \(fromBob)"), "\(aliceName) to show '\(fromBob)'")
        }
        add("alice", .command(.end))
        add("alice", .waitFor("with client \(bob) terminated"), "\(aliceName) to see the end")
        add("alice", .waitForParty(party: "bob", text: "terminated by client \(alice)"), "\(bobName) to see the end")
        add("alice", .command(.quit))
        add("alice", .waitFor("left the server"), "\(aliceName) to leave")

        add("bob", .waitFor("registered"), "\(bobName) to register")
        add("bob", .waitFor("wants to connect"), "\(bobName) to be asked")
        add("bob", .command(.accept))
        for (fromAlice, fromBob) in pairs {
            add("bob", .waitFor("[\(alice)] \(fromAlice)"), "\(bobName) to show '\(fromAlice)'")
            add("bob", .command(.send(fromBob)))
        }
        add("bob", .waitFor("terminated by client \(alice)"), "\(bobName) to see the end")
        add("bob", .waitForParty(party: "alice", text: "with client \(bob) terminated"), "\(aliceName) to see the end")
        add("bob", .command(.quit))
        add("bob", .waitFor("left the server"), "\(bobName) to leave")

        let exchanged = pairs.count
        var expectations: [Expectation] = [
            Expectation(kind: .delivered(to: "bob", from: "alice", texts: Array(aliceLines.prefix(exchanged))), line: 0),
            Expectation(kind: .delivered(to: "alice", from: "bob", texts: Array(bobLines.prefix(exchanged))), line: 0),
        ]
        var checks = ["the demo's scripts to finish", "\(bobName) to show each message exactly once and in order",
                      "\(aliceName) to show each message exactly once and in order"]
        for expectation in demoChecks(self.expectations) {
            expectations.append(Expectation(kind: expectation.kind, line: 0))
            checks.append(expectation.step)
        }
        var proxies: [ScenarioProxy] = []
        if let proxy {
            proxies.append(ScenarioProxy(name: "bob", target: "bob", settings: proxy.settings, rules: proxy.rules))
        }
        let scenario = Scenario(
            path: "demo", name: "udpchat demo", description: "Alice and Bob chat", rto: rto, seed: proxy?.seed ?? 1,
            timeout: .absolute(.seconds(24 * 3600)), latency: .zero, modes: [.live], serverName: "server", serverManifest: nil,
            clients: [ScenarioClient(name: "alice", id: alice, window: ProtocolDefaults.window, manifest: nil, script: scripts["alice"]!),
                      ScenarioClient(name: "bob", id: bob, window: ProtocolDefaults.window, manifest: nil, script: scripts["bob"]!)],
            strangers: [], proxies: proxies, expectations: expectations)
        return (scenario, waits, checks)
    }

    private func demoChecks(_ list: [DemoExpectation]) -> [(kind: ExpectationKind, step: String)] {
        list.map { expectation in
            let party = expectation.party == .alice ? "alice" : "bob"
            let name = expectation.party == .alice ? aliceName : bobName
            return (.displayed(party: party, text: expectation.line, bound: CountBound(min: 1)), "\(name) to show \(expectation.what)")
        }
    }

    /// Runs the demo. Throws `WaitTimeout` naming the step that did not happen in time, or
    /// `DemoFailure` when the conversation completed but showed the wrong thing.
    public func run(group: MultiThreadedEventLoopGroup = .singleton, output: @escaping @Sendable (String) -> Void) async throws {
        let (scenario, waits, checks) = scenario()
        let narrator = DemoNarrator(demo: self, output: output)
        let options = LiveOptions(observer: narrator.observer, patience: stepTimeout)
        let report = await LiveRunner.run(scenario, seed: scenario.seed, rto: rto, options: options, group: group)
        guard let observation = report.observation else {
            throw DemoFailure(step: "the demo to start", reason: report.skipped ?? report.failures.map(\.observed).joined(separator: "; "))
        }
        if let party = observation.outOfPatience, let step = observation.stuck[party] {
            throw WaitTimeout(what: waits[party]?[step] ?? "\(party) at \(step)", timeout: stepTimeout)
        }
        for (index, check) in report.checks.enumerated() where !check.passed {
            throw DemoFailure(step: index < checks.count ? checks[index] : check.title, reason: check.observed)
        }
        let exits = ["alice", "bob"].map { observation.closes[$0]?.exit }
        guard exits.allSatisfy({ $0 == .left }) else {
            throw DemoFailure(step: "both clients to leave cleanly",
                              reason: "exits were \(exits.map { $0.map { "\($0)" } ?? "none" }.joined(separator: " and "))")
        }
        try narrator.checkCounters()
        output("demo     | conversation complete")
    }
}

/// Bob's bad network in the demo: seeded random impairments (`--loss`, `--duplicate`) plus two
/// protocol-aware rules that make every run show a re-send and a discarded duplicate.
public struct DemoProxy: Sendable {
    /// Alice's first MSG 1 is lost: she re-sends it after one RTO.
    public static let dropRule = "drop dir=up verb=MSG seq=1 nth=1"
    /// Bob's first MSG 1 arrives twice: Alice discards the copy and acknowledges it again.
    public static let duplicateRule = "duplicate dir=down verb=MSG seq=1 nth=1"
    /// What the two rules guarantee to show.
    public static let expectations: [DemoExpectation] = [
        .resend("MSG 1", by: .alice),
        .duplicateDiscarded(seq: 1, by: .alice),
    ]

    public var seed: UInt64
    /// `loss` and `duplicate` in the proxy's vocabulary, optionally `up:` / `down:` prefixed.
    public var loss: String
    public var duplicate: String
    /// The two rules first, then any others.
    public var rules: [String]

    /// Throws `ImpairmentParseError` for a value the proxy would not take.
    public init(seed: UInt64, loss: String = "10%", duplicate: String = "10%", extraRules: [String] = []) throws(ImpairmentParseError) {
        self.seed = seed
        self.loss = loss
        self.duplicate = duplicate
        rules = [Self.dropRule, Self.duplicateRule] + extraRules
        _ = try impairments
    }

    var settings: [ScenarioSetting] {
        [("loss", loss), ("duplicate", duplicate)].map { key, text in
            let (directions, value) = ImpairmentConfig.splitDirection(text)
            return ScenarioSetting(directions: directions, key: key, value: value, line: 0)
        }
    }

    /// The proxy's impairment configuration.
    public var impairments: ImpairmentConfig {
        get throws(ImpairmentParseError) {
            try ScenarioProxy(name: "bob", target: "bob", settings: settings, rules: rules).config(rto: .seconds(1))
        }
    }
}

/// A line the demo must have shown by the end, e.g. a re-send forced by a proxy rule.
public struct DemoExpectation: Sendable {
    public enum Party: Hashable, Sendable { case alice, bob }
    /// Whose console must show it.
    public var party: Party
    /// What it is, for the failure message ("re-sending MSG 1, attempt 2").
    public var what: String
    /// Text the line contains.
    public var line: String

    public init(party: Party, what: String, line: String) {
        self.party = party
        self.what = what
        self.line = line
    }

    /// `party` re-sends `what` (e.g. `MSG 1`) at least `attempt` times in all.
    public static func resend(_ what: String, attempt: Int = 2, by party: Party) -> DemoExpectation {
        DemoExpectation(party: party, what: "re-sending \(what), attempt \(attempt)", line: "re-sending \(what), attempt \(attempt)")
    }

    /// `party` discards (and re-acknowledges) a duplicate of the peer's message `seq`.
    public static func duplicateDiscarded(seq: SeqNo, by party: Party) -> DemoExpectation {
        DemoExpectation(party: party, what: "a discarded duplicate of message \(seq)", line: "duplicate of message \(seq) from client")
    }
}

/// The demo completed its script but something it showed (or did not show) is wrong.
public struct DemoFailure: Error, CustomStringConvertible, Sendable {
    /// The step, phrased like a `WaitTimeout`'s: "bob(2) to show each message exactly once and in order".
    public let step: String
    public let reason: String
    public init(step: String, reason: String) {
        self.step = step
        self.reason = reason
    }
    public var description: String { "failed step: \(step): \(reason)" }
}
