import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import Testing
import UDPChatCapture
import UDPChatRuntime
import UDPChatSupport

@Suite struct ReplayTests {
    /// A client ↔ server exchange as the reference server answers it.
    static let session: [Packet] = [
        Packet(time: 0.00, from: alice, to: server, text: "REGISTER 1 50001"),
        Packet(time: 0.01, from: server, to: alice, text: "REGISTERED 1 50001"),
        Packet(time: 0.02, from: bob, to: server, text: "REGISTER 2 50002"),
        Packet(time: 0.03, from: server, to: bob, text: "REGISTERED 2 50002"),
        Packet(time: 0.04, from: alice, to: server, text: "LOOKUP 2"),
        Packet(time: 0.05, from: server, to: alice, text: "PEER 2 127.0.0.1 50002"),
        Packet(time: 0.06, from: alice, to: server, text: "LOOKUP 3"),
        Packet(time: 0.07, from: server, to: alice, text: "INACTIVE 3"),
        Packet(time: 0.08, from: alice, to: bob, text: "CONNECT 5 1"),  // peer to peer: not replayed
        Packet(time: 0.09, from: bob, to: server, text: "LEAVE 2"),
        Packet(time: 0.10, from: server, to: bob, text: "LEFT 2"),
    ]

    @Test func replayAgainstTheReferenceServerMatches() async throws {
        let path = try writeCapture(Self.session, in: temporaryFolder())
        let live = try await ChatServer.start(ChatServerOptions(host: "127.0.0.1", port: 0))
        let report = try await Replayer.run(
            datagrams: try PcapReader.read(path: path).datagrams,
            options: Replayer.Options(target: live.localAddress, originalServer: server, speed: 4, settle: 2),
            group: MultiThreadedEventLoopGroup.singleton)
        try await live.close()
        #expect(report.sources.count == 2, "one socket per original client")
        #expect(report.sent == 5)
        #expect(report.differences == [])
        #expect(report.received == 5)
    }

    @Test func doctoredCaptureReportsEveryDifference() async throws {
        var doctored = Self.session
        doctored[5].text = "PEER 2 127.0.0.1 59999"
        doctored.remove(at: 10)  // the capture shows no LEFT: the live one is extra
        let path = try writeCapture(doctored, in: temporaryFolder())
        let live = try await ChatServer.start(ChatServerOptions(host: "127.0.0.1", port: 0))
        let report = try await Replayer.run(
            datagrams: try PcapReader.read(path: path).datagrams,
            options: Replayer.Options(target: live.localAddress, fast: true, settle: 1),
            group: MultiThreadedEventLoopGroup.singleton)
        try await live.close()
        #expect(report.originalServer == server, "picked by the target's port")
        #expect(report.differences.count == 2)
        #expect(report.differences.contains { $0.contains("expected \"PEER 2 127.0.0.1 59999\", got \"PEER 2 127.0.0.1 50002\"") })
        #expect(report.differences.contains { $0.contains("unexpected \"LEFT 2\"") })
    }

    @Test func differentBehaviourIsReported() async throws {
        let path = try writeCapture(Self.session, in: temporaryFolder())
        // A responder that refuses every REGISTER and answers nothing else.
        let responder = try await DatagramBootstrap(group: MultiThreadedEventLoopGroup.singleton)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(Refuser()) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        let port = UInt16(responder.localAddress?.port ?? 0)
        let report = try await Replayer.run(
            datagrams: try PcapReader.read(path: path).datagrams,
            options: Replayer.Options(target: Endpoint(host: "127.0.0.1", port: port), originalServer: server, fast: true, settle: 0.5),
            group: MultiThreadedEventLoopGroup.singleton)
        try await responder.close()
        #expect(report.differences.contains { $0.contains("expected \"REGISTERED 1 50001\", got \"ERROR ID_IN_USE 1\"") })
        #expect(report.differences.contains { $0.contains("expected \"INACTIVE 3\", got nothing") })
    }
}

/// Answers REGISTER <id> with ERROR ID_IN_USE <id>; ignores everything else.
final class Refuser: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let text = String(buffer: envelope.data)
        let words = text.split(separator: " ")
        guard words.first == "REGISTER", words.count == 3 else { return }
        let reply = AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: ByteBuffer(string: "ERROR ID_IN_USE \(words[1])"))
        context.writeAndFlush(wrapOutboundOut(reply), promise: nil)
    }
}
