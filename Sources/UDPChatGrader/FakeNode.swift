import NIOCore
import NIOPosix
import UDPChatSupport
import UDPChatWire

/// Drops the first `count` datagrams from the implementation that match `matches`:
/// a simulated loss, recorded in the trace as `dropped`.
public struct DropRule: Sendable {
    public var matches: @Sendable (Message) -> Bool
    public var remaining: Int
    public init(first count: Int, where matches: @Sendable @escaping (Message) -> Bool) {
        self.remaining = count
        self.matches = matches
    }
}

/// One party the grader plays (fake server, fake peer, fake client, stranger): an unconnected
/// UDP socket on 127.0.0.1 that records every datagram in and out, can drop incoming
/// datagrams, and can answer automatically through a `responder`.
public final class FakeNode: @unchecked Sendable {
    public typealias Responder = @Sendable (Message, Endpoint) -> [Message]

    public let name: String
    public let address: Endpoint
    let channel: Channel
    let trace: Trace
    private let lock = NSLockBox()
    private var dropRules: [DropRule] = []
    private var responder: Responder?

    init(name: String, channel: Channel, trace: Trace) {
        self.name = name
        self.channel = channel
        self.trace = trace
        let port = UInt16(channel.localAddress?.port ?? 0)
        self.address = Endpoint(host: "127.0.0.1", port: port)
    }

    /// Binds a fresh node on 127.0.0.1 (port 0 unless given).
    public static func bind(name: String, port: UInt16 = 0, group: EventLoopGroup, trace: Trace) async throws -> FakeNode {
        let box = NodeBox()
        let channel = try await DatagramBootstrap(group: group)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(NodeHandler(box: box))
                }
            }
            .bind(host: "127.0.0.1", port: Int(port))
            .get()
        let node = FakeNode(name: name, channel: channel, trace: trace)
        box.set(node)
        return node
    }

    public func addDrop(_ rule: DropRule) { lock.withLock { dropRules.append(rule) } }
    public func setResponder(_ responder: Responder?) { lock.withLock { self.responder = responder } }

    func incoming(_ bytes: [UInt8], from source: Endpoint) {
        let message = try? Message.parse(bytes)
        let (dropped, responder): (Bool, Responder?) = lock.withLock {
            if let message, let index = dropRules.firstIndex(where: { $0.remaining > 0 && $0.matches(message) }) {
                dropRules[index].remaining -= 1
                return (true, nil)
            }
            return (false, self.responder)
        }
        trace.append(dropped ? .dropped : .received, node: name, remote: source.description, local: address.description,
                     text: escapeDatagram(bytes), bytes: bytes)
        if let message, let responder {
            for reply in responder(message, source) { send(reply.bytes, to: source) }
        }
    }

    /// Sends raw bytes to `destination`; `tag` marks fault injection in the trace.
    public func send(_ bytes: [UInt8], to destination: Endpoint, tag: String? = nil) {
        trace.append(.sent, node: name, remote: destination.description, local: address.description,
                     text: escapeDatagram(bytes), bytes: bytes, tag: tag)
        guard let address = try? SocketAddress(ipAddress: destination.host, port: Int(destination.port)) else { return }
        let buffer = channel.allocator.buffer(bytes: bytes)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
    }

    public func send(_ message: Message, to destination: Endpoint, tag: String? = nil) {
        send(message.bytes, to: destination, tag: tag)
    }

    public func close() async {
        try? await channel.close()
    }
}

/// Lets the channel handler reach its node once both exist.
final class NodeBox: @unchecked Sendable {
    private let lock = NSLockBox()
    private var node: FakeNode?
    func set(_ node: FakeNode) { lock.withLock { self.node = node } }
    func get() -> FakeNode? { lock.withLock { node } }
}

final class NodeHandler: ChannelInboundHandler, Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let box: NodeBox
    init(box: NodeBox) { self.box = box }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let host = envelope.remoteAddress.ipAddress, let port = envelope.remoteAddress.port else { return }
        let bytes = Array(envelope.data.readableBytesView)
        box.get()?.incoming(bytes, from: Endpoint(host: host, port: UInt16(port)))
    }

    /// ICMP port unreachable and similar: ignore, so the receive loop never ends.
    func errorCaught(context: ChannelHandlerContext, error: Error) {}
}
