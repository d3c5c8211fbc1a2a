import Logging
import NIOCore
import UDPChatCore
import UDPChatDialect
import UDPChatSupport
import UDPChatWire

/// Runs a `ServerRegistry` on one unconnected UDP channel. Lives on the channel's event loop.
///
/// Replies are written as they are produced and flushed once per read batch (so NIO sends them
/// with `sendmmsg`); table changes of one batch are printed once, in `channelReadComplete`.
final class ServerHandler: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    private(set) var registry: ServerRegistry
    private let onTableChange: (@Sendable ([TableRow]) -> Void)?
    private let logger: Logger
    private var pendingWrites = false
    private var tableDirty = false
    private var expiryTask: Scheduled<Void>?
    private let dialect: Dialect

    init(config: ServerConfig, dialect: Dialect = .default, onTableChange: (@Sendable ([TableRow]) -> Void)?, logger: Logger) {
        self.registry = ServerRegistry(config: config)
        self.dialect = dialect
        self.onTableChange = onTableChange
        self.logger = logger
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        guard let source = Endpoint(envelope.remoteAddress) else { return }
        let malformedBefore = registry.stats.malformed
        let now = Instant.nioNow()
        let known = DialectContext(source: source)
        let effects = envelope.data.withUnsafeReadableBytes { bytes in
            registry.receive(bytes, from: source, now: now) { (raw) throws(WireError) -> Message in try dialect.parse(raw, context: known) }
        }
        if registry.stats.malformed != malformedBefore, let error = registry.stats.intake.lastMalformed {
            logger.debug("malformed datagram dropped", metadata: ["from": "\(source)", "kind": "\(error.kind)", "error": "\(error)"])
        }
        run(effects, replyTo: envelope.remoteAddress, source: source, context: context)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        finishBatch(context: context)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {
        // ICMP port unreachable (ECONNREFUSED) and failed sends must never end the receive loop.
        logger.debug("socket error ignored", metadata: ["error": "\(error)"])
    }

    func handlerRemoved(context: ChannelHandlerContext) {
        expiryTask?.cancel()
        expiryTask = nil
    }

    private func run(_ effects: [ServerEffect], replyTo address: SocketAddress, source: Endpoint, context: ChannelHandlerContext) {
        for effect in effects {
            switch effect {
            case .send(let message, let destination):
                let target = destination == source ? address : (try? destination.socketAddress())
                guard let target else { continue }
                var buffer = context.channel.allocator.buffer(capacity: 48)
                if let bytes = dialect.serialize(message) {
                    buffer.writeBytes(bytes)
                } else {
                    logger.debug("not sent: the dialect has no such message", metadata: ["to": "\(destination)", "message": "\(message)"])
                    continue
                }
                context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: target, data: buffer)), promise: nil)
                pendingWrites = true
                logger.trace("sent", metadata: ["to": "\(destination)", "message": "\(message)"])
            case .tableChanged:
                tableDirty = true
            case .armTimer(let timer, let at):
                arm(timer, at: at, context: context)
            }
        }
    }

    private func finishBatch(context: ChannelHandlerContext) {
        if pendingWrites {
            pendingWrites = false
            context.flush()
        }
        if tableDirty {
            tableDirty = false
            onTableChange?(registry.table)
        }
    }

    private func arm(_ timer: ServerTimer, at: Instant, context: ChannelHandlerContext) {
        expiryTask?.cancel()
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        expiryTask = context.eventLoop.scheduleTask(deadline: at.deadline) {
            let (handler, context) = loopBound.value
            handler.expiryTask = nil
            let effects = handler.registry.timerFired(timer, now: .nioNow())
            handler.logger.debug("expiry sweep", metadata: ["expired": "\(handler.registry.stats.expired)"])
            for effect in effects {
                if case .armTimer(let next, let deadline) = effect { handler.arm(next, at: deadline, context: context) }
                if case .tableChanged = effect { handler.tableDirty = true }
            }
            handler.finishBatch(context: context)
        }
    }

    /// A snapshot for callers outside the event loop.
    var snapshot: ServerSnapshot { ServerSnapshot(stats: registry.stats, table: registry.table) }
}

/// The server's counters and table at one moment.
public struct ServerSnapshot: Sendable, Hashable {
    public var stats: ServerStats
    public var table: [TableRow]
}
