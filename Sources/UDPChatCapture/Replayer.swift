import NIOConcurrencyHelpers
import NIOCore
import NIOPosix
import UDPChatDialect
import UDPChatSupport

/// Re-sends the datagrams a capture shows going to one server endpoint toward a live target,
/// from one local socket per original source (so the target sees distinct clients), with the
/// recorded timing scaled; optionally compares the target's replies with the captured ones.
public enum Replayer {
    public struct Options: Sendable {
        /// Where to send.
        public var target: Endpoint
        /// The server endpoint in the capture whose incoming datagrams are replayed. Default:
        /// the destination with the target's port, else the destination most sources talk to.
        public var originalServer: Endpoint?
        /// Timing scale: 2 replays twice as fast. Ignored with `fast`.
        public var speed: Double = 1
        /// Send back to back, ignoring the recorded timing.
        public var fast = false
        /// How long to wait for replies after the last datagram when they are not all in.
        public var settle: Double = 1
        /// The wire format: under a dialect other than the contract's, a reply matches when it
        /// reads as the same message (the same fields), whatever its bytes.
        public var dialect: Dialect = .default

        public init(target: Endpoint, originalServer: Endpoint? = nil, speed: Double = 1, fast: Bool = false, settle: Double = 1) {
            self.target = target
            self.originalServer = originalServer
            self.speed = speed
            self.fast = fast
            self.settle = settle
        }
    }

    /// One replayed client and what came back to it.
    public struct SourceResult: Sendable {
        /// The client endpoint in the capture.
        public var original: Endpoint
        /// The local port the replay used for it.
        public var localPort: Int
        public var sent: Int
        /// Replies the capture shows the server sending to this client, in order.
        public var expected: [[UInt8]]
        /// Replies the target sent to the replay socket, in order.
        public var received: [[UInt8]]
    }

    public struct Report: Sendable {
        public var originalServer: Endpoint
        public var sources: [SourceResult]
        /// Every mismatch between expected and received replies (empty when they agree).
        public var differences: [String]
        public var sent: Int { sources.reduce(0) { $0 + $1.sent } }
        public var received: Int { sources.reduce(0) { $0 + $1.received.count } }
    }

    /// Picks the server endpoint of a capture (see `Options.originalServer`).
    public static func originalServer(in datagrams: [UDPDatagram], targetPort: UInt16) -> Endpoint? {
        var sourcesPerDestination: [Endpoint: Set<Endpoint>] = [:]
        var order: [Endpoint] = []
        for datagram in datagrams {
            if sourcesPerDestination[datagram.destination] == nil { order.append(datagram.destination) }
            sourcesPerDestination[datagram.destination, default: []].insert(datagram.source)
        }
        if let samePort = order.first(where: { $0.port == targetPort }) { return samePort }
        return order.max { (sourcesPerDestination[$0]?.count ?? 0) < (sourcesPerDestination[$1]?.count ?? 0) }
    }

    /// Replays and returns what happened. Differences are computed whether or not the caller
    /// acts on them (`--expect`).
    public static func run(datagrams: [UDPDatagram], options: Options, group: any EventLoopGroup) async throws -> Report {
        guard let server = options.originalServer ?? originalServer(in: datagrams, targetPort: options.target.port) else {
            throw UDPChatError(.replayFailed, "the capture has no UDP datagrams to replay")
        }
        let requests = datagrams.filter { $0.destination == server }
        guard !requests.isEmpty else { throw UDPChatError(.replayFailed, "the capture has no datagrams sent to \(server)") }
        var sources: [Endpoint] = []
        for request in requests where !sources.contains(request.source) { sources.append(request.source) }
        let expected = Dictionary(grouping: datagrams.filter { $0.source == server }, by: \.destination)

        let targetAddress: SocketAddress
        do {
            targetAddress = try SocketAddress(ipAddress: options.target.host, port: Int(options.target.port))
        } catch {
            throw UDPChatError(.badAddress, "target \(options.target) is not an IP address and port")
        }
        let bindHost = targetAddress.protocol == .inet6 ? "::" : "0.0.0.0"
        var channels: [Endpoint: (channel: any Channel, replies: ReplyCollector)] = [:]
        defer {
            for entry in channels.values { entry.channel.close(promise: nil) }
        }
        for source in sources { channels[source] = try await bindSource(host: bindHost, group: group) }

        let sent = try await send(requests, to: targetAddress, from: channels.mapValues(\.channel), options: options)

        // Wait until every source has at least its expected replies, or the settle time passes;
        // then a short grace period catches extra replies.
        let settleDeadline = NIODeadline.now() + .nanoseconds(Int64(options.settle * 1e9))
        while NIODeadline.now() < settleDeadline {
            let complete = sources.allSatisfy { source in
                (channels[source]?.replies.count ?? 0) >= (expected[source]?.count ?? 0)
            }
            if complete { break }
            try await Task.sleep(nanoseconds: 20_000_000)
        }
        try await Task.sleep(nanoseconds: UInt64(min(options.settle, 0.15) * 1e9))

        var results: [SourceResult] = []
        var differences: [String] = []
        for source in sources {
            guard let entry = channels[source] else { continue }
            let result = SourceResult(
                original: source, localPort: entry.channel.localAddress?.port ?? 0, sent: sent[source] ?? 0,
                expected: (expected[source] ?? []).map(\.payload), received: entry.replies.snapshot())
            differences.append(contentsOf: compare(result, dialect: options.dialect))
            results.append(result)
        }
        return Report(originalServer: server, sources: results, differences: differences)
    }

    /// A socket (and what it collects) standing in for one source of the capture.
    private static func bindSource(host: String, group: any EventLoopGroup) async throws -> (channel: any Channel, replies: ReplyCollector) {
        let collector = ReplyCollector()
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(collector) }
            }
            .bind(host: host, port: 0).get()
        return (channel, collector)
    }

    /// Sends each request from its source's socket at its captured offset (divided by `speed`; at once
    /// with `fast`); returns how many each source sent.
    private static func send(_ requests: [UDPDatagram], to target: SocketAddress, from channels: [Endpoint: any Channel],
                             options: Options) async throws -> [Endpoint: Int] {
        let first = requests[0].timestamp
        let start = NIODeadline.now()
        var sent: [Endpoint: Int] = [:]
        for request in requests {
            if !options.fast {
                let offset = (request.timestamp - first) / max(options.speed, 1e-6)
                let due = start + .nanoseconds(Int64(offset * 1e9))
                let wait = due - NIODeadline.now()
                if wait.nanoseconds > 0 { try await Task.sleep(nanoseconds: UInt64(wait.nanoseconds)) }
            }
            guard let channel = channels[request.source] else { continue }
            var buffer = channel.allocator.buffer(capacity: request.payload.count)
            buffer.writeBytes(request.payload)
            try await channel.writeAndFlush(AddressedEnvelope(remoteAddress: target, data: buffer)).get()
            sent[request.source, default: 0] += 1
        }
        return sent
    }

    /// Identical bytes, or (under a dialect) the same message.
    static func same(_ expected: [UInt8], _ received: [UInt8], dialect: Dialect) -> Bool {
        dialect.sameDatagram(expected, received)
    }

    /// One line per reply that differs, is missing or is extra.
    static func compare(_ result: SourceResult, dialect: Dialect = .default) -> [String] {
        var lines: [String] = []
        let who = "client \(result.original) (replayed from port \(result.localPort))"
        for index in 0..<max(result.expected.count, result.received.count) {
            let expected = index < result.expected.count ? result.expected[index] : nil
            let received = index < result.received.count ? result.received[index] : nil
            switch (expected, received) {
            case let (expected?, received?) where !same(expected, received, dialect: dialect):
                lines.append("\(who): reply \(index + 1): expected \"\(TimelineEntry.escaped(expected))\", got \"\(TimelineEntry.escaped(received))\"")
            case let (expected?, nil):
                lines.append("\(who): reply \(index + 1): expected \"\(TimelineEntry.escaped(expected))\", got nothing")
            case let (nil, received?):
                lines.append("\(who): reply \(index + 1): unexpected \"\(TimelineEntry.escaped(received))\"")
            default:
                break
            }
        }
        return lines
    }
}

/// Collects every datagram a replay socket receives; swallows errors (ICMP port unreachable)
/// so the socket keeps reading.
final class ReplyCollector: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    private let replies = NIOLockedValueBox<[[UInt8]]>([])

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let bytes = Array(envelope.data.readableBytesView)
        replies.withLockedValue { $0.append(bytes) }
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}

    var count: Int { replies.withLockedValue { $0.count } }
    func snapshot() -> [[UInt8]] { replies.withLockedValue { $0 } }
}
