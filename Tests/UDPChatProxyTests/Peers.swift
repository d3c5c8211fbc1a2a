import Foundation
import NIOCore
import NIOPosix
import UDPChatImpairment
import UDPChatProxy
import UDPChatSupport

/// A loopback UDP socket for tests: records what it receives; optionally echoes it back.
final class TestPeer: @unchecked Sendable {
    let channel: any Channel
    let collector: Collector
    let endpoint: Endpoint

    private init(channel: any Channel, collector: Collector) {
        self.channel = channel
        self.collector = collector
        self.endpoint = Endpoint(host: "127.0.0.1", port: UInt16(channel.localAddress?.port ?? 0))
    }

    static func bind(group: any EventLoopGroup, echo: Bool = false) async throws -> TestPeer {
        let collector = Collector(echo: echo)
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        return TestPeer(channel: channel, collector: collector)
    }

    func send(_ bytes: [UInt8], to endpoint: Endpoint) async throws {
        let address = try SocketAddress(ipAddress: endpoint.host, port: Int(endpoint.port))
        try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: ByteBuffer(bytes: bytes))).get()
    }

    func send(_ text: String, to endpoint: Endpoint) async throws { try await send(Array(text.utf8), to: endpoint) }

    /// Waits (at most `timeout`) until `count` datagrams have arrived; returns all received.
    @discardableResult
    func waitFor(_ count: Int, timeout: Duration = .seconds(3)) async throws -> [Received] {
        let deadline = ContinuousClock.now + timeout
        while collector.received.count < count, ContinuousClock.now < deadline {
            try await Task.sleep(for: .milliseconds(5))
        }
        return collector.received
    }

    /// Waits a little to make sure nothing more arrives; returns all received.
    func settle(_ time: Duration = .milliseconds(150)) async throws -> [Received] {
        try await Task.sleep(for: time)
        return collector.received
    }

    func close() async { try? await channel.close() }
}

struct Received: Sendable {
    var from: Endpoint
    var bytes: [UInt8]
    var at: ContinuousClock.Instant
    var text: String { String(decoding: bytes, as: UTF8.self) }
}

final class Collector: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>
    private let lock = NSLock()
    private var items: [Received] = []
    let echo: Bool

    init(echo: Bool) { self.echo = echo }

    var received: [Received] { lock.withLock { items } }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let item = Received(
            from: Endpoint(host: envelope.remoteAddress.ipAddress ?? "?", port: UInt16(envelope.remoteAddress.port ?? 0)),
            bytes: Array(envelope.data.readableBytesView), at: .now)
        lock.withLock { items.append(item) }
        if echo { context.writeAndFlush(wrapOutboundOut(envelope), promise: nil) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// A proxy in front of an echo server, and a client.
struct Rig {
    let group: MultiThreadedEventLoopGroup
    let server: TestPeer
    let client: TestPeer
    let proxy: ProxyServer

    static func start(_ flags: [(String, String)] = [], rules: [String] = [], seed: UInt64 = 1, echo: Bool = true,
                      configure: (inout ProxyConfiguration) -> Void = { _ in }) async throws -> Rig {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let server = try await TestPeer.bind(group: group, echo: echo)
        let client = try await TestPeer.bind(group: group)
        var impairments = ImpairmentConfig()
        for (key, value) in flags { try impairments.apply(key: key, directionalValue: value) }
        impairments.rules = try rules.map { try Rule.parse($0) }
        var config = ProxyConfiguration(
            listen: Endpoint(host: "127.0.0.1", port: 0).withPortZero, target: server.endpoint, impairments: impairments, seed: seed)
        configure(&config)
        let proxy = try await ProxyServer.start(config: config)
        return Rig(group: group, server: server, client: client, proxy: proxy)
    }

    func send(_ text: String) async throws { try await client.send(text, to: proxy.localAddress) }

    func finish() async -> ProxyStats {
        let stats = await proxy.stop()
        await client.close()
        await server.close()
        try? await group.shutdownGracefully()
        return stats
    }
}

extension Endpoint {
    var withPortZero: Endpoint { Endpoint(host: host, port: 0) }
}
