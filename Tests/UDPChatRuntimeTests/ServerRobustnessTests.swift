import Testing
import UDPChatCore
import UDPChatRuntime
import UDPChatSupport
import UDPChatWire

@Suite("The server survives bad datagrams and unreachable clients")
struct ServerRobustnessTests {
    @Test("a 3000-byte datagram is counted as too long, not truncated into a valid message")
    func oversizedDatagram() async throws {
        let server = try await TestServer.start()
        defer { Task { try? await server.server.close() } }
        let socket = try await RawSocket.bind()
        defer { Task { await socket.close() } }
        // Starts like a valid REGISTER: a receiver that truncated it could mistake a prefix for one.
        var oversized = Array("REGISTER 7 5000".utf8)
        oversized += [UInt8](repeating: 0x20, count: 3000 - oversized.count)
        try await socket.send(bytes: oversized, to: server.endpoint)
        try await socket.send("LOOKUP 7", to: server.endpoint)  // a marker processed after the big one
        #expect(try await socket.receive("answer to the marker").message == .error(code: .notRegistered, id: 7))

        let stats = try await server.server.snapshot().stats
        #expect(stats.malformed == 1)
        #expect(stats.malformedByKind == ["too-long": 1])
        #expect(try await server.server.snapshot().table.isEmpty)
        #expect(socket.received.isEmpty)
    }

    @Test("malformed datagrams of every kind change nothing; a trailing newline is accepted")
    func malformedDatagrams() async throws {
        let server = try await TestServer.start()
        defer { Task { try? await server.server.close() } }
        let socket = try await RawSocket.bind()
        defer { Task { await socket.close() } }
        for bad in ["", "register 1 2", "REGISTER 01 5000", "REGISTER 1", "REGISTER 1 70000", "HELLO", "REGISTER 1 5000 x"] {
            try await socket.send(bad, to: server.endpoint)
        }
        try await socket.send(bytes: [0xFF, 0xFE], to: server.endpoint)
        try await socket.send("REGISTER 3 5000\r\n", to: server.endpoint)
        #expect(try await socket.receive("REGISTERED").message == .registered(id: 3, port: 5000))
        let stats = try await server.server.snapshot().stats
        #expect(stats.malformed == 8)
        #expect(try await server.server.snapshot().table.map(\.id) == [3])
    }

    @Test("replies to closed ports (ICMP port unreachable) never stop the server")
    func survivesUnreachable() async throws {
        let server = try await TestServer.start()
        defer { Task { try? await server.server.close() } }
        for round in 1...20 {
            let gone = try await RawSocket.bind()
            try await gone.send("LEAVE \(round)", to: server.endpoint)  // answered LEFT, to a port about to close
            await gone.close()
        }
        let socket = try await RawSocket.bind()
        defer { Task { await socket.close() } }
        try await socket.send("REGISTER 42 6000", to: server.endpoint)
        #expect(try await socket.receive("REGISTERED after the unreachable replies").message == .registered(id: 42, port: 6000))
        #expect(server.server.channel.isActive)
        try await eventually("every LEAVE counted") { try await server.server.snapshot().stats.received >= 21 }
    }

    @Test("binding a port in use fails with a clear reason naming the port")
    func portInUse() async throws {
        let server = try await TestServer.start()
        defer { Task { try? await server.server.close() } }
        let port = Int(server.endpoint.port)
        let error = await #expect(throws: UDPChatError.self) {
            _ = try await ChatServer.start(ChatServerOptions(port: port))
        }
        #expect(error?.code == .cannotBind)
        #expect(error?.description == "cannot bind UDP 127.0.0.1:\(port): address already in use")
    }

    @Test("an expiring server drops registrations that are not refreshed and prints the table")
    func expiry() async throws {
        let server = try await TestServer.start(expireAfter: .milliseconds(200))
        defer { Task { try? await server.server.close() } }
        let socket = try await RawSocket.bind()
        defer { Task { await socket.close() } }
        try await socket.send("REGISTER 8 6000", to: server.endpoint)
        _ = try await socket.receive("REGISTERED")
        try await eventually("expired") { try await server.server.snapshot().table.isEmpty }
        #expect(try await server.server.snapshot().stats.expired == 1)
        try await eventually("table printed after the expiry") { server.tables.withLockedValue { $0.last?.isEmpty == true } }
    }
}
