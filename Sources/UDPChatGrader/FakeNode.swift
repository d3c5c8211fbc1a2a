import NIOCore
import NIOPosix
import UDPChatDialect
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
/// datagrams, and can answer automatically through a `responder`. It speaks the manifest's
/// dialect: messages are written with it, and what the implementation sends is read with it.
public final class FakeNode: @unchecked Sendable {
    public typealias Responder = @Sendable (Message, Endpoint) -> [Message]
    public typealias RawResponder = @Sendable ([UInt8], Endpoint) -> Void

    public let name: String
    public let address: Endpoint
    public let dialect: Dialect
    let channel: Channel
    let trace: Trace
    private let lock = NSLockBox()
    private var dropRules: [DropRule] = []
    private var responder: Responder?
    private var rawResponder: RawResponder?
    private var ownID: ClientID?
    private var implementation: Endpoint?
    /// The requests, ids and sequence numbers its dialect's datagrams are read and written with.
    private var wire: NodeWire

    init(name: String, channel: Channel, trace: Trace, dialect: Dialect) {
        self.name = name
        self.channel = channel
        self.trace = trace
        self.dialect = dialect
        let port = UInt16(channel.localAddress?.port ?? 0)
        self.address = Endpoint(host: "127.0.0.1", port: port)
        self.wire = NodeWire(dialect: dialect, local: address)
    }

    /// Binds a fresh node on 127.0.0.1 (port 0 unless given).
    public static func bind(name: String, port: UInt16 = 0, group: EventLoopGroup, trace: Trace,
                            dialect: Dialect = .default) async throws -> FakeNode {
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
        let node = FakeNode(name: name, channel: channel, trace: trace, dialect: dialect)
        box.set(node)
        return node
    }

    public func addDrop(_ rule: DropRule) { lock.withLock { dropRules.append(rule) } }
    public func setResponder(_ responder: Responder?) { lock.withLock { self.responder = responder } }
    /// Handles every datagram's bytes as they are (a relay), before any parsing.
    public func setRawResponder(_ responder: RawResponder?) { lock.withLock { self.rawResponder = responder } }

    /// The client id this node plays (`{self}` when it writes, and with the sender's id the
    /// connection of a dialect without `{conn}` when it reads).
    public var localID: ClientID? {
        get { lock.withLock { ownID } }
        set { lock.withLock { ownID = newValue } }
    }

    /// Where the implementation under test sends from, when that is one known address (a server's):
    /// a datagram from any other port is not the implementation's (on the host it can be a re-send
    /// that another case's program aims at a port this node now holds). It is traced as a note and
    /// otherwise ignored. nil: every source counts.
    public var onlyFrom: Endpoint? {
        get { lock.withLock { implementation } }
        set { lock.withLock { implementation = newValue } }
    }

    var context: DialectContext { NodeWire.plain(localID: localID) }

    /// `ids: server-assigned`: this node (the fake server) gives each new source that registers
    /// the next id from `first` on, and reads id-less REGISTER and LEAVE as from that id.
    public func assignIDs(from first: ClientID) { lock.withLock { wire.nextAssigned = first } }

    /// The id of the implementation this node talks to: the sender of its datagrams that name none
    /// (`Connection Accepted`, `3 hello`) and the `{to}` of what the node writes to it.
    public var remoteID: ClientID? {
        get { lock.withLock { wire.remoteID } }
        set { lock.withLock { wire.remoteID = newValue } }
    }

    func incoming(_ bytes: [UInt8], from source: Endpoint) {
        if let only = onlyFrom, source.port != only.port {
            trace.note("\(name) ignored a datagram from \(source), which is not the implementation at \(only): '\(escapeDatagram(bytes))'",
                       tag: "stray")
            return
        }
        if let raw = lock.withLock({ rawResponder }) {
            trace.append(.received, node: name, remote: source.description, local: address.description, text: escapeDatagram(bytes), bytes: bytes)
            raw(bytes, source)
            return
        }
        let (message, dropped, responder): (Message?, Bool, Responder?) = lock.withLock {
            let message = wire.read(bytes, from: source, localID: ownID)
            if let message, let index = dropRules.firstIndex(where: { $0.remaining > 0 && $0.matches(message) }) {
                dropRules[index].remaining -= 1
                return (message, true, nil)
            }
            return (message, false, self.responder)
        }
        trace.append(dropped ? .dropped : .received, node: name, remote: source.description, local: address.description,
                     text: escapeDatagram(bytes), bytes: bytes, decoded: .some(message))
        if let message, let responder {
            for reply in responder(message, source) { answer(reply, to: source) }
        }
    }

    /// Sends raw bytes to `destination`; `tag` marks fault injection in the trace.
    public func send(_ bytes: [UInt8], to destination: Endpoint, tag: String? = nil) {
        send(bytes, to: destination, tag: tag, decoded: .some(try? dialect.parse(bytes, context: context)))
    }

    private func send(_ bytes: [UInt8], to destination: Endpoint, tag: String?, decoded: Message??) {
        trace.append(.sent, node: name, remote: destination.description, local: address.description,
                     text: escapeDatagram(bytes), bytes: bytes, tag: tag, decoded: decoded)
        guard let address = try? SocketAddress(ipAddress: destination.host, port: Int(destination.port)) else { return }
        let buffer = channel.allocator.buffer(bytes: bytes)
        channel.writeAndFlush(AddressedEnvelope(remoteAddress: address, data: buffer), promise: nil)
    }

    /// Sends `message` written in the node's dialect. A message the dialect cannot write ends the
    /// case UNSUPPORTED (a case never passes or fails on a message it did not send).
    public func send(_ message: Message, to destination: Endpoint, tag: String? = nil) throws {
        try send(message, to: destination, tag: tag, ending: nil)
    }

    /// Sends `message` in the dialect with its terminator replaced by `ending` (`\n`, `\r\n`) when given.
    public func send(_ message: Message, to destination: Endpoint, tag: String? = nil, ending: String?) throws {
        guard var bytes = bytes(of: message, to: destination) else {
            let reason = "dialect \(dialect.name) has no \(message.verb.rawValue): \(name) cannot send '\(message.serialized)'"
            trace.note(reason)
            throw CaseStop.unsupported(reason)
        }
        if let ending {
            while let last = bytes.last, last == 0x0A || last == 0x0D { bytes.removeLast() }
            bytes += Array(ending.utf8)
        }
        send(bytes, to: destination, tag: tag, decoded: .some(message))
    }

    /// An automatic answer: one the dialect cannot write is left out with a note (the cases that
    /// need it list its verb in `GradeCase.sends` and are UNSUPPORTED before they start).
    func answer(_ message: Message, to destination: Endpoint) {
        guard let bytes = bytes(of: message, to: destination) else {
            trace.note("\(name) cannot answer '\(message.serialized)': dialect \(dialect.name) has no \(message.verb.rawValue)")
            return
        }
        send(bytes, to: destination, tag: nil, decoded: .some(message))
    }

    /// `message` written for `destination` (its tag, receiver and the request it answers).
    func bytes(of message: Message, to destination: Endpoint) -> [UInt8]? {
        lock.withLock { wire.write(message, to: destination, localID: ownID) }
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
