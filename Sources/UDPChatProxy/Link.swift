import NIOCore
import UDPChatHost
import NIOPosix
import UDPChatImpairment
import UDPChatRelay
import UDPChatSupport

/// One flow's upstream socket, as the driver sees it.
final class UpstreamSocket: @unchecked Sendable {  // confined to the link's event loop, as `Link`
    var channel: (any Channel)?
    var localEndpoint: Endpoint?
    /// Datagrams to send up before the socket is bound.
    var backlog: [ByteBuffer] = []
    var dirty = false
    /// The flow is closed: replies still read from the socket are ignored.
    var closed = false
}

/// One listen → target relay: a thin NIO driver of a `RelayCore` (sockets, ByteBuffers, timers,
/// batched flushes). Every decision, counter and flow is the core's. Every method runs on
/// `eventLoop` (the class is confined to it, hence `@unchecked Sendable`): no locks on the hot path.
final class Link: @unchecked Sendable {
    static let maxDatagram = 65_507
    // 64×1 and 32×2 (datagrams per recvmmsg × reads per wake-up) measured no better than
    // 16×4 here (CPU per datagram, RTT), and hold bigger receive buffers.
    static let listenVectorCount = 16
    static let upstreamVectorCount = 4
    static let readsPerWake = 4
    /// A release also sends the copies due within this much after it (they would otherwise need
    /// a loop iteration of their own).
    static let releaseBatch = Duration.microseconds(2)

    let eventLoop: any EventLoop
    let configuration: LinkConfiguration
    let target: SocketAddress
    let origin: UInt64
    let trace: TraceWriter?
    let tap: (@Sendable (TappedDatagram) -> Void)?
    let observer: (@Sendable (TraceEvent) -> Void)?

    var core: RelayCore<ClientAddress>
    var effects: [RelayEffect<ClientAddress>] = []
    var listenChannel: (any Channel)?
    var listenEndpoint: Endpoint
    var sockets: [UInt64: UpstreamSocket] = [:]
    /// The socket of the previous send up (spares a hash lookup in a burst).
    var lastSocketFlow: UInt64 = 0
    var lastSocket: UpstreamSocket?
    var dirtySockets: [UpstreamSocket] = []
    var listenDirty = false
    var timer: Scheduled<Void>?
    /// When to set `timer` (early, by the learned wake-up lateness) and when to release.
    var releaseTimer = ReleaseTimer(batch: Link.releaseBatch)
    /// A check of the deadline is queued on the loop (woken early: waiting for the deadline).
    var polling = false
    var flusher: RepeatedTask?
    var stopped = false

    init(configuration: LinkConfiguration, seed: UInt64, eventLoop: any EventLoop, origin: UInt64, flowIdle: Duration,
         maxFlows: Int, trace: TraceWriter?, tap: (@Sendable (TappedDatagram) -> Void)?,
         observer: (@Sendable (TraceEvent) -> Void)? = nil) throws {
        self.eventLoop = eventLoop
        self.configuration = configuration
        do {
            self.target = try SocketAddress(ipAddress: configuration.target.host, port: Int(configuration.target.port))
        } catch {
            throw UDPChatError.proxySetup("link \(configuration.name): target \(configuration.target) is not an IP address and port")
        }
        self.origin = origin
        self.trace = trace
        self.tap = tap
        self.observer = observer
        self.core = RelayCore(configuration: RelayConfiguration(
            name: configuration.name, listen: configuration.listen, target: configuration.target, impairments: configuration.impairments,
            seed: seed, flowIdle: configuration.flowIdle ?? flowIdle, maxFlows: configuration.maxFlows ?? maxFlows, tracing: trace != nil || observer != nil,
            countVerbs: configuration.countVerbs ?? false))
        self.listenEndpoint = configuration.listen
        self.effects.reserveCapacity(16)
    }

    /// Nanoseconds since the proxy started.
    @inline(__always) func now() -> Int64 { Int64(bitPattern: NIODeadline.now().uptimeNanoseconds &- origin) }

    // MARK: - Start and stop

    func start() -> EventLoopFuture<Void> {
        let listen: SocketAddress
        do {
            listen = try SocketAddress(ipAddress: configuration.listen.host, port: Int(configuration.listen.port))
        } catch {
            return eventLoop.makeFailedFuture(UDPChatError.proxySetup("link \(configuration.name): listen address \(configuration.listen) is not an IP address and port"))
        }
        let link = self
        return Self.bootstrap(eventLoop: eventLoop, vectorCount: Self.listenVectorCount)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(ListenHandler(link: link))
                }
            }
            .bind(to: listen)
            .flatMapErrorThrowing { error in
                throw UDPChatError.proxySetup("link \(link.configuration.name): cannot listen on \(link.configuration.listen): \(SocketErrorText.reason(error))")
            }
            .map { channel in
                link.listenChannel = channel
                if let local = channel.localAddress { link.listenEndpoint = local.endpoint }
                link.core.setListen(link.listenEndpoint)
                if link.trace != nil {
                    link.flusher = link.eventLoop.scheduleRepeatedTask(initialDelay: .seconds(1), delay: .seconds(1)) { _ in link.trace?.flush() }
                }
            }
    }

    static func bootstrap(eventLoop: any EventLoop, vectorCount: Int) -> DatagramBootstrap {
        // No SO_REUSEADDR: on Linux it would let two UDP sockets share a port silently.
        DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
            .channelOption(.datagramVectorReadMessageCount, value: vectorCount)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536 * vectorCount))
            .channelOption(.maxMessagesPerRead, value: UInt(readsPerWake))
    }

    /// Sends every delayed copy at once, then closes every socket.
    func stop() -> EventLoopFuture<Void> {
        stopped = true
        flusher?.cancel()
        timer?.cancel()
        releaseTimer.cancel()
        var futures: [EventLoopFuture<Void>] = []
        let channels = sockets.values.compactMap(\.channel)
        effects.removeAll(keepingCapacity: true)
        core.stop(into: &effects)
        run(nil)
        flushWrites()
        for channel in channels { futures.append(channel.close().recover { _ in }) }
        if let listenChannel { futures.append(listenChannel.close().recover { _ in }) }
        return EventLoopFuture.andAllComplete(futures, on: eventLoop)
    }

    // MARK: - Receive

    func receiveUp(_ envelope: AddressedEnvelope<ByteBuffer>) {
        let now = self.now()
        let buffer = envelope.data
        if let tap { tap(TappedDatagram(point: .received, timestamp: wallClock(), source: envelope.remoteAddress.endpoint, destination: listenEndpoint, payload: Array(buffer.readableBytesView))) }
        effects.removeAll(keepingCapacity: true)
        core.clientDatagram(core.needsBytes ? Array(buffer.readableBytesView) : nil, size: buffer.readableBytes, from: ClientAddress(address: envelope.remoteAddress),
                            now: Instant(nanoseconds: now), into: &effects)
        run(buffer)
    }

    func receiveDown(_ envelope: AddressedEnvelope<ByteBuffer>, socket: UpstreamSocket, flow: UInt64) {
        guard !stopped, !socket.closed else { return }
        let now = self.now()
        let buffer = envelope.data
        if let tap { tap(TappedDatagram(point: .received, timestamp: wallClock(), source: envelope.remoteAddress.endpoint, destination: socket.localEndpoint ?? listenEndpoint, payload: Array(buffer.readableBytesView))) }
        effects.removeAll(keepingCapacity: true)
        core.upstreamDatagram(core.needsBytes ? Array(buffer.readableBytesView) : nil, size: buffer.readableBytes, flow: flow,
                              now: Instant(nanoseconds: now), into: &effects)
        run(buffer)
    }

    /// Carries out the core's effects; `arrived` is the datagram of the event that produced them.
    func run(_ arrived: ByteBuffer?) {
        for effect in effects {
            switch effect {
            case .sendUp(let flow, let payload):
                let socket: UpstreamSocket
                if flow == lastSocketFlow, let last = lastSocket {
                    socket = last
                } else {
                    guard let found = sockets[flow] else { continue }
                    (lastSocketFlow, lastSocket) = (flow, found)
                    socket = found
                }
                sendUp(socket, buffer(payload, arrived))
            case .sendDown(_, let client, let payload):
                sendDown(client.address, buffer(payload, arrived))
            case .armTimer(let at):
                armTimer(at.nanoseconds)
            case .trace(let event):
                trace?.write(event.jsonLine)
                observer?(event)
            case .flowLimited(let client, let size):
                trace?.write(RelayTraceEvent.flowLimitLine(time: Instant(nanoseconds: now()), link: configuration.name, source: client.endpoint,
                                                           destination: configuration.target, size: size))
            case .control(let record):
                trace?.write(record.jsonLine(link: configuration.name))
            case .openUpstream(let flow):
                openUpstream(flow)
            case .closeUpstream(let flow):
                // On stop, sockets close after the last flush (`stop()`).
                if flow == lastSocketFlow { (lastSocketFlow, lastSocket) = (0, nil) }
                if let socket = sockets.removeValue(forKey: flow) {
                    socket.closed = true
                    if !stopped { socket.channel?.close(promise: nil) }
                }
            }
        }
    }

    @inline(__always)
    private func buffer(_ payload: RelayPayload, _ arrived: ByteBuffer?) -> ByteBuffer {
        switch payload {
        case .arrived: arrived!
        case .bytes(let bytes): ByteBuffer(bytes: bytes)
        }
    }

    // MARK: - Send

    private func sendUp(_ socket: UpstreamSocket, _ buffer: ByteBuffer) {
        guard let channel = socket.channel else {
            socket.backlog.append(buffer)
            return
        }
        if let tap { tap(TappedDatagram(point: .sent, timestamp: wallClock(), source: socket.localEndpoint ?? listenEndpoint, destination: configuration.target, payload: Array(buffer.readableBytesView))) }
        channel.write(AddressedEnvelope(remoteAddress: target, data: buffer), promise: nil)
        if !socket.dirty {
            socket.dirty = true
            dirtySockets.append(socket)
        }
    }

    private func sendDown(_ client: SocketAddress, _ buffer: ByteBuffer) {
        guard let listenChannel else { return }
        if let tap { tap(TappedDatagram(point: .sent, timestamp: wallClock(), source: listenEndpoint, destination: client.endpoint, payload: Array(buffer.readableBytesView))) }
        listenChannel.write(AddressedEnvelope(remoteAddress: client, data: buffer), promise: nil)
        listenDirty = true
    }

    /// Flushes every socket written to since the last flush (one sendmmsg per socket).
    func flushWrites() {
        for socket in dirtySockets {
            socket.dirty = false
            socket.channel?.flush()
        }
        dirtySockets.removeAll(keepingCapacity: true)
        if listenDirty {
            listenDirty = false
            listenChannel?.flush()
        }
    }

    // MARK: - Timers

    // NIO's scheduled tasks wake the loop through a timerfd (ns resolution), but the thread runs
    // some tens of µs after that (more on a loaded machine, or in a VM). `ReleaseTimer` sets the
    // timer early by the lateness learned so far, and a loop that wakes before the deadline
    // waits for it without sleeping: a check of the clock queued behind the I/O already pending
    // (`.poll`), so reads go on meanwhile and copies leave at their deadline, neither early nor
    // a wake-up late.

    private func armTimer(_ at: Int64) {
        guard !stopped else { return }
        perform(releaseTimer.arm(Instant(nanoseconds: max(at, 0)), now: Instant(nanoseconds: now())))
    }

    private func perform(_ action: ReleaseTimer.Action) {
        switch action {
        case .none:
            return
        case .schedule(let wake):
            timer?.cancel()
            let link = self
            timer = eventLoop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(origin &+ UInt64(max(wake.nanoseconds, 0)))) {
                link.timer = nil
                link.perform(link.releaseTimer.woke(now: Instant(nanoseconds: link.now())))
            }
        case .poll:
            timer?.cancel()
            timer = nil
            guard !polling else { return }
            polling = true
            let link = self
            eventLoop.execute {
                link.polling = false
                guard !link.stopped else { return }
                link.perform(link.releaseTimer.check(now: Instant(nanoseconds: link.now())))
            }
        case .fire:
            effects.removeAll(keepingCapacity: true)
            core.timerFired(now: Instant(nanoseconds: now()), batch: Self.releaseBatch, into: &effects)
            run(nil)
            flushWrites()
        }
    }

    // MARK: - Flows

    private func openUpstream(_ flow: UInt64) {
        let socket = UpstreamSocket()
        sockets[flow] = socket
        let link = self
        let any: SocketAddress = target.protocol == .inet6 ? try! SocketAddress(ipAddress: "::", port: 0) : try! SocketAddress(ipAddress: "0.0.0.0", port: 0)
        Self.bootstrap(eventLoop: eventLoop, vectorCount: Self.upstreamVectorCount)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(link: link, socket: socket, flowID: flow))
                }
            }
            .bind(to: any)
            .whenComplete { [id = ObjectIdentifier(socket)] result in
                // Never inside `run`: the core must see the sends it emitted before the socket opened.
                link.eventLoop.execute { link.upstreamBound(flow, id, result) }
            }
    }

    private func upstreamBound(_ flow: UInt64, _ id: ObjectIdentifier, _ result: Result<any Channel, any Error>) {
        guard let socket = sockets[flow], ObjectIdentifier(socket) == id, !stopped else {
            if case .success(let channel) = result { channel.close(promise: nil) }
            return
        }
        switch result {
        case .success(let channel):
            socket.channel = channel
            socket.localEndpoint = channel.localAddress?.endpoint
            core.upstreamOpened(flow: flow)
            let backlog = socket.backlog
            socket.backlog = []
            for buffer in backlog { sendUp(socket, buffer) }
            flushWrites()
        case .failure:
            // No upstream socket: what waited for it is lost, and counted by the core.
            socket.backlog = []
            socket.closed = true
            sockets[flow] = nil
            if flow == lastSocketFlow { (lastSocketFlow, lastSocket) = (0, nil) }
            effects.removeAll(keepingCapacity: true)
            core.upstreamFailed(flow: flow, into: &effects)
            run(nil)
            flushWrites()
        }
    }

    // MARK: - Stats

    func snapshot() -> LinkStats {
        var s = core.stats
        var ports: Set<Int> = []
        if let port = listenChannel?.localAddress?.port { ports.insert(port) }
        for socket in sockets.values { if let port = socket.localEndpoint?.port { ports.insert(Int(port)) } }
        s.kernelDrops = UDPSocketTable.read().map { rows in rows.filter { ports.contains(Int($0.port)) }.reduce(0) { $0 + $1.drops } }
        return s
    }
}

/// Reads client datagrams on the listening socket.
final class ListenHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let link: Link
    init(link: Link) { self.link = link }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        link.receiveUp(unwrapInboundIn(data))
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        link.flushWrites()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // ICMP errors and the like: the receive loop must go on.
    }
}

/// Reads replies on one flow's upstream socket.
final class UpstreamHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    let link: Link
    let socket: UpstreamSocket
    let flowID: UInt64
    init(link: Link, socket: UpstreamSocket, flowID: UInt64) {
        self.link = link
        self.socket = socket
        self.flowID = flowID
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        link.receiveDown(unwrapInboundIn(data), socket: socket, flow: flowID)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        link.flushWrites()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

/// A client's source address as the relay core's flow key.
struct ClientAddress: RelayClientAddress {
    let address: SocketAddress
    var endpoint: Endpoint { address.endpoint }
}

extension SocketAddress {
    var endpoint: Endpoint {
        Endpoint(host: ipAddress ?? "?", port: UInt16(clamping: port ?? 0))
    }
}

/// Seconds since the Unix epoch, wall clock (the timestamps of tapped datagrams).
public func wallClock() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_REALTIME, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif
