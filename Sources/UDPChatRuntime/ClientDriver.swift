import Logging
import NIOCore
import UDPChatCore
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

/// Runs a `ChatClient` on one unconnected UDP channel: datagrams, timers and user commands in,
/// effects executed. Lives on the channel's event loop.
final class ClientDriver: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private var client: ChatClient
    private let onEvent: @Sendable (ClientEvent) -> Void
    private let exitPromise: EventLoopPromise<ClientExit>
    private let logger: Logger
    private var context: ChannelHandlerContext?
    private var timers: [ClientTimer: Scheduled<Void>] = [:]
    private var addresses: [Endpoint: SocketAddress] = [:]
    private var inRead = false
    private var pendingWrites = false
    private var closing = false
    private let dialect: Dialect

    init(client: ChatClient, dialect: Dialect = .default, onEvent: @escaping @Sendable (ClientEvent) -> Void,
         exitPromise: EventLoopPromise<ClientExit>, logger: Logger) {
        self.client = client
        self.dialect = dialect
        self.onEvent = onEvent
        self.exitPromise = exitPromise
        self.logger = logger
    }

    var phase: ClientPhase { client.phase }
    var stats: ClientStats { client.stats }
    var liveConn: ConnToken? { client.liveConn }

    func handlerAdded(context: ChannelHandlerContext) {
        self.context = context
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        cancelAllTimers()
        self.context = nil
    }

    func channelActive(context: ChannelHandlerContext) {
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelAllTimers()
        // Only a `.close` effect closes the socket on purpose; anything else is reported as a failure.
        if !closing { exitPromise.fail(UDPChatError.socketClosed) }
        context.fireChannelInactive()
    }

    /// Registers with the server (called once, right after the channel is up).
    func start() {
        perform(client.start(now: .nioNow()))
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let source = Endpoint(envelope.remoteAddress) else { return }
        let malformedBefore = client.stats.malformed
        let now = Instant.nioNow()
        let effects = envelope.data.withUnsafeReadableBytes { receiveInDialect($0, from: source, now: now) }
        if client.stats.malformed != malformedBefore, let error = client.stats.intake.lastMalformed {
            logger.debug("malformed datagram dropped", metadata: ["from": "\(source)", "kind": "\(error.kind)", "error": "\(error)"])
        } else if effects.isEmpty {
            logger.trace("datagram ignored", metadata: ["from": "\(source)"])
        }
        inRead = true
        perform(effects)
        inRead = false
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        flushIfNeeded()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP port unreachable (a peer that is gone) must not end the client.
        logger.debug("socket error ignored", metadata: ["error": "\(error)"])
    }

    /// A command from the user (already on the event loop).
    func userCommand(_ command: UserCommand) {
        guard !closing else { return }
        perform(client.handle(command, now: .nioNow()))
    }

    private func timerFired(_ timer: ClientTimer) {
        timers[timer] = nil
        guard !closing else { return }
        perform(client.timerFired(timer, now: .nioNow()))
    }

    /// Runs effects in order; flushes at once unless inside a read batch (then `channelReadComplete` does).
    private func perform(_ effects: [ClientEffect]) {
        guard let context else { return }
        for effect in effects {
            switch effect {
            case .send(let message, let destination):
                send(message, to: destination, context: context)
            case .armTimer(let timer, let at):
                timers[timer]?.cancel()
                let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
                timers[timer] = context.eventLoop.scheduleTask(deadline: at.deadline) {
                    loopBound.value.timerFired(timer)
                }
            case .cancelTimer(let timer):
                timers.removeValue(forKey: timer)?.cancel()
            case .display(let event):
                onEvent(event)
            case .close(let exit):
                close(exit, context: context)
                return
            }
        }
        if !inRead { flushIfNeeded() }
    }

    private func send(_ message: Message, to destination: Endpoint, context: ChannelHandlerContext) {
        let address: SocketAddress
        if let known = addresses[destination] {
            address = known
        } else {
            do {
                address = try destination.socketAddress()
            } catch {
                logger.warning("cannot send to \(destination): \(error)")
                return
            }
            if addresses.count > 64 { addresses.removeAll(keepingCapacity: true) }
            addresses[destination] = address
        }
        var buffer = context.channel.allocator.buffer(capacity: 64)
        if let bytes = dialect.serialize(message, context: DialectContext(localID: client.id)) {
            buffer.writeBytes(bytes)
        } else {
            logger.debug("not sent: the dialect has no such message", metadata: ["to": "\(destination)", "message": "\(message)"])
            return
        }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: address, data: buffer)), promise: nil)
        pendingWrites = true
        logger.trace("sent", metadata: ["to": "\(destination)", "message": "\(message)"])
    }

    /// Reads a datagram in the dialect: a connection without `{conn}` is the current one (or the
    /// pair's token), and under `peer-source: any` the current peer's datagrams from another port
    /// of its host count as from its address (and are answered at the port they came from).
    private func receiveInDialect(_ bytes: UnsafeRawBufferPointer, from source: Endpoint, now: Instant) -> [ClientEffect] {
        let current = client.currentConnection
        let context = DialectContext(localID: client.id, conn: current?.conn, connPeer: current?.peer, source: source)
        let result = Result { () throws(WireError) -> Message in try dialect.parse(bytes, context: context) }
        var from = source
        if dialect.peerSource == .any, let current, case .success(let message) = result, message.conn != nil,
           message.id == current.peer, source.host == current.endpoint.host {
            from = current.endpoint
        }
        let effects = client.receive(bytes, from: from, now: now) { (_) throws(WireError) -> Message in try result.get() }
        guard from != source else { return effects }
        // Replies go to where the datagram came from (its second socket), as the contract says.
        return effects.map { effect in
            if case .send(let message, from) = effect { return .send(message, to: source) }
            return effect
        }
    }

    private func flushIfNeeded() {
        guard pendingWrites, let context else { return }
        pendingWrites = false
        context.flush()
    }

    private func close(_ exit: ClientExit, context: ChannelHandlerContext) {
        closing = true
        cancelAllTimers()
        flushIfNeeded()
        let promise = exitPromise
        context.close().whenComplete { _ in promise.succeed(exit) }
    }

    private func cancelAllTimers() {
        for task in timers.values { task.cancel() }
        timers.removeAll()
    }
}
