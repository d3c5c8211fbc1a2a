import Foundation
import NIOConcurrencyHelpers
import Testing
import UDPChatCore
import UDPChatDialect
import UDPChatRuntime
import UDPChatSupport
import UDPChatWire

/// The reference server and client speaking a dialect (docs/DIALECTS.md), over loopback.
@Suite struct DialectRuntimeTests {
    static let colonPath: String = {
        var url = URL(fileURLWithPath: #filePath)
        for _ in 0..<3 { url.deleteLastPathComponent() }
        return url.path + "/Fixtures/dialects/colon.dialect.yaml"
    }()
    static func colon() throws -> Dialect { try Dialect.load(colonPath) }

    static func server(_ dialect: Dialect) async throws -> ChatServer {
        var options = ChatServerOptions(port: 0)
        options.dialect = dialect
        return try await ChatServer.start(options)
    }

    static func client(_ id: ClientID, _ server: Endpoint, _ dialect: Dialect) async throws -> TestClient {
        let recorder = EventRecorder()
        var options = ChatClientOptions(id: id, server: server, rto: testRTO, seed: UInt64(id))
        options.dialect = dialect
        return TestClient(runtime: try await ChatClientRuntime.start(options, onEvent: recorder.sink), recorder: recorder)
    }

    /// Waits until `socket` got a datagram whose text is `text`; returns its source.
    @discardableResult
    static func expect(_ socket: RawSocket, _ text: String) async throws -> Endpoint {
        let clock = ContinuousClock()
        let deadline = clock.now + patience
        while true {
            if let from = socket.received.first(where: { String(decoding: $0.bytes, as: UTF8.self) == text })?.from { return from }
            guard clock.now < deadline else { throw TestTimeout(what: "'\(text)' at \(socket.endpoint)") }
            try await Task.sleep(for: .milliseconds(5))
        }
    }

    @Test func theServerSpeaksColonAndSendsNothingForAbsentERROR() async throws {
        let server = try await Self.server(try Self.colon())
        defer { Task { try? await server.close() } }
        let alice = try await RawSocket.bind()
        let mallory = try await RawSocket.bind()
        defer { Task { await alice.close(); await mallory.close() } }
        try await alice.send("REGISTER:5:4000", to: server.localAddress)
        try await Self.expect(alice, "REGISTERED:5")
        try await alice.send("QUERY:5:6", to: server.localAddress)
        try await Self.expect(alice, "INACTIVE:6")
        try await alice.send("QUERY:5:5", to: server.localAddress)
        try await Self.expect(alice, "PORT:5:4000")
        // Another address asks for id 5: the contract says ERROR ID_IN_USE, which colon lacks.
        try await mallory.send("REGISTER:5:4001", to: server.localAddress)
        try await mallory.send("LEAVE:77", to: server.localAddress)  // a marker answered after it
        try await Self.expect(mallory, "LEAVE_ACK:77")
        #expect(mallory.received.count == 1)
        // The contract's format is malformed here.
        try await alice.send("LOOKUP 5", to: server.localAddress)
        try await eventually("counted malformed") { try await server.snapshot().stats.malformed == 1 }
        #expect(try await server.snapshot().stats.malformedByKind == ["unknown-verb": 1])
    }

    @Test func twoReferenceClientsChatInColonWithoutConnectionTokens() async throws {
        let colon = try Self.colon()
        let server = try await Self.server(colon)
        defer { Task { try? await server.close() } }
        let a = try await Self.client(1, server.localAddress, colon)
        let b = try await Self.client(2, server.localAddress, colon)
        try await a.registered()
        try await b.registered()
        try await connect(a, to: b)
        a.submit("hello: bob")
        b.submit("hi alice")
        try await b.wait("delivered at 2") { if case .delivered(1, _, "hello: bob") = $0 { true } else { false } }
        try await a.wait("delivered at 1") { if case .delivered(2, _, "hi alice") = $0 { true } else { false } }
        a.submit("/quit")
        b.submit("/quit")
        _ = try await withTimeout("a exits") { try await a.runtime.exit() }
        _ = try await withTimeout("b exits") { try await b.runtime.exit() }
    }

    @Test func theClientAcceptsChatFromAPeersSecondSocketUnderPeerSourceAny() async throws {
        let colon = try Self.colon()
        let server = try await Self.server(colon)
        defer { Task { try? await server.close() } }
        let peer = try await RawSocket.bind()
        let peerChat = try await RawSocket.bind()
        defer { Task { await peer.close(); await peerChat.close() } }
        try await peer.send("REGISTER:9:\(peer.endpoint.port)", to: server.localAddress)
        try await Self.expect(peer, "REGISTERED:9")
        let a = try await Self.client(1, server.localAddress, colon)
        try await a.registered()
        a.submit("/connect 9")
        let client = try await Self.expect(peer, "CONNECTION_REQUEST:1")
        try await peer.send("CONNECTION_ACCEPT:9", to: client)
        try await a.wait("connected") { $0 == .connected(to: 9) }
        try await peerChat.send("CHAT:9:1:from my chat socket", to: client)
        try await a.wait("delivered") { if case .delivered(9, _, "from my chat socket") = $0 { true } else { false } }
        try await Self.expect(peerChat, "ACK:1:1")
        a.submit("ping")
        try await Self.expect(peer, "CHAT:1:1:ping")
    }
}
