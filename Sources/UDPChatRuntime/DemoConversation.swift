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
public struct DemoConversation: Sendable {
    public var rto: Duration = .milliseconds(300)
    /// The whole conversation must complete within this time.
    public var timeout: Duration = .seconds(30)
    public var alice: ClientID = 1
    public var bob: ClientID = 2
    /// An id nobody registers: Alice's lookup of it shows "inactive".
    public var inactive: ClientID = 3
    public var aliceLines = ["Hi Bob, it's Alice.", "Are you receiving me?"]
    public var bobLines = ["Hello Alice! Loud and clear.", "Bye for now."]
    /// Given Bob's bound address, returns the port Alice should reach him on (start a proxy in
    /// front of him here). nil: Bob's own port.
    public var bobRoute: (@Sendable (_ bobBound: Endpoint) async throws -> UInt16)?

    public init() {}

    /// Runs the conversation. Throws `WaitTimeout` (naming the step) if it does not complete in time.
    public func run(
        group: EventLoopGroup = MultiThreadedEventLoopGroup.singleton, logger: Logger = Logger(label: "udpchat.demo"),
        output: @escaping @Sendable (String) -> Void
    ) async throws {
        let clock = ContinuousClock()
        let deadline = clock.now + timeout
        func remaining() -> Duration { max(.milliseconds(1), deadline - clock.now) }
        let say: @Sendable (String) -> Void = { output("demo     | \($0)") }

        let server = try await ChatServer.start(
            ChatServerOptions(host: "127.0.0.1", port: 0, onTableChange: { rows in
                for line in TableFormat.render(rows).split(separator: "\n") { output("server   | \(line)") }
            }), group: group, logger: logger)
        say("server listening on UDP \(server.localAddress)")
        let aliceLog = EventRecorder()
        let bobLog = EventRecorder()
        let aliceName = "alice(\(alice))"
        let bobName = "bob(\(bob))"
        func party(_ name: String, _ recorder: EventRecorder) -> @Sendable (ClientEvent) -> Void {
            let sink = recorder.sink
            let padded = name.padding(to: 8)
            return { event in
                for line in event.description.split(separator: "\n", omittingEmptySubsequences: false) { output("\(padded) | \(line)") }
                sink(event)
            }
        }
        var clients: [ChatClientRuntime] = []
        do {
            let aliceClient = try await ChatClientRuntime.start(
                ChatClientOptions(id: alice, server: server.localAddress, rto: rto), group: group, logger: logger,
                onEvent: party(aliceName, aliceLog))
            clients.append(aliceClient)
            let bobClient = try await ChatClientRuntime.start(
                ChatClientOptions(id: bob, server: server.localAddress, rto: rto, advertiseResolver: bobRoute), group: group,
                logger: logger, onEvent: party(bobName, bobLog))
            clients.append(bobClient)

            try await aliceLog.wait(for: "\(aliceName) to register", timeout: remaining()) { if case .registered = $0 { true } else { false } }
            try await bobLog.wait(for: "\(bobName) to register", timeout: remaining()) { if case .registered = $0 { true } else { false } }

            let (alice, bob, inactive) = (self.alice, self.bob, self.inactive)
            say("\(aliceName) types: /connect \(inactive)")
            aliceClient.submit(.connect(inactive))
            try await aliceLog.wait(for: "client \(inactive) shown inactive", timeout: remaining()) { $0 == .inactive(inactive) }

            say("\(aliceName) types: /connect \(bob)")
            aliceClient.submit(.connect(bob))
            try await bobLog.wait(for: "\(bobName) to be asked", timeout: remaining()) { if case .prompt(alice, _) = $0 { true } else { false } }
            say("\(bobName) types: /accept")
            bobClient.submit(.accept)
            try await aliceLog.wait(for: "\(aliceName) connected", timeout: remaining()) { $0 == .connected(to: bob) }
            try await bobLog.wait(for: "\(bobName) connected", timeout: remaining()) { $0 == .connected(to: alice) }

            for (index, pair) in zip(aliceLines, bobLines).enumerated() {
                let (fromAlice, fromBob) = pair
                say("\(aliceName) types: \(fromAlice)")
                aliceClient.submit(.say(fromAlice))
                try await bobLog.wait(for: "\(bobName) to show '\(fromAlice)'", timeout: remaining()) {
                    $0 == .delivered(from: alice, seq: SeqNo(index + 1), text: fromAlice)
                }
                say("\(bobName) types: \(fromBob)")
                bobClient.submit(.say(fromBob))
                try await aliceLog.wait(for: "\(aliceName) to show '\(fromBob)'", timeout: remaining()) {
                    $0 == .delivered(from: bob, seq: SeqNo(index + 1), text: fromBob)
                }
            }

            say("\(aliceName) types: /end")
            aliceClient.submit(.end)
            try await aliceLog.wait(for: "\(aliceName) to see the end", timeout: remaining()) { $0 == .terminated(peer: bob, byPeer: false) }
            try await bobLog.wait(for: "\(bobName) to see the end", timeout: remaining()) { $0 == .terminated(peer: alice, byPeer: true) }

            say("both type: /quit")
            aliceClient.submit(.quit)
            bobClient.submit(.quit)
            try await aliceLog.wait(for: "\(aliceName) to leave", timeout: remaining()) { $0 == .left(id: alice) }
            try await bobLog.wait(for: "\(bobName) to leave", timeout: remaining()) { $0 == .left(id: bob) }
            let aliceExit = try await aliceClient.exit()
            let bobExit = try await bobClient.exit()
            guard aliceExit == .left, bobExit == .left else { throw WaitTimeout(what: "both clients to leave cleanly", timeout: timeout) }
            try await server.close()
            say("conversation complete")
        } catch {
            for client in clients { await client.abort() }
            try? await server.close()
            throw error
        }
    }
}

extension String {
    fileprivate func padding(to width: Int) -> String {
        count >= width ? self : self + String(repeating: " ", count: width - count)
    }
}
