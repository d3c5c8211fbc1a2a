import NIOCore
import NIOPosix
import UDPChatImpairment
import UDPChatSupport

/// One client source address and its upstream socket.
final class Flow {
    let id: UInt64
    let client: SocketAddress
    let clientEndpoint: Endpoint
    var channel: (any Channel)?
    var localEndpoint: Endpoint?
    /// Datagrams to send up before the upstream socket is bound.
    var backlog: [ByteBuffer] = []
    var lastActive: Int64
    var inFlight = 0
    var dirty = false
    var closed = false

    init(id: UInt64, client: SocketAddress, now: Int64) {
        self.id = id
        self.client = client
        self.clientEndpoint = client.endpoint
        self.lastActive = now
    }
}

/// One listen → target relay. Every method runs on `eventLoop` (the class is confined to it,
/// hence `@unchecked Sendable`): no locks on the hot path.
final class Link: @unchecked Sendable {
    static let maxDatagram = 65_507
    static let listenVectorCount = 16
    static let upstreamVectorCount = 4
    static let timerSlot: Int64 = 100_000

    let eventLoop: any EventLoop
    let configuration: LinkConfiguration
    let target: SocketAddress
    let targetText: String
    let origin: UInt64
    let trace: TraceWriter?
    let tap: (@Sendable (TappedDatagram) -> Void)?
    let observer: (@Sendable (TraceEvent) -> Void)?
    let maxFlows: Int
    let flowIdle: Int64
    var passthrough: Bool
    var ruleTexts: [String]

    var engine: ImpairmentEngine
    var listenChannel: (any Channel)?
    var listenEndpoint: Endpoint
    var stats: LinkStats
    var flows: [SocketAddress: Flow] = [:]
    var flowsByID: [UInt64: Flow] = [:]
    /// The flow of the previous datagram from a client (spares a hash lookup in a burst).
    var lastFlow: Flow?
    var nextFlowID: UInt64 = 1
    var dirtyFlows: [Flow] = []
    var listenDirty = false
    var decisions: [Decision] = []
    var queue = DelayQueue()
    var timer: Scheduled<Void>?
    var timerAt = Int64.max
    var sweeper: RepeatedTask?
    var stopped = false

    init(configuration: LinkConfiguration, seed: UInt64, eventLoop: any EventLoop, origin: UInt64, flowIdle: Duration,
         maxFlows: Int, trace: TraceWriter?, tap: (@Sendable (TappedDatagram) -> Void)?,
         observer: (@Sendable (TraceEvent) -> Void)? = nil) throws {
        self.eventLoop = eventLoop
        self.configuration = configuration
        do {
            self.target = try SocketAddress(ipAddress: configuration.target.host, port: Int(configuration.target.port))
        } catch {
            throw ProxyError("link \(configuration.name): target \(configuration.target) is not an IP address and port")
        }
        self.targetText = configuration.target.description
        self.origin = origin
        self.trace = trace
        self.tap = tap
        self.observer = observer
        self.maxFlows = maxFlows
        self.flowIdle = flowIdle.nanoseconds
        self.engine = ImpairmentEngine(
            config: configuration.impairments, seed: ProxyConfiguration.linkSeed(seed, name: configuration.name), origin: .zero)
        self.passthrough = configuration.impairments.isPassthrough && trace == nil && observer == nil
        self.ruleTexts = configuration.impairments.rules.map(\.text)
        self.listenEndpoint = configuration.listen
        self.stats = LinkStats(name: configuration.name, listen: configuration.listen, target: configuration.target)
        self.decisions.reserveCapacity(8)
    }

    /// Nanoseconds since the proxy started.
    @inline(__always) func now() -> Int64 { Int64(bitPattern: NIODeadline.now().uptimeNanoseconds &- origin) }

    // MARK: - Start and stop

    func start() -> EventLoopFuture<Void> {
        let listen: SocketAddress
        do {
            listen = try SocketAddress(ipAddress: configuration.listen.host, port: Int(configuration.listen.port))
        } catch {
            return eventLoop.makeFailedFuture(ProxyError("link \(configuration.name): listen address \(configuration.listen) is not an IP address and port"))
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
                throw ProxyError("link \(link.configuration.name): cannot listen on \(link.configuration.listen): \(error)")
            }
            .map { channel in
                link.listenChannel = channel
                if let local = channel.localAddress { link.listenEndpoint = local.endpoint }
                link.stats.listen = link.listenEndpoint
                let period = max(min(link.flowIdle / 4, 1_000_000_000), 10_000_000)
                link.sweeper = link.eventLoop.scheduleRepeatedTask(
                    initialDelay: .nanoseconds(period), delay: .nanoseconds(period)
                ) { _ in link.sweepIdleFlows() }
            }
    }

    static func bootstrap(eventLoop: any EventLoop, vectorCount: Int) -> DatagramBootstrap {
        // No SO_REUSEADDR: on Linux it would let two UDP sockets share a port silently.
        DatagramBootstrap(group: eventLoop)
            .channelOption(.socketOption(.so_rcvbuf), value: 4 << 20)
            .channelOption(.socketOption(.so_sndbuf), value: 4 << 20)
            .channelOption(.datagramVectorReadMessageCount, value: vectorCount)
            .channelOption(.recvAllocator, value: FixedSizeRecvByteBufferAllocator(capacity: 65_536 * vectorCount))
            .channelOption(.maxMessagesPerRead, value: 4)
    }

    /// Sends every delayed copy at once, then closes every socket.
    func stop() -> EventLoopFuture<Void> {
        stopped = true
        sweeper?.cancel()
        timer?.cancel()
        flushDue(now: Int64.max)
        flushWrites()
        var futures: [EventLoopFuture<Void>] = []
        for flow in flows.values {
            flow.closed = true
            if let channel = flow.channel { futures.append(channel.close().recover { _ in }) }
        }
        if let listenChannel { futures.append(listenChannel.close().recover { _ in }) }
        return EventLoopFuture.andAllComplete(futures, on: eventLoop)
    }

    // MARK: - Receive

    func receiveUp(_ envelope: AddressedEnvelope<ByteBuffer>) {
        let now = self.now()
        let buffer = envelope.data
        stats.up.received &+= 1
        stats.up.bytesReceived &+= UInt64(buffer.readableBytes)
        let flow: Flow
        if let last = lastFlow, last.client == envelope.remoteAddress {
            flow = last
        } else if let existing = flows[envelope.remoteAddress] {
            flow = existing
            lastFlow = existing
        } else {
            guard flows.count < maxFlows, !stopped else {
                stats.up.flowLimit &+= 1
                let source = envelope.remoteAddress.endpoint
                if let tap { tap(TappedDatagram(point: .received, timestamp: wallClock(), source: source, destination: listenEndpoint, payload: Array(buffer.readableBytesView))) }
                trace?.write(TraceEvent.flowLimitLine(time: Instant(nanoseconds: now), link: configuration.name, source: source.description, destination: targetText, size: buffer.readableBytes))
                return
            }
            flow = openFlow(client: envelope.remoteAddress, now: now)
            lastFlow = flow
        }
        flow.lastActive = now
        if let tap { tap(TappedDatagram(point: .received, timestamp: wallClock(), source: flow.clientEndpoint, destination: listenEndpoint, payload: Array(buffer.readableBytesView))) }
        if passthrough {
            stats.up.delivered &+= 1
            sendUp(flow, buffer)
            return
        }
        impair(buffer, direction: .up, flow: flow, now: now)
    }

    func receiveDown(_ envelope: AddressedEnvelope<ByteBuffer>, flow: Flow) {
        guard !flow.closed else { return }
        let now = self.now()
        let buffer = envelope.data
        stats.down.received &+= 1
        stats.down.bytesReceived &+= UInt64(buffer.readableBytes)
        flow.lastActive = now
        if let tap { tap(TappedDatagram(point: .received, timestamp: wallClock(), source: envelope.remoteAddress.endpoint, destination: flow.localEndpoint ?? listenEndpoint, payload: Array(buffer.readableBytesView))) }
        if passthrough {
            stats.down.delivered &+= 1
            sendDown(flow, buffer)
            return
        }
        impair(buffer, direction: .down, flow: flow, now: now)
    }

    private func impair(_ buffer: ByteBuffer, direction: Direction, flow: Flow, now: Int64) {
        let bytes = Array(buffer.readableBytesView)
        decisions.removeAll(keepingCapacity: true)
        engine.process(Datagram(bytes: bytes, direction: direction, flow: flow.id), now: Instant(nanoseconds: now), into: &decisions)
        let serial = engine.processed &- 1
        if engine.hasControlRecords { writeControlRecords() }
        for decision in decisions {
            apply(decision, original: serial, buffer: buffer, arrived: bytes, now: now)
        }
        stats[direction].held = engine.counters[direction].held
        armTimer()
    }

    /// Counts, traces and carries out one decision.
    private func apply(_ decision: Decision, original serial: UInt64, buffer: ByteBuffer?, arrived: [UInt8]?, now: Int64) {
        switch decision {
        case .drop(let drop):
            stats[drop.direction].dropped[drop.reason] &+= 1
            if trace != nil || observer != nil { record(traceEvent(decision, flowID: drop.flow, payload: arrived ?? [], rule: drop.rule, now: now)) }
        case .deliver(let d):
            let dir = d.direction
            if d.notes.contains(.duplicate) { stats[dir].duplicated &+= 1 } else { stats[dir].delivered &+= 1 }
            if !d.notes.isEmpty {
                if d.notes.contains(.delayed) { stats[dir].delayed &+= 1 }
                if d.notes.contains(.reordered) { stats[dir].reordered &+= 1 }
                if d.notes.contains(.corrupted) { stats[dir].corrupted &+= 1 }
                if d.notes.contains(.truncated) { stats[dir].truncated &+= 1 }
            }
            if trace != nil || observer != nil {
                let payload = d.serial == serial ? (arrived ?? d.bytes) : d.bytes
                record(traceEvent(decision, flowID: d.flow, payload: payload, rule: d.rule, now: now))
            }
            guard let flow = flowsByID[d.flow] else {
                stats[dir].expired &+= 1
                return
            }
            let reuse = d.serial == serial && !d.notes.modified
            if d.at.nanoseconds <= now {
                let out = reuse && buffer != nil ? buffer! : ByteBuffer(bytes: d.bytes)
                if dir == .up { sendUp(flow, out) } else { sendDown(flow, out) }
            } else {
                queue.push(at: d.at.nanoseconds, up: dir == .up, flow: flow.id, buffer: ByteBuffer(bytes: d.bytes))
                stats[dir].inFlight &+= 1
                flow.inFlight += 1
            }
        }
    }

    /// Hands one decided datagram event to the trace file and the observer (whichever are set).
    private func record(_ event: TraceEvent) {
        trace?.write(event.jsonLine)
        observer?(event)
    }

    private func traceEvent(_ decision: Decision, flowID: UInt64, payload: [UInt8], rule: Int?, now: Int64) -> TraceEvent {
        let up: Bool
        switch decision {
        case .deliver(let d): up = d.direction == .up
        case .drop(let d): up = d.direction == .up
        }
        let client = flowsByID[flowID]?.clientEndpoint.description ?? "?"
        return TraceEvent(
            time: Instant(nanoseconds: now), link: configuration.name, decision: decision,
            source: up ? client : targetText, destination: up ? targetText : client,
            size: payload.count, payload: payload, rule: rule.map { ruleTexts[$0] })
    }

    // MARK: - Send

    private func sendUp(_ flow: Flow, _ buffer: ByteBuffer) {
        guard let channel = flow.channel else {
            flow.backlog.append(buffer)
            stats.up.inFlight &+= 1
            return
        }
        stats.up.sent &+= 1
        stats.up.bytesSent &+= UInt64(buffer.readableBytes)
        if let tap { tap(TappedDatagram(point: .sent, timestamp: wallClock(), source: flow.localEndpoint ?? listenEndpoint, destination: configuration.target, payload: Array(buffer.readableBytesView))) }
        channel.write(AddressedEnvelope(remoteAddress: target, data: buffer), promise: nil)
        if !flow.dirty {
            flow.dirty = true
            dirtyFlows.append(flow)
        }
    }

    private func sendDown(_ flow: Flow, _ buffer: ByteBuffer) {
        stats.down.sent &+= 1
        stats.down.bytesSent &+= UInt64(buffer.readableBytes)
        guard let listenChannel else { return }
        if let tap { tap(TappedDatagram(point: .sent, timestamp: wallClock(), source: listenEndpoint, destination: flow.clientEndpoint, payload: Array(buffer.readableBytesView))) }
        listenChannel.write(AddressedEnvelope(remoteAddress: flow.client, data: buffer), promise: nil)
        listenDirty = true
    }

    /// Flushes every socket written to since the last flush (one sendmmsg per socket).
    func flushWrites() {
        for flow in dirtyFlows {
            flow.dirty = false
            flow.channel?.flush()
        }
        dirtyFlows.removeAll(keepingCapacity: true)
        if listenDirty {
            listenDirty = false
            listenChannel?.flush()
        }
    }

    // MARK: - Timers

    private func armTimer() {
        var next = queue.first?.at ?? Int64.max
        if let held = engine.nextTimeout { next = min(next, held.nanoseconds) }
        guard next != .max, !stopped else { return }
        // Wake up on 100 µs boundaries: copies due within one slot leave in one batch.
        next = (next / Self.timerSlot + 1) * Self.timerSlot
        guard next < timerAt else { return }
        timer?.cancel()
        timerAt = next
        let link = self
        timer = eventLoop.scheduleTask(deadline: NIODeadline.uptimeNanoseconds(origin &+ UInt64(max(next, 0)))) {
            link.timerFired()
        }
    }

    private func timerFired() {
        timerAt = .max
        timer = nil
        let now = self.now()
        flushDue(now: now)
        if engine.nextTimeout.map({ $0.nanoseconds <= now }) ?? false {
            for decision in engine.timeout(now: Instant(nanoseconds: now)) {
                apply(decision, original: .max, buffer: nil, arrived: nil, now: now)
            }
            for direction in Direction.allCases { stats[direction].held = engine.counters[direction].held }
        }
        flushWrites()
        armTimer()
    }

    private func flushDue(now: Int64) {
        while let first = queue.first, first.at <= now, let pending = queue.pop() {
            let dir: Direction = pending.up ? .up : .down
            stats[dir].inFlight &-= 1
            guard let flow = flowsByID[pending.flow] else {
                stats[dir].expired &+= 1
                continue
            }
            flow.inFlight -= 1
            if pending.up { sendUp(flow, pending.buffer) } else { sendDown(flow, pending.buffer) }
        }
    }

    // MARK: - Flows

    private func openFlow(client: SocketAddress, now: Int64) -> Flow {
        let flow = Flow(id: nextFlowID, client: client, now: now)
        nextFlowID += 1
        flows[client] = flow
        flowsByID[flow.id] = flow
        stats.flowsOpened += 1
        let link = self
        let any: SocketAddress = target.protocol == .inet6 ? try! SocketAddress(ipAddress: "::", port: 0) : try! SocketAddress(ipAddress: "0.0.0.0", port: 0)
        let flowID = flow.id
        Self.bootstrap(eventLoop: eventLoop, vectorCount: Self.upstreamVectorCount)
            .channelInitializer { channel in
                channel.eventLoop.makeCompletedFuture {
                    try channel.pipeline.syncOperations.addHandler(UpstreamHandler(link: link, flowID: flowID))
                }
            }
            .bind(to: any)
            .whenComplete { result in link.flowBound(flowID, result) }
        return flow
    }

    private func flowBound(_ flowID: UInt64, _ result: Result<any Channel, any Error>) {
        guard let flow = flowsByID[flowID], !flow.closed else {
            if case .success(let channel) = result { channel.close(promise: nil) }
            return
        }
        switch result {
        case .success(let channel):
            flow.channel = channel
            flow.localEndpoint = channel.localAddress?.endpoint
            let backlog = flow.backlog
            flow.backlog = []
            stats.up.inFlight &-= UInt64(backlog.count)
            for buffer in backlog { sendUp(flow, buffer) }
            flushWrites()
        case .failure:
            // No upstream socket: what waited for it is lost, and counted.
            stats.up.inFlight &-= UInt64(flow.backlog.count)
            stats.up.sendErrors &+= UInt64(flow.backlog.count)
            flow.backlog = []
            closeFlow(flow)
        }
    }

    func sweepIdleFlows() {
        trace?.flush()
        let now = self.now()
        for flow in flows.values where now - flow.lastActive >= flowIdle && flow.inFlight == 0 && flow.channel != nil {
            closeFlow(flow)
            stats.flowsExpired += 1
        }
    }

    private func closeFlow(_ flow: Flow) {
        flow.closed = true
        if lastFlow === flow { lastFlow = nil }
        flows[flow.client] = nil
        flowsByID[flow.id] = nil
        flow.channel?.close(promise: nil)
    }

    // MARK: - Stats

    func snapshot() -> LinkStats {
        var s = stats
        s.activeFlows = flows.count
        s.rules = engine.counters.rules.enumerated().map { RuleStats(rule: ruleTexts[$0.offset], matched: $0.element.matched, acted: $0.element.acted) }
        var ports: Set<Int> = []
        if let port = listenChannel?.localAddress?.port { ports.insert(port) }
        for flow in flows.values { if let port = flow.localEndpoint?.port { ports.insert(Int(port)) } }
        s.kernelDrops = KernelDrops.read(ports: ports)
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
    let flowID: UInt64
    init(link: Link, flowID: UInt64) {
        self.link = link
        self.flowID = flowID
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        guard let flow = link.flowsByID[flowID] else { return }
        link.receiveDown(unwrapInboundIn(data), flow: flow)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        link.flushWrites()
    }

    func errorCaught(context: ChannelHandlerContext, error: any Error) {}
}

extension SocketAddress {
    var endpoint: Endpoint {
        Endpoint(host: ipAddress ?? "?", port: UInt16(clamping: port ?? 0))
    }
}

func wallClock() -> Double {
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
