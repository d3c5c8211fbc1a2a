import NIOCore
import UDPChatSupport
import UDPChatWire

/// One load-generator socket: registers its id, then keeps `pipeline` LOOKUPs in flight, sending
/// a new one for every answer (PEER or INACTIVE). Writes of one read batch are flushed together.
/// All state lives on the channel's event loop.
final class LookupLoad: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    /// Ring of send times indexed by the looked-up id; ids cycle through 1 … ringSize.
    static let ringSize = 65_536

    let id: ClientID
    let server: SocketAddress
    let pipeline: Int
    let registered: EventLoopPromise<Void>
    private var context: ChannelHandlerContext?
    private var sendTimes = [UInt64](repeating: 0, count: LookupLoad.ringSize)
    private var counter = 0
    private var outstanding = 0
    private var running = false
    private var measuring = false
    private var answeredAtLastCheck = 0
    private var stallTask: RepeatedTask?
    private var registerTask: RepeatedTask?
    private(set) var answered = 0
    private(set) var sent = 0
    private(set) var histogram = LatencyHistogram()

    init(id: ClientID, server: SocketAddress, pipeline: Int, registered: EventLoopPromise<Void>) {
        self.id = id
        self.server = server
        self.pipeline = min(pipeline, LookupLoad.ringSize / 2)
        self.registered = registered
    }

    func channelActive(context: ChannelHandlerContext) {
        self.context = context
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        // REGISTER, re-sent every 250 ms until REGISTERED.
        registerTask = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(250)) { _ in
            loopBound.value.sendRaw("REGISTER \(loopBound.value.id) \(loopBound.value.localPort)")
            loopBound.value.context?.flush()
        }
        context.fireChannelActive()
    }

    private var localPort: Int { context?.channel.localAddress?.port ?? 1 }

    /// Starts the pipelined LOOKUPs (on the event loop).
    func startLoad() {
        guard let context else { return }
        running = true
        measuring = true
        for _ in 0..<pipeline { sendLookup(now: NIODeadline.now().uptimeNanoseconds) }
        context.flush()
        let loopBound = NIOLoopBound(self, eventLoop: context.eventLoop)
        // Answers lost in a full socket buffer would shrink the pipeline: refill it when a socket stalls.
        stallTask = context.eventLoop.scheduleRepeatedTask(initialDelay: .milliseconds(200), delay: .milliseconds(200)) { _ in
            loopBound.value.refillIfStalled()
        }
    }

    /// Stops sending and measuring (answers still in flight are not counted).
    func stopLoad() {
        running = false
        measuring = false
        stallTask?.cancel()
        stallTask = nil
    }

    private func refillIfStalled() {
        guard running, let context else { return }
        if answered == answeredAtLastCheck {
            outstanding = 0
            for _ in 0..<pipeline { sendLookup(now: NIODeadline.now().uptimeNanoseconds) }
            context.flush()
        }
        answeredAtLastCheck = answered
    }

    private func sendLookup(now: UInt64) {
        let slot = counter & (LookupLoad.ringSize - 1)
        counter &+= 1
        sendTimes[slot] = now
        sendRaw(slot: slot)
        outstanding += 1
        sent += 1
    }

    /// `LOOKUP <slot + 1>` written straight into a fresh buffer.
    private func sendRaw(slot: Int) {
        guard let context else { return }
        var out = context.channel.allocator.buffer(capacity: 24)
        out.writeStaticString("LOOKUP ")
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) = (0, 0, 0, 0, 0, 0)
        var value = slot + 1
        var length = 0
        withUnsafeMutableBytes(of: &digits) { raw in
            repeat {
                raw[length] = UInt8(0x30 + value % 10)
                value /= 10
                length += 1
            } while value > 0
            for index in stride(from: length - 1, through: 0, by: -1) { out.writeInteger(raw[index]) }
        }
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: server, data: out)), promise: nil)
    }

    private func sendRaw(_ text: String) {
        guard let context else { return }
        let out = context.channel.allocator.buffer(string: text)
        context.write(wrapOutboundOut(AddressedEnvelope(remoteAddress: server, data: out)), promise: nil)
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let message: Message? = envelope.data.withUnsafeReadableBytes { raw in try? Message.parse(raw) }
        switch message {
        case .peer(let looked, _, _)?, .inactive(let looked)?:
            guard measuring else { return }
            let now = NIODeadline.now().uptimeNanoseconds
            let slot = Int(looked - 1) & (LookupLoad.ringSize - 1)
            histogram.record(nanoseconds: now &- sendTimes[slot])
            answered += 1
            outstanding -= 1
            if running, outstanding < pipeline { sendLookup(now: now) }
        case .registered(let answeredID, _)? where answeredID == id:
            registerTask?.cancel()
            registerTask = nil
            registered.succeed()
        default:
            break
        }
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        context.flush()
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {}

    func handlerRemoved(context: ChannelHandlerContext) {
        registerTask?.cancel()
        stallTask?.cancel()
        registered.fail(UDPChatError.bench("socket closed before REGISTERED"))
    }
}

/// Registers one id from one socket (REGISTER re-sent every 250 ms), then closes the socket.
final class RegisterOnce: ChannelInboundHandler {
    typealias InboundIn = AddressedEnvelope<ByteBuffer>
    typealias OutboundOut = AddressedEnvelope<ByteBuffer>

    let id: ClientID
    let server: SocketAddress
    let done: EventLoopPromise<Int>
    private var attempts = 0
    private var task: RepeatedTask?

    init(id: ClientID, server: SocketAddress, done: EventLoopPromise<Int>) {
        self.id = id
        self.server = server
        self.done = done
    }

    func channelActive(context: ChannelHandlerContext) {
        let loopBound = NIOLoopBound((self, context), eventLoop: context.eventLoop)
        task = context.eventLoop.scheduleRepeatedTask(initialDelay: .zero, delay: .milliseconds(250)) { _ in
            let (handler, context) = loopBound.value
            handler.attempts += 1
            let port = context.channel.localAddress?.port ?? 1
            let out = context.channel.allocator.buffer(string: "REGISTER \(handler.id) \(port)")
            context.writeAndFlush(handler.wrapOutboundOut(AddressedEnvelope(remoteAddress: handler.server, data: out)), promise: nil)
        }
        context.fireChannelActive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        let envelope = unwrapInboundIn(data)
        let message: Message? = envelope.data.withUnsafeReadableBytes { raw in try? Message.parse(raw) }
        guard case .registered(let answered, _)? = message, answered == id else { return }
        task?.cancel()
        task = nil
        done.succeed(attempts)
        context.close(promise: nil)
    }

    func errorCaught(context: ChannelHandlerContext, error: Error) {}

    func handlerRemoved(context: ChannelHandlerContext) {
        task?.cancel()
        done.fail(UDPChatError.bench("socket closed before REGISTERED \(id)"))
    }
}
