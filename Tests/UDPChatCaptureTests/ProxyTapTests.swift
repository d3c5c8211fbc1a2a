import NIOPosix
import Testing
import UDPChatCapture
import UDPChatProxy
import UDPChatRuntime
import UDPChatSupport
import UDPChatWire

@Suite struct ProxyTapTests {
    /// The proxy's tap hook feeding `TapFiles` (what `udpchat proxy --pcap` does): a client's
    /// requests through the proxy to the reference server, both sides written and decodable.
    @Test func proxyTapWritesBothSides() async throws {
        let live = try await ChatServer.start(ChatServerOptions(host: "127.0.0.1", port: 0))
        let folder = temporaryFolder()
        let tap = try TapFiles(file: folder + "/proxy.pcap")
        var config = ProxyConfiguration(listen: Endpoint(host: "127.0.0.1", port: 0), target: live.localAddress, seed: 1)
        config.tap = { datagram in
            tap.record(sent: datagram.point == .sent, timestamp: datagram.timestamp, source: datagram.source,
                       destination: datagram.destination, payload: datagram.payload)
        }
        let proxy = try await ProxyServer.start(config: config)
        let path = try writeCapture([
            Packet(time: 0, from: alice, to: server, text: "REGISTER 1 50001"),
            Packet(time: 0.001, from: server, to: alice, text: "REGISTERED 1 50001"),
            Packet(time: 0.01, from: alice, to: server, text: "LEAVE 1"),
            Packet(time: 0.011, from: server, to: alice, text: "LEFT 1"),
        ], in: folder, name: "session.pcap")
        let report = try await Replayer.run(
            datagrams: try PcapReader.read(path: path).datagrams,
            options: Replayer.Options(target: proxy.localAddress, originalServer: server, fast: true, settle: 2),
            group: MultiThreadedEventLoopGroup.singleton)
        _ = await proxy.stop()
        try await live.close()
        #expect(report.differences == [], "replay through the proxy gets the server's answers")
        let counts = try tap.finish()
        #expect(counts.received == 4 && counts.sent == 4, "2 requests + 2 replies on each side")
        #expect(tap.failed == 0)

        let received = ChatDecoder.decode(try PcapReader.read(path: folder + "/proxy.received.pcap"))
        let sent = ChatDecoder.decode(try PcapReader.read(path: folder + "/proxy.sent.pcap"))
        #expect(received.summary.verbs == [.register: 1, .registered: 1, .leave: 1, .left: 1])
        #expect(sent.summary.verbs == [.register: 1, .registered: 1, .leave: 1, .left: 1])
        let towardServer = sent.timeline.first { $0.destination == live.localAddress }
        #expect(towardServer?.source?.host == "127.0.0.1", "wildcard upstream socket written as loopback")
    }
}
