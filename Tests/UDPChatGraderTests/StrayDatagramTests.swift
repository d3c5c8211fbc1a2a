import Foundation
import NIOPosix
import Testing
@testable import UDPChatGrader
import UDPChatWire

/// In a server case every datagram the grader's nodes count comes from the server under test: on
/// the host, another case's program may aim a re-send at a port a node now holds (seen under load:
/// a colon client's `CHAT:1:1:ping` taken for a JSON server's answer to a malformed datagram).
@Suite struct StrayDatagramTests {
    @Test func aNodeThatKnowsTheImplementationIgnoresEveryOtherSourceAndSaysSo() async throws {
        let trace = Trace()
        let group = MultiThreadedEventLoopGroup.singleton
        let server = try await FakeNode.bind(name: "server", group: group, trace: trace)
        let stranger = try await FakeNode.bind(name: "stranger", group: group, trace: trace)
        let node = try await FakeNode.bind(name: "client-a", group: group, trace: trace)
        defer { Task { await server.close(); await stranger.close(); await node.close() } }
        node.onlyFrom = server.address

        stranger.send(Array("CHAT:1:1:ping".utf8), to: node.address)
        try server.send(.registered(id: 11, port: 5000), to: node.address)
        let deadline = ContinuousClock.now + .seconds(10)
        func atNode() -> [TraceEvent] { trace.events.filter { $0.node == "client-a" && $0.kind == .received } }
        func strays() -> [TraceEvent] { trace.events.filter { $0.kind == .note && $0.tag == "stray" } }
        while (atNode().isEmpty || strays().isEmpty) && ContinuousClock.now < deadline { try await Task.sleep(for: .milliseconds(5)) }

        #expect(atNode().map(\.text) == ["REGISTERED 11 5000"])
        #expect(atNode().first?.remote == server.address.description)
        let note = try #require(strays().first)
        #expect(note.text.contains("from \(stranger.address)") && note.text.contains("CHAT:1:1:ping"), "\(note.text)")
    }
}
