import Testing
import UDPChatCore
import UDPChatRuntime
import UDPChatSupport
import UDPChatWire

@Suite("Two clients chat through the server over loopback")
struct ChatOverLoopbackTests {
    @Test("lookup, connect, messages both ways in order exactly once, terminate, leave")
    func fullConversation() async throws {
        let server = try await TestServer.start()
        defer { Task { try? await server.server.close() } }
        let alice = try await TestClient.start(id: 1, server: server.endpoint)
        let bob = try await TestClient.start(id: 2, server: server.endpoint)
        try await alice.registered()
        try await bob.registered()
        #expect(try await server.server.snapshot().table.map(\.id) == [1, 2])
        #expect(try await server.server.snapshot().table.first { $0.id == 2 }?.reachable == bob.runtime.localAddress)

        alice.submit("/connect 99")
        try await alice.wait("inactive 99") { $0 == .inactive(99) }

        try await connect(alice, to: bob)
        let fromAlice = (1...12).map { "alice says \($0)" }
        let fromBob = (1...12).map { "bob says \($0)" }
        for (a, b) in zip(fromAlice, fromBob) {
            alice.submit(a)
            bob.submit(b)
        }
        try await eventually("all messages delivered") { bob.delivered.count >= 12 && alice.delivered.count >= 12 }
        #expect(bob.delivered == fromAlice)
        #expect(alice.delivered == fromBob)

        alice.submit("/end")
        try await alice.wait("alice sees the end") { $0 == .terminated(peer: 2, byPeer: false) }
        try await bob.wait("bob sees the end") { $0 == .terminated(peer: 1, byPeer: true) }

        alice.submit("/quit")
        bob.submit("/quit")
        #expect(try await withTimeout("alice exit") { try await alice.runtime.exit() } == .left)
        #expect(try await withTimeout("bob exit") { try await bob.runtime.exit() } == .left)
        #expect(!alice.runtime.isOpen)
        #expect(!bob.runtime.isOpen)
        #expect(try await server.server.snapshot().table.isEmpty)
        // The table was reported after changes only (joins of one read batch coalesce into one print).
        let tables = server.tables.withLockedValue { $0 }
        #expect(tables.count >= 2 && tables.count <= 4)
        #expect(tables.map(\.count).max() == 2)
        #expect(tables.last == [])
        #expect(zip(tables, tables.dropFirst()).allSatisfy { $0 != $1 })
        // Nothing was delivered twice or out of order even if retransmissions happened.
        #expect(alice.recorder.events.filter { if case .notDelivered = $0 { true } else { false } }.isEmpty)
    }

    @Test("the socket closes only after LEFT: LEAVE is re-sent until the server answers")
    func leaveClosesOnlyAfterLeft() async throws {
        let fakeServer = try await RawSocket.bind()
        defer { Task { await fakeServer.close() } }
        let client = try await TestClient.start(id: 5, server: fakeServer.endpoint)
        let (register, from) = try await fakeServer.receive("REGISTER") { $0.verb == .register }
        #expect(register == .register(id: 5, port: client.runtime.localAddress.port))
        try await fakeServer.send("REGISTERED 5 \(client.runtime.localAddress.port)", to: from)
        try await client.registered()

        client.submit("/quit")
        _ = try await fakeServer.receive("first LEAVE") { $0 == .leave(id: 5) }
        _ = try await fakeServer.receive("re-sent LEAVE") { $0 == .leave(id: 5) }
        #expect(client.runtime.isOpen)

        // LEFT from a stranger is ignored: the client keeps waiting for the server.
        let stranger = try await RawSocket.bind()
        defer { Task { await stranger.close() } }
        try await stranger.send("LEFT 5", to: client.runtime.localAddress)
        _ = try await fakeServer.receive("LEAVE after the stranger's LEFT") { $0 == .leave(id: 5) }
        #expect(client.runtime.isOpen)

        try await fakeServer.send("LEFT 5", to: from)
        #expect(try await withTimeout("exit") { try await client.runtime.exit() } == .left)
        #expect(!client.runtime.isOpen)
        #expect(client.recorder.events.last == .left(id: 5))
    }

    @Test("a client survives ICMP port unreachable from a peer that is gone and keeps re-sending")
    func clientSurvivesClosedPeer() async throws {
        let server = try await TestServer.start()
        defer { Task { try? await server.server.close() } }
        let ghost = try await RawSocket.bind()
        try await ghost.send("REGISTER 9 \(ghost.endpoint.port)", to: server.endpoint)
        _ = try await ghost.receive("REGISTERED 9") { $0.verb == .registered }
        await ghost.close()

        let alice = try await TestClient.start(id: 1, server: server.endpoint)
        try await alice.registered()
        alice.submit("/connect 9")
        try await alice.wait("CONNECT re-sent twice") { $0 == .resending(what: "CONNECT", attempt: 3) }
        #expect(alice.runtime.isOpen)
        alice.submit("/cancel")
        alice.submit("/quit")
        #expect(try await withTimeout("exit") { try await alice.runtime.exit() } == .left)
    }
}
