import Logging
import NIOCore
import NIOPosix
import UDPChatCore
import UDPChatSupport
import UDPChatWire

/// The scripted conversation of `udpchat demo`: a server and two clients (Alice and Bob) on
/// loopback. Alice looks up an inactive id, connects to Bob, Bob accepts, they exchange messages,
/// Alice terminates, both leave. Every party's console lines go to `output`, prefixed with the
/// party's name. Bob's reachable address is injectable (`bobRoute`), so the same script can run
/// through a relay or an impairment proxy.
///
/// Every step waits for one event with its own patience (`stepTimeout`), so a slow machine only
/// makes the demo slower, never fails it; a step that really does not happen fails the demo with
/// a `WaitTimeout` naming it. Once the parties have left, the demo checks that each side showed
/// the other's messages exactly once and in order, and that every `expectations` entry was shown.
public struct DemoConversation: Sendable {
    public var rto: Duration = .milliseconds(300)
    /// How long each step may take (one wait for one event). Not a budget shared by the steps.
    public var stepTimeout: Duration = .seconds(10)
    public var alice: ClientID = 1
    public var bob: ClientID = 2
    /// An id nobody registers: Alice's lookup of it shows "inactive".
    public var inactive: ClientID = 3
    public var aliceLines = ["Hi Bob, it's Alice.", "Are you receiving me?"]
    public var bobLines = ["Hello Alice! Loud and clear.", "Bye for now."]
    /// Given Bob's bound address, returns the port Alice should reach him on (start a proxy in
    /// front of him here): Bob advertises it in REGISTER. nil: Bob's own port.
    public var bobRoute: (@Sendable (_ bobBound: Endpoint) async throws -> UInt16)?
    /// Events that must have been shown by the end (e.g. a re-send forced by a proxy rule).
    public var expectations: [DemoExpectation] = []
    /// Runs after both parties have left and the server has closed, before the final line
    /// (e.g. stop the proxy and print its counters). Throwing fails the demo.
    public var afterConversation: (@Sendable () async throws -> Void)?

    public init() {}

    /// The console prefix of each party: `alice(1)`, `bob(2)`.
    public var aliceName: String { "alice(\(alice))" }
    public var bobName: String { "bob(\(bob))" }

    /// Runs the conversation. Throws `WaitTimeout` naming the step that did not happen in time, or
    /// `DemoFailure` when the conversation completed but showed the wrong thing.
    public func run(
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger = Logger(label: "udpchat.demo"),
        output: @escaping @Sendable (String) -> Void
    ) async throws {
        let say: @Sendable (String) -> Void = { output("demo     | \($0)") }
        let server = try await ChatServer.start(
            ChatServerOptions(host: "127.0.0.1", port: 0, onTableChange: { rows in
                for line in TableFormat.render(rows).split(separator: "\n") { output("server   | \(line)") }
            }), group: group, logger: logger)
        say("server listening on UDP \(server.localAddress)")
        let logs = [DemoExpectation.Party.alice: EventRecorder(), .bob: EventRecorder()]
        let (aliceLog, bobLog) = (logs[.alice]!, logs[.bob]!)
        let (aliceName, bobName) = (self.aliceName, self.bobName)
        func party(_ name: String, _ recorder: EventRecorder, peer: String, peerLog: EventRecorder) -> @Sendable (ClientEvent) -> Void {
            let sink = recorder.sink
            let padded = name.padding(to: 8)
            let sender = name == aliceName ? alice : bob
            return { event in
                for line in event.description.split(separator: "\n", omittingEmptySubsequences: false) { output("\(padded) | \(line)") }
                sink(event)
                // Reported "not delivered" although the peer showed it: its ACK was lost and the peer
                // ended the connection before a re-send was acknowledged. Correct, but worth a word.
                if case .notDelivered(let seq, let text) = event,
                   peerLog.events.contains(where: { if case .delivered(sender, seq, text) = $0 { true } else { false } }) {
                    say("note: \(peer) did show it, but its ACK was lost and \(peer) ended the connection first, so \(name) cannot know")
                }
            }
        }
        let patience = stepTimeout
        var clients: [ChatClientRuntime] = []
        do {
            let aliceClient = try await ChatClientRuntime.start(
                ChatClientOptions(id: alice, server: server.localAddress, rto: rto), group: group, logger: logger,
                onEvent: party(aliceName, aliceLog, peer: bobName, peerLog: bobLog))
            clients.append(aliceClient)
            let bobClient = try await ChatClientRuntime.start(
                ChatClientOptions(id: bob, server: server.localAddress, rto: rto, advertiseResolver: bobRoute), group: group,
                logger: logger, onEvent: party(bobName, bobLog, peer: aliceName, peerLog: aliceLog))
            clients.append(bobClient)

            try await aliceLog.wait(for: "\(aliceName) to register", timeout: patience) { if case .registered = $0 { true } else { false } }
            try await bobLog.wait(for: "\(bobName) to register", timeout: patience) { if case .registered = $0 { true } else { false } }

            let (alice, bob, inactive) = (self.alice, self.bob, self.inactive)
            say("\(aliceName) types: /connect \(inactive)")
            aliceClient.submit(.connect(inactive))
            try await aliceLog.wait(for: "client \(inactive) shown inactive", timeout: patience) { $0 == .inactive(inactive) }

            say("\(aliceName) types: /connect \(bob)")
            aliceClient.submit(.connect(bob))
            try await bobLog.wait(for: "\(bobName) to be asked", timeout: patience) { if case .prompt(alice, _) = $0 { true } else { false } }
            say("\(bobName) types: /accept")
            bobClient.submit(.accept)
            try await aliceLog.wait(for: "\(aliceName) connected", timeout: patience) { $0 == .connected(to: bob) }
            try await bobLog.wait(for: "\(bobName) connected", timeout: patience) { $0 == .connected(to: alice) }

            for (index, pair) in zip(aliceLines, bobLines).enumerated() {
                let (fromAlice, fromBob) = pair
                say("\(aliceName) types: \(fromAlice)")
                aliceClient.submit(.say(fromAlice))
                try await bobLog.wait(for: "\(bobName) to show '\(fromAlice)'", timeout: patience) {
                    $0 == .delivered(from: alice, seq: SeqNo(index + 1), text: fromAlice)
                }
                say("\(bobName) types: \(fromBob)")
                bobClient.submit(.say(fromBob))
                try await aliceLog.wait(for: "\(aliceName) to show '\(fromBob)'", timeout: patience) {
                    $0 == .delivered(from: bob, seq: SeqNo(index + 1), text: fromBob)
                }
            }

            say("\(aliceName) types: /end")
            aliceClient.submit(.end)
            try await aliceLog.wait(for: "\(aliceName) to see the end", timeout: patience) { $0 == .terminated(peer: bob, byPeer: false) }
            try await bobLog.wait(for: "\(bobName) to see the end", timeout: patience) { $0 == .terminated(peer: alice, byPeer: true) }

            say("both type: /quit")
            aliceClient.submit(.quit)
            bobClient.submit(.quit)
            try await aliceLog.wait(for: "\(aliceName) to leave", timeout: patience) { $0 == .left(id: alice) }
            try await bobLog.wait(for: "\(bobName) to leave", timeout: patience) { $0 == .left(id: bob) }
            let aliceExit = try await aliceClient.exit()
            let bobExit = try await bobClient.exit()
            guard aliceExit == .left, bobExit == .left else {
                throw DemoFailure(step: "both clients to leave cleanly", reason: "exits were \(aliceExit) and \(bobExit)")
            }
            try await server.close()

            try checkExactlyOnce(shown: bobLog.events, by: bobName, from: alice, expected: Array(aliceLines.prefix(bobLines.count)))
            try checkExactlyOnce(shown: aliceLog.events, by: aliceName, from: bob, expected: Array(bobLines.prefix(aliceLines.count)))
            for expectation in expectations {
                let name = expectation.party == .alice ? aliceName : bobName
                guard logs[expectation.party]!.events.contains(where: expectation.matches) else {
                    throw DemoFailure(step: "\(name) to show \(expectation.what)", reason: "it never did")
                }
            }
            try await afterConversation?()
            say("conversation complete")
        } catch {
            for client in clients { await client.abort() }
            try? await server.close()
            throw error
        }
    }

    /// Every message shown once, in order, nothing else.
    private func checkExactlyOnce(shown events: [ClientEvent], by name: String, from peer: ClientID, expected: [String]) throws {
        let delivered = events.compactMap { event -> String? in
            if case .delivered(peer, _, let text) = event { text } else { nil }
        }
        guard delivered == expected else {
            throw DemoFailure(
                step: "\(name) to show each message exactly once and in order",
                reason: "showed \(delivered.map { "'\($0)'" }.joined(separator: ", "))")
        }
    }
}

/// An event the demo must have shown by the end, e.g. a re-send forced by a proxy rule.
public struct DemoExpectation: Sendable {
    public enum Party: Hashable, Sendable { case alice, bob }
    /// Whose console must show it.
    public var party: Party
    /// What it is, for the failure message ("re-sending MSG 1, attempt 2").
    public var what: String
    public var matches: @Sendable (ClientEvent) -> Bool

    public init(party: Party, what: String, matches: @escaping @Sendable (ClientEvent) -> Bool) {
        self.party = party
        self.what = what
        self.matches = matches
    }

    /// `party` re-sends `what` (e.g. `MSG 1`) at least `attempt` times in all.
    public static func resend(_ what: String, attempt: Int = 2, by party: Party) -> DemoExpectation {
        DemoExpectation(party: party, what: "re-sending \(what), attempt \(attempt)") { event in
            if case .resending(what, let n) = event { n >= attempt } else { false }
        }
    }

    /// `party` discards (and re-acknowledges) a duplicate of the peer's message `seq`.
    public static func duplicateDiscarded(seq: SeqNo, by party: Party) -> DemoExpectation {
        DemoExpectation(party: party, what: "a discarded duplicate of message \(seq)") { event in
            if case .duplicateDiscarded(_, seq) = event { true } else { false }
        }
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

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
