import NIOCore
import NIOPosix
import UDPChatSupport

/// A benchmark socket confined to one event loop: counts what it receives, optionally echoes it,
/// and tells an attached load generator when a read batch is done.
final class BenchSocket: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let echo: Bool
    var channel: (any Channel)!
    var endpoint = Endpoint(host: "127.0.0.1", port: 0)
    var received: UInt64 = 0
    var onRead: ((AddressedEnvelope<ByteBuffer>) -> Void)?
    var onReadComplete: (() -> Void)?
    private var echoPending = false

    init(echo: Bool) { self.echo = echo }

    static func bind(on loop: any EventLoop, echo: Bool) async throws -> BenchSocket {
        let socket = BenchSocket(echo: echo)
        let channel = try await DatagramBootstrap(group: loop)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
            .channelOption(.datagramVectorReadMessageCount, value: 32)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 2048 * 32))
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture { try channel.pipeline.syncOperations.addHandler(socket) }
            }
            .bind(host: "127.0.0.1", port: 0).get()
        socket.channel = channel
        socket.endpoint = Endpoint(host: "127.0.0.1", port: UInt16(channel.localAddress?.port ?? 0))
        return socket
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        received &+= 1
        let envelope = unwrapInboundIn(data)
        if echo {
            context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: envelope.remoteAddress, data: envelope.data)), promise: nil)
            echoPending = true
        }
        onRead?(envelope)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        if echoPending {
            echoPending = false
            context.flush()
        }
        onReadComplete?()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// Keeps at most `window` datagrams between the sender and the sink (each on its own loop;
/// the sink reports its count to the sender's loop after every read batch).
final class Flood: @unchecked Sendable {
    let sender: BenchSocket
    let sink: BenchSocket
    let target: SocketAddress
    let payload: ByteBuffer
    let window: UInt64
    var sent: UInt64 = 0
    var written: UInt64 = 0
    var forgiven: UInt64 = 0
    /// What the sink had received at its last report (sender's loop only).
    var seen: UInt64 = 0
    var lastProgress: UInt64 = 0
    var ticker: RepeatedTask?
    var running = false

    /// A valid `MSG` of `size` bytes where it fits (`MSG 1 2 3 aaa…`), so a proxy that reads the
    /// datagrams (`--count-verbs`, rules) does its full work; plain bytes below 11.
    static func chat(size: Int) -> [UInt8] {
        let head = Array("MSG 1 2 3 ".utf8)
        guard size > head.count else { return [UInt8](repeating: 0x61, count: size) }
        return head + [UInt8](repeating: 0x61, count: size - head.count)
    }

    init(sender: BenchSocket, sink: BenchSocket, target: Endpoint, payload: Int, window: Int) {
        self.sender = sender
        self.sink = sink
        self.target = try! SocketAddress(ipAddress: target.host, port: Int(target.port))
        self.payload = ByteBuffer(bytes: Flood.chat(size: payload))
        self.window = UInt64(window)
    }

    /// On the sink's loop: after each read batch, tell the sender how much has arrived.
    func attachSink() {
        let sink = self.sink
        let senderLoop = sender.channel.eventLoop
        // Weak: a run cancelled (Ctrl-C) ends while the sockets still read and the ticker still fires.
        sink.onReadComplete = { [weak self] in
            guard let self else { return }
            let count = sink.received
            senderLoop.execute { self.arrived(count) }
        }
    }

    /// On the sender's loop.
    func start() {
        running = true
        ticker = sender.channel.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(2), delay: .milliseconds(2)) { [weak self] _ in
            guard let self else { return }
            // No progress for a tick: what is outstanding is lost (or delayed); open the window.
            if self.seen == self.lastProgress { self.forgiven = self.sent &- self.seen }
            self.lastProgress = self.seen
            self.refill()
        }
        refill()
    }

    func stop() {
        running = false
        ticker?.cancel()
    }

    private func arrived(_ count: UInt64) {
        seen = count
        refill()
    }

    func refill() {
        guard running else { return }
        let outstanding = sent &- seen &- forgiven
        guard outstanding < window || Int64(bitPattern: outstanding) < 0 else { return }
        let room = Int64(bitPattern: outstanding) < 0 ? window : window - outstanding
        let channel = sender.channel!
        for _ in 0..<room {
            channel.write(AddressedEnvelope(remoteAddress: target, data: payload), promise: nil)
        }
        sent &+= room
        channel.flush()
    }
}

/// One datagram at a time through an echo server; RTT per round trip. With a `reference`
/// (another way to the echo server), pings alternate between the two, `count` through each.
final class PingPong: @unchecked Sendable {
    let socket: BenchSocket
    let target: SocketAddress
    let reference: SocketAddress?
    let payload: ByteBuffer
    let count: Int
    let loop: any EventLoop
    var histogram = LatencyHistogram()
    var referenceHistogram = LatencyHistogram()
    var lost = 0
    var sentAt = NIODeadline.now()
    var done = 0
    var outstanding = false
    var generation: UInt64 = 0
    var promise: EventLoopPromise<Void>?
    var timeout: Scheduled<Void>?

    init(socket: BenchSocket, target: Endpoint, reference: Endpoint? = nil, payload: Int, count: Int, loop: any EventLoop) {
        self.socket = socket
        self.target = try! SocketAddress(ipAddress: target.host, port: Int(target.port))
        self.reference = reference.map { try! SocketAddress(ipAddress: $0.host, port: Int($0.port)) }
        self.payload = ByteBuffer(bytes: [UInt8](repeating: 0x62, count: max(payload, 8)))
        self.count = reference == nil ? count : 2 * count
        self.loop = loop
    }

    func run() async throws -> (histogram: LatencyHistogram, reference: LatencyHistogram, lost: Int) {
        let future: EventLoopFuture<Void> = try await loop.submit {
            let promise = self.loop.makePromise(of: Void.self)
            self.promise = promise
            self.socket.onRead = { [weak self] envelope in self?.pong(envelope.data) }
            self.ping()
            return promise.futureResult
        }.get()
        try await future.get()
        try await loop.submit { self.socket.onRead = nil }.get()
        return (histogram, referenceHistogram, lost)
    }

    private func ping() {
        generation &+= 1
        outstanding = true
        sentAt = .now()
        var data = payload
        data.setInteger(generation, at: data.readerIndex)
        socket.channel.writeAndFlush(AddressedEnvelope(remoteAddress: throughReference ? reference! : target, data: data), promise: nil)
        let current = generation
        timeout = loop.scheduleTask(in: .milliseconds(100)) { [weak self] in
            guard let self, self.outstanding, self.generation == current else { return }
            self.lost += 1
            self.next()
        }
    }

    private func pong(_ data: ByteBuffer) {
        // Only the reply to the ping in flight counts (not a late one or a duplicate).
        guard outstanding, data.getInteger(at: data.readerIndex, as: UInt64.self) == generation else { return }
        outstanding = false
        timeout?.cancel()
        let rtt = UInt64((NIODeadline.now() - sentAt).nanoseconds)
        if throughReference { referenceHistogram.record(nanoseconds: rtt) } else { histogram.record(nanoseconds: rtt) }
        next()
    }

    /// Odd pings go through the reference, when there is one.
    private var throughReference: Bool { reference != nil && generation & 1 == 1 }

    private func next() {
        outstanding = false
        done += 1
        if done >= count {
            promise?.succeed(())
            promise = nil
        } else {
            ping()
        }
    }
}
