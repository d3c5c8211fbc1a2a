import Testing
import UDPChatCore
import UDPChatRuntime
import UDPChatSupport
import UDPChatWire

@Suite("A hostile raw socket is refused")
struct HostileSocketTests {
    @Test("registration hijack gets ID_IN_USE and a non-owner LEAVE gets NOT_OWNER; the table is unchanged")
    func hijackAndForeignLeave() async throws {
        let server = try await TestServer.start()
        defer { Task { try? await server.server.close() } }
        let alice = try await TestClient.start(id: 1, server: server.endpoint)
        try await alice.registered()
        let before = try await server.server.snapshot().table
        let attacker = try await RawSocket.bind()
        defer { Task { await attacker.close() } }

        try await attacker.send("REGISTER 1 4444", to: server.endpoint)
        #expect(try await attacker.receive("ERROR ID_IN_USE").message == .error(code: .idInUse, id: 1))
        try await attacker.send("LEAVE 1", to: server.endpoint)
        #expect(try await attacker.receive("ERROR NOT_OWNER").message == .error(code: .notOwner, id: 1))
        try await attacker.send("LOOKUP 1", to: server.endpoint)
        #expect(try await attacker.receive("ERROR NOT_REGISTERED").message == .error(code: .notRegistered, id: 1))

        #expect(try await server.server.snapshot().table == before)
        #expect(server.tables.withLockedValue { $0.count } == 1)  // only alice's join was printed
        #expect(await alice.runtime.phase() == .idle)
    }

    @Test("injection into a live connection (wrong source, wrong conn) is ignored and displays nothing")
    func injectionIsIgnored() async throws {
        let server = try await TestServer.start()
        defer { Task { try? await server.server.close() } }
        let alice = try await TestClient.start(id: 1, server: server.endpoint)
        let bob = try await TestClient.start(id: 2, server: server.endpoint)
        try await alice.registered()
        try await bob.registered()
        try await connect(alice, to: bob)
        let conn = try #require(await alice.runtime.liveConn())
        let ignoredBefore = try await alice.runtime.stats().ignored

        let attacker = try await RawSocket.bind()
        defer { Task { await attacker.close() } }
        let target = alice.runtime.localAddress
        try await attacker.send("MSG \(conn) 2 1 injected from a stranger", to: target)  // right conn and id, wrong source
        try await attacker.send("MSG \(conn &+ 1) 2 1 injected with a wrong conn", to: target)
        try await attacker.send("ACK \(conn) 2 1", to: target)
        try await attacker.send("TERMINATE \(conn) 2", to: target)
        try await attacker.send("TERMINATED \(conn) 2", to: target)
        try await eventually("all five injections seen and ignored") {
            try await alice.runtime.stats().ignored >= ignoredBefore + 5
        }

        #expect(await alice.runtime.phase() == .connected)
        #expect(await alice.runtime.liveConn() == conn)
        #expect(alice.delivered.isEmpty)
        #expect(attacker.received.isEmpty)  // not even an ACK went to the stranger

        // The real peer's message 1 is still the first one displayed.
        bob.submit("the real message 1")
        try await alice.wait("real message") { $0 == .delivered(from: 2, seq: 1, text: "the real message 1") }
        #expect(alice.delivered == ["the real message 1"])
        for client in [alice, bob] { await client.runtime.abort() }
    }
}
